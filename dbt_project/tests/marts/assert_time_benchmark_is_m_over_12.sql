-- 序时进度 must be m/12 of the data month in the progress mart and of the month in dim_periods (official
-- reports match it to 0.1 pp; here it must match exactly, unrounded).

with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

wrong_progress as (
    select
        target_id,
        as_of_month,
        data_month_no,
        time_benchmark
    from progress
    where data_month_no is not null and abs(time_benchmark - data_month_no / 12.0) > 1e-12
),

wrong_periods as (
    select
        'dim_periods' as target_id,
        month_start_date as as_of_month,
        month_no as data_month_no,
        time_benchmark
    from periods
    where abs(time_benchmark - month_no / 12.0) > 1e-12
),

wrong as (
    select * from wrong_progress
    union all
    select * from wrong_periods
)

select * from wrong
