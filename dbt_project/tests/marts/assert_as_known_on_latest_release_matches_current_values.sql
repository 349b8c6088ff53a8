-- "As known on date X" (macro observations_as_known_on) asked for the date of the latest release (or for
-- the run's known_on date) must give the figures of fct_indicator_values: rows that differ, or exist on one
-- side only, fail.
-- depends_on: {{ ref('fct_indicator_value_history') }}

with

known_today as (
    {% if var('known_on', '') -%}
        {{ observations_as_known_on("date '" ~ var('known_on') ~ "'") }}
    {%- else -%}
        {{ observations_as_known_on("(select max(release_date) from " ~ ref('fct_indicator_value_history') ~ ")") }}
    {%- endif %}
),

current_values as (
    select * from {{ ref('fct_indicator_values') }}
    where not is_derived
),

differences as (
    select
        coalesce(known_today.indicator_code, current_values.indicator_code) as indicator_code,
        coalesce(known_today.period_year, current_values.period_year) as period_year,
        coalesce(known_today.period_end_month, current_values.period_end_month) as period_end_month,
        coalesce(known_today.measure, current_values.measure) as measure,
        known_today.value as known_today_value,
        current_values.value as current_value
    from known_today
    full outer join current_values
        on {{ figure_key_matches('known_today', 'current_values') }}
    where known_today.value is distinct from current_values.value
)

select * from differences
