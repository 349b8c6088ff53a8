-- The milestone state each milestone target must reach to count as done (开工 → 在建, 投用/通车 → 已投用,
-- 基本建成 → 主体完工, else 已完成): the first of the milestone_goal_rules, in priority order, whose pattern
-- matches the target's quote or indicator code.
with

targets as (
    select * from {{ ref('int_plan_targets_resolved') }}
),

rules as (
    select * from {{ ref('milestone_goal_rules') }}
),

states as (
    select * from {{ ref('milestone_states') }}
),

matched as (
    select
        targets.plan_id,
        targets.target_id,
        rules.goal_state,
        rules.priority as goal_rule_priority,
        rules.description_zh as goal_rule_zh
    from targets
    inner join rules
        on regexp_matches(
            case rules.match_field when 'quote' then targets.quote else targets.indicator_code end, rules.pattern
        )
    where targets.kind = 'milestone'
    qualify row_number() over (partition by targets.plan_id, targets.target_id order by rules.priority) = 1
),

final as (
    select
        matched.*,
        states.label_zh as goal_state_label_zh,
        states.stage_order as goal_stage_order,
        states.share_done as goal_share_done
    from matched
    inner join states on matched.goal_state = states.state
)

select * from final
