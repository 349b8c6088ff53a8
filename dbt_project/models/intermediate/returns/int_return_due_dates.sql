-- When each month's progress return is due: the N-th working day of the following month (N is the threshold
-- return_due_working_day), counted on the working-day calendar.
with

workdays as (
    select * from {{ ref('int_workdays') }}
),

thresholds as (
    select cast(max(value) filter (where threshold = 'return_due_working_day') as integer) as due_working_day
    from {{ ref('status_thresholds') }}
),

working_days_of_month as (
    select
        day,
        workday_no,
        row_number() over (partition by year(day), month(day) order by day) as working_day_of_month
    from workdays
    where is_workday
),

due as (
    select
        cast(date_trunc('month', working_days_of_month.day) - interval 1 month as date) as report_month,
        working_days_of_month.day as due_date,
        working_days_of_month.workday_no as due_workday_no,
        thresholds.due_working_day
    from working_days_of_month
    cross join thresholds
    where working_days_of_month.working_day_of_month = thresholds.due_working_day
)

select * from due
