-- One row per plan target per as-of month: actual beside target, 序时进度, the seasonal benchmark and
-- projection, what the rest of the year needs, anticipated progress, and a status with its reason.
-- The formulas are computed in int_target_progress_computed; this model judges. Rules run in order and the
-- first that applies wins; every threshold comes from the status_thresholds seed, compared unrounded.
with

computed as (
    select * from {{ ref('int_target_progress_computed') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

status_rules as (
    select * from {{ ref('status_rules') }}
),

thresholds as (
    select
        max(value) filter (where threshold = 'level_at_risk_gap_pp') as level_at_risk_gap_pp,
        max(value) filter (where threshold = 'growth_at_risk_gap_pp') as growth_at_risk_gap_pp,
        max(value) filter (where threshold = 'ap_on_track_min') as ap_on_track_min,
        max(value) filter (where threshold = 'ap_accelerate_min') as ap_accelerate_min,
        max(value) filter (where threshold = 'held_rate_feasible_max_pct') as held_rate_feasible_max_pct
    from {{ ref('status_thresholds') }}
),

flagged as (
    select
        computed.*,
        thresholds.*,
        coalesce(indicators.name_zh, computed.indicator_code) as indicator_name_zh,
        -- 全覆盖 and “双百” are written without a unit; people still read them as percentages
        coalesce(nullif(computed.unit_raw, ''), case when computed.unit = 'percent' then '%' end) as unit_label,
        case
            when computed.is_rate_target then thresholds.growth_at_risk_gap_pp
            else thresholds.level_at_risk_gap_pp
        end as at_risk_gap_pp,
        computed.as_of_date < computed.due_date as before_due_date,
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
),

ruled as (
    select
        *,
        case
            when actual_value is null and not assessable_within_year and before_due_date then 'awaiting_batch'
            -- no January release exists (1-2月 comes out together), and no quarter is out before March
            when actual_value is null and (
                (frequency = 'monthly' and as_of_month_no < 2) or (frequency = 'quarterly' and as_of_month_no < 3)
            ) then 'awaiting_first_release'
            when actual_value is null then 'no_figure'
            when meets_target and (
                is_milestone or ((is_cumulative or is_stock) and orientation = 1) or data_month_no = 12
            ) then 'target_met'
            when meets_target and held_rate_secured then 'held_rate_secured'
            when held_rate_unreachable then 'held_rate_unreachable'
            when is_cumulative and orientation = -1 and not meets_target then 'cap_exceeded'
            when data_month_no = 12 and not meets_target then 'year_over_missed'
            when not before_due_date and not assessable_within_year and not meets_target then 'overdue'
            when not assessable_within_year then 'before_due_date'
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
            when 'awaiting_batch' then 'not_yet_assessable'
            when 'awaiting_first_release' then 'not_yet_assessable'
            when 'no_figure' then 'no_data'
            when 'target_met' then 'achieved'
            when 'held_rate_secured' then 'achieved'
            when 'held_rate_unreachable' then 'off_track'
            when 'cap_exceeded' then 'off_track'
            when 'year_over_missed' then 'off_track'
            when 'overdue' then 'off_track'
            when 'before_due_date' then 'not_yet_assessable'
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
        case
            when actual_value is null then null
            when is_milestone then printf('完成状态%.2f', actual_value)
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
            when is_milestone then strftime(due_date, '%Y-%m-%d') || '前完成'
            else comparator || printf('%g', target_value) || coalesce(unit_label, '')
        end as target_text
    from ruled
),

explained as (
    select
        *,
        case status_rule
            when 'awaiting_batch'
                then
                    case
                        when is_milestone then '节点任务,完成时限' || strftime(due_date, '%Y-%m-%d') || ',尚无进展报送'
                        else '分批认定或年末统计的目标,' || strftime(due_date, '%Y-%m-%d') || '前不做序时判断,尚无数据'
                    end
            when 'awaiting_first_release'
                then
                    case
                        when frequency = 'monthly' then '1月数据与2月合并发布(1-2月),2月数据发布前不做判断'
                        else '季度数据,1季度数据发布前不做判断'
                    end
            when 'no_figure' then '尚无数据:' || indicator_name_zh || '暂无已加载的发布'
            when 'target_met'
                then
                    case
                        when is_milestone then '节点任务已完成:' || evidence
                        else actual_text || ',已达到目标(' || target_text || ')'
                    end
            when 'held_rate_secured'
                then
                    printf(
                        '%s,剩余%d天即使全部不达标,全年仍可达到%s', actual_text, days_in_year - days_elapsed, target_text
                    )
            when 'held_rate_unreachable'
                then
                    printf(
                        '%s,剩余%d天需达到%.1f%%才能完成,超过%g%%,全年目标已无法实现',
                        actual_text, days_in_year - days_elapsed, required_remaining_rate_pct, held_rate_feasible_max_pct
                    )
            when 'cap_exceeded' then actual_text || ',已超过控制目标(' || target_text || ')'
            when 'year_over_missed' then '全年' || actual_text || ',未达到目标(' || target_text || ')'
            when 'overdue' then '已过完成时限' || strftime(due_date, '%Y-%m-%d') || ',尚未完成(' || actual_text || ')'
            when 'before_due_date'
                then
                    case
                        when is_milestone
                            then
                                '节点任务,完成时限' || strftime(due_date, '%Y-%m-%d') || ',当前'
                                || milestone_state_zh || ':' || evidence
                        else
                            '分批认定或年末统计的目标,' || strftime(due_date, '%Y-%m-%d') || '前不做序时判断;已报送'
                            || actual_text
                    end
            else
                case
                    when is_rate_target
                        then
                            printf(
                                '%s,目标%s,%s%.2f个百分点', actual_text, target_text,
                                case when gap_pp >= 0 then '高于目标' else '差' end, abs(gap_pp)
                            ) || case when comparator = '~' then printf('(左右目标,容许±%g)', band_value) else '' end
                    when is_stock
                        then
                            printf(
                                '%s,为目标的%.1f%%,%s', actual_text, 100 * completion_rate, target_text
                            )
                    else printf(
                        '%s,为目标的%.1f%%,序时进度%.1f%%,%s序时%.1f个百分点',
                        actual_text, 100 * completion_rate, 100 * time_benchmark,
                        case when gap_pp >= 0 then '超' else '落后' end, abs(gap_pp)
                    )
                end
        end as status_reason
    from judged
),

labelled as (
    select
        explained.*,
        status_rules.label_zh as status_label_zh,
        status_rules.colour_hex as status_colour,
        status_rules.sort_order as status_sort_order
    from explained
    left join status_rules on explained.status = status_rules.status
),

final as (
    select
        cast(target_id as varchar) as target_id,
        cast(plan_id as varchar) as plan_id,
        cast(as_of_month as date) as as_of_month,
        cast(as_of_month_no as integer) as as_of_month_no,
        cast(as_of_date as date) as as_of_date,
        cast(plan_year as integer) as plan_year,
        cast(region_code as varchar) as region_code,
        cast(section_no as integer) as section_no,
        cast(section as varchar) as section,
        cast(indicator_code as varchar) as indicator_code,
        cast(indicator_name_zh as varchar) as indicator_name_zh,
        cast(kind as varchar) as kind,
        cast(comparator as varchar) as comparator,
        cast(direction as varchar) as direction,
        cast(target_value as double) as target_value,
        cast(band_value as double) as band_value,
        cast(unit_raw as varchar) as unit_raw,
        cast(unit_label as varchar) as unit_label,
        cast(responsible_bureau as varchar) as responsible_bureau,
        cast(assessable_within_year as boolean) as assessable_within_year,
        cast(due_date as date) as due_date,
        cast(observation_measure as varchar) as observation_measure,
        cast(data_month_no as integer) as data_month_no,
        cast(data_period_label_zh as varchar) as data_period_label_zh,
        cast(actual_value as double) as actual_value,
        cast(ytd_value as double) as ytd_value,
        cast(ytd_growth_pct as double) as ytd_growth_pct,
        cast(meets_target as boolean) as meets_target,
        cast(completion_rate as double) as completion_rate,
        cast(time_benchmark as double) as time_benchmark,
        cast(gap_pp as double) as gap_pp,
        cast(seasonal_benchmark as double) as seasonal_benchmark,
        cast(seasonal_years as integer) as seasonal_years,
        cast(seasonal_gap_pp as double) as seasonal_gap_pp,
        cast(projected_year_end as double) as projected_year_end,
        cast(projection_method as varchar) as projection_method,
        cast(pace_ratio as double) as pace_ratio,
        cast(last_year_actual as double) as last_year_actual,
        cast(anticipated_progress as double) as anticipated_progress,
        cast(anticipated_progress_label_zh as varchar) as anticipated_progress_label_zh,
        cast(required_monthly_run_rate as double) as required_monthly_run_rate,
        cast(last_year_rest_of_year_avg as double) as last_year_rest_of_year_avg,
        cast(run_rate_vs_last_year as double) as run_rate_vs_last_year,
        cast(last_year_share as double) as last_year_share,
        cast(base_ytd_canonical as double) as growth_base_ytd,
        cast(base_year_canonical as double) as growth_base_year,
        cast(required_rest_of_year_growth_pct as double) as required_rest_of_year_growth_pct,
        cast(days_elapsed as integer) as days_elapsed,
        cast(days_in_year as integer) as days_in_year,
        cast(required_remaining_rate_pct as double) as required_remaining_rate_pct,
        cast(milestone_state as varchar) as milestone_state,
        cast(milestone_state_zh as varchar) as milestone_state_zh,
        cast(evidence as varchar) as evidence,
        cast(at_risk_gap_pp as double) as at_risk_gap_pp,
        cast(status as varchar) as status,
        cast(status_rule as varchar) as status_rule,
        cast(status_label_zh as varchar) as status_label_zh,
        cast(status_colour as varchar) as status_colour,
        cast(status_sort_order as integer) as status_sort_order,
        cast(status_reason as varchar) as status_reason,
        cast(source_id as varchar) as source_id,
        cast(release_sha256 as varchar) as release_sha256,
        cast(release_date as date) as release_date,
        cast(vintage_no as integer) as vintage_no,
        cast(is_revised as boolean) as is_revised
    from labelled
)

select * from final
