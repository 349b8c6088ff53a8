-- Each target at each as-of month beside what its bureau returned up to that month: the latest return
-- figure that counts (accepted, or pending when configured), the latest return of any state (so a reason
-- can say a figure is pending review or was sent back), and, for milestones, the stage to reach, the stage
-- reached, and the planned stages (计划节点) declared in counting returns: the earliest one missed by the
-- as-of date and the next one still ahead. Also when the plan's first return was due.
with

target_grid as (
    select * from {{ ref('int_target_months') }}
),

figures as (
    select * from {{ ref('int_target_return_figures') }}
),

returns as (
    select * from {{ ref('int_returns_reviewed') }}
),

return_rows as (
    select * from {{ ref('stg_ingest__progress_return_rows') }}
),

goals as (
    select * from {{ ref('int_milestone_goals') }}
),

due_dates as (
    select * from {{ ref('int_return_due_dates') }}
),

usable_figures as (
    select *
    from figures
    where reported_value is not null or milestone_state is not null
),

latest_figure as (
    select
        target_grid.target_id,
        target_grid.as_of_month,
        usable_figures.* exclude (usable_figures.plan_id, usable_figures.target_id)
    from target_grid
    inner join usable_figures
        on
            target_grid.plan_id = usable_figures.plan_id
            and target_grid.target_id = usable_figures.target_id
            and target_grid.as_of_month >= usable_figures.report_month
    qualify row_number() over (
        partition by target_grid.target_id, target_grid.as_of_month order by usable_figures.report_month desc
    ) = 1
),

latest_words as (
    -- the bureau's latest account of progress, even in a row without a figure (a target a statistic judges)
    select
        target_grid.target_id,
        target_grid.as_of_month,
        figures.progress_text,
        figures.evidence_ref,
        figures.note
    from target_grid
    inner join figures
        on
            target_grid.plan_id = figures.plan_id
            and target_grid.target_id = figures.target_id
            and target_grid.as_of_month >= figures.report_month
    where figures.progress_text is not null or figures.evidence_ref is not null or figures.note is not null
    qualify row_number() over (
        partition by target_grid.target_id, target_grid.as_of_month order by figures.report_month desc
    ) = 1
),

latest_any_return as (
    -- whatever state it is in: a figure waiting for review or sent back is why nothing counts yet
    select
        target_grid.target_id,
        target_grid.as_of_month,
        returns.report_month as any_return_report_month,
        returns.review_state as any_return_review_state,
        returns.latest_reason as any_return_reason
    from target_grid
    inner join returns
        on
            target_grid.plan_id = returns.plan_id
            and target_grid.as_of_month >= returns.report_month
    inner join return_rows
        on returns.return_sha256 = return_rows.return_sha256 and target_grid.target_id = return_rows.target_id
    qualify row_number() over (
        partition by target_grid.target_id, target_grid.as_of_month
        order by returns.report_month desc, returns.submitted_at desc
    ) = 1
),

planned_nodes as (
    -- every planned stage declared up to the as-of month, judged against the stage reached then
    select
        target_grid.target_id,
        target_grid.as_of_month,
        target_grid.as_of_date,
        figures.next_stage_order,
        figures.next_stage_label_zh,
        figures.next_stage_date
    from target_grid
    inner join figures
        on
            target_grid.plan_id = figures.plan_id
            and target_grid.target_id = figures.target_id
            and target_grid.as_of_month >= figures.report_month
    inner join latest_figure
        on target_grid.target_id = latest_figure.target_id and target_grid.as_of_month = latest_figure.as_of_month
    where
        figures.next_stage_order is not null and figures.next_stage_date is not null
        and figures.next_stage_order > coalesce(latest_figure.state_stage_order, -1)
),

node_summary as (
    select
        target_id,
        as_of_month,
        min(next_stage_date) filter (where next_stage_date < as_of_date) as missed_node_date,
        arg_min(next_stage_label_zh, next_stage_date) filter (where next_stage_date < as_of_date)
            as missed_node_label_zh,
        min(next_stage_date) filter (where next_stage_date >= as_of_date) as upcoming_node_date,
        arg_min(next_stage_label_zh, next_stage_date) filter (where next_stage_date >= as_of_date)
            as upcoming_node_label_zh
    from planned_nodes
    group by target_id, as_of_month
),

final as (
    select
        target_grid.target_id,
        target_grid.as_of_month,
        first_due.due_date as first_return_due_date,
        latest_figure.report_month as return_report_month,
        latest_figure.bureau_code as return_bureau_code,
        latest_figure.return_sha256,
        latest_figure.source_id as return_source_id,
        latest_figure.submitted_at as return_submitted_at,
        latest_figure.reporter as return_reporter,
        latest_figure.review_state as return_review_state,
        latest_figure.is_unreviewed as return_is_unreviewed,
        latest_figure.accepted_at as return_accepted_at,
        latest_figure.accepted_by as return_accepted_by,
        latest_figure.vintage_no as return_vintage_no,
        latest_figure.reported_value as return_reported_value,
        latest_figure.evidence_ref as return_figure_evidence_ref,
        latest_figure.milestone_state as return_milestone_state,
        latest_figure.milestone_state_label_zh as return_milestone_state_label_zh,
        latest_figure.state_stage_order as return_stage_order,
        latest_figure.state_share_done as return_share_done,
        latest_words.progress_text as return_progress_text,
        latest_words.evidence_ref as return_evidence_ref,
        latest_words.note as return_note,
        latest_any_return.any_return_report_month,
        month(latest_any_return.any_return_report_month) as any_return_report_month_no,
        latest_any_return.any_return_review_state,
        latest_any_return.any_return_reason,
        goals.goal_state as milestone_goal_state,
        goals.goal_state_label_zh as milestone_goal_label_zh,
        latest_figure.state_stage_order >= goals.goal_stage_order as milestone_goal_reached,
        node_summary.missed_node_date,
        node_summary.missed_node_label_zh,
        date_diff('day', node_summary.missed_node_date, target_grid.as_of_date) as missed_node_days_late,
        node_summary.upcoming_node_date,
        node_summary.upcoming_node_label_zh
    from target_grid
    left join latest_figure
        on target_grid.target_id = latest_figure.target_id and target_grid.as_of_month = latest_figure.as_of_month
    left join latest_words
        on target_grid.target_id = latest_words.target_id and target_grid.as_of_month = latest_words.as_of_month
    left join latest_any_return
        on
            target_grid.target_id = latest_any_return.target_id
            and target_grid.as_of_month = latest_any_return.as_of_month
    left join node_summary
        on target_grid.target_id = node_summary.target_id and target_grid.as_of_month = node_summary.as_of_month
    left join goals on target_grid.target_id = goals.target_id
    left join due_dates as first_due on make_date(target_grid.plan_year, 1, 1) = first_due.report_month
)

select * from final
