-- Each plan at each as-of month as a whole: targets by status and the share on track among those that can
-- be judged (the report's 总体情况 and 合计 row; sections and bureaus are in fct_section_summary and
-- fct_bureau_summary, computed the same way by the status_counts macro).
with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

summarised as (
    select
        plan_id,
        as_of_month,
        as_of_month_no,
        {{ status_counts() }}
    from progress
    group by plan_id, as_of_month, as_of_month_no
),

final as (
    select
        cast(plan_id as varchar) as plan_id,
        cast(as_of_month as date) as as_of_month,
        cast(as_of_month_no as integer) as as_of_month_no,
        cast(target_count as integer) as target_count,
        cast(achieved_count as integer) as achieved_count,
        cast(on_track_count as integer) as on_track_count,
        cast(at_risk_count as integer) as at_risk_count,
        cast(off_track_count as integer) as off_track_count,
        cast(not_yet_assessable_count as integer) as not_yet_assessable_count,
        cast(no_data_count as integer) as no_data_count,
        cast(assessed_count as integer) as assessed_count,
        cast(on_track_share as double) as on_track_share,
        cast(worst_gap_pp as double) as worst_gap_pp,
        cast(worst_gap_target_id as varchar) as worst_gap_target_id,
        cast(worst_gaps_zh as varchar) as worst_gaps_zh
    from summarised
)

select * from final
