-- Each responsible bureau (责任单位) of each plan and each month of the plan up to the as-of month: was its
-- progress return on time, late (by how many working days) or missing, against the submission calendar,
-- judged on the evaluation date (today, or known_on). The first submission for the month counts for
-- timeliness; a resubmission after a send-back does not make a month late. A month not yet due is not_due.
-- Only plans that collect returns (at least one return loaded) are tracked: a deployment without a returns
-- source does not show every bureau as missing every month.
with

as_of_months as (
    select * from {{ ref('int_as_of_months') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

returns as (
    select * from {{ ref('int_returns_reviewed') }}
),

due_dates as (
    select * from {{ ref('int_return_due_dates') }}
),

workdays as (
    select * from {{ ref('int_workdays') }}
),

plan_bureaus as (
    select distinct
        plan_id,
        responsible_bureau as bureau_code
    from targets
    where responsible_bureau is not null
),

plans_collecting as (
    select distinct plan_id from returns
),

expected as (
    select
        as_of_months.plan_id,
        plan_bureaus.bureau_code,
        as_of_months.as_of_month as report_month
    from as_of_months
    inner join plan_bureaus on as_of_months.plan_id = plan_bureaus.plan_id
    inner join plans_collecting on as_of_months.plan_id = plans_collecting.plan_id
),

submissions as (
    select
        plan_id,
        bureau_code,
        report_month,
        count(*) as submission_count,
        min(submitted_on) as first_submitted_on,
        arg_min(return_sha256, (submitted_at, return_sha256)) as first_return_sha256,
        arg_min(late_working_days, (submitted_at, return_sha256)) as first_late_working_days,
        arg_max(review_state, (submitted_at, return_sha256)) as latest_review_state,
        count(*) filter (where review_state = 'accepted') > 0 as has_accepted_return
    from returns
    group by plan_id, bureau_code, report_month
),

evaluation as (
    select
        day as evaluated_on,
        workday_no as evaluated_workday_no
    from workdays
    where day = {{ evaluation_date() }}
),

judged as (
    select
        expected.plan_id,
        expected.bureau_code,
        expected.report_month,
        due_dates.due_date,
        evaluation.evaluated_on,
        coalesce(submissions.submission_count, 0) as submission_count,
        submissions.first_submitted_on,
        submissions.first_return_sha256,
        submissions.latest_review_state,
        coalesce(submissions.has_accepted_return, false) as has_accepted_return,
        case
            when submissions.first_submitted_on is not null and submissions.first_submitted_on <= due_dates.due_date
                then 'on_time'
            when submissions.first_submitted_on is not null then 'late'
            when evaluation.evaluated_on > due_dates.due_date then 'missing'
            else 'not_due'
        end as timeliness,
        case
            when submissions.first_submitted_on is not null then submissions.first_late_working_days
            when evaluation.evaluated_on > due_dates.due_date
                then evaluation.evaluated_workday_no - due_dates.due_workday_no
            else 0
        end as late_working_days
    from expected
    left join due_dates on expected.report_month = due_dates.report_month
    left join submissions
        on
            expected.plan_id = submissions.plan_id
            and expected.bureau_code = submissions.bureau_code
            and expected.report_month = submissions.report_month
    cross join evaluation
)

select * from judged
