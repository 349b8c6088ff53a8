-- Targets whose unit as written is not in the vocabulary (dbt_project/seeds/vocabulary/units.csv, with
-- its magnitude prefixes): add the unit there, or correct the catalog.

with

targets as (
    select * from {{ ref('int_plan_targets_resolved') }}
),

unknown_units as (
    select
        target_id,
        unit_raw
    from targets
    where unit_raw is not null and unit_raw <> '' and unit is null
)

select * from unknown_units
