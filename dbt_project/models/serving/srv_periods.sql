-- serving.periods: calendar months with their release labels and 序时进度.
{{ config(alias='periods') }}

with

periods as (
    select * from {{ served_ref('dim_periods') }}
),

final as (
    select
        month_start_date,
        month_end_date,
        period_year,
        month_no,
        quarter_no,
        month_label_zh as month_label,
        ytd_label_zh as ytd_label,
        quarter_label_zh as quarter_label,
        time_benchmark,
        days_elapsed,
        days_in_year,
        is_plan_year
    from periods
)

select * from final
