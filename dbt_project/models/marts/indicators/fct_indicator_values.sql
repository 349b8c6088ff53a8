-- What is known now: the latest vintage of every figure (indicator × region × period × measure), as
-- published, plus the single-period values derived from year-to-date ones (flagged is_derived).
with

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
),

months_derived as (
    select * from {{ ref('int_indicator_months_derived') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

published as (
    select
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        measure,
        period_grain,
        period_label_zh,
        quarter_label_zh,
        period_start_date,
        period_end_date,
        value,
        value_published,
        unit,
        unit_published,
        unit_multiplier,
        false as is_derived,
        null as derived_period_kind,
        obs_status,
        source_id,
        release_sha256,
        release_date,
        vintage_no,
        is_revised,
        revision
    from values_aligned
),

derived as (
    -- de-cumulated from YTD: 1-2月 stays one period; a gap leaves a multi-month period, never a zero
    select
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        'derived_' || measure as measure,
        {{ period_grain('period_start_month', 'period_end_month') }} as period_grain,
        period_label_zh,
        {{ quarter_label_zh('period_start_month', 'period_end_month') }} as quarter_label_zh,
        make_date(period_year, period_start_month, 1) as period_start_date,
        last_day(make_date(period_year, period_end_month, 1)) as period_end_date,
        value,
        null as value_published,
        unit,
        null as unit_published,
        null as unit_multiplier,
        true as is_derived,
        period_kind as derived_period_kind,
        null as obs_status,
        source_id,
        release_sha256,
        release_date,
        null as vintage_no,
        null as is_revised,
        null as revision
    from months_derived
),

unioned as (
    select * from published
    union all
    select * from derived
),

final as (
    select
        cast({{ value_key('unioned') }} as varchar) as value_key,
        cast(unioned.indicator_code as varchar) as indicator_code,
        cast(indicators.name_zh as varchar) as indicator_name_zh,
        cast(unioned.region_code as varchar) as region_code,
        cast(unioned.period_year as integer) as period_year,
        cast(unioned.period_start_month as integer) as period_start_month,
        cast(unioned.period_end_month as integer) as period_end_month,
        cast(unioned.measure as varchar) as measure,
        cast(unioned.period_grain as varchar) as period_grain,
        cast(unioned.period_label_zh as varchar) as period_label_zh,
        cast(unioned.quarter_label_zh as varchar) as quarter_label_zh,
        cast(unioned.period_start_date as date) as period_start_date,
        cast(unioned.period_end_date as date) as period_end_date,
        cast(unioned.value as double) as value,
        cast(unioned.value_published as double) as value_published,
        cast(unioned.unit as varchar) as unit,
        cast(unioned.unit_published as varchar) as unit_published,
        cast(unioned.unit_multiplier as double) as unit_multiplier,
        cast(unioned.is_derived as boolean) as is_derived,
        cast(unioned.derived_period_kind as varchar) as derived_period_kind,
        cast(unioned.obs_status as varchar) as obs_status,
        cast(unioned.source_id as varchar) as source_id,
        cast(unioned.release_sha256 as varchar) as release_sha256,
        cast(unioned.release_date as date) as release_date,
        cast(unioned.vintage_no as integer) as vintage_no,
        cast(unioned.is_revised as boolean) as is_revised,
        cast(unioned.revision as double) as revision
    from unioned
    left join indicators on unioned.indicator_code = indicators.indicator_code
)

select * from final
