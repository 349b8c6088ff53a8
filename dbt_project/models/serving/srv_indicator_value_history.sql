-- serving.indicator_value_history: every vintage of every published figure, with its validity dates.
{{ config(alias='indicator_value_history') }}

with

history as (
    select * from {{ served_ref('fct_indicator_value_history') }}
),

final as (
    select
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        period_label_zh as period_label,
        measure,
        vintage_no,
        value,
        unit,
        value_published,
        unit_published,
        previous_value,
        revision,
        valid_from,
        valid_to,
        is_latest,
        source_id,
        release_date
    from history
)

select * from final
