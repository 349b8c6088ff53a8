with

source as (
    select * from {{ source('ingest', 'releases') }}
),

renamed as (
    select
        source_id,
        sha256 as release_sha256,
        location,
        landing_path,
        size_bytes,
        fetched_at,
        release_date,
        load_id,
        loaded_at,
        row_count
    from source
)

select * from renamed
