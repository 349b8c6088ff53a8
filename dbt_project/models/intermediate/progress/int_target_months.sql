-- The grid the progress marts fill: each target at each as-of month of its plan. An annual target is
-- judged in its plan year; a multi-year target (到2027年…) until its due year. Every target appears at
-- every such month, whatever the data (no figure is a status too).
with

targets as (
    select * from {{ ref('int_plan_targets_resolved') }}
),

as_of_months as (
    select * from {{ ref('int_as_of_months') }}
),

final as (
    select
        targets.*,
        as_of_months.as_of_month_no,
        as_of_months.as_of_month,
        as_of_months.as_of_year,
        last_day(as_of_months.as_of_month) as as_of_date
    from targets
    inner join as_of_months
        on
            targets.plan_id = as_of_months.plan_id
            and as_of_months.as_of_year <= greatest(targets.plan_year, targets.due_year)
)

select * from final
