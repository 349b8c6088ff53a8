{#- A raw table that an older raw file may not hold yet (ingest creates its tables when it first connects
    after an upgrade): read it when it is there, else an empty relation with the same columns and types,
    so a build on an older or empty raw layer still runs. columns: a list of [name, type] pairs; the
    staging model selects exactly these, so both cases have one shape. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set found = relation -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) -%}
    {%- endif -%}
    {%- if found is not none -%}
        select
        {%- for name, type in columns %}
            cast({{ name }} as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        from {{ relation }}
    {%- else -%}
        select
        {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
