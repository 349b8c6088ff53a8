-- One current figure per indicator × region × period × measure (when two sources publish the same figure,
-- the later release wins, then the source id for a stable tie-break), aligned to its calendar grain:
-- month, quarter, year-to-date or year, with the period's end date and its Chinese label.
-- With the var known_on (a date) every figure is the vintage that was current on that date instead, so the
-- marts can be rebuilt as they would have read then.
-- Incremental by figure (value_key): a night's run recomputes the figures for which any source's key
-- received rows since the last run (int_observations_latest/_vintaged carry each key's key_loaded_at) and
-- replaces them; the other figures cannot have changed, since raw is append-only and loaded in loaded_at
-- order, and a withdrawn or reprocessed load, changed seeds, models, as-of month or known-on date make the
-- night a full build, which the nightly runs with --full-refresh (planwatch/incremental.py).
-- depends_on: {{ ref('int_observations_vintaged') }}
{%- set known_on = var('known_on', '') %}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='value_key',
    )
}}

with

figures as (
    {% if known_on -%}
        select
            *,
            vintage_no > 1 as is_revised
        from {{ ref('int_observations_vintaged') }}
        where
            valid_from <= date '{{ known_on }}'
            and (valid_to is null or valid_to > date '{{ known_on }}')
    {%- else -%}
        select * from {{ ref('int_observations_latest') }}
    {%- endif %}
),

{% if is_incremental() -%}
    changed_values as (
        -- the figures of every key (of any source) that received rows since the last run; the watermark is
        -- the newest figure this table holds, loaded no later than what the last run saw, so a key
        -- changed since then is never missed (at worst one is recomputed again)
        select distinct
            indicator_code,
            region_code,
            period_year,
            period_start_month,
            period_end_month,
            measure
        from figures
        where key_loaded_at > {{ incremental_watermark('loaded_at') }}
    ),
{%- endif %}

latest as (
    select figures.*
    from figures
    {% if is_incremental() -%}
        semi join changed_values
            on {{ figure_key_matches('figures', 'changed_values') }}
    {%- endif %}
),

one_per_value as (
    select *
    from latest
    qualify row_number() over (
        partition by indicator_code, region_code, period_year, period_start_month, period_end_month, measure
        order by release_date desc, loaded_at desc, source_id asc
    ) = 1
),

aligned as (
    select
        {{ value_key() }} as value_key,
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        measure,
        {{ period_grain('period_start_month', 'period_end_month') }} as period_grain,
        {{ period_label_zh('period_start_month', 'period_end_month') }} as period_label_zh,
        {{ quarter_label_zh('period_start_month', 'period_end_month') }} as quarter_label_zh,
        make_date(period_year, period_start_month, 1) as period_start_date,
        last_day(make_date(period_year, period_end_month, 1)) as period_end_date,
        cast(ceil(period_end_month / 3.0) as integer) as quarter_no,
        period_end_month % 3 = 0 as is_quarter_end,
        period_end_month - period_start_month + 1 as months_in_period,
        value,
        value_published,
        unit,
        unit_published,
        unit_multiplier,
        label_raw,
        obs_status,
        source_id,
        release_sha256,
        release_date,
        loaded_at,
        vintage_no,
        is_revised,
        previous_value,
        revision
    from one_per_value
)

select * from aligned
