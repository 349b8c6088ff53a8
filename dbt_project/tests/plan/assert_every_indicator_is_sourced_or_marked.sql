-- Indicators that neither have a source nor say explicitly that they have none yet.

with

indicators as (
    select * from {{ ref('indicators') }}
),

unmarked_indicators as (
    select
        indicator_code,
        source_status
    from indicators
    where
        source_status is null
        or source_status not in ('sourced', 'no_source_yet')
)

select * from unmarked_indicators
