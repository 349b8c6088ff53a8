-- The planning office's decisions on bureau progress returns (accepted, sent_back, reopened), with who
-- decided, when, and why.
with

source as (
    {{ source_or_empty('ingest', 'return_reviews', [
        ['review_id', 'varchar'], ['sha256', 'varchar'], ['decision', 'varchar'], ['reviewer', 'varchar'],
        ['decided_at', 'timestamptz'], ['reason', 'varchar'],
    ]) }}
),

renamed as (
    select
        review_id,
        sha256 as return_sha256,
        decision,
        reviewer,
        decided_at,
        reason
    from source
)

select * from renamed
