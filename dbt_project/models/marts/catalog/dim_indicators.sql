-- The indicator registry with its publishing bureau and what the warehouse holds for it so far.
with

indicators as (
    select * from {{ ref('indicators') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
),

coverage as (
    select
        indicator_code,
        count(*) as value_count,
        min(period_start_date) as first_period_start_date,
        max(period_end_date) as latest_period_end_date,
        max(release_date) as latest_release_date,
        string_agg(distinct source_id, ',' order by source_id) as source_ids
    from values_aligned
    group by all
),

target_counts as (
    select
        indicator_code,
        count(*) as target_count
    from targets
    group by all
),

final as (
    select
        cast(indicators.indicator_code as varchar) as indicator_code,
        cast(indicators.name_zh as varchar) as indicator_name_zh,
        cast(indicators.name_en as varchar) as indicator_name_en,
        cast(indicators.unit as varchar) as unit,
        cast(indicators.unit_raw as varchar) as unit_raw,
        cast(indicators.frequency as varchar) as frequency,
        cast(indicators.measure_type as varchar) as measure_type,
        cast(indicators.bureau_code as varchar) as bureau_code,
        cast(bureaus.name_zh as varchar) as bureau_name_zh,
        cast(indicators.source_status as varchar) as source_status,
        cast(coalesce(coverage.value_count, 0) > 0 as boolean) as has_data,
        cast(coalesce(coverage.value_count, 0) as bigint) as value_count,
        cast(coverage.first_period_start_date as date) as first_period_start_date,
        cast(coverage.latest_period_end_date as date) as latest_period_end_date,
        cast(coverage.latest_release_date as date) as latest_release_date,
        cast(coverage.source_ids as varchar) as source_ids,
        cast(coalesce(target_counts.target_count, 0) as integer) as target_count
    from indicators
    left join bureaus on indicators.bureau_code = bureaus.bureau_code
    left join coverage on indicators.indicator_code = coverage.indicator_code
    left join target_counts on indicators.indicator_code = target_counts.indicator_code
)

select * from final
