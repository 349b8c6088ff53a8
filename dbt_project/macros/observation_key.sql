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
