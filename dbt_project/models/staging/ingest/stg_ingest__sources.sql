-- The source registry as ingest last recorded it (raw.sources, written on each load): each source's Chinese
-- title, its bureau, format and release frequency. The location is left in raw: nobody reads it here.
with

source as (
    {{ source_or_empty('ingest', 'sources', [
        ['source_id', 'varchar'], ['title', 'varchar'], ['bureau_code', 'varchar'], ['format', 'varchar'],
        ['frequency', 'varchar'],
    ]) }}
),

renamed as (
    select
        source_id,
        title as title_zh,
        bureau_code,
        format,
        frequency
    from source
)

select * from renamed
