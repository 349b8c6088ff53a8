-- Every formula of the progress judgement, computed on unrounded values (formulas: docs/domain.md):
-- completion and the benchmark it is judged against (序时 m/12, the seasonal benchmark where configured
-- per indicator, or a declared batch schedule), a stock's growth since last year against 序时, the
-- projection, what the rest of the year needs, anticipated progress, the ≈ band, decrease and
-- lower-is-better orientation, held rates on the remaining days, and the milestone state.
-- int_target_status_judged turns these into a status.
with

measured as (
    select * from {{ ref('int_target_actuals_measured') }}
),

thresholds as (
    select
        max(value) filter (where threshold = 'approx_band_default_pp') as approx_band_default_pp,
        max(value) filter (where threshold = 'approx_band_default_share') as approx_band_default_share,
        max(value) filter (where threshold = 'milestone_done_min') as milestone_done_min,
        max(value) filter (where threshold = 'seasonal_min_years') as seasonal_min_years
    from {{ ref('status_thresholds') }}
),

indicator_benchmarks as (
    select * from {{ ref('indicator_benchmarks') }}
),

batch_schedules as (
    select * from {{ ref('batch_schedules') }}
),

scheduled_indicators as (
    select
        indicator_code,
        min(month) filter (where cumulative_share > 0) as first_batch_month
    from batch_schedules
    group by indicator_code
),

classified as (
    select
        measured.*,
        thresholds.milestone_done_min,
        thresholds.seasonal_min_years,
        coalesce(indicator_benchmarks.benchmark, 'time') as configured_benchmark,
        scheduled_indicators.indicator_code is not null as has_batch_schedule,
        scheduled_indicators.first_batch_month,
        measured.kind = 'milestone' as is_milestone,
        measured.observation_measure in ('ytd_value', 'count_ytd') as is_cumulative,
        measured.observation_measure in ('ytd_growth_pct', 'rate_pct') as is_rate_target,
        measured.observation_measure = 'level' and measured.kind <> 'milestone' as is_stock,
        -- +1 when higher is better; a decrease target is judged on growth, where lower is better
        case when measured.kind = 'decrease' or measured.direction = 'lower' then -1 else 1 end as orientation,
        -- the target on the scale of the figure compared: a decrease of x% is growth of -x%
        case when measured.kind = 'decrease' then 0 - measured.target_value else measured.target_value end
            as comparison_target,
        case
            when measured.comparator <> '~' then null
            when measured.band is not null then measured.band
            when measured.observation_measure in ('ytd_growth_pct', 'rate_pct')
                then thresholds.approx_band_default_pp
            else thresholds.approx_band_default_share * abs(measured.target_value)
        end as band_value
    from measured
    cross join thresholds
    left join indicator_benchmarks on measured.indicator_code = indicator_benchmarks.indicator_code
    left join scheduled_indicators on measured.indicator_code = scheduled_indicators.indicator_code
),

in_target_units as (
    select
        *,
        case
            when is_rate_target or is_milestone then actual_canonical
            else actual_canonical / nullif(unit_multiplier, 0)
        end as actual_value,
        ytd_value_canonical / nullif(unit_multiplier, 0) as ytd_value,
        case
            when is_rate_target or is_milestone then last_year_actual_canonical
            else last_year_actual_canonical / nullif(unit_multiplier, 0)
        end as last_year_actual,
        last_year_rest_of_year_avg_canonical / nullif(unit_multiplier, 0) as last_year_rest_of_year_avg,
        data_month_no / 12.0 as time_benchmark
    from classified
),

batch_expected as (
    -- a declared batch schedule: the share due by the data month is that of the latest batch month up to it
    select
        in_target_units.target_id,
        in_target_units.as_of_month,
        arg_max(batch_schedules.cumulative_share, batch_schedules.month) as batch_share
    from in_target_units
    inner join batch_schedules
        on
            in_target_units.indicator_code = batch_schedules.indicator_code
            and in_target_units.data_month_no >= batch_schedules.month
    group by in_target_units.target_id, in_target_units.as_of_month
),

