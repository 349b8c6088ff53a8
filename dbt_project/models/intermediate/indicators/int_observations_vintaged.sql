-- Every vintage of every observation key with the dates it was the best knowledge: a figure repeated
-- unchanged in a later release is not a new vintage; a changed one is.
with

observations as (
    select * from {{ ref('stg_ingest__observations') }}
),

ordered as (
    select
        *,
        lag(value) over key_window as previous_value,
        row_number() over key_window as release_seq
    from observations
    window key_window as (
        partition by
            source_id, indicator_code, region_code, period_year, period_start_month, period_end_month, measure
        order by release_date, loaded_at
    )
),

changes as (
    select *
    from ordered
    where release_seq = 1 or value is distinct from previous_value
),

vintaged as (
    select
        source_id,
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        measure,
        value,
        value_published,
        unit,
        unit_published,
        release_sha256,
        release_date as valid_from,
        lead(release_date) over (
            partition by
                source_id, indicator_code, region_code, period_year, period_start_month, period_end_month, measure
            order by release_date, loaded_at
        ) as valid_to,
        row_number() over (
            partition by
                source_id, indicator_code, region_code, period_year, period_start_month, period_end_month, measure
            order by release_date, loaded_at
        ) as vintage_no
    from changes
)

select * from vintaged
