-- Each target at each as-of month beside the latest figure available by then for its plan's region,
-- measured the way the target's kind requires, plus the companion figures and last year's figures the
-- formulas need. Figures are looked up in the as-of month's year: the plan year, or a later year for a
-- multi-year target (到2027年…). Where no statistic is published the bureau's accepted progress return gives
-- the figure (the statistic wins when both exist; the return's words are kept either way). No judgement
-- here (fct_target_progress judges).
-- Incremental by target × as-of month. A row reads its region's figures of the indicator from the as-of
-- year up to the as-of month, and of the three years before (last year's figures; the seasonal benchmark's
-- profile years); figures_loaded_until is the newest key_loaded_at among them. A night's run recomputes the
-- rows with a figure key loaded since the newest of them in the table, the rows whose bureau return row
-- changed (int_target_returns_as_of, compared column by column) and new grid rows, and deletes the rows
-- that left the grid. Changed seeds, models, as-of month, known-on date or configuration
-- make the night a full build, which the nightly runs with --full-refresh (planwatch/incremental.py).
-- depends_on: {{ ref('int_observations_latest') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['target_id', 'as_of_month'],
        pre_hook="{% if is_incremental() %}"
            ~ "delete from {{ this }} where concat_ws('|', target_id, as_of_month) not in ("
            ~ "select concat_ws('|', target_id, as_of_month) from {{ ref('int_target_months') }})"
            ~ "{% endif %}",
    )
}}
with

