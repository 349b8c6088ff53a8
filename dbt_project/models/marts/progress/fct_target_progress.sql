-- One row per plan target per as-of month: actual beside target, where the figure comes from (a statistical
-- release, a bureau's progress return, nothing yet), the benchmark that judged it, the seasonal benchmark
-- and projection, what the rest of the year needs, anticipated progress, milestone stages, and a status
-- with its reason in words. The formulas are computed in int_target_progress_computed and the status in
-- int_target_status_judged; this model writes why.
with

judged as (
    select * from {{ ref('int_target_status_judged') }}
),

status_rules as (
    select * from {{ ref('status_rules') }}
),

explained_rule as (
    select
        *,
        case status_rule
            when 'awaiting_first_release'
                then
                    case
                        when frequency = 'monthly' then '1月数据与2月合并发布(1-2月),2月数据发布前不做判断'
                        else '季度数据,1季度数据发布前不做判断'
                    end
            when 'awaiting_first_return'
                then '首次进展填报(1月)应于' || strftime(first_return_due_date, '%Y-%m-%d') || '前报送,尚未到期'
            when 'awaiting_batch'
                then '分批认定的目标,按批次计划首批在' || first_batch_month || '月,此前不做判断'
            when 'no_figure'
                then
                    '暂无数据:'
                    || case
                        when has_statistical_source then indicator_name_zh || '尚无' || as_of_year || '年已发布的统计数据'
                        else indicator_name_zh || '未接入统计数据来源'
                    end || ';'
                    || case any_return_review_state
                        when 'pending' then any_return_report_month_no || '月进展填报待审核,审核接受前不参与判定'
                        when 'sent_back'
                            then any_return_report_month_no || '月进展填报已退回(' || coalesce(any_return_reason, '') || ')'
                        when 'reopened'
                            then any_return_report_month_no || '月进展填报已重新打开(' || coalesce(any_return_reason, '') || ')'
                        when 'accepted' then bureau_name_zh || '的进展填报未填写该目标的累计完成值或状态'
                        else bureau_name_zh || '截至' || as_of_month_no || '月尚未报送该目标的进展填报'
                    end
            when 'target_met'
                then
                    case
                        when is_milestone then '节点任务已完成:' || evidence
                        else actual_text || ',已达到目标(' || target_text || ')'
                    end
            when 'stale_return'
                then
                    '暂无当期数据:最近一次参与判定的进展填报为' || data_month_no || '月(' || actual_text || '),'
                    || bureau_name_zh || (data_month_no + 1) || '月以来的填报未报送或未通过审核'
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
            when 'year_over_missed' then actual_text || ',未达到全年目标(' || target_text || ')'
            when 'awaiting_annual_data'
                then
                    '已过完成时限' || strftime(due_date, '%Y-%m-%d') || ',目前仅有' || actual_text || ','
                    || case
                        when figure_source = 'bureau_return' then '等待' || month(due_date) || '月进展填报'
                        else '等待全年数据'
                    end
            when 'overdue' then '已过完成时限' || strftime(due_date, '%Y-%m-%d') || ',尚未完成(' || actual_text || ')'
            when 'seasonal_history_short'
                then
                    printf(
                        '%s;该指标按季节性基准评估,需至少%d年完整历史数据,现有%d年,暂不评估',
                        actual_text, cast(seasonal_min_years as integer), seasonal_years
                    )
            when 'stock_without_base' then actual_text || ';缺少上年末存量,无法按序时判断新增进度'
            when 'stage_date_missed_within_threshold'
                then
                    printf(
                        '计划节点“%s”应于%s前完成,已逾期%d天(不超过%d天);%s', missed_node_label_zh,
                        strftime(missed_node_date, '%Y-%m-%d'), missed_node_days_late,
                        cast(milestone_off_track_days_late as integer), evidence
                    )
            when 'stage_date_missed_beyond_threshold'
                then
                    printf(
                        '计划节点“%s”应于%s前完成,已逾期%d天(超过%d天);%s', missed_node_label_zh,
                        strftime(missed_node_date, '%Y-%m-%d'), missed_node_days_late,
                        cast(milestone_off_track_days_late as integer), evidence
                    )
            when 'on_planned_stage'
                then
                    printf(
                        '%s,下一计划节点“%s”%s,按计划推进;%s', actual_text, upcoming_node_label_zh,
                        strftime(upcoming_node_date, '%Y-%m-%d'), target_text
                    )
            when 'no_planned_stage'
                then actual_text || ',未报计划节点(下一阶段及日期),无法判断是否按期;' || target_text
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
                                '%s,为目标的%.1f%%;较上年末%g%s新增%g%s,为全年新增目标的%.1f%%,序时进度%.1f%%,',
                                actual_text, 100 * completion_rate, last_year_actual, coalesce(unit_label, ''),
                                actual_value - last_year_actual, coalesce(unit_label, ''),
                                100 * increment_completion_rate, 100 * time_benchmark
                            ) || {{ gap_words('gap_pp', "'序时'") }}
                    when benchmark_kind = 'seasonal'
                        then
                            printf(
                                '%s,为目标的%.1f%%,季节性基准%.1f%%(近%d年同期累计占全年比重的中位数),',
                                actual_text, 100 * completion_rate, 100 * benchmark_value, seasonal_years
                            ) || {{ gap_words('gap_pp', "'季节性基准'") }}
                            || printf('(序时进度%.1f%%)', 100 * time_benchmark)
                    when benchmark_kind = 'batch_schedule'
                        then
                            printf(
                                '%s,为目标的%.1f%%,按批次计划截至%d月应完成%.1f%%,',
                                actual_text, 100 * completion_rate, data_month_no, 100 * benchmark_value
                            ) || {{ gap_words('gap_pp', "'批次计划'") }}
                    else
                        printf(
                            '%s,为目标的%.1f%%,序时进度%.1f%%,', actual_text, 100 * completion_rate, 100 * time_benchmark
                        ) || {{ gap_words('gap_pp', "'序时'") }}
                end
        end as rule_reason
    from judged
),

