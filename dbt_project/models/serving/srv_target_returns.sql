-- serving.target_returns: every accepted version of what a bureau reported for a target and month.
{{ config(alias='target_returns') }}

with

vintages as (
    select * from {{ served_ref('fct_target_return_vintages') }}
),

final as (
    select
        plan_id,
        target_id,
        report_month,
        vintage_no,
        bureau_code,
        reported_value,
        unit_raw as unit,
        milestone_state_zh as milestone_state,
        next_stage_zh as next_stage,
        next_stage_date,
        progress_text,
        evidence_ref,
        note,
        reporter,
        submitted_at,
        accepted_by,
        accepted_at,
        valid_from,
        valid_to,
        is_current
    from vintages
)

select * from final
