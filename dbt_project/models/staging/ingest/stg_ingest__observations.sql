with

source as (
    select * from {{ source('ingest', 'observations') }}
),

renamed as (
    select
        source_id,
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        measure,
        value as value_published,
        unit_raw as unit_published,
        unit,
        unit_multiplier,
        -- levels go to canonical units (yuan, usd, kg, ...); rates stay in percent
        case
            when unit in ('percent', 'percentage_point') then value
            else value * unit_multiplier
        end as value,
        sha256 as release_sha256,
        release_date,
        loaded_at,
        load_id,
        label_raw,
        file_sheet,
        file_row,
        -- SDMX OBS_STATUS as published (A normal, P provisional, E estimated, B break), else null
        obs_status
    from source
)

select * from renamed
