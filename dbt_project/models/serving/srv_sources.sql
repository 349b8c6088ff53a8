-- serving.sources: the data sources by their Chinese titles.
{{ config(alias='sources') }}

with

sources as (
    select * from {{ served_ref('dim_sources') }}
),

final as (
    select
        source_id,
        title_zh as source_title,
        bureau_code,
        bureau_name_zh as bureau_name,
        format,
        frequency
    from sources
)

select * from final
