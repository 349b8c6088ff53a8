-- serving.bureau_summary: each responsible bureau at each as-of month, targets by status and its
-- standing against the district.
{{ config(alias='bureau_summary') }}

with

summary as (
    select * from {{ served_ref('fct_bureau_summary') }}
),

final as (
    select
        plan_id,
        as_of_month,
        bureau_code,
        bureau_name_zh as bureau_name,
        target_count,
        achieved_count,
        on_track_count,
        at_risk_count,
        off_track_count,
        not_yet_assessable_count,
        no_data_count,
        assessed_count,
        on_track_share,
        district_on_track_share,
        on_track_share_vs_district,
        on_track_rank,
        worst_gap_pp,
        worst_gap_target_id,
        worst_gaps_zh as worst_gaps,
        returns_due_count,
        returns_on_time_count,
        returns_late_count,
        returns_missing_count,
        return_timeliness_rate,
        return_exceptions_zh as return_exceptions
    from summary
)

select * from final
