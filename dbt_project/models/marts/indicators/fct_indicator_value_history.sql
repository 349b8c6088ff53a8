-- Every vintage of every published figure with its release and the dates it was the best knowledge
-- (valid_from inclusive, valid_to exclusive; null valid_to = still current). Answers "what did we know on
-- date X" (macro observations_as_known_on). Incremental like the vintage history it copies: only keys
-- that received new releases are replaced.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='observation_key',
    )
}}

with

vintages as (
    select * from {{ ref('int_observations_vintaged') }}
    {% if is_incremental() %}
        where key_loaded_at > {{ incremental_watermark('key_loaded_at') }}
    {% endif %}
),

final as (
    select
        cast(observation_key as varchar) as observation_key,
        cast(vintage_no as integer) as vintage_no,
        cast(source_id as varchar) as source_id,
        cast(indicator_code as varchar) as indicator_code,
        cast(region_code as varchar) as region_code,
        cast(period_year as integer) as period_year,
        cast(period_start_month as integer) as period_start_month,
        cast(period_end_month as integer) as period_end_month,
        cast(measure as varchar) as measure,
        cast({{ period_label_zh('period_start_month', 'period_end_month') }} as varchar) as period_label_zh,
        cast(value as double) as value,
        cast(value_published as double) as value_published,
        cast(unit as varchar) as unit,
        cast(unit_published as varchar) as unit_published,
        cast(previous_value as double) as previous_value,
        cast(revision as double) as revision,
        cast(release_sha256 as varchar) as release_sha256,
        cast(release_date as date) as release_date,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(is_latest as boolean) as is_latest,
        cast(label_raw as varchar) as label_raw,
        cast(loaded_at as timestamptz) as loaded_at,
        cast(key_loaded_at as timestamptz) as key_loaded_at
    from vintages
)

select * from final
