-- The shape of each past year of a cumulative indicator: the share of the full year reached by month m
-- (YTD(m, y) / YTD(12, y)) and the average per remaining month, (YTD(12, y) - YTD(m, y)) / (12 - m).
-- Only years with a published full-year figure have a profile.
with

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
),

ytd as (
    select
        indicator_code,
        region_code,
        measure,
        period_year,
        period_end_month,
        value
    from values_aligned
    where period_start_month = 1 and measure in ('ytd_value', 'count_ytd') and value is not null
),

full_year as (
    select
        indicator_code,
        region_code,
        measure,
        period_year,
        value as year_total
    from ytd
    where period_end_month = 12
),

profile as (
    select
        ytd.indicator_code,
        ytd.region_code,
        ytd.measure,
        ytd.period_year,
        ytd.period_end_month,
        ytd.value as ytd_value,
        full_year.year_total,
        ytd.value / nullif(full_year.year_total, 0) as share_of_year,
        case
            when ytd.period_end_month < 12
                then (full_year.year_total - ytd.value) / (12 - ytd.period_end_month)
        end as rest_of_year_monthly_average
    from ytd
    inner join full_year
        on
            ytd.indicator_code = full_year.indicator_code
            and ytd.region_code = full_year.region_code
            and ytd.measure = full_year.measure
            and ytd.period_year = full_year.period_year
)

select * from profile
