{#- The names of a relation's columns but the `excluded` ones, as the database has them, for a model that
    must name exactly another model's columns (to compare rows with EXCEPT). Outside a run (parsing,
    linting) a stand-in name, so the SQL still renders. -#}
{% macro columns_of(relation, excluded=[]) -%}
    {%- if not execute -%}
        {{ return(['stand_in_column']) }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name not in excluded -%}
        {%- do names.append(column.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
