-- 进展填报: every loaded bureau progress return with its review state (待审核, 已接受, 已退回, 已重新打开,
-- latest decision wins), who decided and why, who accepted it and when, its place among the bureau's
-- submissions for the month, and whether it arrived by the due working day.
with

returns as (
    select * from {{ ref('int_returns_reviewed') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

labels as (
    select * from {{ ref('return_labels') }}
),

final as (
    select
        cast(returns.return_sha256 as varchar) as return_sha256,
        cast(returns.source_id as varchar) as source_id,
        cast(returns.plan_id as varchar) as plan_id,
        cast(returns.bureau_code as varchar) as bureau_code,
        cast(coalesce(bureaus.name_zh, returns.bureau_code) as varchar) as bureau_name_zh,
        cast(returns.report_month as date) as report_month,
        cast(returns.report_month_no as integer) as report_month_no,
        cast(returns.submitted_at as timestamptz) as submitted_at,
        cast(returns.submitted_on as date) as submitted_on,
        cast(returns.due_date as date) as due_date,
        cast(returns.is_on_time as boolean) as is_on_time,
        cast(returns.late_working_days as integer) as late_working_days,
        cast(returns.submission_no as integer) as submission_no,
        cast(returns.submissions_for_month as integer) as submissions_for_month,
        cast(returns.submission_no = returns.submissions_for_month as boolean) as is_latest_submission,
        cast(returns.review_state as varchar) as review_state,
        cast(labels.label_zh as varchar) as review_state_zh,
        cast(returns.decision_count as integer) as decision_count,
        cast(returns.latest_reviewer as varchar) as latest_reviewer,
        cast(returns.latest_decided_at as timestamptz) as latest_decided_at,
        cast(returns.latest_reason as varchar) as latest_reason,
        cast(returns.accepted_by as varchar) as accepted_by,
        cast(returns.accepted_at as timestamptz) as accepted_at,
        cast(returns.reporter as varchar) as reporter,
        cast(returns.phone as varchar) as phone,
        cast(returns.row_count as integer) as row_count,
        cast(returns.load_id as varchar) as load_id,
        cast(returns.loaded_at as timestamptz) as loaded_at
    from returns
    left join bureaus on returns.bureau_code = bureaus.bureau_code
    left join labels on labels.kind = 'review_state' and returns.review_state = labels.code
)

select * from final
