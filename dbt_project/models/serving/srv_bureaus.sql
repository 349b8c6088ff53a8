-- serving.bureaus: the responsible bureaus.
{{ config(alias='bureaus') }}

with

bureaus as (
    select * from {{ served_ref('dim_bureaus') }}
),

final as (
    select
        bureau_code,
        bureau_name_zh as bureau_name,
        bureau_name_en,
        target_count,
        indicator_count
    from bureaus
)

select * from final
