{#- A model as a serving view names it: schema.table, without the build file's catalog. DuckDB binds the
    names in a view's body in the view's own catalog, so the views then read the tables beside them in
    whatever file holds them: the build file, or the published serving copy (which publishing writes
    without rewriting any SQL). -#}
{% macro served_ref(model_name) -%}
    {{ return(ref(model_name).include(database=false)) }}
{%- endmacro %}
