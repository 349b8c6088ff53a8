-- The judgement: each target at each as-of month gets a status by ordered rules, the first that applies
-- wins (status_rule says which); every threshold comes from the status_thresholds seed, compared unrounded.
-- Also the figure and the target in words, for the reasons fct_target_progress writes.
with

computed as (
    select * from {{ ref('int_target_progress_computed') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

thresholds as (
    select
        max(value) filter (where threshold = 'level_at_risk_gap_pp') as level_at_risk_gap_pp,
        max(value) filter (where threshold = 'growth_at_risk_gap_pp') as growth_at_risk_gap_pp,
        max(value) filter (where threshold = 'ap_on_track_min') as ap_on_track_min,
        max(value) filter (where threshold = 'ap_accelerate_min') as ap_accelerate_min,
        max(value) filter (where threshold = 'held_rate_feasible_max_pct') as held_rate_feasible_max_pct,
        max(value) filter (where threshold = 'milestone_off_track_days_late') as milestone_off_track_days_late,
        max(value) filter (where threshold = 'return_stale_after_months') as return_stale_after_months,
        max(value) filter (where threshold = 'past_due_stale_after_months') as past_due_stale_after_months
    from {{ ref('status_thresholds') }}
),

flagged as (
    select
        computed.*,
        thresholds.*,
        coalesce(indicators.name_zh, computed.indicator_code) as indicator_name_zh,
        coalesce(indicators.source_status = 'sourced', false) as has_statistical_source,
        coalesce(bureaus.name_zh, computed.responsible_bureau, '责任单位') as bureau_name_zh,
        -- 全覆盖 and “双百” are written without a unit; people still read them as percentages
        coalesce(nullif(computed.unit_raw, ''), case when computed.unit = 'percent' then '%' end) as unit_label,
        case
            when computed.is_rate_target then thresholds.growth_at_risk_gap_pp
            else thresholds.level_at_risk_gap_pp
        end as at_risk_gap_pp,
        computed.as_of_date < computed.due_date as before_due_date,
        -- a bureau's figure months older than the as-of month: later returns missing or not accepted
        computed.figure_source = 'bureau_return'
        and computed.as_of_month_no - computed.data_month_no >= thresholds.return_stale_after_months
            as is_stale_return,
        -- the figure stops short of the month the target falls due (September's figure at a December due date)
        computed.data_month_no is not null
        and make_date(computed.as_of_year, computed.data_month_no, 1) < date_trunc('month', computed.due_date)
            as data_before_due_month,
        computed.as_of_month_no - computed.data_month_no >= thresholds.past_due_stale_after_months
            as data_months_behind,
        computed.required_remaining_rate_pct is not null and (
            (computed.orientation = 1 and computed.required_remaining_rate_pct <= 0)
            or (
                computed.orientation = -1
                and computed.required_remaining_rate_pct >= thresholds.held_rate_feasible_max_pct
            )
        ) as held_rate_secured,
        computed.required_remaining_rate_pct is not null and (
            (
                computed.orientation = 1
                and computed.required_remaining_rate_pct > thresholds.held_rate_feasible_max_pct
            )
            or (computed.orientation = -1 and computed.required_remaining_rate_pct < 0)
        ) as held_rate_unreachable
    from computed
    cross join thresholds
    left join indicators on computed.indicator_code = indicators.indicator_code
    left join bureaus on computed.responsible_bureau = bureaus.bureau_code
),

ruled as (
    select
        *,
        case
            -- no figure yet, and none could be expected yet
            when actual_value is null and (
                (frequency = 'monthly' and as_of_month_no < 2) or (frequency = 'quarterly' and as_of_month_no < 3)
            ) then 'awaiting_first_release'
            when actual_value is null and as_of_date < first_return_due_date then 'awaiting_first_return'
            when actual_value is null and has_batch_schedule and as_of_month_no < first_batch_month
                then 'awaiting_batch'
            when actual_value is null then 'no_figure'
            -- the target is met for good, or can no longer be
            when meets_target and (
                is_milestone or ((is_cumulative or is_stock) and orientation = 1) or data_month_no = 12
            ) then 'target_met'
            when is_stale_return then 'stale_return'
            when meets_target and held_rate_secured then 'held_rate_secured'
            when held_rate_unreachable then 'held_rate_unreachable'
            when is_cumulative and orientation = -1 and not meets_target then 'cap_exceeded'
            when data_month_no = 12 and not meets_target then 'year_over_missed'
            -- past the due date: an old figure waits for the final one (September's in December); one that
            -- covers the due month, or a milestone or figure with no in-year benchmark, is overdue; the
            -- latest month that could be out (November's in December) is still judged by its benchmark
            when not before_due_date and data_before_due_month and data_months_behind and not meets_target
                then 'awaiting_annual_data'
            when not before_due_date and not meets_target and (
                not data_before_due_month or is_milestone or gap_pp is null
            ) then 'overdue'
            -- no fair benchmark for this figure
            when benchmark_kind = 'seasonal_unavailable' then 'seasonal_history_short'
            when is_stock and increment_completion_rate is null then 'stock_without_base'
            -- milestones against their planned stages (计划节点)
            when is_milestone and missed_node_days_late <= milestone_off_track_days_late
                then 'stage_date_missed_within_threshold'
            when is_milestone and missed_node_days_late > milestone_off_track_days_late
                then 'stage_date_missed_beyond_threshold'
            when is_milestone and upcoming_node_date is not null then 'on_planned_stage'
            when is_milestone then 'no_planned_stage'
            -- amounts against their benchmark, rates against the target
            when is_rate_target and meets_target then 'meets_target'
            when not is_rate_target and gap_pp >= 0 then 'ahead_of_benchmark'
            when gap_pp >= at_risk_gap_pp then 'within_at_risk_threshold'
            else 'beyond_at_risk_threshold'
        end as status_rule
    from flagged
),

judged as (
    select
        *,
        case status_rule
            when 'awaiting_first_release' then 'not_yet_assessable'
            when 'awaiting_first_return' then 'not_yet_assessable'
            when 'awaiting_batch' then 'not_yet_assessable'
            when 'no_figure' then 'no_data'
            when 'target_met' then 'achieved'
            when 'stale_return' then 'no_data'
            when 'held_rate_secured' then 'achieved'
            when 'held_rate_unreachable' then 'off_track'
            when 'cap_exceeded' then 'off_track'
            when 'year_over_missed' then 'off_track'
            when 'awaiting_annual_data' then 'not_yet_assessable'
            when 'overdue' then 'off_track'
            when 'seasonal_history_short' then 'not_yet_assessable'
            when 'stock_without_base' then 'not_yet_assessable'
            when 'stage_date_missed_within_threshold' then 'at_risk'
            when 'stage_date_missed_beyond_threshold' then 'off_track'
            when 'on_planned_stage' then 'on_track'
            when 'no_planned_stage' then 'not_yet_assessable'
            when 'meets_target' then 'on_track'
            when 'ahead_of_benchmark' then 'on_track'
            when 'within_at_risk_threshold' then 'at_risk'
            else 'off_track'
        end as status,
        case
            when anticipated_progress is null then null
            when anticipated_progress >= ap_on_track_min then '可按期完成'
            when anticipated_progress >= ap_accelerate_min then '需加快'
            else '方向相反'
        end as anticipated_progress_label_zh,
        case milestone_state
            when 'completed' then '已完成'
            when 'in_progress' then '推进中'
            when 'not_started' then '未开工/未启动'
            when 'not_reported' then '未报送'
        end as milestone_state_zh,
        case figure_source
            when 'statistic' then '统计发布'
            when 'bureau_return' then '部门填报'
            else '暂无'
        end as figure_source_zh,
        case benchmark_kind
            when 'time' then '序时进度'
            when 'seasonal' then '季节性基准'
            when 'batch_schedule' then '批次计划'
            when 'seasonal_unavailable' then '季节性基准(历史不足)'
        end as benchmark_label_zh
    from ruled
),

worded as (
    select
        *,
        case
            when actual_value is null then null
            when is_milestone and return_milestone_state_label_zh is not null and figure_source = 'bureau_return'
                then '当前阶段“' || return_milestone_state_label_zh || '”'
            when is_milestone then printf('完成状态%.2f', actual_value)
            when kind = 'decrease' and count_ytd is not null and last_year_same_month_count is not null
                then printf(
                    '%s%g%s(上年同期%g%s),累计同比%+.2f%%', data_period_label_zh, count_ytd,
                    coalesce(count_unit, ''), last_year_same_month_count, coalesce(count_unit, ''), actual_value
                )
            when kind = 'decrease' then printf('%s累计同比%+.2f%%', data_period_label_zh, actual_value)
            when observation_measure = 'ytd_growth_pct'
                then printf('%s累计增长%.2f%%', data_period_label_zh, actual_value)
            when is_rate_target then printf('%s%.2f%%', data_period_label_zh, actual_value)
            else printf('%s%.2f%s', data_period_label_zh, actual_value, coalesce(unit_label, ''))
        end as actual_text,
        case
            when kind = 'decrease'
                then
                    printf(
                        '下降%s%g%%', case when comparator = '>' then '超过' else '' end,
                        target_value
                    )
            when is_milestone
                then strftime(due_date, '%Y-%m-%d') || '前' || coalesce('达到“' || milestone_goal_label_zh || '”', '完成')
            else comparator || printf('%g', target_value) || coalesce(unit_label, '')
        end as target_text
    from judged
)

select * from worded
