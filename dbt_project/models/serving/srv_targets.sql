-- serving.targets: the plan's targets as reviewed.
{{ config(alias='targets') }}

with

targets as (
    select * from {{ served_ref('dim_targets') }}
),

final as (
    select
        target_id,
        plan_id,
        plan_year,
        region_code,
        section_no,
        section,
        quote as target_text,
        indicator_code,
        indicator_name_zh as indicator_name,
        kind,
        kind_zh as kind_name,
        comparator,
        comparator_zh as comparator_name,
        target_value,
        band,
        unit_raw as unit,
        direction,
        aspirational,
        responsible_bureau as bureau_code,
        responsible_bureau_name_zh as bureau_name,
        frequency,
        assessable_within_year,
        due_date
    from targets
)

select * from final
