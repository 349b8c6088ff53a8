-- serving.calculation_steps: how each figure of a target's progress was calculated.
{{ config(alias='calculation_steps') }}

with

components as (
    select * from {{ served_ref('fct_progress_calculation_components') }}
),

final as (
    select
        as_of_month,
        target_id,
        component_order as step_no,
        component,
        label_zh as step_name,
        value,
        formula_zh as formula,
        calculation_zh as calculation
    from components
)

select * from final
