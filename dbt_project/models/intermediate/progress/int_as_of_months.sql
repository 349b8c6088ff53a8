-- The as-of months each plan's targets are judged at: every month from January of the plan year up to
-- the run's as-of month (or, without one, the latest month with data), and no further than December of
-- the plan's last due year, so a multi-year target (到2027年…) is followed across later years while an
-- annual plan stops at its December. A plan that starts after the as-of month has no months yet.
-- Works on an empty raw layer.
{%- set as_of = var('as_of_month') %}

with

plans as (
    select * from {{ ref('plans') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

observations as (
    select * from {{ ref('int_observations_latest') }}
),

latest_data as (
    select max(make_date(period_year, period_end_month, 1)) as latest_data_month
    from observations
),

plan_windows as (
    select
        plans.plan_id,
        plans.plan_year,
        make_date(plans.plan_year, 1, 1) as first_month,
        make_date(greatest(plans.plan_year, max(year(targets.due_date))), 12, 1) as last_due_month
    from plans
    inner join targets on plans.plan_id = targets.plan_id
    group by plans.plan_id, plans.plan_year
),

bounded as (
    select
        plan_windows.plan_id,
        plan_windows.plan_year,
        plan_windows.first_month,
        least(
            plan_windows.last_due_month,
            {% if as_of -%}
                date '{{ as_of }}-01'
            {%- else -%}
                greatest(plan_windows.first_month, coalesce(latest_data.latest_data_month, plan_windows.first_month))
            {%- endif %}
        ) as last_month
    from plan_windows
    cross join latest_data
),

months as (
    select
        plan_id,
        plan_year,
        cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as as_of_month
    from bounded
    where last_month >= first_month
),

final as (
    select
        plan_id,
        cast(plan_year as integer) as plan_year,
        as_of_month,
        cast(year(as_of_month) as integer) as as_of_year,
        cast(month(as_of_month) as integer) as as_of_month_no
    from months
)

select * from final
