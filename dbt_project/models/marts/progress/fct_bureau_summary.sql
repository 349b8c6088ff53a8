-- Each responsible bureau (责任单位) of each plan at each as-of month: targets by status, the share on
-- track among those that can be judged, the worst gaps, and its standing against the plan as a whole
-- (the benchmark local practice ranks bureaus against), and how timely its progress returns were from
-- January to the as-of month (填报及时率 = on time / returns due; a month not yet due is not counted).
with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

bureaus as (
    select * from {{ ref('dim_bureaus') }}
),

timeliness as (
    select * from {{ ref('fct_return_timeliness') }}
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

progress_months as (
    select distinct
        plan_id,
        as_of_month
    from progress
),

returns_to_date as (
    select
        progress_months.plan_id,
        progress_months.as_of_month,
        timeliness.bureau_code,
        count(*) filter (where timeliness.timeliness <> 'not_due') as returns_due_count,
        count(*) filter (where timeliness.timeliness = 'on_time') as returns_on_time_count,
        count(*) filter (where timeliness.timeliness = 'late') as returns_late_count,
        count(*) filter (where timeliness.timeliness = 'missing') as returns_missing_count,
        count(*) filter (where timeliness.timeliness = 'on_time')
        / nullif(count(*) filter (where timeliness.timeliness <> 'not_due'), 0) as return_timeliness_rate,
        string_agg(
            timeliness.report_month_no || '月' || timeliness.timeliness_zh
            || case when timeliness.timeliness = 'late' then timeliness.late_working_days || '个工作日' else '' end,
            ',' order by timeliness.report_month
        ) filter (where timeliness.timeliness in ('late', 'missing')) as return_exceptions_zh
    from progress_months
    inner join timeliness
        on
            progress_months.plan_id = timeliness.plan_id
            and progress_months.as_of_month >= timeliness.report_month
    group by progress_months.plan_id, progress_months.as_of_month, timeliness.bureau_code
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
        cast(ranked.worst_gaps_zh as varchar) as worst_gaps_zh,
        cast(coalesce(returns_to_date.returns_due_count, 0) as integer) as returns_due_count,
        cast(coalesce(returns_to_date.returns_on_time_count, 0) as integer) as returns_on_time_count,
        cast(coalesce(returns_to_date.returns_late_count, 0) as integer) as returns_late_count,
        cast(coalesce(returns_to_date.returns_missing_count, 0) as integer) as returns_missing_count,
        cast(returns_to_date.return_timeliness_rate as double) as return_timeliness_rate,
        cast(returns_to_date.return_exceptions_zh as varchar) as return_exceptions_zh
    from ranked
    left join bureaus on ranked.responsible_bureau = bureaus.bureau_code
    left join returns_to_date
        on
            ranked.plan_id = returns_to_date.plan_id
            and ranked.as_of_month = returns_to_date.as_of_month
            and ranked.responsible_bureau = returns_to_date.bureau_code
)

select * from final
