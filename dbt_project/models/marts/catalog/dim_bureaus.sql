-- The departments (责任单位) with how many plan targets and indicators each answers for.
with

bureaus as (
    select * from {{ ref('bureaus') }}
),

targets as (
    select * from {{ ref('plan_targets') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

target_counts as (
    select
        responsible_bureau as bureau_code,
        count(*) as target_count
    from targets
    group by all
),

indicator_counts as (
    select
        bureau_code,
        count(*) as indicator_count
    from indicators
    group by all
),

final as (
    select
        cast(bureaus.bureau_code as varchar) as bureau_code,
        cast(bureaus.name_zh as varchar) as bureau_name_zh,
        cast(bureaus.name_en as varchar) as bureau_name_en,
        cast(coalesce(target_counts.target_count, 0) as integer) as target_count,
        cast(coalesce(indicator_counts.indicator_count, 0) as integer) as indicator_count
    from bureaus
    left join target_counts on bureaus.bureau_code = target_counts.bureau_code
    left join indicator_counts on bureaus.bureau_code = indicator_counts.bureau_code
)

select * from final
