-- Targets missing from fct_target_progress at some as-of month of their plan (see int_target_months:
-- every target at every as-of month from January of its plan year to the run's as-of month, a
-- multi-year target until its due year, whatever the data).

with

expected as (
    select * from {{ ref('int_target_months') }}
),

progress as (
    select * from {{ ref('fct_target_progress') }}
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
