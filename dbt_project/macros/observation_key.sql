{#- The identity of a published figure across releases: source × indicator × region × period × measure.
    One hashed column so incremental models can delete+insert every vintage of a key in one statement. -#}
{% macro observation_key(relation_alias=none) -%}
    {%- set p = (relation_alias ~ '.') if relation_alias else '' -%}
    md5(concat_ws(
        '|', {{ p }}source_id, {{ p }}indicator_code, {{ p }}region_code, cast({{ p }}period_year as varchar),
        cast({{ p }}period_start_month as varchar), cast({{ p }}period_end_month as varchar), {{ p }}measure
    ))
{%- endmacro %}

{#- The identity of a figure whatever source published it: indicator × region × period × measure. -#}
{% macro value_key(relation_alias=none) -%}
    {%- set p = (relation_alias ~ '.') if relation_alias else '' -%}
    md5(concat_ws(
        '|', {{ p }}indicator_code, {{ p }}region_code, cast({{ p }}period_year as varchar),
        cast({{ p }}period_start_month as varchar), cast({{ p }}period_end_month as varchar), {{ p }}measure
    ))
{%- endmacro %}

{#- The group a figure is rebuilt in by fct_indicator_values: indicator × region × year (a derived single-
    period value depends on every YTD figure of its year). One expression, so that the incremental
    delete is a semi join on it rather than a join on three columns. -#}
{% macro value_group_key(relation_alias=none) -%}
    {%- set p = (relation_alias ~ '.') if relation_alias else '' -%}
    concat_ws('|', {{ p }}indicator_code, {{ p }}region_code, cast({{ p }}period_year as varchar))
{%- endmacro %}

{#- A hash of every column a published row of fct_indicator_values copies from int_indicator_values_aligned
    (cast as the mart casts them), to find the rows that changed; the other columns follow from the key. -#}
{% macro published_row_hash() -%}
    hash(
        cast(period_start_month as integer), cast(period_end_month as integer), cast(measure as varchar),
        cast(value as double), cast(value_published as double), cast(unit as varchar),
        cast(unit_published as varchar), cast(unit_multiplier as double), cast(obs_status as varchar),
        cast(source_id as varchar), cast(release_sha256 as varchar), cast(release_date as date),
        cast(vintage_no as integer), cast(is_revised as boolean), cast(revision as double)
    )
{%- endmacro %}

{#- The join condition of two relations on a figure's identity (indicator × region × period × measure,
    and the source when with_source): one list, so every model matches figures on the same columns. -#}
{% macro figure_key_matches(left, right, with_source=false) -%}
    {%- set columns = (['source_id'] if with_source else [])
        + ['indicator_code', 'region_code', 'period_year', 'period_start_month', 'period_end_month', 'measure'] -%}
    {%- for column in columns %}
        {{ 'and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
