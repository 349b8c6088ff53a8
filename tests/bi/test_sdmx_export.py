"""The indicator figures exported as SDMX-CSV 2.0 come back the same through planwatch's own SDMX reader
(as a city taking our file would load it) and through pysdmx (an independent SDMX implementation)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest

from core.errors import UsageError
from core.vocabulary import vocabulary
from ingest.formats.preview import figures_of
from ingest.registry import Source
from publishing.sdmx import DATAFLOW, message_columns, write_sdmx

pytestmark = pytest.mark.slow

Key = tuple[str, str, int, int, int, str]


def read_with_planwatch(content: bytes, source: Source, file_name: str) -> list[Any]:
    """planwatch's own SDMX reader (ingest/formats/sdmx_csv.py through the preview load); each figure has
    .key, .value and .unit_multiplier."""
    return list(figures_of(content, source, file_name))


@pytest.fixture(scope="module")
def exported(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sdmx(serving, tmp_path_factory.mktemp("sdmx") / "planwatch_indicators.csv")


@pytest.fixture(scope="module")
def published(serving: Path) -> dict[Key, float | None]:
    """Every published (not derived) figure of the indicator mart, in standard units, by its key (None:
    published as missing)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            """
            select indicator_code, region_code, period_year, period_start_month, period_end_month, measure, value
            from marts.fct_indicator_values where not is_derived
            """
        ).fetchall()
    # a NaN in the mart is a missing figure too
    return {tuple(r[:6]): None if r[6] is None or math.isnan(r[6]) else float(r[6]) for r in rows}  # type: ignore[misc]


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def base_unit(canonical: str) -> str:
    """A written unit of the vocabulary that is this canonical unit itself (元 for yuan, 公斤 for kg)."""
    return next(u.unit for u in vocabulary().units.values() if u.canonical == canonical and u.multiplier == 1)


def receiving_source(rows: list[dict[str, str]]) -> Source:
    """The registry entry a city would write to take our dataflow: one series per indicator and measure."""
    pairs = sorted({(r["INDICATOR"], r["MEASURE"]) for r in rows})
    indicators = sorted({r["INDICATOR"] for r in rows})
    return Source.model_validate(
        {
            "id": "planwatch_exchange",
            "bureau": "stats",
            "title": "区计划指标SDMX交换",
            "format": "sdmx_csv",
            "location": "exchange/planwatch_indicators.csv",
            "release": {"frequency": "monthly", "description": "每次发布后", "first_period": "2023-01"},
            "sdmx_csv": {
                "structure_id": DATAFLOW,
                "regions": {r["REF_AREA"]: r["REF_AREA"].lower() for r in rows},
                "units": {r["UNIT_MEASURE"]: base_unit(r["UNIT_MEASURE"].lower()) for r in rows},
                "series": [
                    {"key": {"INDICATOR": i, "MEASURE": m}, "indicator": i, "measure": m.lower()}
                    for i, m in pairs
                ],
            },
            "indicators": [{"label": i, "code": i.lower()} for i in indicators],
        }
    )


def test_the_file_is_sdmx_csv_2_with_the_columns_a_bureau_expects(exported: Path) -> None:
    rows = rows_of(exported)
    assert list(rows[0]) == [
        "STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA", "INDICATOR", "MEASURE", "TIME_PERIOD",
        "OBS_VALUE", "UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS",
    ]  # fmt: skip
    assert {(r["STRUCTURE"], r["STRUCTURE_ID"], r["ACTION"]) for r in rows} == {("dataflow", DATAFLOW, "I")}
    fai = [r for r in rows if r["INDICATOR"] == "FAI_TOTAL" and r["MEASURE"] == "YTD_VALUE"]
    assert fai and all(
        r["UNIT_MEASURE"] == "YUAN" and r["UNIT_MULT"] == "8" for r in fai
    )  # 亿元, as published
    assert all(r["UNIT_MULT"] == "0" for r in rows if r["UNIT_MEASURE"] == "PERCENT")


