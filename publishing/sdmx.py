"""The indicator figures as SDMX-CSV 2.0, so that a statistics bureau or a city can take them.

One observation per published figure of marts.fct_indicator_values (figures derived here, such as single
months backed out of year-to-date values, are ours, not the bureaus', and are left out), in the dataflow
PLANWATCH:DF_PLAN_INDICATORS(1.0) unless another is given:

    STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,MEASURE,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS
    dataflow,PLANWATCH:DF_PLAN_INDICATORS(1.0),I,M,DISTRICT,FAI_TOTAL,YTD_VALUE,2024-09,86.26,YUAN,8,A

- FREQ: how often the series is published, read from its own periods: A, Q or M.
- REF_AREA, INDICATOR, MEASURE: the warehouse's region, indicator and measure codes in capitals.
- TIME_PERIOD: a year-to-date figure is named by the period it runs to, in the series' cadence (2024-09
  monthly, 2024-Q3 quarterly, 2024 annual; MEASURE says the span starts in January, as the bureaus' own
  SDMX feeds do); other figures by their period: 2024-09, 2024-Q3, 2024-S1, 2024; an ISO 8601 range
  (2024-01-01/P9M) for any other span, such as a 1-9月 rate.
- OBS_VALUE with UNIT_MEASURE (the standard unit: YUAN, USD, PERCENT, KG, ...) and UNIT_MULT (a power of
  ten): 86.26 YUAN ×10^8 is 86.26亿元. A figure published in 亿元 keeps its published digits.
- OBS_STATUS: A (normal value), or O with an empty OBS_VALUE where the bureau published the row as missing
  (grain before the harvest: missing, never zero). The warehouse keeps revisions as vintages; the latest
  is exported.

The rows are shaped in SQL. The message's columns and their order come from pysdmx, which writes the header
of a message for an explicit data structure (pysdmx.model.Schema), so the columns and their roles are
SDMX's; DuckDB writes the rows under it, and the tests compare the file with pysdmx's own message of the
same rows, byte for byte.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import duckdb

from core.errors import UsageError
from core.settings import duckdb_limits

log = logging.getLogger(__name__)

DATAFLOW = "PLANWATCH:DF_PLAN_INDICATORS(1.0)"
DATAFLOW_NAME = "计划目标相关统计指标"
FILE_NAME = "planwatch_indicators.csv"
SOURCE_TABLES = ("marts.fct_indicator_values",)  # what the message is made of (OBSERVATIONS_SQL)

OBSERVATIONS_SQL = """
with published as (
    select * replace (case when isnan(value) then null else value end as value),
        measure like 'ytd%' or measure = 'count_ytd' as is_year_to_date,
        -- a multiplier that is a power of ten travels as UNIT_MULT with the published digits
        case when unit_multiplier > 0 then cast(floor(log10(unit_multiplier) + 1e-9) as integer) else 0 end
            as unit_mult
    from marts.fct_indicator_values
    where not is_derived
),

with_cadence as (
    -- how often the series is published, from its own periods: every figure to a December (annual),
    -- every figure to a quarter's end (quarterly), or monthly
    select *,
        case
            when bool_and(period_end_month = 12) over series then 'A'
            when bool_and(period_end_month % 3 = 0) over series then 'Q'
            else 'M'
        end as freq
    from published
    window series as (partition by indicator_code, region_code, measure)
)