figure_loads as (
    -- the newest load of any key (of any source) of each indicator × region × year × end month, of the
    -- years a row can read (the grid's as-of years and the three before: not ten years of history)
    select
        indicator_code,
        region_code,
        period_year,
        period_end_month,
        max(key_loaded_at) as key_loaded_at
    from {{ ref('int_observations_latest') }}
    where
        period_year
        between (select min(grid.as_of_year) - 3 from {{ ref('int_target_months') }} as grid)
        and (select max(grid.as_of_year) from {{ ref('int_target_months') }} as grid)
    group by all
),

years_after as (
    -- a year's figures are read by the rows of the three years after: joining on year + n is an equality
    -- join, where a range of years paired each row with every year of its region (308 M pairs at 100x)
    select * from (values (1), (2), (3)) as years_after (n)  -- noqa: AL05
),

{% if is_incremental() -%}
    {%- set return_columns = columns_of(ref('int_target_returns_as_of'), ['target_id', 'as_of_month']) -%}
    figures_new as (
        -- per indicator × region × year, the earliest end month of a key that received rows since the
        -- newest load the table's rows rest on
        select
            indicator_code,
            region_code,
            period_year,
            min(period_end_month) as first_end_month
        from figure_loads
        where key_loaded_at > {{ incremental_watermark('figures_loaded_until') }}
        group by all
    ),

    returns_changed as (
        -- the grid's rows whose return row differs from the one the table holds, and its new rows
        select distinct
            target_id,
            as_of_month
        from (
            select
                target_id,
                as_of_month,
                {{ return_columns | join(', ') }}
            from {{ ref('int_target_returns_as_of') }}
            except
            select
                target_id,
                as_of_month,
                {{ return_columns | join(', ') }}
            from {{ this }}
        )
    ),

    changed_keys as (
        -- the new figures' year from their end month on, the three years after, the changed returns
        select
            grid.target_id,
            grid.as_of_month
        from {{ ref('int_target_months') }} as grid
        semi join figures_new
            on
                grid.indicator_code = figures_new.indicator_code
                and grid.region_code = figures_new.region_code
                and grid.as_of_year = figures_new.period_year
                and grid.as_of_month_no >= figures_new.first_end_month
        union
        select
            grid.target_id,
            grid.as_of_month
        from {{ ref('int_target_months') }} as grid
        semi join (
            select distinct
                figures_new.indicator_code,
                figures_new.region_code,
                figures_new.period_year + years_after.n as reading_year
            from figures_new cross join years_after
        ) as figures_new_read_later
            on
                grid.indicator_code = figures_new_read_later.indicator_code
                and grid.region_code = figures_new_read_later.region_code
                and grid.as_of_year = figures_new_read_later.reading_year
        union
        select
            target_id,
            as_of_month
        from returns_changed
    ),
{%- endif %}

target_grid as (
    select grid.*
    from {{ ref('int_target_months') }} as grid
    {% if is_incremental() -%}
        semi join changed_keys
            on grid.target_id = changed_keys.target_id and grid.as_of_month = changed_keys.as_of_month
    {%- endif %}
),

loads_years_before as (
    -- the newest load among each indicator × region's figures of the three years before a year
    select
        figure_loads.indicator_code,
        figure_loads.region_code,
        figure_loads.period_year + years_after.n as reading_year,
        max(figure_loads.key_loaded_at) as key_loaded_at
    from figure_loads
    cross join years_after
    group by all
),

loads_this_year as (
    -- the newest load among each row's figures of its as-of year up to its as-of month
    select
        target_grid.target_id,
        target_grid.as_of_month,
        max(figure_loads.key_loaded_at) as key_loaded_at
    from target_grid
    inner join figure_loads
        on
            target_grid.indicator_code = figure_loads.indicator_code
            and target_grid.region_code = figure_loads.region_code
            and target_grid.as_of_year = figure_loads.period_year
            and target_grid.as_of_month_no >= figure_loads.period_end_month
    group by all
),

figures_loaded as (
    -- the newest load among the figures each row reads: its as-of year up to the as-of month, and the
    -- three years before (null when it reads none)
    select
        target_grid.target_id,
        target_grid.as_of_month,
        greatest(loads_this_year.key_loaded_at, loads_years_before.key_loaded_at) as figures_loaded_until
    from target_grid
    left join loads_this_year
        on target_grid.target_id = loads_this_year.target_id and target_grid.as_of_month = loads_this_year.as_of_month
    left join loads_years_before
        on
            target_grid.indicator_code = loads_years_before.indicator_code
            and target_grid.region_code = loads_years_before.region_code
            and target_grid.as_of_year = loads_years_before.reading_year
),

target_regions as (
    -- a row reads figures of its as-of year and of the year before (the benchmarks' years come computed)
    select
        indicator_code,
        region_code,
        min(as_of_year) - 1 as first_year,
        max(as_of_year) as last_year
    from target_grid
    group by all
),

values_aligned as (
    -- only the figures the rows being computed read
    select values_aligned.*
    from {{ ref('int_indicator_values_aligned') }} as values_aligned
    semi join target_regions
        on
            values_aligned.indicator_code = target_regions.indicator_code
            and values_aligned.region_code = target_regions.region_code
            and values_aligned.period_year between target_regions.first_year and target_regions.last_year
),

benchmarks as (
    select * from {{ ref('int_indicator_seasonal_benchmarks') }}
),

returns_as_of as (
    select * from {{ ref('int_target_returns_as_of') }}
),

measure_map as (
    -- how the catalog says a target is measured -> the measure bureaus publish. A milestone's state is
    -- published as a level: 1 done, a fraction for partial progress, 0 not started.
    select * from (
        values
        ('ytd_cumulative', 'ytd_value'),
        ('ytd_growth', 'ytd_growth_pct'),
        ('rate', 'rate_pct'),
        ('last_value', 'level'),
        ('count_since_jan1', 'count_ytd'),
        ('milestone_state', 'level')
    ) as m (target_measure, observation_measure)  -- noqa: AL05
),

target_months as (
    select
        target_grid.*,
        measure_map.observation_measure
    from target_grid
    left join measure_map on target_grid.measure = measure_map.target_measure
),

primary_figures as (
    -- cumulative measures count from January; a stock or a state is whatever its last period says; a
    -- figure published as missing is skipped, so the previous period stands (never a zero). Of one end
    -- month's figures a year-to-date rate is preferred to a single month's (the earliest start). Keys
    -- only: the figures' other columns are joined to the one row each target month measures.
    select
        indicator_code,
        region_code,
        measure,
        period_year,
        period_end_month,
        min(period_start_month) as period_start_month
    from values_aligned
    where (period_start_month = 1 or measure in ('level', 'rate_pct')) and value is not null
    group by all
),

measured_period as (
    -- the latest period published up to the as-of month (a late bureau leaves an older month): an as-of
    -- join takes the greatest end month not after it
    select
        target_months.target_id,
        target_months.as_of_month,
        primary_figures.*
    from (
        select
            target_id,
            as_of_month,
            indicator_code,
            region_code,
            observation_measure,
            as_of_year,
            as_of_month_no
        from target_months
    ) as target_months
    asof inner join primary_figures
        on
            target_months.indicator_code = primary_figures.indicator_code
            and target_months.region_code = primary_figures.region_code
            and target_months.observation_measure = primary_figures.measure
            and target_months.as_of_year = primary_figures.period_year
            and target_months.as_of_month_no >= primary_figures.period_end_month
),

measured as (
    select
        target_months.*,
        figure.period_start_month as stat_period_start_month,
        figure.period_end_month as stat_month_no,
        figure.period_label_zh as stat_period_label_zh,
        figure.value as stat_value_canonical,
        figure.source_id as stat_source_id,
        figure.release_sha256 as stat_release_sha256,
        figure.release_date as stat_release_date,
        figure.label_raw as stat_evidence_label,
        figure.vintage_no as stat_vintage_no,
        figure.is_revised as stat_is_revised
    from target_months
    left join measured_period
        on target_months.target_id = measured_period.target_id and target_months.as_of_month = measured_period.as_of_month
    left join values_aligned as figure on {{ figure_key_matches('measured_period', 'figure') }}
),

with_returns as (
    -- the data path: the statistic when one is published for the as-of year, else the bureau's return
    -- for a month of that year, else nothing yet
    select
        measured.*,
        returns_as_of.* exclude (returns_as_of.target_id, returns_as_of.as_of_month),
        case
            when measured.stat_value_canonical is not null then 'statistic'
            when
                year(returns_as_of.return_report_month) = measured.as_of_year
                and (
                    (measured.measure = 'milestone_state' and returns_as_of.return_milestone_state is not null)
                    or (measured.measure <> 'milestone_state' and returns_as_of.return_reported_value is not null)
                )
                then 'bureau_return'
            else 'none'
        end as figure_source
    from measured
    left join returns_as_of
        on measured.target_id = returns_as_of.target_id and measured.as_of_month = returns_as_of.as_of_month
),

sourced as (
    select
        * exclude (
            stat_period_start_month, stat_month_no, stat_period_label_zh, stat_value_canonical, stat_source_id,
            stat_release_sha256, stat_release_date, stat_evidence_label, stat_vintage_no, stat_is_revised
        ),
        case figure_source
            when 'statistic' then stat_value_canonical
            when 'bureau_return' then
                case
                    when measure = 'milestone_state' then return_share_done
                    when observation_measure in ('ytd_growth_pct', 'rate_pct') then return_reported_value
                    else return_reported_value * unit_multiplier
                end
        end as actual_canonical,
        case figure_source
            when 'statistic' then stat_period_start_month
            when 'bureau_return' then case when observation_measure = 'level' then month(return_report_month) else 1 end
        end as data_period_start_month,
        case figure_source
            when 'statistic' then stat_month_no
            when 'bureau_return' then month(return_report_month)
        end as data_month_no,
        case
            when figure_source = 'statistic' then stat_period_label_zh
            when figure_source = 'bureau_return' and observation_measure = 'level'
                then {{ period_label_zh('month(return_report_month)', 'month(return_report_month)') }}
            when figure_source = 'bureau_return' then {{ period_label_zh('1', 'month(return_report_month)') }}
        end as data_period_label_zh,
        case figure_source when 'statistic' then stat_source_id when 'bureau_return' then return_source_id end
            as source_id,
        case figure_source when 'statistic' then stat_release_sha256 when 'bureau_return' then return_sha256 end
            as release_sha256,
        case figure_source
            when 'statistic' then stat_release_date
            when 'bureau_return'
                then cast(timezone('{{ var("timezone") }}', coalesce(return_accepted_at, return_submitted_at)) as date)
        end as release_date,
        case
            when figure_source = 'statistic' then stat_evidence_label
            when figure_source = 'bureau_return' and measure = 'milestone_state'
                then return_milestone_state_label_zh || coalesce(':' || return_figure_evidence_ref, '')
            when figure_source = 'bureau_return' then return_figure_evidence_ref
        end as evidence_label,
        case figure_source when 'statistic' then stat_vintage_no when 'bureau_return' then return_vintage_no end
            as vintage_no,
        case figure_source
            when 'statistic' then stat_is_revised when 'bureau_return' then coalesce(return_vintage_no > 1, false)
        end as is_revised,
        stat_value_canonical is not null as has_statistic
    from with_returns
),

ytd_figures as (
    select
        indicator_code,
        region_code,
        period_year,
        period_end_month,
        measure,
        value,
        unit_published
    from values_aligned
    where period_start_month = 1 and measure in ('ytd_value', 'ytd_growth_pct', 'count_ytd') and value is not null
),

year_end_figures as (
    -- last year's final figure of each measure (the full-year YTD, the year-end stock or rate)
    select
        indicator_code,
        region_code,
        measure,
        period_year,
        arg_max(value, period_end_month * 100 - period_start_month) as year_end_value,
        max(period_end_month) as year_end_month
    from values_aligned
    where (period_start_month = 1 or measure in ('level', 'rate_pct')) and value is not null
    group by all
),

with_context as (
    select
        sourced.*,
        figures_loaded.figures_loaded_until,
        cur_ytd.value as ytd_value_canonical,
        cur_growth.value as ytd_growth_pct,
        -- a flow's year is only complete with its December figure: 1-11月 is not last year's actual
        case
            when sourced.observation_measure in ('ytd_value', 'count_ytd') and last_year.year_end_month <> 12
                then null
            else last_year.year_end_value
        end as last_year_actual_canonical,
        last_year.year_end_month as last_year_actual_month_no,
        last_year_same_month.value as last_year_same_month_ytd_canonical,
        -- the counts behind a decrease in a rate (事故起数和亡人数“双降”): this year's and last year's
        cur_count.value as count_ytd,
        last_year_count.value as last_year_same_month_count,
        cur_count.unit_published as count_unit,
        benchmarks.seasonal_benchmark,
        coalesce(benchmarks.seasonal_years, 0) as seasonal_years,
        coalesce(growth_share.last_year_share, benchmarks.last_year_share) as last_year_share,
        benchmarks.last_year_rest_of_year_monthly_average as last_year_rest_of_year_avg_canonical,
        dayofyear(last_day(make_date(sourced.as_of_year, 12, 1))) as days_in_year,
        case
            when sourced.data_month_no is not null
                then dayofyear(last_day(make_date(sourced.as_of_year, sourced.data_month_no, 1)))
        end as days_elapsed
    from sourced
    left join ytd_figures as cur_ytd
        on
            sourced.indicator_code = cur_ytd.indicator_code
            and sourced.region_code = cur_ytd.region_code
            and sourced.as_of_year = cur_ytd.period_year
            and sourced.data_month_no = cur_ytd.period_end_month
            and cur_ytd.measure = 'ytd_value'
    left join ytd_figures as cur_growth
        on
            sourced.indicator_code = cur_growth.indicator_code
            and sourced.region_code = cur_growth.region_code
            and sourced.as_of_year = cur_growth.period_year
            and sourced.data_month_no = cur_growth.period_end_month
            and cur_growth.measure = 'ytd_growth_pct'
    left join year_end_figures as last_year
        on
            sourced.indicator_code = last_year.indicator_code
            and sourced.region_code = last_year.region_code
            and sourced.observation_measure = last_year.measure
            and sourced.as_of_year - 1 = last_year.period_year
    left join ytd_figures as last_year_same_month
        on
            sourced.indicator_code = last_year_same_month.indicator_code
            and sourced.region_code = last_year_same_month.region_code
            and sourced.as_of_year - 1 = last_year_same_month.period_year
            and sourced.data_month_no = last_year_same_month.period_end_month
            and last_year_same_month.measure = 'ytd_value'
    left join ytd_figures as cur_count
        on
            sourced.kind = 'decrease'
            and sourced.indicator_code = cur_count.indicator_code
            and sourced.region_code = cur_count.region_code
            and sourced.as_of_year = cur_count.period_year
            and sourced.data_month_no = cur_count.period_end_month
            and cur_count.measure = 'count_ytd'
    left join ytd_figures as last_year_count
        on
            sourced.kind = 'decrease'
            and sourced.indicator_code = last_year_count.indicator_code
            and sourced.region_code = last_year_count.region_code
            and sourced.as_of_year - 1 = last_year_count.period_year
            and sourced.data_month_no = last_year_count.period_end_month
            and last_year_count.measure = 'count_ytd'
    left join benchmarks
        on
            sourced.indicator_code = benchmarks.indicator_code
            and sourced.region_code = benchmarks.region_code
            and sourced.observation_measure = benchmarks.measure
            and sourced.as_of_year = benchmarks.judged_year
            and sourced.data_month_no = benchmarks.period_end_month
    -- growth targets are judged on ytd_growth_pct, but their share of the year comes from the YTD level
    left join benchmarks as growth_share
        on
            sourced.observation_measure = 'ytd_growth_pct'
            and sourced.indicator_code = growth_share.indicator_code
            and sourced.region_code = growth_share.region_code
            and growth_share.measure = 'ytd_value'
            and sourced.as_of_year = growth_share.judged_year
            and sourced.data_month_no = growth_share.period_end_month
    left join figures_loaded
        on sourced.target_id = figures_loaded.target_id and sourced.as_of_month = figures_loaded.as_of_month
)

select * from with_context
