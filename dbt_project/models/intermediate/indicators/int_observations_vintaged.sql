-- Every vintage of every observation key with the dates it was the best knowledge: a figure repeated
-- unchanged in a later release is not a new vintage; a changed one is (a revision).
-- Incremental: a night's run recomputes only the keys that received rows since the last run (all their
-- vintages, so a late release with an earlier release date still lands in order) and replaces them.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='observation_key',
        on_schema_change='append_new_columns',
    )
}}

with

observations as (
    select * from {{ ref('stg_ingest__observations') }}
),

{% if is_incremental() %}
    changed_keys as (
        -- the keys that received rows since the last run (raw is append-only and loaded in loaded_at
        -- order)
        select distinct
            source_id,
            indicator_code,
            region_code,
            period_year,
            period_start_month,
            period_end_month,
            measure
        from observations
        where loaded_at > {{ incremental_watermark('key_loaded_at') }}
    ),

    in_scope as (
        -- every release of a changed key, old ones included, so its vintages are renumbered in order
        select observations.*
        from observations
        semi join changed_keys
            on {{ figure_key_matches('observations', 'changed_keys', with_source=true) }}
    ),
{% else %}
    in_scope as (
        -- a first build or a full refresh: every key. Not a semi join of every figure with the set of
        -- all keys, which held a hash table of every key at once (at 100x, 50 M of them)
        select * from observations
    ),
{% endif %}

keyed as (
    select
        {{ observation_key() }} as observation_key,
        *
    from in_scope
),

ordered as (
    select
        *,
        lag(value) over key_window as previous_release_value,
        row_number() over key_window as release_seq,
        max(loaded_at) over (partition by observation_key) as key_loaded_at
    from keyed
    window key_window as (
        partition by observation_key
        order by release_date asc, loaded_at asc, release_sha256 asc
    )
),

changes as (
    select *
    from ordered
    where release_seq = 1 or value is distinct from previous_release_value
),

vintaged as (
    select
        observation_key,
        source_id,
        indicator_code,
        region_code,
        period_year,
        period_start_month,
        period_end_month,
        measure,
        value,
        value_published,
        unit,
        unit_published,
        unit_multiplier,
        label_raw,
        obs_status,
        release_sha256,
        release_date,
        loaded_at,
        key_loaded_at,
        release_date as valid_from,
        lead(release_date) over vintage_window as valid_to,
        row_number() over vintage_window as vintage_no,
        lag(value) over vintage_window as previous_value,
        value - lag(value) over vintage_window as revision,
        lead(release_date) over vintage_window is null as is_latest
    from changes
    window vintage_window as (
        partition by observation_key
        order by release_date asc, loaded_at asc, release_sha256 asc
    )
)

select * from vintaged
