-- Every day the submission calendar needs, from January of the first plan year to the end of the year
-- after the last one (December's return is due in January) or of the latest submission or today: Monday to
-- Friday are working days unless workday_exceptions says otherwise (holidays off, weekend make-up days
-- 调休 on). workday_no counts working days up to and including the day, so working days between two dates
-- are a subtraction.
with

plans as (
    select * from {{ ref('plans') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

returns as (
    select * from {{ ref('stg_ingest__progress_returns') }}
),

exceptions as (
    select * from {{ ref('workday_exceptions') }}
),

plan_span as (
    select
        min(plans.plan_year) as first_year,
        greatest(max(plans.plan_year), max(year(targets.due_date))) + 1 as last_year
    from plans
    inner join targets on plans.plan_id = targets.plan_id
),

return_span as (
    select max(year(submitted_on)) as last_year from returns
),

span as (
    select
        make_date(plan_span.first_year, 1, 1) as first_day,
        make_date(
            greatest(plan_span.last_year, coalesce(return_span.last_year, 0), year({{ evaluation_date() }})), 12, 31
        ) as last_day
    from plan_span
    cross join return_span
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as day
    from span
),

flagged as (
    select
        days.day,
        coalesce(exceptions.is_workday, isodow(days.day) <= 5) as is_workday,
        exceptions.description_zh as exception_zh
    from days
    left join exceptions on days.day = exceptions.day
),

numbered as (
    select
        *,
        sum(case when is_workday then 1 else 0 end) over (order by day rows unbounded preceding) as workday_no
    from flagged
)

select * from numbered
