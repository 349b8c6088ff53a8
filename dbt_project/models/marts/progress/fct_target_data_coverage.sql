-- 数据覆盖: for every target at every as-of month, where its figure comes from (a statistical release, the
-- bureau's accepted progress return, nothing yet), whether a statistic could come at all (is the indicator
-- sourced), the latest return and its review state, and the status it led to, with what is missing.
with

progress as (
    select * from {{ ref('fct_target_progress') }}
),

indicators as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        cast(progress.plan_id as varchar) as plan_id,
        cast(progress.target_id as varchar) as target_id,
        cast(progress.as_of_month as date) as as_of_month,
        cast(progress.indicator_code as varchar) as indicator_code,
        cast(progress.indicator_name_zh as varchar) as indicator_name_zh,
        cast(progress.responsible_bureau as varchar) as responsible_bureau,
        cast(coalesce(indicators.source_status = 'sourced', false) as boolean) as has_statistical_source,
        cast(progress.figure_source as varchar) as figure_source,
        cast(progress.figure_source_zh as varchar) as figure_source_zh,
        cast(progress.source_id as varchar) as source_id,
        cast(progress.data_period_label_zh as varchar) as data_period_label_zh,
        cast(progress.release_date as date) as release_date,
        cast(progress.return_report_month as date) as return_report_month,
        cast(progress.return_review_state as varchar) as return_review_state,
        cast(progress.is_unreviewed as boolean) as is_unreviewed,
        cast(progress.return_progress_text is not null as boolean) as has_return_words,
        cast(progress.status as varchar) as status,
        cast(progress.status_label_zh as varchar) as status_label_zh,
        cast(
            case
                when progress.figure_source = 'none' or progress.status = 'not_yet_assessable'
                    then progress.status_reason
            end as varchar
        ) as missing_zh
    from progress
    left join indicators on progress.indicator_code = indicators.indicator_code
)

select * from final
