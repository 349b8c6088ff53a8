-- Each responsible bureau (责任单位) of each plan at each as-of month: targets by status, the share on
-- track among those that can be judged, the worst gaps, and its standing against the plan as a whole
-- (the benchmark local practice ranks bureaus against).
with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

bureaus as (
    select * from {{ ref('dim_bureaus') }}
),

by_bureau as (
    select
        plan_id,
        as_of_month,
        as_of_month_no,
        responsible_bureau,
        {{ status_counts() }}
    from progress
    group by plan_id, as_of_month, as_of_month_no, responsible_bureau
),

district as (
    select
        plan_id,
        as_of_month,
        count(*) filter (where status in ('achieved', 'on_track'))
        / nullif(count(*) filter (where status in ('achieved', 'on_track', 'at_risk', 'off_track')), 0)
            as district_on_track_share
    from progress
    group by plan_id, as_of_month
),

ranked as (
    select
        by_bureau.*,
        district.district_on_track_share,
        by_bureau.on_track_share - district.district_on_track_share as on_track_share_vs_district,
        case
            when by_bureau.on_track_share is not null then rank() over (
                partition by by_bureau.plan_id, by_bureau.as_of_month
                order by by_bureau.on_track_share desc nulls last
            )
        end as on_track_rank
    from by_bureau
    inner join district on by_bureau.plan_id = district.plan_id and by_bureau.as_of_month = district.as_of_month
),

final as (
    select
        cast(ranked.plan_id as varchar) as plan_id,
        cast(ranked.as_of_month as date) as as_of_month,
        cast(ranked.as_of_month_no as integer) as as_of_month_no,
        cast(ranked.responsible_bureau as varchar) as bureau_code,
        cast(bureaus.bureau_name_zh as varchar) as bureau_name_zh,
        cast(ranked.target_count as integer) as target_count,
        cast(ranked.achieved_count as integer) as achieved_count,
        cast(ranked.on_track_count as integer) as on_track_count,
        cast(ranked.at_risk_count as integer) as at_risk_count,
        cast(ranked.off_track_count as integer) as off_track_count,
        cast(ranked.not_yet_assessable_count as integer) as not_yet_assessable_count,
        cast(ranked.no_data_count as integer) as no_data_count,
        cast(ranked.assessed_count as integer) as assessed_count,
        cast(ranked.on_track_share as double) as on_track_share,
        cast(ranked.district_on_track_share as double) as district_on_track_share,
        cast(ranked.on_track_share_vs_district as double) as on_track_share_vs_district,
        cast(ranked.on_track_rank as integer) as on_track_rank,
        cast(ranked.worst_gap_pp as double) as worst_gap_pp,
        cast(ranked.worst_gap_target_id as varchar) as worst_gap_target_id,
        cast(ranked.worst_gaps_zh as varchar) as worst_gaps_zh
    from ranked
    left join bureaus on ranked.responsible_bureau = bureaus.bureau_code
)

select * from final
