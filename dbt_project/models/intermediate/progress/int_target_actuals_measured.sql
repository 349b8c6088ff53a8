-- Each target at each as-of month beside the latest figure available by then, measured the way the
-- target's kind requires, plus last year's figures the formulas need. No judgement here.
with

targets as (
    select * from {{ ref('plan_targets') }}
),

as_of_months as (
    select * from {{ ref('int_as_of_months') }}
),

observations as (
    select * from {{ ref('int_observations_latest') }}
    where region_code = '{{ var("region_code") }}'
),

measure_map as (
    -- how the catalog says a target is measured -> the measure bureaus publish
    select * from (
        values
            ('ytd_cumulative', 'ytd_value'),
            ('ytd_growth', 'ytd_growth_pct'),
            ('rate', 'rate_pct'),
            ('last_value', 'level'),
            ('count_since_jan1', 'count_ytd')
    ) as m (target_measure, observation_measure)
),

target_months as (
    select
        targets.*,
        measure_map.observation_measure,
        as_of_months.as_of_month_no,
        as_of_months.as_of_month
    from targets
    inner join as_of_months on targets.plan_year = as_of_months.plan_year
    left join measure_map on targets.measure = measure_map.target_measure
),

primary_figures as (
    select
        indicator_code,
        measure,
        period_year,
        period_end_month,
        value,
        unit,
        source_id,
        release_sha256,
        release_date
    from observations
    where period_start_month = 1 or measure in ('level', 'rate_pct', 'month_value')
),

ytd_values as (
    select indicator_code, period_year, period_end_month, value
    from observations
    where measure = 'ytd_value' and period_start_month = 1
),

ytd_growth as (
    select indicator_code, period_year, period_end_month, value
    from observations
    where measure = 'ytd_growth_pct' and period_start_month = 1
),

measured as (
    -- the latest period published by the as-of month (a bureau that is late leaves an older month)
    select
        target_months.*,
        primary_figures.period_end_month as data_month_no,
        primary_figures.value as actual_canonical,
        primary_figures.source_id,
        primary_figures.release_sha256,
        primary_figures.release_date
    from target_months
    left join primary_figures
        on target_months.indicator_code = primary_figures.indicator_code
        and target_months.observation_measure = primary_figures.measure
        and target_months.plan_year = primary_figures.period_year
        and primary_figures.period_end_month <= target_months.as_of_month_no
    qualify row_number() over (
        partition by target_months.target_id, target_months.as_of_month_no
        order by primary_figures.period_end_month desc nulls last, primary_figures.release_date desc
    ) = 1
),

seasonal_shares as (
    -- share of the full year reached by month m in each earlier year: YTD(m, y) / YTD(12, y)
    select
        month_m.indicator_code,
        month_m.period_year,
        month_m.period_end_month,
        month_m.value / full_year.value as share
    from ytd_values as month_m
    inner join ytd_values as full_year
        on month_m.indicator_code = full_year.indicator_code
        and month_m.period_year = full_year.period_year
        and full_year.period_end_month = 12
    where full_year.value <> 0
),

with_context as (
    select
        measured.*,
        cur_ytd.value as ytd_value_canonical,
        cur_growth.value as ytd_growth_pct,
        last_year.value as last_year_actual_canonical,
        last_year_same_month.value as last_year_same_month_canonical,
        (
            select median(s.share)
            from seasonal_shares as s
            where s.indicator_code = measured.indicator_code
                and s.period_end_month = measured.data_month_no
                and s.period_year between measured.plan_year - 3 and measured.plan_year - 1
        ) as seasonal_benchmark,
        (
            select count(*)
            from seasonal_shares as s
            where s.indicator_code = measured.indicator_code
                and s.period_end_month = measured.data_month_no
                and s.period_year between measured.plan_year - 3 and measured.plan_year - 1
        ) as seasonal_years
    from measured
    left join ytd_values as cur_ytd
        on measured.indicator_code = cur_ytd.indicator_code
        and measured.plan_year = cur_ytd.period_year
        and measured.data_month_no = cur_ytd.period_end_month
    left join ytd_growth as cur_growth
        on measured.indicator_code = cur_growth.indicator_code
        and measured.plan_year = cur_growth.period_year
        and measured.data_month_no = cur_growth.period_end_month
    left join ytd_values as last_year
        on measured.indicator_code = last_year.indicator_code
        and measured.plan_year - 1 = last_year.period_year
        and last_year.period_end_month = 12
    left join ytd_values as last_year_same_month
        on measured.indicator_code = last_year_same_month.indicator_code
        and measured.plan_year - 1 = last_year_same_month.period_year
        and measured.data_month_no = last_year_same_month.period_end_month
)

select * from with_context
