-- Every plan's targets as reviewed (the plan_targets seed, resolved against plans and the vocabulary)
-- with indicator and bureau names and the comparator and kind spelled out in words.
with

targets as (
    select * from {{ ref('int_plan_targets_resolved') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

final as (
    select
        cast(targets.target_id as varchar) as target_id,
        cast(targets.plan_id as varchar) as plan_id,
        cast(targets.plan_year as integer) as plan_year,
        cast(targets.region_code as varchar) as region_code,
        cast(targets.section_no as integer) as section_no,
        cast(targets.section as varchar) as section,
        cast(targets.quote as varchar) as quote,
        cast(targets.indicator_code as varchar) as indicator_code,
        cast(indicators.name_zh as varchar) as indicator_name_zh,
        cast(targets.kind as varchar) as kind,
        cast(case targets.kind
            when 'level' then '总量'
            when 'growth' then '增速'
            when 'count' then '新增数量'
            when 'rate_held' then '比率保持'
            when 'stock' then '存量达到'
            when 'coverage' then '覆盖'
            when 'decrease' then '下降'
            when 'milestone' then '节点任务'
        end as varchar) as kind_zh,
        cast(targets.comparator as varchar) as comparator,
        cast(case targets.comparator
            when '>=' then '以上/不少于'
            when '>' then '超过'
            when '<=' then '以内/不超过'
            when '<' then '低于'
            when '~' then '左右'
            when '=' then '达到'
        end as varchar) as comparator_zh,
        cast(targets.target_value as double) as target_value,
        cast(targets.band as double) as band,
        cast(targets.unit_raw as varchar) as unit_raw,
        cast(targets.unit as varchar) as unit,
        cast(targets.unit_multiplier as double) as unit_multiplier,
        cast(targets.direction as varchar) as direction,
        cast(targets.aspirational as boolean) as aspirational,
        cast(targets.responsible_bureau as varchar) as responsible_bureau,
        cast(bureaus.name_zh as varchar) as responsible_bureau_name_zh,
        cast(targets.frequency as varchar) as frequency,
        cast(targets.measure as varchar) as measure,
        cast(targets.assessable_within_year as boolean) as assessable_within_year,
        cast(targets.due_date as date) as due_date,
        cast(targets.notes as varchar) as notes
    from targets
    left join indicators on targets.indicator_code = indicators.indicator_code
    left join bureaus on targets.responsible_bureau = bureaus.bureau_code
)

select * from final
