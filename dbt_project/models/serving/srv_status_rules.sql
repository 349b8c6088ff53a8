-- serving.status_rules: the statuses, their words and colours (configuration).
{{ config(alias='status_rules') }}

with

status_rules as (
    select * from {{ served_ref('status_rules') }}
),

final as (
    select
        status,
        label_zh as status_label,
        colour_hex as status_colour,
        sort_order,
        description_zh as description
    from status_rules
)

select * from final
