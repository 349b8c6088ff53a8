{#- "What did we know on date X": every figure as it stood on that date (the vintage valid then), from
    the vintage history. Usage in a model or an analysis:
        select * from ({{ observations_as_known_on("date '2024-07-20'") }})
    A vintage is valid from its release date (inclusive) to the next vintage's release date (exclusive). -#}
{% macro observations_as_known_on(known_on) -%}
    select *
    from {{ ref('fct_indicator_value_history') }}
    where valid_from <= {{ known_on }}
        and (valid_to is null or valid_to > {{ known_on }})
    qualify row_number() over (
        partition by indicator_code, region_code, period_year, period_start_month, period_end_month, measure
        order by valid_from desc, loaded_at desc, source_id asc
    ) = 1
{%- endmacro %}
