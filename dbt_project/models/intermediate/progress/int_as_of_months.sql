-- The as-of months the progress marts are computed for: every month of the plan year up to the as-of
-- month (the run's, or else the latest month with data). Works on an empty raw layer.
{%- set as_of = var('as_of_month') -%}
{%- set plan_year = var('plan_year') | int -%}
{%- if not as_of -%}
    {%- set run_month = 'null' -%}
{%- elif as_of[:4] | int > plan_year -%}
    {%- set run_month = 12 -%}
{%- elif as_of[:4] | int < plan_year -%}
    {%- set run_month = 1 -%}
{%- else -%}
    {%- set run_month = as_of[5:7] | int -%}
{%- endif %}

with

observations as (
    select * from {{ ref('int_observations_latest') }}
    where period_year = {{ plan_year }}
),

last_month as (
    select coalesce({{ run_month }}, max(period_end_month), 1) as last_month_no
    from observations
),

months as (
    select
        {{ plan_year }} as plan_year,
        unnest(range(1, last_month_no + 1)) as as_of_month_no
    from last_month
),

final as (
    select
        plan_year,
        cast(as_of_month_no as integer) as as_of_month_no,
        make_date(plan_year, cast(as_of_month_no as integer), 1) as as_of_month
    from months
)

select * from final
