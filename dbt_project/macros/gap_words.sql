{#- A gap against a benchmark in words, compared unrounded: 超序时3.2个百分点, 落后序时4.7个百分点, or
    与序时持平 when it is exactly zero. benchmark_zh is a SQL string expression (序时, 季节性基准, 批次计划). -#}
{% macro gap_words(gap, benchmark_zh) -%}
    case
        when {{ gap }} > 0 then printf('超%s%.1f个百分点', {{ benchmark_zh }}, {{ gap }})
        when {{ gap }} < 0 then printf('落后%s%.1f个百分点', {{ benchmark_zh }}, -{{ gap }})
        else '与' || {{ benchmark_zh }} || '持平'
    end
{%- endmacro %}
