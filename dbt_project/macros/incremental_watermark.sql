{#- The high-water mark of an incremental model: rows loaded after it are new. On a first build or a full
    refresh the filter is not rendered at all (callers wrap it in is_incremental()). -#}
{% macro incremental_watermark(column) -%}
    (select coalesce(max({{ column }}), '1900-01-01'::timestamptz) from {{ this }})
{%- endmacro %}
