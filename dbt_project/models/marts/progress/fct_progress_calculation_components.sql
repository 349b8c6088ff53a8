-- Every input and intermediate value behind each target's status at each as-of month, one row per
-- component, with the formula in words and the calculation with its numbers, so that any figure on a
-- report can be explained. Components that do not apply to a target's kind have a null value.
{% set components = [
    ('actual_value', '实际值', '按目标类型取数:累计值、累计增长、比率、期末值、年初以来新增或节点状态',
        "printf('%s(%s)', actual_text_value, coalesce(data_period_label_zh, ''))"),
    ('target_value', '目标值T', '计划目标值(下降类为下降幅度%)', "printf('%g%s', target_value, coalesce(unit_raw, ''))"),
    ('band_value', '左右幅度', '“左右”目标的容许幅度:原文幅度,未写明时取配置默认值', "printf('±%g', band_value)"),
    ('time_benchmark', '序时进度τ', 'τ = m / 12', "printf('%d / 12 = %.2f%%', data_month_no, 100 * time_benchmark)"),
    ('completion_rate', '完成率c', 'c = 累计值 / 目标值',
        "printf('%.4f / %g = %.2f%%', actual_value, target_value, 100 * completion_rate)"),
    ('gap_pp', '判定差距(百分点)',
        '累计类:100·(c − β),β为判定基准;存量类:100·(新增完成率 − τ),无上年值时100·(c − 1);增速比率类:实际 − 目标;越低越好时取反;左右目标只计超出幅度的部分',
        "printf('%+.4f', gap_pp)"),
    ('at_risk_gap_pp', '滞后阈值', '配置 status_thresholds:不低于该值为“滞后序时”,低于为“明显滞后”',
        "printf('%g', at_risk_gap_pp)"),
    ('seasonal_benchmark', '季节性基准τ*', 'τ* = 近三年 (1-m月累计 / 全年) 的中位数',
        "printf('%.4f(%d年)', seasonal_benchmark, seasonal_years)"),
    ('seasonal_gap_pp', '超/落后季节性基准(百分点)', '100·(c − τ*)',
        "printf('100 × (%.4f − %.4f) = %+.2f', completion_rate, seasonal_benchmark, seasonal_gap_pp)"),
    ('projected_year_end', '年末预测Â', '总量类 Â = 累计值 / τ*;增速比率类按当前累计值延续',
        "case when projection_method = 'seasonal' then printf('%.4f / %.4f = %.4f', actual_value, seasonal_benchmark, projected_year_end) else printf('%.4f(按当前值延续)', projected_year_end) end"),
    ('pace_ratio', '预测完成度', 'Â / T', "printf('%.4f / %g = %.2f%%', projected_year_end, target_value, 100 * pace_ratio)"),
    ('last_year_actual', '上年实际A', '同一口径上年最后一期的值', "printf('%.4f', last_year_actual)"),
    ('anticipated_progress', '预期进展指数AP', 'AP = d·(Â − A) / |T − A|,d = +1 越高越好、−1 越低越好',
        "printf('%s(%.4f − %.4f) / |%g − %.4f| = %.3f', case when direction = 'lower' then '−1 × ' else '' end, projected_year_end, last_year_actual, target_value, last_year_actual, anticipated_progress)"),
    ('required_monthly_run_rate', '剩余月均需完成', '(T − 累计值) / (12 − m)',
        "printf('(%g − %.4f) / (12 − %d) = %.4f', target_value, actual_value, data_month_no, required_monthly_run_rate)"),
    ('last_year_rest_of_year_avg', '上年同期后月均', '(A − 上年1-m月累计) / (12 − m)', "printf('%.4f', last_year_rest_of_year_avg)"),
    ('run_rate_vs_last_year', '所需月均/上年月均', '剩余月均需完成 / 上年同期后月均',
        "printf('%.4f / %.4f = %.3f', required_monthly_run_rate, last_year_rest_of_year_avg, run_rate_vs_last_year)"),
    ('last_year_share', '上年进度占比s_m', 's_m = 上年1-m月累计 / 上年全年', "printf('%.4f', last_year_share)"),
    ('growth_base_ytd', '同期基数B_m', 'B_m = 累计值 / (1 + g_m)(可比口径倒推)',
        "printf('%.2f / (1 + %.2f%%) = %.2f', ytd_value_canonical, actual_value, growth_base_ytd)"),
    ('growth_base_year', '全年基数B_y', 'B_y = B_m / s_m', "printf('%.2f / %.4f = %.2f', growth_base_ytd, last_year_share, growth_base_year)"),
    ('required_rest_of_year_growth_pct', '剩余月份需增长(%)', '((1 + g*)·B_y − 累计值) / (B_y − B_m) − 1',
        "printf('((1 + %g%%) × %.2f − %.2f) / (%.2f − %.2f) − 1 = %.2f%%', comparison_target, growth_base_year, ytd_value_canonical, growth_base_year, growth_base_ytd, required_rest_of_year_growth_pct)"),
    ('days_elapsed', '已过天数D_m', '数据期末在全年中的天数', "printf('%d', days_elapsed)"),
    ('days_in_year', '全年天数D_year', '计划年度的天数', "printf('%d', days_in_year)"),
    ('required_remaining_rate_pct', '剩余天数需达比率(%)', '(θ·D_year − 比率·D_m) / (D_year − D_m)',
        "printf('(%g%% × %d − %.2f%% × %d) / (%d − %d) = %.2f%%', target_value, days_in_year, actual_value, days_elapsed, days_in_year, days_elapsed, required_remaining_rate_pct)"),
    ('benchmark_value', '判定基准β', '累计类:有批次计划的按批次计划应完成比例;配置为季节性且有足够历史的按τ*;否则为序时τ = m / 12',
        "printf('%s %.2f%%', coalesce(benchmark_label_zh, ''), 100 * benchmark_value)"),
    ('time_gap_pp', '超/落后序时(百分点)', '100·(c − τ),无论判定基准为何均列出',
        "printf('100 × (%.4f − %.4f) = %+.2f', completion_rate, time_benchmark, time_gap_pp)"),
    ('increment_completion_rate', '存量新增完成率', '(期末值 − 上年末A) / (T − A)',
        "printf('(%.4f − %.4f) / (%g − %.4f) = %.2f%%', actual_value, last_year_actual, target_value, last_year_actual, 100 * increment_completion_rate)"),
] -%}

