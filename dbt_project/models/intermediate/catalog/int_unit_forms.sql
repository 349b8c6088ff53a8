-- Every way the vocabulary lets a unit be written: each unit of units.csv, and each magnitude prefix of
-- unit_magnitudes.csv written before a unit that is not a percentage (万千瓦 = 万 × 千瓦, 亿元 = 亿 × 元).
-- core/vocabulary.py resolves units the same way for Python.
with

units as (
    select * from {{ ref('units') }}
),

magnitudes as (
    select * from {{ ref('unit_magnitudes') }}
),

plain as (
    select
        unit,
        canonical_unit,
        multiplier,
        dimension
    from units
),

prefixed as (
    select
        magnitudes.prefix || units.unit as unit,
        units.canonical_unit,
        magnitudes.factor * units.multiplier as multiplier,
        units.dimension
    from units
    cross join magnitudes
    where units.canonical_unit not in ('percent', 'percentage_point')
),

forms as (
    select * from plain
    union all
    -- a written form listed in units.csv itself wins over the same text read as prefix + unit
    select * from prefixed
    where prefixed.unit not in (select plain.unit from plain)
),

final as (
    select * from forms
    qualify row_number() over (partition by unit order by multiplier) = 1
)

select * from final