explained as (
    -- a figure nobody has reviewed yet says so first
    select
        *,
        case
            when figure_source = 'bureau_return' and return_is_unreviewed then '(未审核)' || rule_reason
            else rule_reason
        end as status_reason
    from explained_rule
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
        cast(figure_source as varchar) as figure_source,
        cast(figure_source_zh as varchar) as figure_source_zh,
        cast(figure_source = 'bureau_return' and return_is_unreviewed as boolean) as is_unreviewed,
        cast(actual_value as double) as actual_value,
        cast(ytd_value as double) as ytd_value,
        cast(ytd_growth_pct as double) as ytd_growth_pct,
        cast(meets_target as boolean) as meets_target,
        cast(completion_rate as double) as completion_rate,
        cast(time_benchmark as double) as time_benchmark,
        cast(benchmark_kind as varchar) as benchmark_kind,
        cast(benchmark_label_zh as varchar) as benchmark_label_zh,
        cast(benchmark_value as double) as benchmark_value,
        cast(gap_pp as double) as gap_pp,
        cast(time_gap_pp as double) as time_gap_pp,
        cast(increment_completion_rate as double) as increment_completion_rate,
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
        cast(count_ytd as double) as count_ytd,
        cast(last_year_same_month_count as double) as last_year_same_month_count,
        cast(count_unit as varchar) as count_unit,
        cast(milestone_state as varchar) as milestone_state,
        cast(milestone_state_zh as varchar) as milestone_state_zh,
        cast(return_milestone_state as varchar) as milestone_stage,
        cast(return_milestone_state_label_zh as varchar) as milestone_stage_zh,
        cast(milestone_goal_state as varchar) as milestone_goal_stage,
        cast(milestone_goal_label_zh as varchar) as milestone_goal_stage_zh,
        cast(missed_node_label_zh as varchar) as missed_stage_zh,
        cast(missed_node_date as date) as missed_stage_date,
        cast(missed_node_days_late as integer) as missed_stage_days_late,
        cast(upcoming_node_label_zh as varchar) as next_stage_zh,
        cast(upcoming_node_date as date) as next_stage_date,
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
        cast(is_revised as boolean) as is_revised,
        cast(return_report_month as date) as return_report_month,
        cast(return_review_state as varchar) as return_review_state,
        cast(return_accepted_by as varchar) as return_accepted_by,
        cast(return_accepted_at as timestamptz) as return_accepted_at,
        cast(return_reporter as varchar) as return_reporter,
        cast(return_progress_text as varchar) as return_progress_text,
        cast(return_evidence_ref as varchar) as return_evidence_ref,
        cast(return_note as varchar) as return_note
    from labelled
)

select * from final
