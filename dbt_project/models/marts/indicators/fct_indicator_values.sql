-- What is known now: the latest vintage of every figure (indicator × region × period × measure), as
-- published, plus the single-period values derived from year-to-date ones (flagged is_derived).
-- Incremental by indicator × region × year, the unit a derived value depends on (every YTD figure of its
-- year): a night's run recomputes the groups whose published figures differ from the table's (a new
-- month, a revision, a source's figure winning the tie-break, a withdrawal) and replaces them; groups with
-- no figure left are deleted before. Seeds, models, as-of month and known-on date changing make the night
-- a full build, which the nightly runs with --full-refresh (planwatch/incremental.py).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=value_group_key(),
        pre_hook="{% if is_incremental() %}"
            ~ "delete from {{ this }} where " ~ value_group_key() ~ " not in ("
            ~ "select " ~ value_group_key() ~ " from {{ ref('int_indicator_values_aligned') }})"
            ~ "{% endif %}",
    )
}}

with

{% if is_incremental() -%}
    published_now as (
        -- one hash of every column a published row copies from the aligned figure, per row
        select
            indicator_code,
            region_code,
            cast(period_year as integer) as period_year,
            {{ published_row_hash() }} as row_hash
        from {{ ref('int_indicator_values_aligned') }}
    ),

    published_before as (
        select
            indicator_code,
            region_code,
            period_year,
            {{ published_row_hash() }} as row_hash
        from {{ this }}
        where not is_derived
    ),

    rows_added as (
        select * from published_now
        except
        select * from published_before
    ),

    rows_gone as (
        select * from published_before
        except
        select * from published_now
    ),

    changed_groups as (
        select
            indicator_code,
            region_code,
            period_year
        from rows_added
        union
        select
            indicator_code,
            region_code,
            period_year
        from rows_gone
    ),
{%- endif %}

values_aligned as (
    select * from {{ ref('int_indicator_values_aligned') }}
    {% if is_incremental() -%}
        where {{ value_group_key() }} in (select {{ value_group_key() }} from changed_groups)
    {%- endif %}
),

months_derived as (
    select * from {{ ref('int_indicator_months_derived') }}
    {% if is_incremental() -%}
        where {{ value_group_key() }} in (select {{ value_group_key() }} from changed_groups)
    {%- endif %}
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
