{#- Layers get plain schema names (staging, intermediate, marts, reference) rather than dbt's
    <target>_<custom> default: BI tools and the serving views address them by these names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
