-- serving.plans: every plan in the catalog and whether this run tracks it.
{{ config(alias='plans') }}

with

plans as (
    select * from {{ served_ref('dim_plans') }}
),

final as (
    select
        plan_id,
        title_zh as plan_title,
        jurisdiction_code,
        jurisdiction_name_zh as jurisdiction_name,
        plan_year,
        kind,
        kind_zh as kind_name,
        target_count,
        first_as_of_month,
        last_as_of_month,
        tracking_status,
        tracking_status_zh as tracking_status_name,
        is_active
    from plans
)

select * from final
