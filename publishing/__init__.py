"""Publishing: write-audit-publish of the serving warehouse, rollback, and the Parquet export."""
