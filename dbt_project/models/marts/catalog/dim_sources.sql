-- The data sources (数据来源): each registry entry ingest has loaded, by its Chinese title, with its bureau,
-- format and release frequency. Reports and BI tools name a figure's source_id by its title from here.
with

sources as (
    select * from {{ ref('stg_ingest__sources') }}
),

bureaus as (
    select * from {{ ref('bureaus') }}
),

final as (
    select
        cast(sources.source_id as varchar) as source_id,
        cast(sources.title_zh as varchar) as title_zh,
        cast(sources.bureau_code as varchar) as bureau_code,
        cast(bureaus.name_zh as varchar) as bureau_name_zh,
        cast(sources.format as varchar) as format,
        cast(sources.frequency as varchar) as frequency
    from sources
    left join bureaus on sources.bureau_code = bureaus.bureau_code
)

select * from final
