-- One row per target in a bureau progress return: the cumulative amount in the target's unit as written
-- (its unit_raw), the milestone state and the next planned stage, and the bureau's own words.
with

source as (
    {{ source_or_empty('ingest', 'progress_return_rows', [
        ['sha256', 'varchar'], ['target_id', 'varchar'], ['file_row', 'integer'],
        ['cumulative_value', 'double'], ['milestone_state', 'varchar'], ['next_stage', 'varchar'],
        ['next_stage_date', 'date'], ['progress_text', 'varchar'], ['evidence_ref', 'varchar'],
        ['note', 'varchar'],
    ]) }}
),

renamed as (
    select
        sha256 as return_sha256,
        target_id,
        file_row,
        cumulative_value as reported_value,
        milestone_state,
        next_stage,
        next_stage_date,
        progress_text,
        evidence_ref,
        note
    from source
)

select * from renamed
