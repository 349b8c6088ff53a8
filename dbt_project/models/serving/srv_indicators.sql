-- serving.indicators: the indicator registry and what the warehouse holds for each.
{{ config(alias='indicators') }}

with

indicators as (
    select * from {{ served_ref('dim_indicators') }}
),

final as (
    select
        indicator_code,
        indicator_name_zh as indicator_name,
        indicator_name_en,
        unit,
        unit_raw,
        frequency,
        measure_type,
        bureau_code,
        bureau_name_zh as bureau_name,
        source_status,
        has_data,
        latest_period_end_date,
        latest_release_date,
        target_count
    from indicators
)

select * from final
