-- Bureau progress returns (进展填报): one row per loaded return file, the month it reports on and when it
-- arrived, as a local date (the submission calendar counts working days in the district's time zone).
with

source as (
    {{ source_or_empty('ingest', 'progress_returns', [
        ['source_id', 'varchar'], ['sha256', 'varchar'], ['bureau_code', 'varchar'], ['plan_id', 'varchar'],
        ['period_year', 'integer'], ['period_month', 'integer'], ['submitted_at', 'timestamptz'],
        ['reporter', 'varchar'], ['phone', 'varchar'], ['row_count', 'integer'], ['load_id', 'varchar'],
        ['loaded_at', 'timestamptz'],
    ]) }}
),

renamed as (
    select
        source_id,
        sha256 as return_sha256,
        bureau_code,
        plan_id,
        period_year as report_year,
        period_month as report_month_no,
        make_date(period_year, period_month, 1) as report_month,
        submitted_at,
        cast(timezone('{{ var("timezone") }}', submitted_at) as date) as submitted_on,
        reporter,
        phone,
        row_count,
        load_id,
        loaded_at
    from source
)

select * from renamed
