-- For each target and month a bureau reported on, the figure that counts: the current accepted version
-- (or, with known_on, the version valid on that day). With the threshold returns_show_unreviewed = 1 a
-- newer return still pending review counts instead, marked unreviewed; sent-back and reopened returns never
-- count. The milestone state and the next planned stage come with their order and share done.
{%- set known_on = var('known_on', '') %}
{%- set tz = var('timezone') %}

with

vintages as (
    select * from {{ ref('int_return_figures_vintaged') }}
),

returns as (
    select * from {{ ref('int_returns_reviewed') }}
),

return_rows as (
    select * from {{ ref('stg_ingest__progress_return_rows') }}
),

states as (
    select * from {{ ref('milestone_states') }}
),

thresholds as (
    select max(value) filter (where threshold = 'returns_show_unreviewed') = 1 as show_unreviewed
    from {{ ref('status_thresholds') }}
),

accepted as (
    select
        plan_id,
        target_id,
        report_month,
        bureau_code,
        return_sha256,
        source_id,
        submitted_at,
        reporter,
        reported_value,
        milestone_state,
        next_stage,
        next_stage_date,
        progress_text,
        evidence_ref,
        note,
        'accepted' as review_state,
        false as is_unreviewed,
        accepted_at,
        accepted_by,
        vintage_no
    from vintages
    {% if known_on -%}
        where
            accepted_on <= date '{{ known_on }}'
            and (valid_to is null or cast(timezone('{{ tz }}', valid_to) as date) > date '{{ known_on }}')
    {%- else -%}
        where valid_to is null
    {%- endif %}
),

pending as (
    select
        returns.plan_id,
        return_rows.target_id,
        returns.report_month,
        returns.bureau_code,
        returns.return_sha256,
        returns.source_id,
        returns.submitted_at,
        returns.reporter,
        return_rows.reported_value,
        return_rows.milestone_state,
        return_rows.next_stage,
        return_rows.next_stage_date,
        return_rows.progress_text,
        return_rows.evidence_ref,
        return_rows.note,
        'pending' as review_state,
        true as is_unreviewed,
        cast(null as timestamptz) as accepted_at,
        cast(null as varchar) as accepted_by,
        cast(null as bigint) as vintage_no
    from returns
    inner join return_rows on returns.return_sha256 = return_rows.return_sha256
    cross join thresholds
    where
        thresholds.show_unreviewed
        {% if known_on -%}
            and returns.submitted_on <= date '{{ known_on }}'
            and (
                returns.first_decided_at is null
                or cast(timezone('{{ tz }}', returns.first_decided_at) as date) > date '{{ known_on }}'
            )
        {%- else -%}
            and returns.review_state = 'pending'
        {%- endif %}
),

candidates as (
    select * from accepted
    union all
    select * from pending
),

counting as (
    -- the newest submission wins: a pending resubmission shows over the version it would replace
    select * from candidates
    qualify row_number() over (
        partition by plan_id, target_id, report_month order by submitted_at desc, return_sha256 desc
    ) = 1
),

with_states as (
    select
        counting.*,
        current_state.stage_order as state_stage_order,
        current_state.share_done as state_share_done,
        current_state.is_done as state_is_done,
        current_state.label_zh as milestone_state_label_zh,
        next_state.stage_order as next_stage_order,
        next_state.label_zh as next_stage_label_zh
    from counting
    left join states as current_state on counting.milestone_state = current_state.state
    left join states as next_state on counting.next_stage = next_state.state
)

select * from with_states
