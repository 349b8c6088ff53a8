-- For each year being judged and each month: the seasonal benchmark τ*_m (median over the three previous
-- years of the share of the year reached by month m), how many years it rests on, and last year's
-- figures the formulas need (share s_m, rest-of-year monthly average, full-year total).
-- A join on a year range and a group by: no per-row subquery, so it scales with the number of indicators.
with

profile as (
    select * from {{ ref('int_indicator_seasonal_profile') }}
),

judged_years as (
    select distinct
        indicator_code,
        region_code,
        measure,
        period_year + 1 as judged_year
    from profile
),

benchmarks as (
    select
        judged_years.indicator_code,
        judged_years.region_code,
        judged_years.measure,
        judged_years.judged_year,
        profile.period_end_month,
        median(profile.share_of_year) filter (where profile.share_of_year is not null) as seasonal_benchmark,
        count(profile.share_of_year) as seasonal_years,
        max(profile.share_of_year) filter (
            where profile.period_year = judged_years.judged_year - 1
        ) as last_year_share,
        max(profile.rest_of_year_monthly_average) filter (
            where profile.period_year = judged_years.judged_year - 1
        ) as last_year_rest_of_year_monthly_average,
        max(profile.year_total) filter (where profile.period_year = judged_years.judged_year - 1) as last_year_total
    from judged_years
    inner join profile
        on
            judged_years.indicator_code = profile.indicator_code
            and judged_years.region_code = profile.region_code
            and judged_years.measure = profile.measure
            and profile.period_year between judged_years.judged_year - 3 and judged_years.judged_year - 1
    group by all
)

select * from benchmarks
