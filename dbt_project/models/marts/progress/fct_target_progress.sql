-- One row per plan target per as-of month: actual beside target, 序时进度, the seasonal benchmark and
-- projection, what the rest of the year needs, anticipated progress, and a status with its reason.
-- Formulas: ../shared/DOMAIN.md. Thresholds come from the status_thresholds seed, never literals here.
with

measured as (
    select * from {{ ref('int_target_actuals_measured') }}
),

status_rules as (
    select * from {{ ref('status_rules') }}
),

thresholds as (
    select
        max(value) filter (where threshold = 'level_at_risk_gap_pp') as level_at_risk_gap_pp,
        max(value) filter (where threshold = 'growth_at_risk_gap_pp') as growth_at_risk_gap_pp
    from {{ ref('status_thresholds') }}
),

in_target_units as (
    select
        *,
        case when direction = 'lower' then -1 else 1 end as direction_sign,
        observation_measure in ('ytd_growth_pct', 'rate_pct') as is_rate_target,
        case
            when observation_measure in ('ytd_growth_pct', 'rate_pct') then actual_canonical
            else actual_canonical / nullif(unit_multiplier, 0)
        end as actual_value,
        ytd_value_canonical / nullif(unit_multiplier, 0) as ytd_value,
        last_year_actual_canonical / nullif(unit_multiplier, 0) as last_year_actual,
        data_month_no / 12.0 as time_benchmark
    from measured
),

formulas as (
    select
        *,
        -- completion against the annual target, for levels and counts accumulated since 1 January
        case when not is_rate_target then actual_value / nullif(target_value, 0) end as completion_rate,
        -- seasonal projection of the year-end level: YTD / median share of the year done by this month
        case
            when not is_rate_target and seasonal_benchmark > 0 then actual_value / seasonal_benchmark
        end as projected_year_end,
        -- level the rest of the year must add per month to reach the target
        case
            when not is_rate_target and data_month_no < 12
                then (target_value - actual_value) / (12 - data_month_no)
        end as required_monthly_run_rate,
        -- growth needed in the remaining months for a growth target (base backed out of published growth)
        case
            when observation_measure = 'ytd_growth_pct'
                and data_month_no < 12
                and ytd_value is not null
                and seasonal_benchmark > 0
                then (
                    (1 + target_value / 100) * (ytd_value / (1 + actual_value / 100)) / seasonal_benchmark
                    - ytd_value
                ) / nullif(
                    (ytd_value / (1 + actual_value / 100)) / seasonal_benchmark
                    - ytd_value / (1 + actual_value / 100),
                    0
                ) * 100 - 100
        end as required_rest_of_year_growth_pct
    from in_target_units
),

gaps as (
    select
        *,
        case
            when actual_value is null then null
            when is_rate_target and comparator = '~'
                then -greatest(abs(actual_value - target_value) - coalesce(band, 0), 0)
            when is_rate_target then direction_sign * (actual_value - target_value)
            else direction_sign * 100 * (completion_rate - time_benchmark)
        end as gap_pp,
        projected_year_end / nullif(target_value, 0) as pace_ratio,
        case
            when projected_year_end is not null and last_year_actual is not null
                and target_value <> last_year_actual
                then direction_sign * (projected_year_end - last_year_actual)
                    / abs(target_value - last_year_actual)
        end as anticipated_progress
    from formulas
),

judged as (
    select
        gaps.*,
        case
            when actual_value is null and not assessable_within_year then 'not_yet_assessable'
            when actual_value is null then 'no_data'
            when not is_rate_target and direction = 'higher' and actual_value >= target_value then 'achieved'
            when data_month_no = 12 and gap_pp >= 0 then 'achieved'
            when not assessable_within_year and as_of_month < due_date then 'not_yet_assessable'
            when gap_pp >= 0 then 'on_track'
            when is_rate_target and gap_pp >= thresholds.growth_at_risk_gap_pp then 'at_risk'
            when not is_rate_target and gap_pp >= thresholds.level_at_risk_gap_pp then 'at_risk'
            else 'off_track'
        end as status,
        thresholds.level_at_risk_gap_pp,
        thresholds.growth_at_risk_gap_pp
    from gaps
    cross join thresholds
),

explained as (
    select
        judged.*,
        status_rules.label_zh as status_label_zh,
        status_rules.colour_hex as status_colour,
        case
            when judged.status = 'no_data' then '尚无数据:' || coalesce(indicator_code, '') || '暂无已加载的发布'
            when judged.status = 'not_yet_assessable' then '批次/节点类目标,' || strftime(due_date, '%Y-%m-%d') || '前不做序时判断'
            when is_rate_target then printf(
                '1-%d月%s%.2f%%,目标%s%.2f%%,差%+.2f个百分点',
                data_month_no, case when observation_measure = 'rate_pct' then '比率' else '累计增长' end,
                actual_value, comparator, target_value, gap_pp
            )
            else printf(
                '1-%d月完成%.2f%s,为目标的%.1f%%,序时进度%.1f%%,%s序时%.1f个百分点',
                data_month_no, actual_value, coalesce(unit_raw, ''), 100 * completion_rate,
                100 * time_benchmark, case when gap_pp >= 0 then '超' else '落后' end, abs(gap_pp)
            )
        end as status_reason
    from judged
    left join status_rules on judged.status = status_rules.status
),

final as (
    select
        cast(target_id as varchar) as target_id,
        cast(as_of_month as date) as as_of_month,
        cast(as_of_month_no as integer) as as_of_month_no,
        cast(plan_year as integer) as plan_year,
        cast(section_no as integer) as section_no,
        cast(section as varchar) as section,
        cast(indicator_code as varchar) as indicator_code,
        cast(kind as varchar) as kind,
        cast(comparator as varchar) as comparator,
        cast(direction as varchar) as direction,
        cast(target_value as double) as target_value,
        cast(unit_raw as varchar) as unit_raw,
        cast(responsible_bureau as varchar) as responsible_bureau,
        cast(data_month_no as integer) as data_month_no,
        cast(actual_value as double) as actual_value,
        cast(ytd_growth_pct as double) as ytd_growth_pct,
        cast(completion_rate as double) as completion_rate,
        cast(time_benchmark as double) as time_benchmark,
        cast(gap_pp as double) as gap_pp,
        cast(seasonal_benchmark as double) as seasonal_benchmark,
        cast(seasonal_years as integer) as seasonal_years,
        cast(projected_year_end as double) as projected_year_end,
        cast(pace_ratio as double) as pace_ratio,
        cast(last_year_actual as double) as last_year_actual,
        cast(anticipated_progress as double) as anticipated_progress,
        cast(required_monthly_run_rate as double) as required_monthly_run_rate,
        cast(required_rest_of_year_growth_pct as double) as required_rest_of_year_growth_pct,
        cast(status as varchar) as status,
        cast(status_label_zh as varchar) as status_label_zh,
        cast(status_colour as varchar) as status_colour,
        cast(status_reason as varchar) as status_reason,
        cast(source_id as varchar) as source_id,
        cast(release_sha256 as varchar) as release_sha256,
        cast(release_date as date) as release_date
    from explained
)

select * from final
