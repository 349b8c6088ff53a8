-- Every plan in the catalog and where it stands on the run's as-of month: tracking (its year, or a
-- multi-year plan's years), closing (last year's plan while its year-end figures are still arriving, at
-- most `plan_close_months_after_year_end` months), closed, or not started. The nightly reports on the
-- active plans (tracking and closing); the marts keep every plan's history.
{%- set as_of = var('as_of_month') %}

with

plans as (
    select * from {{ ref('plans') }}
),

targets as (
    select * from {{ ref('int_plan_targets_resolved') }}
),

as_of_months as (
    select * from {{ ref('int_as_of_months') }}
),

progress as (
    select * from {{ ref('fct_target_progress') }}
),

thresholds as (
    select max(value) filter (where threshold = 'plan_close_months_after_year_end') as close_months
    from {{ ref('status_thresholds') }}
),

run_month as (
    {% if as_of -%}
        select date '{{ as_of }}-01' as run_month
    {%- else -%}
        select max(as_of_month) as run_month from as_of_months
    {%- endif %}
),

plan_targets as (
    select
        plan_id,
        count(*) as target_count,
        max(due_year) as last_due_year
    from targets
    group by plan_id
),

plan_months as (
    select
        plan_id,
        min(as_of_month) as first_as_of_month,
        max(as_of_month) as last_as_of_month
    from as_of_months
    group by plan_id
),

awaiting_final as (
    -- figures of the plan's last as-of month that are not yet year-end figures (1-11月, 1-3季度 ...)
    select
        progress.plan_id,
        count(*) filter (
            where progress.actual_value is not null and progress.data_month_no < 12 and progress.kind <> 'milestone'
        ) as awaiting_count
    from progress
    inner join plan_months
        on progress.plan_id = plan_months.plan_id and progress.as_of_month = plan_months.last_as_of_month
    group by progress.plan_id
),

judged as (
    select
        plans.*,
        plan_targets.target_count,
        plan_targets.last_due_year,
        plan_months.first_as_of_month,
        plan_months.last_as_of_month,
        coalesce(awaiting_final.awaiting_count, 0) as awaiting_year_end_count,
        case
            when run_month.run_month is null or run_month.run_month < make_date(plans.plan_year, 1, 1)
                then 'not_started'
            when year(run_month.run_month) <= greatest(plans.plan_year, plan_targets.last_due_year) then 'tracking'
            when
                coalesce(awaiting_final.awaiting_count, 0) > 0
                and run_month.run_month
                <= make_date(greatest(plans.plan_year, plan_targets.last_due_year), 12, 1)
                + to_months(cast(thresholds.close_months as integer))
                then 'closing'
            else 'closed'
        end as tracking_status
    from plans
    inner join plan_targets on plans.plan_id = plan_targets.plan_id
    left join plan_months on plans.plan_id = plan_months.plan_id
    left join awaiting_final on plans.plan_id = awaiting_final.plan_id
    cross join run_month
    cross join thresholds
),

final as (
    select
        cast(plan_id as varchar) as plan_id,
        cast(jurisdiction_code as varchar) as jurisdiction_code,
        cast(jurisdiction_name_zh as varchar) as jurisdiction_name_zh,
        cast(region_code as varchar) as region_code,
        cast(plan_year as integer) as plan_year,
        cast(kind as varchar) as kind,
        cast(case kind
            when 'annual_work_plan' then '年度工作计划'
            when 'gov_work_report' then '政府工作报告目标'
            when 'multi_year_plan' then '多年规划'
        end as varchar) as kind_zh,
        cast(title_zh as varchar) as title_zh,
        cast(text_file as varchar) as text_file,
        cast(adopted_on as date) as adopted_on,
        cast(target_count as integer) as target_count,
        cast(last_due_year as integer) as last_due_year,
        cast(first_as_of_month as date) as first_as_of_month,
        cast(last_as_of_month as date) as last_as_of_month,
        cast(awaiting_year_end_count as integer) as awaiting_year_end_count,
        cast(tracking_status as varchar) as tracking_status,
        cast(case tracking_status
            when 'tracking' then '跟踪中'
            when 'closing' then '年终考核中(等待全年数据)'
            when 'closed' then '已结束'
            when 'not_started' then '尚未开始'
        end as varchar) as tracking_status_zh,
        cast(tracking_status in ('tracking', 'closing') as boolean) as is_active
    from judged
)

select * from final
