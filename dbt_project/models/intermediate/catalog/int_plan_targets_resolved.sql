-- Every target of every plan in the catalog with what the catalog leaves to other tables: the plan's
-- year and region (plans), and the canonical unit and multiplier of the unit as written (the vocabulary).
-- A target written without a unit (全覆盖, 双百, a decrease in %) is in percent; a milestone has no unit.
with

targets as (
    select * from {{ ref('plan_targets') }}
),

plans as (
    select * from {{ ref('plans') }}
),

unit_forms as (
    select * from {{ ref('int_unit_forms') }}
),

final as (
    select
        targets.*,
        plans.plan_year,
        plans.region_code,
        plans.jurisdiction_code,
        year(targets.due_date) as due_year,
        coalesce(
            unit_forms.canonical_unit,
            case
                when
                    targets.measure in ('rate', 'ytd_growth')
                    or targets.kind in ('coverage', 'rate_held', 'decrease', 'growth')
                    then 'percent'
            end
        ) as unit,
        coalesce(unit_forms.multiplier, 1.0) as unit_multiplier
    from targets
    inner join plans on targets.plan_id = plans.plan_id
    left join unit_forms on targets.unit_raw = unit_forms.unit
)

select * from final
