-- serving.target_progress: every plan target at every as-of month, ready to read: names instead of
-- codes, the plan's own words, the figures, 序时进度, the status in words and its reason.
{{ config(alias='target_progress') }}

with

progress as (
    select * from {{ served_ref('fct_target_progress') }}
),

targets as (
    select * from {{ served_ref('dim_targets') }}
),

final as (
    select
        progress.plan_id,
        progress.as_of_month,
        progress.as_of_date,
        progress.target_id,
        progress.section_no,
        progress.section,
        progress.indicator_code,
        progress.indicator_name_zh as indicator_name,
        targets.quote as target_text,
        targets.kind_zh as target_kind,
        progress.comparator,
        progress.target_value,
        progress.unit_raw as unit,
        progress.data_period_label_zh as data_period,
        progress.actual_value,
        progress.completion_rate,
        progress.time_benchmark,
        progress.gap_pp,
        progress.ytd_growth_pct,
        progress.seasonal_benchmark,
        progress.seasonal_gap_pp,
        progress.projected_year_end,
        progress.pace_ratio,
        progress.last_year_actual,
        progress.anticipated_progress,
        progress.anticipated_progress_label_zh as anticipated_progress_label,
        progress.required_monthly_run_rate,
        progress.run_rate_vs_last_year,
        progress.required_rest_of_year_growth_pct,
        progress.required_remaining_rate_pct,
        progress.milestone_state_zh as milestone_state,
        progress.due_date,
        progress.evidence,
        progress.responsible_bureau as bureau_code,
        targets.responsible_bureau_name_zh as bureau_name,
        progress.status,
        progress.status_label_zh as status_label,
        progress.status_colour,
        progress.status_sort_order,
        progress.status_reason,
        progress.source_id,
        progress.release_date,
        progress.is_revised,
        progress.figure_source_zh as figure_source,
        progress.is_unreviewed,
        progress.benchmark_label_zh as benchmark,
        progress.benchmark_value,
        progress.time_gap_pp,
        progress.milestone_stage_zh as milestone_stage,
        progress.milestone_goal_stage_zh as milestone_goal_stage,
        progress.next_stage_zh as next_stage,
        progress.next_stage_date,
        progress.missed_stage_days_late,
        progress.return_report_month,
        progress.return_accepted_by,
        progress.return_progress_text,
        progress.return_evidence_ref
    from progress
    left join targets on progress.target_id = targets.target_id
)

select * from final
