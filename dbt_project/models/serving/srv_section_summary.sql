-- serving.section_summary: each section of the plan at each as-of month, targets by status.
{{ config(alias='section_summary') }}

with

summary as (
    select * from {{ served_ref('fct_section_summary') }}
),

final as (
    select
        plan_id,
        as_of_month,
        section_no,
        section,
        target_count,
        achieved_count,
        on_track_count,
        at_risk_count,
        off_track_count,
        not_yet_assessable_count,
        no_data_count,
        assessed_count,
        on_track_share,
        worst_gap_pp,
        worst_gap_target_id,
        worst_gaps_zh as worst_gaps
    from summary
)

select * from final
