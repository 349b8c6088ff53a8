"""Replaced by ingest/formats/ (one module per format behind the FORMATS table).

Kept only for `parse_sdmx_csv`, which tests/bi/test_sdmx_export.py still imports; once that test reads
with ingest.formats.preview.figures_of, this package goes.
"""
