-- Every accepted version of every figure a bureau returned for a target and month, valid from its
-- acceptance to the next accepted version (or to the day its return was sent back or reopened): what bureau
-- X reported for target Y in June, in the target's unit as written, and who accepted it when.
with

vintages as (
    select * from {{ ref('int_return_figures_vintaged') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

states as (
    select * from {{ ref('milestone_states') }}
),

final as (
    select
        cast(vintages.plan_id as varchar) as plan_id,
        cast(vintages.target_id as varchar) as target_id,
        cast(vintages.report_month as date) as report_month,
        cast(vintages.vintage_no as integer) as vintage_no,
        cast(vintages.bureau_code as varchar) as bureau_code,
        cast(vintages.return_sha256 as varchar) as return_sha256,
        cast(vintages.reported_value as double) as reported_value,
        cast(targets.unit_raw as varchar) as unit_raw,
        cast(vintages.milestone_state as varchar) as milestone_state,
        cast(current_state.label_zh as varchar) as milestone_state_zh,
        cast(vintages.next_stage as varchar) as next_stage,
        cast(next_state.label_zh as varchar) as next_stage_zh,
        cast(vintages.next_stage_date as date) as next_stage_date,
        cast(vintages.progress_text as varchar) as progress_text,
        cast(vintages.evidence_ref as varchar) as evidence_ref,
        cast(vintages.note as varchar) as note,
        cast(vintages.reporter as varchar) as reporter,
        cast(vintages.submitted_at as timestamptz) as submitted_at,
        cast(vintages.accepted_by as varchar) as accepted_by,
        cast(vintages.accepted_at as timestamptz) as accepted_at,
        cast(vintages.valid_from as timestamptz) as valid_from,
        cast(vintages.valid_to as timestamptz) as valid_to,
        cast(vintages.valid_to is null as boolean) as is_current,
        cast(vintages.closed_by_decision as varchar) as closed_by_decision
    from vintages
    left join targets on vintages.plan_id = targets.plan_id and vintages.target_id = targets.target_id
    left join states as current_state on vintages.milestone_state = current_state.state
    left join states as next_state on vintages.next_stage = next_state.state
)

select * from final
