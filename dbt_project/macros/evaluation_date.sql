{#- The day the submission calendar is judged on: known_on when it is set (the marts rebuilt as they read
    on that day), else today in the district's time zone. -#}
{% macro evaluation_date() -%}
    {%- if var('known_on', '') -%}
        date '{{ var("known_on") }}'
    {%- else -%}
        cast(timezone('{{ var("timezone") }}', now()) as date)
    {%- endif -%}
{%- endmacro %}
