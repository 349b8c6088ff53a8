-- Single-period values derived from year-to-date cumulative ones: the value added since the previous
-- published YTD figure of the same year (a month, or a quarter for quarterly indicators). January and
-- February are published together (1-2月), so the first period of a year is the two-month period 1-2; a
-- month the bureau did not publish leaves a gap: the next figure covers both months
-- (period_start_month..period_end_month), it is never split, and the missing month is never a zero.
with

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

ytd as (
    select
        indicator_code,
        region_code,
        period_year,
        period_end_month,
        measure,
        value,
        unit,
        source_id,
        release_sha256,
        release_date
    from values_aligned
    -- a figure published as missing (—, hasdata=false) is a gap like an unpublished month
    where period_start_month = 1 and measure in ('ytd_value', 'count_ytd') and value is not null
),

with_previous as (
    select
        *,
        lag(period_end_month) over ytd_window as previous_end_month,
        lag(value) over ytd_window as previous_ytd_value
    from ytd
    window ytd_window as (
        partition by indicator_code, region_code, measure, period_year
        order by period_end_month
    )
),

derived as (
    select
        with_previous.indicator_code,
        with_previous.region_code,
        with_previous.period_year,
        coalesce(with_previous.previous_end_month + 1, 1) as period_start_month,
        with_previous.period_end_month,
        case with_previous.measure when 'ytd_value' then 'period_value' else 'period_count' end as measure,
        with_previous.measure as derived_from_measure,
        with_previous.value - coalesce(with_previous.previous_ytd_value, 0) as value,
        with_previous.value as ytd_value,
        with_previous.previous_ytd_value,
        with_previous.unit,
        with_previous.period_end_month - coalesce(with_previous.previous_end_month, 0) as months_in_period,
        case
            when with_previous.period_end_month - coalesce(with_previous.previous_end_month, 0) = 1 then 'month'
            when with_previous.previous_end_month is null and with_previous.period_end_month = 2 then 'jan_feb'
            -- a quarterly indicator's normal step is a quarter; a monthly one's is a month
            when
                indicators.frequency = 'quarterly'
                and with_previous.period_end_month % 3 = 0
                and with_previous.period_end_month - coalesce(with_previous.previous_end_month, 0) = 3
                then 'quarter'
            else 'gap_spanning'
        end as period_kind,
        with_previous.source_id,
        with_previous.release_sha256,
        with_previous.release_date
    from with_previous
    left join indicators on with_previous.indicator_code = indicators.indicator_code
),

final as (
    select
        *,
        {{ period_label_zh('period_start_month', 'period_end_month') }} as period_label_zh,
        value / months_in_period as monthly_average
    from derived
)

select * from final