select
    freq as FREQ,
    upper(region_code) as REF_AREA,
    upper(indicator_code) as INDICATOR,
    upper(measure) as MEASURE,
    case
        when period_start_month = 1 and period_end_month = 12 and (freq = 'A' or not is_year_to_date)
            then cast(period_year as varchar)
        -- a year-to-date figure is named by the period it runs to, in the series' cadence
        when is_year_to_date and period_start_month = 1 and freq = 'Q'
            then printf('%d-Q%d', period_year, period_end_month // 3)
        when period_start_month = period_end_month or (is_year_to_date and period_start_month = 1)
            then printf('%d-%02d', period_year, period_end_month)
        when period_end_month = period_start_month + 2 and period_start_month % 3 = 1
            then printf('%d-Q%d', period_year, (period_end_month + 2) // 3)
        when period_end_month = period_start_month + 5 and period_start_month % 6 = 1
            then printf('%d-S%d', period_year, (period_end_month + 5) // 6)
        else printf('%d-%02d-01/P%dM', period_year, period_start_month, period_end_month - period_start_month + 1)
    end as TIME_PERIOD,
    case
        when value is null then null
        when unit = 'percent' then value
        when unit_multiplier = power(10, unit_mult) then value_published
        else value / power(10, unit_mult)
    end as OBS_VALUE,
    upper(unit) as UNIT_MEASURE,
    case when unit = 'percent' then 0 else unit_mult end as UNIT_MULT,
    case when value is null then 'O' else 'A' end as OBS_STATUS  -- NaN in the mart is a missing figure
from with_cadence
order by FREQ, INDICATOR, REF_AREA, MEASURE, period_year, period_start_month, period_end_month
"""


def _schema(dataflow: str):  # type: ignore[no-untyped-def]  # pysdmx's model types are untyped for mypy
    from pysdmx.model import Component, Components, Concept, DataType, Role, Schema

    m = re.fullmatch(r"([A-Za-z0-9_.@-]+):([A-Za-z0-9_@-]+)\(([0-9.]+)\)", dataflow)
    if not m:
        raise UsageError(f"dataflow {dataflow!r} is not AGENCY:ID(VERSION), e.g. {DATAFLOW}")

    def component(cid: str, role: Role, dtype: DataType = DataType.STRING) -> Component:
        return Component(
            id=cid,
            # OBS_VALUE is optional so that a missing figure is written empty beside OBS_STATUS O
            # (pysdmx writes NaN for a required one, which readers of bureau figures reject)
            required=role == Role.DIMENSION,
            role=role,
            concept=Concept(id=cid, dtype=dtype),
            local_dtype=dtype,
            attachment_level="O" if role == Role.ATTRIBUTE else None,
        )

    components = [component(d, Role.DIMENSION) for d in ("FREQ", "REF_AREA", "INDICATOR", "MEASURE")]
    components += [component("TIME_PERIOD", Role.DIMENSION, DataType.PERIOD)]
    components += [component("OBS_VALUE", Role.MEASURE, DataType.DOUBLE)]
    components += [
        component("UNIT_MEASURE", Role.ATTRIBUTE),
        component("UNIT_MULT", Role.ATTRIBUTE, DataType.INTEGER),
    ]
    components += [component("OBS_STATUS", Role.ATTRIBUTE)]
    agency, flow_id, version = m.groups()
    return Schema(
        context="dataflow",
        agency=agency,
        id=flow_id,
        version=version,
        name=DATAFLOW_NAME,
        components=Components(components),
    )


def message_columns(dataflow: str = DATAFLOW) -> list[str]:
    """The message's columns in pysdmx's order for the data structure: its header line, written by pysdmx
    for a message of no rows."""
    import pandas as pd
    from pysdmx.io.csv.sdmx20.writer import write
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model.dataset import ActionType

    schema = _schema(dataflow)
    empty = pd.DataFrame({c.id: pd.Series(dtype="object") for c in schema.components})
    text = write([PandasDataset(structure=schema, data=empty, action=ActionType.Information)]) or ""
    return text.splitlines()[0].split(",")


def write_sdmx(serving_db: Path, out: Path, dataflow: str = DATAFLOW) -> Path:
    """Write the SDMX-CSV 2.0 message to `out` (a temporary name first, then renamed); returns `out`.

    pysdmx gives the message's columns from the data structure; DuckDB writes the rows (COPY), streaming.
    pysdmx wrote every row itself until 2026-12-03, through a DataFrame per chunk: 110 s of a 122 s export
    of 5 million figures (the 10x province), against about 5 s for COPY. tests/bi/test_sdmx_export.py checks
    that the file is, byte for byte, the message pysdmx writes for the same rows.
    """
    from publishing.readers import open_serving

    columns = message_columns(dataflow)
    constants = {"STRUCTURE": "'dataflow'", "STRUCTURE_ID": f"'{dataflow}'", "ACTION": "'I'"}
    select = ", ".join(f"{constants.get(c, c)} as {c}" for c in columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(f".{out.name}.tmp")
    target = str(staged).replace("'", "''")
    with open_serving(serving_db, duckdb_limits(staged.with_name(f"{staged.name}.spill"))) as con:
        try:
            con.execute("set preserve_insertion_order = true")  # the rows in the query's order
            rows = con.execute(
                f"copy (select {select} from ({OBSERVATIONS_SQL})) to '{target}' (format csv, header)"
            ).fetchall()
        except duckdb.CatalogException as exc:
            raise UsageError(f"{serving_db} has no marts.fct_indicator_values to export: {exc}") from exc
    os.replace(staged, out)
    log.info("wrote %d SDMX observations of %s to %s", rows[0][0] if rows else 0, dataflow, out)
    return out
