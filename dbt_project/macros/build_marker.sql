{#- The build marker, audit.build_marker: one row saying which dbt command last wrote this build file,
    for which Airflow run and as-of month, and whether it finished with every node succeeded.

    on-run-start replaces it with a row that is started and not finished; on-run-end fills in the end.
    A dbt run that is killed or crashes leaves the started row (or, killed before it started, the row of
    an earlier run), so validation and publishing (publishing/build_marker.py) refuse the half-written
    build instead of checking or serving a mixture of two nights. A partial rebuild (--select) writes a
    marker of its own. -#}

{% macro build_marker_started() -%}
    create or replace table audit.build_marker as
    select
        {{ _build_marker_text(invocation_id) }} as invocation_id,
        {{ _build_marker_text(build_marker_run_id()) }} as run_id,
        {{ _build_marker_text(flags.WHICH) }} as command,
        {{ _build_marker_text((invocation_args_dict.get('select') or []) | join(' ')) }} as selection,
        {{ _build_marker_text(var('as_of_month', '')) }} as as_of_month,
        {{ _build_marker_text(var('known_on', '')) }} as known_on,
        now() as started_at,
        cast(null as timestamptz) as finished_at,
        cast(null as integer) as nodes,
        cast(null as integer) as failed,
        cast(null as boolean) as succeeded
{%- endmacro %}

{% macro build_marker_finished(results) -%}
    {%- set ok_statuses = ['success', 'pass', 'warn', 'no-op'] -%}
    {%- set failed = [] -%}
    {%- for result in results if result.node.resource_type != 'operation' -%}
        {%- if result.status not in ok_statuses -%}{%- do failed.append(result.node.unique_id) -%}{%- endif -%}
    {%- endfor -%}
    {%- set nodes = results | rejectattr('node.resource_type', 'equalto', 'operation') | list | length -%}
    update audit.build_marker
    set finished_at = now(), nodes = {{ nodes }}, failed = {{ failed | length }},
        succeeded = {{ 'true' if not failed else 'false' }}
    where invocation_id = {{ _build_marker_text(invocation_id) }}
{%- endmacro %}

{#- The Airflow run the build is for: the environment variable PLANWATCH_RUN_ID, read only when the hook
    runs (`execute`). Not a dbt var: dbt reparses the whole project when any --vars value changes (about 4 s
    of every night's build, benchmarks/README.md), and a run id changes every night. An env_var() read at
    parse time would also be recorded in the manifest; read at execution it is not. The var `run_id` is
    still honoured for a build started by hand with --vars. -#}
{% macro build_marker_run_id() -%}
    {{- return(var('run_id', '') or (env_var('PLANWATCH_RUN_ID', '') if execute else '')) -}}
{%- endmacro %}

{% macro _build_marker_text(value) -%}
    '{{ (value or '') | string | replace("'", "''") }}'
{%- endmacro %}
