-- Targets whose quote is not found, word for word, in any line of the plan text.

with

plan_targets as (
    select * from {{ ref('plan_targets') }}
),

plan_text_lines as (
    select * from {{ ref('plan_text_lines') }}
),

quotes_not_in_plan as (
    select
        plan_targets.target_id,
        plan_targets.quote
    from plan_targets
    where not exists (
        select 1
        from plan_text_lines
        where contains(plan_text_lines.text, plan_targets.quote)
    )
)

select * from quotes_not_in_plan
