{#- Targets by status for a group of fct_target_progress rows. The status codes are the contract of the
    status_rules seed; "assessed" leaves out not_yet_assessable and no_data, so the share on track is
    the share of the targets that could be judged. -#}
{% macro status_counts() -%}
    count(*) as target_count,
    count(*) filter (where status = 'achieved') as achieved_count,
    count(*) filter (where status = 'on_track') as on_track_count,
    count(*) filter (where status = 'at_risk') as at_risk_count,
    count(*) filter (where status = 'off_track') as off_track_count,
    count(*) filter (where status = 'not_yet_assessable') as not_yet_assessable_count,
    count(*) filter (where status = 'no_data') as no_data_count,
    count(*) filter (where status in ('achieved', 'on_track', 'at_risk', 'off_track')) as assessed_count,
    count(*) filter (where status in ('achieved', 'on_track'))
        / nullif(count(*) filter (where status in ('achieved', 'on_track', 'at_risk', 'off_track')), 0)
        as on_track_share,
    -- the worst gaps (most behind 序时 or target, unrounded), for the leaders' attention
    min(gap_pp) filter (where status in ('at_risk', 'off_track')) as worst_gap_pp,
    arg_min(target_id, gap_pp) filter (where status in ('at_risk', 'off_track')) as worst_gap_target_id,
    string_agg(
        printf('%s(%s)%+.1f', indicator_name_zh, target_id, gap_pp), ';' order by gap_pp, target_id
    ) filter (where status in ('at_risk', 'off_track')) as worst_gaps_zh
{%- endmacro %}
