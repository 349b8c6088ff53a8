-- The latest vintage of every observation key: what is known now. Incremental on the keys the vintage
-- history recomputed since the last run.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='observation_key',
        on_schema_change='append_new_columns',
    )
}}

with

vintages as (
    select * from {{ ref('int_observations_vintaged') }}
    {% if is_incremental() %}
        where key_loaded_at > {{ incremental_watermark('key_loaded_at') }}
    {% endif %}
),

latest as (
    select
        observation_key,
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
        unit_multiplier,
        label_raw,
        obs_status,
        release_sha256,
        release_date,
        loaded_at,
        key_loaded_at,
        vintage_no,
        vintage_no > 1 as is_revised,
        previous_value,
        revision
    from vintages
    where is_latest
)

select * from latest
