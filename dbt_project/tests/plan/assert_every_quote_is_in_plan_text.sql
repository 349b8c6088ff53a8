-- Targets whose quote is not found, word for word, in any line of their own plan's text.

with

plan_targets as (
    select * from {{ ref('plan_targets') }}
),

plan_text_lines as (
    select * from {{ ref('plan_text_lines') }}
),

quotes_not_in_plan as (
    select
        plan_targets.plan_id,
        plan_targets.target_id,
        plan_targets.quote
    from plan_targets
    where not exists (
        select 1
        from plan_text_lines
        where
            plan_text_lines.plan_id = plan_targets.plan_id
            and contains(plan_text_lines.text, plan_targets.quote)
    )
)

select * from quotes_not_in_plan
