"""A synthetic province for the scale benchmark (benchmarks/bench_province.py).

Made from the real source registry (config/sources/) and catalog (dbt_project/seeds/), never from
invented structures: every registry source becomes a provincial source publishing every county of the
province each month, for ten years, in the source's own release format, written by that format's
sample writer (ingest/formats/<format>.py); every county gets a work plan holding the district plan's
targets that have a source. Nothing here is read by the nightly run itself.

    regions.py    the counties: codes, names, a size factor each
    registry.py   the provincial registry entries made from the real ones
    figures.py    monthly figures of every county, shaped like the bundled sample releases
    catalog.py    plans.csv, plan_targets.csv and plan_text_lines.csv of the counties' plans
    generate.py   a province home (config and dbt project copies) and its release files
"""
