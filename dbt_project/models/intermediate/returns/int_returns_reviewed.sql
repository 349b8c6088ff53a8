-- Each bureau progress return with its review state: the latest decision wins (accepted, sent_back,
-- reopened), no decision is pending (待审核). Also the latest acceptance (who, when), the submission's
-- place among the bureau's returns for that month (a change comes as a new file), and whether it arrived
-- by its due date (working days late counted on the calendar; a return that arrives on a non-working day
-- counts as arriving on the next working day).
with

returns as (
    select * from {{ ref('stg_ingest__progress_returns') }}
),

reviews as (
    select * from {{ ref('stg_ingest__return_reviews') }}
),

due_dates as (
    select * from {{ ref('int_return_due_dates') }}
),

workdays as (
    select * from {{ ref('int_workdays') }}
),

decisions as (
    select
        return_sha256,
        count(*) as decision_count,
        arg_max(decision, (decided_at, review_id)) as latest_decision,
        arg_max(reviewer, (decided_at, review_id)) as latest_reviewer,
        max(decided_at) as latest_decided_at,
        arg_max(reason, (decided_at, review_id)) as latest_reason,
        min(decided_at) as first_decided_at,
        max(decided_at) filter (where decision = 'accepted') as accepted_at,
        arg_max(reviewer, (decided_at, review_id)) filter (where decision = 'accepted') as accepted_by
    from reviews
    group by return_sha256
),

reviewed as (
    select
        returns.*,
        coalesce(decisions.latest_decision, 'pending') as review_state,
        coalesce(decisions.decision_count, 0) as decision_count,
        decisions.latest_reviewer,
        decisions.latest_decided_at,
        decisions.latest_reason,
        decisions.first_decided_at,
        decisions.accepted_at,
        decisions.accepted_by,
        row_number() over (
            partition by returns.plan_id, returns.bureau_code, returns.report_month
            order by returns.submitted_at, returns.loaded_at, returns.return_sha256
        ) as submission_no,
        count(*) over (
            partition by returns.plan_id, returns.bureau_code, returns.report_month
        ) as submissions_for_month
    from returns
    left join decisions on returns.return_sha256 = decisions.return_sha256
),

timed as (
    select
        reviewed.*,
        due_dates.due_date,
        reviewed.submitted_on <= due_dates.due_date as is_on_time,
        case
            when reviewed.submitted_on > due_dates.due_date
                then submitted.workday_no - due_dates.due_workday_no + case when submitted.is_workday then 0 else 1 end
            else 0
        end as late_working_days
    from reviewed
    left join due_dates on reviewed.report_month = due_dates.report_month
    left join workdays as submitted on reviewed.submitted_on = submitted.day
)

select * from timed