def test_a_round_trip_through_planwatchs_own_sdmx_reader_gives_back_every_figure(
    exported: Path, published: dict[Key, float | None]
) -> None:
    rows = rows_of(exported)

    # spans that are neither a month, a quarter, a half nor a year (a 1-9月 rate) travel as ISO ranges,
    # which the reader does not take yet: those series are read by pysdmx below
    def series(r: dict[str, str]) -> tuple[str, str, str]:
        return r["INDICATOR"], r["REF_AREA"], r["MEASURE"]

    with_ranges = {series(r) for r in rows if "/" in r["TIME_PERIOD"]}
    ranges = [r for r in rows if series(r) in with_ranges]
    plain = [r for r in rows if series(r) not in with_ranges]
    assert {m for _, _, m in with_ranges} == {"RATE_PCT"} and len(ranges) < len(rows) / 10
    records = []
    for freq in (
        "M",
        "Q",
        "A",
    ):  # a receiving system takes each cadence as its own feed, as bureaus send them
        part = [r for r in plain if r["FREQ"] == freq]
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(part)
        records += read_with_planwatch(out.getvalue().encode("utf-8"), receiving_source(part), f"{freq}.csv")
    assert len(records) == len(plain) > 500
    back = {r.key: None if r.value is None else r.value * r.unit_multiplier for r in records}
    assert set(back) <= set(published) and len(back) + len(ranges) == len(published)
    for key, value in back.items():
        if published[key] is None:
            assert value is None, key  # missing stays missing, never 0
        else:
            assert value == pytest.approx(published[key], rel=1e-9), key
    assert any(v is None for v in back.values())


def test_pysdmx_reads_every_observation_including_ranges(
    exported: Path, published: dict[Key, float | None]
) -> None:
    from pysdmx.io.csv.sdmx20.reader import read

    datasets = read(exported.read_text(encoding="utf-8"))
    assert len(datasets) == 1 and datasets[0].short_urn == f"Dataflow={DATAFLOW}"
    frame = datasets[0].data
    assert len(frame) == len(published)
    pairs = zip(frame["OBS_VALUE"], frame["UNIT_MULT"], frame["OBS_STATUS"], strict=True)
    scaled = [float(v) * 10 ** int(m) for v, m, status in pairs if status == "A"]
    figures = [v for v in published.values() if v is not None]
    assert len(scaled) == len(figures) and sum(scaled) == pytest.approx(sum(figures), rel=1e-9)


def test_the_file_is_the_message_pysdmx_writes_for_the_same_rows(serving: Path, exported: Path) -> None:
    """DuckDB writes the rows under pysdmx's header: the file is, byte for byte, pysdmx's own message of
    every row (numbers as it formats them, a missing figure empty beside OBS_STATUS O, ranges unquoted)."""
    import pandas as pd
    from pysdmx.io.csv.sdmx20.writer import write
    from pysdmx.io.pd import PandasDataset
    from pysdmx.model.dataset import ActionType

    from publishing.readers import open_serving
    from publishing.sdmx import OBSERVATIONS_SQL, _schema

    with open_serving(serving) as con:
        frame: pd.DataFrame = con.sql(OBSERVATIONS_SQL).df()
    assert (
        len(frame) > 500 and frame["OBS_VALUE"].isna().any() and frame["TIME_PERIOD"].str.contains("/").any()
    )
    message = write([PandasDataset(structure=_schema(DATAFLOW), data=frame, action=ActionType.Information)])
    assert message and exported.read_text(encoding="utf-8") == message


def test_a_warehouse_with_no_figures_is_a_header_alone(serving: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:
        con.execute(f"attach '{serving}' as src (read_only)")
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_indicator_values as select * from src.marts.fct_indicator_values limit 0"
        )
    written = write_sdmx(empty, tmp_path / "empty.csv").read_text(encoding="utf-8")
    assert written.splitlines() == [",".join(message_columns())]


def test_a_malformed_dataflow_id_is_a_usage_error(serving: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="AGENCY:ID"):
        write_sdmx(serving, tmp_path / "x.csv", dataflow="not a dataflow")


def test_key_columns_are_sdmx_ids(exported: Path) -> None:
    """Codes are SDMX ids (A-Z, 0-9, _): no Chinese, no full-width punctuation in the key columns."""
    import re

    for r in rows_of(exported):
        for column in ("FREQ", "REF_AREA", "INDICATOR", "MEASURE", "UNIT_MEASURE", "OBS_STATUS"):
            assert re.fullmatch(r"[A-Z0-9_]+", r[column]), (column, r[column])


def test_every_publish_exports_parquet_and_sdmx_beside_it(serving: Path, tmp_path: Path) -> None:
    from publishing.exports import export_all

    results = export_all(serving, tmp_path, "20260101T000000000000Z")
    assert [(r.name, r.ok) for r in results] == [("parquet", True), ("sdmx", True)]
    sdmx = tmp_path / "sdmx" / "current" / "planwatch_indicators.csv"
    assert rows_of(sdmx)[0]["STRUCTURE_ID"] == DATAFLOW
    assert (tmp_path / "parquet" / "current" / "fct_indicator_values.parquet").is_file()
