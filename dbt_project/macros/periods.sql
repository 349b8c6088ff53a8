{#- How monthly statistical releases name a period: 1-2月, 1-9月, 9月, 全年. -#}
{% macro period_label_zh(start_month, end_month) -%}
    case
        when {{ start_month }} = 1 and {{ end_month }} = 12 then '全年'
        when {{ start_month }} = {{ end_month }} then cast({{ end_month }} as varchar) || '月'
        else cast({{ start_month }} as varchar) || '-' || cast({{ end_month }} as varchar) || '月'
    end
{%- endmacro %}

{#- The grain a period is aligned to: month, quarter (a single quarter), ytd (from January), year. -#}
{% macro period_grain(start_month, end_month) -%}
    case
        when {{ start_month }} = 1 and {{ end_month }} = 12 then 'year'
        when {{ start_month }} = {{ end_month }} then 'month'
        when {{ start_month }} = 1 then 'ytd'
        when {{ start_month }} + 2 = {{ end_month }} and {{ end_month }} % 3 = 0 then 'quarter'
        else 'span'
    end
{%- endmacro %}

{#- How quarterly releases name a year-to-date period: 1季度, 上半年, 1-3季度, 全年 (else null). -#}
{% macro quarter_label_zh(start_month, end_month) -%}
    case
        when {{ start_month }} = 1 and {{ end_month }} = 3 then '1季度'
        when {{ start_month }} = 1 and {{ end_month }} = 6 then '上半年'
        when {{ start_month }} = 1 and {{ end_month }} = 9 then '1-3季度'
        when {{ start_month }} = 1 and {{ end_month }} = 12 then '全年'
        when {{ start_month }} + 2 = {{ end_month }} and {{ end_month }} % 3 = 0
            then cast({{ end_month }} // 3 as varchar) || '季度'
    end
{%- endmacro %}
