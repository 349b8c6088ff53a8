-- Every accepted version of every figure a bureau returned: one row per target, month and acceptance, valid
-- from its acceptance to the next accepted version of the same target and month, or to the day its own
-- return was sent back or reopened. So "what did bureau X report for target Y in June, and who accepted
-- it" has an answer at any date; the version with no valid_to is the one that counts now.
with

returns as (
    select * from {{ ref('int_returns_reviewed') }}
),

return_rows as (
    select * from {{ ref('stg_ingest__progress_return_rows') }}
),

reviews as (
    select * from {{ ref('stg_ingest__return_reviews') }}
),

decisions_in_order as (
    select
        *,
        lag(decision) over (partition by return_sha256 order by decided_at, review_id) as previous_decision
    from reviews
),

acceptances as (
    -- an acceptance opens a period; a repeated acceptance of a return already accepted changes nothing
    select
        return_sha256,
        decided_at as accepted_at,
        reviewer as accepted_by
    from decisions_in_order
    where decision = 'accepted' and previous_decision is distinct from 'accepted'
),

closings as (
    select
        return_sha256,
        decided_at as closed_at,
        decision as closed_by_decision
    from decisions_in_order
    where decision <> 'accepted'
),

accepted_periods as (
    select
        acceptances.return_sha256,
        acceptances.accepted_at,
        acceptances.accepted_by,
        min(closings.closed_at) as closed_at,
        arg_min(closings.closed_by_decision, closings.closed_at) as closed_by_decision
    from acceptances
    left join closings
        on
            acceptances.return_sha256 = closings.return_sha256
            and acceptances.accepted_at < closings.closed_at
    group by all
),

versions as (
    select
        returns.plan_id,
        return_rows.target_id,
        returns.report_month,
        returns.bureau_code,
        returns.return_sha256,
        returns.source_id,
        returns.submitted_at,
        returns.reporter,
        return_rows.file_row,
        return_rows.reported_value,
        return_rows.milestone_state,
        return_rows.next_stage,
        return_rows.next_stage_date,
        return_rows.progress_text,
        return_rows.evidence_ref,
        return_rows.note,
        accepted_periods.accepted_at,
        accepted_periods.accepted_by,
        accepted_periods.closed_at,
        accepted_periods.closed_by_decision
    from accepted_periods
    inner join returns on accepted_periods.return_sha256 = returns.return_sha256
    inner join return_rows on accepted_periods.return_sha256 = return_rows.return_sha256
),

vintaged as (
    select
        *,
        row_number() over (
            partition by plan_id, target_id, report_month order by accepted_at, return_sha256
        ) as vintage_no,
        lead(accepted_at) over (
            partition by plan_id, target_id, report_month order by accepted_at, return_sha256
        ) as next_accepted_at
    from versions
),

final as (
    select
        * exclude (next_accepted_at),
        case
            when closed_at is null then next_accepted_at
            when next_accepted_at is null then closed_at
            else least(closed_at, next_accepted_at)
        end as valid_to,
        accepted_at as valid_from,
        cast(timezone('{{ var("timezone") }}', accepted_at) as date) as accepted_on
    from vintaged
)

select * from final
