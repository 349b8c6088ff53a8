-- The latest vintage of every observation key: what is known now.
with

observations as (
    select * from {{ ref('stg_ingest__observations') }}
),

latest as (
    select *
    from observations
    qualify row_number() over (
        partition by
            source_id, indicator_code, region_code, period_year, period_start_month, period_end_month, measure
        order by release_date desc, loaded_at desc
    ) = 1
)

select * from latest
