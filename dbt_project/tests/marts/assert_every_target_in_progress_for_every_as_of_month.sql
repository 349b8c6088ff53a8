-- Catalog targets missing from fct_target_progress at some as-of month (every target must appear at
-- every as-of month from January to the run's as-of month, whatever the data).

with

targets as (
    select * from {{ ref('plan_targets') }}
),

as_of_months as (
    select * from {{ ref('int_as_of_months') }}
),

progress as (
    select * from {{ ref('fct_target_progress') }}
),

expected as (
    select
        targets.target_id,
        as_of_months.as_of_month
    from targets
    inner join as_of_months on targets.plan_year = as_of_months.plan_year
),

missing as (
    select
        expected.target_id,
        expected.as_of_month
    from expected
    left join progress
        on
            expected.target_id = progress.target_id
            and expected.as_of_month = progress.as_of_month
    where progress.target_id is null
)

select * from missing
