-- serving.indicator_values: the current figure of every indicator, period and measure, with names.
{{ config(alias='indicator_values') }}

with

indicator_values as (
    select * from {{ served_ref('fct_indicator_values') }}
),

final as (
    select
        indicator_code,
        indicator_name_zh as indicator_name,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        period_label_zh as period_label,
        period_grain,
        period_end_date,
        measure,
        value,
        unit,
        value_published,
        unit_published,
        is_derived,
        is_revised,
        source_id,
        release_date
    from indicator_values
)

select * from final