benchmarked as (
    -- which benchmark judges a cumulative figure: a batch schedule, the seasonal benchmark (configured per
    -- indicator, with enough years of history), or 序时 m/12
    select
        in_target_units.*,
        case
            when not in_target_units.is_cumulative or in_target_units.data_month_no is null then null
            when in_target_units.has_batch_schedule then 'batch_schedule'
            when
                in_target_units.configured_benchmark = 'seasonal'
                and in_target_units.seasonal_years >= in_target_units.seasonal_min_years
                and in_target_units.seasonal_benchmark > 0
                then 'seasonal'
            when in_target_units.configured_benchmark = 'seasonal' then 'seasonal_unavailable'
            else 'time'
        end as benchmark_kind
    from in_target_units
),

with_benchmark as (
    select
        benchmarked.*,
        case benchmarked.benchmark_kind
            when 'batch_schedule' then coalesce(batch_expected.batch_share, 0.0)
            when 'seasonal' then benchmarked.seasonal_benchmark
            when 'time' then benchmarked.time_benchmark
        end as benchmark_value
    from benchmarked
    left join batch_expected
        on benchmarked.target_id = batch_expected.target_id and benchmarked.as_of_month = batch_expected.as_of_month
),

level_formulas as (
    select
        *,
        -- 完成率 c_m = YTD_m / T (levels, counts since 1 January, stocks)
        case
            when is_cumulative or is_stock then actual_value / nullif(target_value, 0)
        end as completion_rate,
        -- a stock's growth since last year's end as a share of the growth the target asks for: (S_m − A)/(T − A)
        case
            when is_stock and last_year_actual is not null and target_value <> last_year_actual
                then (actual_value - last_year_actual) / (target_value - last_year_actual)
        end as increment_completion_rate,
        -- year-end projection Â = YTD_m / τ*_m; a rate or growth is carried forward as it stands
        case
            when is_cumulative and seasonal_benchmark > 0 then actual_value / seasonal_benchmark
            when is_rate_target and kind <> 'decrease' then actual_value
        end as projected_year_end,
        case
            when is_cumulative and seasonal_benchmark > 0 then 'seasonal'
            when is_rate_target and kind <> 'decrease' and actual_value is not null then 'carry_forward'
        end as projection_method,
        -- required run-rate (T - YTD_m) / (12 - m), beside last year's rest-of-year monthly average
        case
            when is_cumulative and data_month_no < 12 then (target_value - actual_value) / (12 - data_month_no)
        end as required_monthly_run_rate,
        -- growth targets: base B_m = YTD_m / (1 + g_m); full-year base B_y = B_m / s_m
        case
            when observation_measure = 'ytd_growth_pct' and 1 + actual_value / 100 <> 0
                then ytd_value_canonical / (1 + actual_value / 100)
        end as base_ytd_canonical
    from with_benchmark
),

rest_of_year as (
    select
        *,
        required_monthly_run_rate / nullif(last_year_rest_of_year_avg, 0) as run_rate_vs_last_year,
        case when last_year_share > 0 then base_ytd_canonical / last_year_share end as base_year_canonical,
        -- held ratio needed on the remaining days: (θ·D_year - good_YTD) / (D_year - D_m)
        case
            when
                kind = 'rate_held' and observation_measure = 'rate_pct' and data_period_start_month = 1
                and comparator <> '~' and days_elapsed < days_in_year
                then
                    100 * (target_value / 100 * days_in_year - actual_value / 100 * days_elapsed)
                    / (days_in_year - days_elapsed)
        end as required_remaining_rate_pct
    from level_formulas
),

