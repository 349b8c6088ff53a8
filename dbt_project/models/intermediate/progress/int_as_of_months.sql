-- The as-of months the progress marts are computed for: every month of the plan year up to the as-of
-- month (the run's, or else the latest month with data). Works on an empty raw layer.
with

observations as (
    select * from {{ ref('int_observations_latest') }}
),

last_month as (
    select
        {% if var('as_of_month') %}
            case
                when {{ var('as_of_month')[:4] | int }} > {{ var('plan_year') }} then 12
                when {{ var('as_of_month')[:4] | int }} < {{ var('plan_year') }} then 1
                else {{ var('as_of_month')[5:7] | int }}
            end as last_month_no
        {% else %}
            coalesce(max(period_end_month) filter (where period_year = {{ var('plan_year') }}), 1)
            as last_month_no
        from observations
        {% endif %}
),

months as (
    select
        {{ var('plan_year') }} as plan_year,
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
