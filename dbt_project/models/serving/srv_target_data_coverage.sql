-- serving.target_data_coverage: where each target's figure comes from, and what is missing where none does.
{{ config(alias='target_data_coverage') }}

with

coverage as (
    select * from {{ served_ref('fct_target_data_coverage') }}
),

final as (
    select
        plan_id,
        as_of_month,
        target_id,
        indicator_name_zh as indicator_name,
        responsible_bureau as bureau_code,
        has_statistical_source,
        figure_source_zh as figure_source,
        source_id,
        data_period_label_zh as data_period,
        release_date,
        return_report_month,
        is_unreviewed,
        status_label_zh as status_label,
        missing_zh as missing
    from coverage
)

select * from final