growth_needed as (
    select
        *,
        -- growth needed in the rest of the year: ((1 + g*)·B_y - YTD_m) / (B_y - B_m) - 1
        case
            when data_month_no < 12 and base_year_canonical - base_ytd_canonical <> 0
                then 100 * (
                    ((1 + comparison_target / 100) * base_year_canonical - ytd_value_canonical)
                    / (base_year_canonical - base_ytd_canonical) - 1
                )
        end as required_rest_of_year_growth_pct
    from rest_of_year
),

distances as (
    select
        *,
        -- signed distance before the ≈ band: positive = ahead of 序时 (levels) or of the target (rates)
        case
            when actual_value is null or is_milestone then null
            when is_cumulative then orientation * 100 * (completion_rate - benchmark_value)
            when is_stock and increment_completion_rate is not null
                then orientation * 100 * (increment_completion_rate - time_benchmark)
            when is_stock then orientation * 100 * (completion_rate - 1)
            else orientation * (actual_value - comparison_target)
        end as raw_gap_pp,
        -- the official 序时 gap, shown beside whichever benchmark judged
        case
            when is_cumulative and actual_value is not null then orientation * 100 * (completion_rate - time_benchmark)
        end as time_gap_pp,
        -- the ≈ band in the same percentage points (pro rata to the benchmark for levels)
        case
            when band_value is null then null
            when is_cumulative then 100 * benchmark_value * band_value / nullif(abs(target_value), 0)
            when is_stock then 100 * band_value / nullif(abs(target_value), 0)
            else band_value
        end as band_pp,
        case
            when is_cumulative and seasonal_benchmark > 0
                then orientation * 100 * (completion_rate - seasonal_benchmark)
        end as seasonal_gap_pp,
        projected_year_end / nullif(target_value, 0) as pace_ratio_raw
    from growth_needed
),

gaps as (
    select
        *,
        case
            when comparator = '~' and raw_gap_pp < -band_pp then raw_gap_pp + band_pp
            when comparator = '~' and raw_gap_pp > band_pp then raw_gap_pp - band_pp
            when comparator = '~' then 0
            else raw_gap_pp
        end + 0.0 as gap_pp,  -- + 0.0 turns an IEEE -0.0 (a zero gap times -1) into 0.0
        case when is_cumulative then pace_ratio_raw end as pace_ratio,
        -- anticipated progress AP = d·(Â - A_{y-1}) / |T - A_{y-1}|, for amounts accumulated over the year
        -- (a growth rate's baseline is already last year, so AP on growth would compare growth with growth)
        case
            when
                is_cumulative and projected_year_end is not null and last_year_actual is not null
                and comparison_target <> last_year_actual
                then
                    orientation * (projected_year_end - last_year_actual)
                    / abs(comparison_target - last_year_actual)
        end as anticipated_progress,
        -- does the figure as it stands meet the annual target? (the year-end test)
        case
            when actual_value is null then null
            when is_milestone then coalesce(milestone_goal_reached, actual_value >= milestone_done_min)
            when comparator = '~' then orientation * (actual_value - comparison_target) >= -band_value
            when comparator in ('>', '<') then orientation * (actual_value - comparison_target) > 0
            else orientation * (actual_value - comparison_target) >= 0
        end as meets_target
    from distances
),

milestones as (
    select
        *,
        case
            when not is_milestone then null
            when actual_value is null then 'not_reported'
            when meets_target then 'completed'
            when actual_value > 0 then 'in_progress'
            else 'not_started'
        end as milestone_state,
        case
            when actual_value is null or not (is_milestone or coalesce(figure_source = 'bureau_return', false)) then null
            when figure_source = 'bureau_return'
                then
                    coalesce(evidence_label, '') || '(' || data_month_no || '月进展填报,'
                    || case
                        when return_is_unreviewed then '待审核'
                        else coalesce(return_accepted_by, '') || strftime(release_date, '%Y-%m-%d') || '审核接受'
                    end || ')'
            else
                coalesce(evidence_label, '') || '(' || source_id || ',' || strftime(release_date, '%Y-%m-%d')
                || '发布)'
        end as evidence
    from gaps
)

select * from milestones
