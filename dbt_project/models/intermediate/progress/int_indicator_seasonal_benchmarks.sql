-- For each year being judged and each month: the seasonal benchmark τ*_m (median over the three previous
-- years of the share of the year reached by month m), how many years it rests on, and last year's
-- figures the formulas need (share s_m, rest-of-year monthly average, full-year total).
-- Each past year's row is handed to the three years it serves (an equality join on the judged year, not a
-- join on a year range), and the median of at most three shares is computed from the three, as DuckDB's
-- median() computes it: at 100x (9,000 regions) the range join and median() over 25 M groups spilled more
-- than 40 GB (benchmarks/README.md).
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

served as (
    -- each profile row serves the three years after it
    select
        profile.*,
        profile.period_year + years_after.n as judged_year
    from profile
    cross join (values (1), (2), (3)) as years_after (n)
),

years as (
    select
        judged_years.indicator_code,
        judged_years.region_code,
        judged_years.measure,
        judged_years.judged_year,
        served.period_end_month,
        max(served.share_of_year) filter (where served.period_year = judged_years.judged_year - 1) as share_1,
        max(served.share_of_year) filter (where served.period_year = judged_years.judged_year - 2) as share_2,
        max(served.share_of_year) filter (where served.period_year = judged_years.judged_year - 3) as share_3,
        count(served.share_of_year) as seasonal_years,
        max(served.rest_of_year_monthly_average) filter (
            where served.period_year = judged_years.judged_year - 1
        ) as last_year_rest_of_year_monthly_average,
        max(served.year_total) filter (where served.period_year = judged_years.judged_year - 1) as last_year_total
    from judged_years
    inner join served
        on
            judged_years.indicator_code = served.indicator_code
            and judged_years.region_code = served.region_code
            and judged_years.measure = served.measure
            and judged_years.judged_year = served.judged_year
    group by all
)

select
    indicator_code,
    region_code,
    measure,
    judged_year,
    period_end_month,
    -- the median of the shares that are not null, exactly as median() gives it (one: itself; two: their
    -- mean; three: the middle one; a NaN sorts above every number, as in median())
    case seasonal_years
        when 1 then coalesce(share_1, share_2, share_3)
        when 2 then (least(share_1, share_2, share_3) + greatest(share_1, share_2, share_3)) / 2
        when 3 then greatest(least(share_1, share_2), least(greatest(share_1, share_2), share_3))
    end as seasonal_benchmark,
    seasonal_years,
    share_1 as last_year_share,
    last_year_rest_of_year_monthly_average,
    last_year_total
from years
