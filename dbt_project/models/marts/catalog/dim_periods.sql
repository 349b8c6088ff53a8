-- One row per calendar month of every plan's years and the three years before each (the seasonal
-- benchmark's window), and of any other year with data: labels as releases print them, the official
-- time benchmark 序时进度 τ = m/12, and the days elapsed for held rates.
with

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
),

plans as (
    select * from {{ ref('plans') }}
),

plan_years as (
    select distinct plan_year from plans
),

years as (
    select unnest(range(plan_year - 3, plan_year + 1)) as period_year from plan_years
    union
    select distinct period_year from values_aligned
),

months as (
    select
        years.period_year,
        cast(month_no.month_no as integer) as month_no
    from years
    cross join (select unnest(range(1, 13)) as month_no) as month_no
),

final as (
    select
        cast(make_date(period_year, month_no, 1) as date) as month_start_date,
        cast(last_day(make_date(period_year, month_no, 1)) as date) as month_end_date,
        cast(period_year as integer) as period_year,
        cast(month_no as integer) as month_no,
        cast(ceil(month_no / 3.0) as integer) as quarter_no,
        cast(cast(month_no as varchar) || '月' as varchar) as month_label_zh,
        cast({{ period_label_zh('1', 'month_no') }} as varchar) as ytd_label_zh,
        cast({{ quarter_label_zh('1', 'month_no') }} as varchar) as quarter_label_zh,
        cast(month_no / 12.0 as double) as time_benchmark,
        cast(dayofyear(last_day(make_date(period_year, month_no, 1))) as integer) as days_elapsed,
        cast(dayofyear(make_date(period_year, 12, 31)) as integer) as days_in_year,
        cast(month_no % 3 = 0 as boolean) as is_quarter_end,
        -- bureaus publish January and February together (1-2月): there is no January release
        cast(month_no = 1 as boolean) as is_unpublished_month,
        cast(period_year in (select plan_years.plan_year from plan_years) as boolean) as is_plan_year
    from months
)

select * from final
