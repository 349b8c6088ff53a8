-- The targets whose status moved since the previous as-of month of the same plan (上月以来状态变化),
-- for the report's "changes since last month" and for BI. One row per plan, target and as-of month whose
-- status differs from the month before; a plan's first as-of month has nothing to compare with.
with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

with_previous as (
    select
        plan_id,
        target_id,
        as_of_month,
        indicator_name_zh,
        responsible_bureau,
        section_no,
        status,
        status_label_zh,
        status_sort_order,
        status_reason,
        gap_pp,
        lag(as_of_month) over by_month as previous_as_of_month,
        lag(status) over by_month as previous_status,
        lag(status_label_zh) over by_month as previous_status_label_zh,
        lag(status_sort_order) over by_month as previous_status_sort_order,
        lag(gap_pp) over by_month as previous_gap_pp
    from progress
    window by_month as (partition by plan_id, target_id order by as_of_month)
),

moved as (
    select
        *,
        -- among judged statuses a lower sort order is better (config.status_rules); moving into or out of
        -- "not yet assessable" or "no data" is neither better nor worse
        case
            when
                previous_status not in ('achieved', 'on_track', 'at_risk', 'off_track')
                and status in ('achieved', 'on_track', 'at_risk', 'off_track')
                then 'now_assessed'
            when status not in ('achieved', 'on_track', 'at_risk', 'off_track') then 'no_longer_assessed'
            when status_sort_order < previous_status_sort_order then 'better'
            else 'worse'
        end as change_direction
    from with_previous
    where previous_status is not null and status <> previous_status
),

final as (
    select
        cast(plan_id as varchar) as plan_id,
        cast(target_id as varchar) as target_id,
        cast(as_of_month as date) as as_of_month,
        cast(previous_as_of_month as date) as previous_as_of_month,
        cast(indicator_name_zh as varchar) as indicator_name_zh,
        cast(responsible_bureau as varchar) as responsible_bureau,
        cast(section_no as integer) as section_no,
        cast(previous_status as varchar) as previous_status,
        cast(previous_status_label_zh as varchar) as previous_status_label_zh,
        cast(status as varchar) as status,
        cast(status_label_zh as varchar) as status_label_zh,
        cast(change_direction as varchar) as change_direction,
        cast(case change_direction
            when 'better' then '好转'
            when 'worse' then '变差'
            when 'now_assessed' then '开始评估'
            when 'no_longer_assessed' then '暂停评估'
        end as varchar) as change_direction_zh,
        cast(previous_gap_pp as double) as previous_gap_pp,
        cast(gap_pp as double) as gap_pp,
        cast(status_reason as varchar) as status_reason
    from moved
)

select * from final
