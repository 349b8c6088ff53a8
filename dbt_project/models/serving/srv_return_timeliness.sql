-- serving.return_timeliness: each bureau's progress return for each month, on time, late or missing.
{{ config(alias='return_timeliness') }}

with

timeliness as (
    select * from {{ served_ref('fct_return_timeliness') }}
),

final as (
    select
        plan_id,
        bureau_code,
        bureau_name_zh as bureau_name,
        report_month,
        due_date,
        first_submitted_on,
        submission_count,
        timeliness_zh as timeliness,
        late_working_days,
        latest_review_state_zh as latest_review_state,
        has_accepted_return
    from timeliness
)

select * from final