with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

prepared as (
    select
        *,
        case when kind = 'decrease' then -target_value else target_value end as comparison_target,
        case
            when actual_value is null then null
            when unit_raw is null or kind in ('growth', 'decrease', 'rate_held', 'coverage')
                then printf('%.4f', actual_value)
            else printf('%.4f%s', actual_value, unit_raw)
        end as actual_text_value,
        growth_base_ytd * (1 + ytd_growth_pct / 100) as ytd_value_canonical
    from progress
),

unpivoted as (
    select
        target_id,
        as_of_month,
        unnest([
            {%- for name, label, formula, calculation in components %}
                {
                    'component_order': {{ loop.index }},
                    'component': '{{ name }}',
                    'label_zh': '{{ label }}',
                    'value': cast({{ name }} as double),
                    'formula_zh': '{{ formula }}',
                    'calculation_zh': {{ calculation }}
                }{{ ',' if not loop.last }}
            {%- endfor %},
            {
                'component_order': {{ components | length + 1 }},
                'component': 'status',
                'label_zh': '状态',
                'value': null,
                'formula_zh': '按顺序第一条适用的规则(status_rule)决定状态;阈值来自配置,用未取整的数值比较',
                'calculation_zh': status_rule || ' → ' || status_label_zh || ':' || status_reason
            }
        ], recursive := true)
    from prepared
),

final as (
    select
        cast(target_id as varchar) as target_id,
        cast(as_of_month as date) as as_of_month,
        cast(component_order as integer) as component_order,
        cast(component as varchar) as component,
        cast(label_zh as varchar) as label_zh,
        cast(value as double) as value,
        cast(formula_zh as varchar) as formula_zh,
        cast(calculation_zh as varchar) as calculation_zh
    from unpivoted
)

select * from final
