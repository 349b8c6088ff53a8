"""Publishing: write-audit-publish of the serving warehouse, rollback, and the Parquet export."""

from sqlalchemy.dialects import registry

# `duckdb+planwatch:///…/planwatch.duckdb` for BI tools (publishing/bi_dialect.py); registered by name only,
# so nothing is imported until an engine uses it
registry.register("duckdb.planwatch", "publishing.bi_dialect", "PlanwatchDialect")
