-- 填报及时性: each responsible bureau of each plan, each month of the plan up to the as-of month: whether
-- its progress return arrived by the due working day, late (by how many working days) or not at all, and
-- whether an accepted return exists for the month.
with

timeliness as (
    select * from {{ ref('int_bureau_return_timeliness') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

labels as (
    select * from {{ ref('return_labels') }}
),

final as (
    select
        cast(timeliness.plan_id as varchar) as plan_id,
        cast(timeliness.bureau_code as varchar) as bureau_code,
        cast(coalesce(bureaus.name_zh, timeliness.bureau_code) as varchar) as bureau_name_zh,
        cast(timeliness.report_month as date) as report_month,
        cast(month(timeliness.report_month) as integer) as report_month_no,
        cast(timeliness.due_date as date) as due_date,
        cast(timeliness.first_submitted_on as date) as first_submitted_on,
        cast(timeliness.submission_count as integer) as submission_count,
        cast(timeliness.timeliness as varchar) as timeliness,
        cast(timeliness_label.label_zh as varchar) as timeliness_zh,
        cast(timeliness.late_working_days as integer) as late_working_days,
        cast(timeliness.latest_review_state as varchar) as latest_review_state,
        cast(review_label.label_zh as varchar) as latest_review_state_zh,
        cast(timeliness.has_accepted_return as boolean) as has_accepted_return,
        cast(timeliness.evaluated_on as date) as evaluated_on
    from timeliness
    left join bureaus on timeliness.bureau_code = bureaus.bureau_code
    left join labels as timeliness_label
        on timeliness_label.kind = 'timeliness' and timeliness.timeliness = timeliness_label.code
    left join labels as review_label
        on review_label.kind = 'review_state' and timeliness.latest_review_state = review_label.code
)

select * from final
