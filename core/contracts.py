"""The names steps share: database aliases, schemas and the tables Python reads from dbt's build.

A table or alias named here is a contract between a step that writes it and the steps that read it;
nothing else in the Python packages spells these names. dbt reads the raw alias through the
environment variable PLANWATCH_RAW_ALIAS that planwatch.dbt_runtime.dbt_env sets from RAW_ALIAS.
"""

from __future__ import annotations

RAW_ALIAS = "raw"  # the raw DuckDB file, attached read-only by dbt and by validation

# schemas of the build file copied into the serving file, and the views over them
SERVED_SCHEMAS = ("marts", "reference", "config")
VIEW_SCHEMAS = ("serving",)

# tables and views of the dbt build that Python reads
STAGING_OBSERVATIONS = "staging.stg_ingest__observations"
TARGET_MONTHS = "intermediate.int_target_months"
TARGET_PROGRESS = "marts.fct_target_progress"
SECTION_SUMMARY = "marts.fct_section_summary"
BUREAU_SUMMARY = "marts.fct_bureau_summary"
PLANS = "marts.dim_plans"
RETURN_VINTAGES = "marts.fct_target_return_vintages"  # every accepted version of a bureau's figure
STATUS_RULES = "config.status_rules"

# the quality table publishing writes into the serving file
QUALITY_RESULTS = "quality.check_results"
