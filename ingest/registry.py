"""The source registry: one YAML file per bureau source, validated on load.

Adding a source in a supported format is a new file in config/sources/, never new code. Every field is
checked by pydantic; an invalid entry fails with the file, the entry and the field that is wrong.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from core.vocabulary import vocabulary
from ingest.errors import RegistryError


def _known_measure(value: str) -> str:
    known = vocabulary().measures
    if value not in known:
        raise ValueError(f"measure {value!r} is not in the vocabulary ({', '.join(known)})")
    return value


# a measure named in dbt_project/seeds/vocabulary/measures.csv (ytd_value, ytd_growth_pct, level, ...)
Measure = Annotated[str, AfterValidator(_known_measure)]


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(_Strict):
    """A reference to a secret, never the secret itself."""

    airflow_conn_id: str | None = None
    env: str | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> Credentials:
        if bool(self.airflow_conn_id) == bool(self.env):
            raise ValueError("give exactly one of airflow_conn_id or env")
        return self


class ReleaseCalendar(_Strict):
    frequency: Literal["monthly", "quarterly", "annual", "event"]
    description: str = Field(description="the calendar in words, e.g. '每月15日前后发布上月数据'")
    day_of_month: int = Field(15, ge=1, le=31, description="day of the month the release usually appears")
    lag_months: int = Field(1, ge=0, le=12, description="months between the period end and the release")
    first_period: str = Field(description="first period to fetch, YYYY-MM")
    skip_months: list[int] = Field(
        default_factory=list, description="months with no release, e.g. [1]: January comes with 1-2月"
    )
    freshness_warn_days: int = Field(45, ge=1)
    freshness_error_days: int = Field(75, ge=1)

    @field_validator("first_period")
    @classmethod
    def _yyyymm(cls, v: str) -> str:
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
            raise ValueError("must be YYYY-MM")
        return v


class IndicatorMapping(_Strict):
    label: str = Field(description="the indicator's name as the release writes it (without the unit)")
    code: str = Field(description="indicator_code in dbt_project/seeds/indicators.csv")
    unit: str | None = Field(None, description="unit as published when the release does not say it")
    measures: list[Measure] | None = Field(None, description="restrict to these measures")


class ExcelReportOptions(_Strict):
    """A 统计月报 sheet: a title row with the period, multi-row headers, indicator rows, 注: footnotes."""

    sheet: str | None = Field(None, description="sheet name; default: the first sheet")
    header_rows: int = Field(2, ge=1, le=5, description="header rows below the title row")
    title_rows: int = Field(1, ge=0, le=5)
    label_column: int = Field(0, ge=0, description="0-based column holding the indicator names")
    unit_column: int | None = Field(None, description="0-based column holding units; None: units in brackets")
    columns: dict[str, Measure] = Field(description="regex on the joined header text -> measure")
    period_pattern: str = Field(r"(\d{4})年\s*(\d{1,2}\s*[-—–]\s*\d{1,2}月|\d{1,2}月)")


class CsvTableOptions(_Strict):
    """A long CSV table: one row per indicator and period, one column per measure."""

    encoding: Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb18030"] = "auto"
    delimiter: str = ","
    period_column: str
    label_column: str
    unit_column: str | None = None
    region_column: str | None = None
    release_date_column: str | None = None
    columns: dict[str, Measure] = Field(description="column header -> measure")


class NbsSeries(_Strict):
    """One NBS indicator code (zb): which registry indicator and which measure it carries."""

    indicator: str = Field(description="label of an entry in `indicators`")
    measure: Measure
    name: str | None = Field(
        None,
        description="the code's name in returndata.wdnodes; when given, a code renamed upstream is rejected",
    )


class NbsJsonOptions(_Strict):
    """The NBS data portal (easyquery) JSON: returndata.datanodes keyed by wds codes zb / sj / reg.

    Values are joined to indicators by their zb code, never by position; names and units come from
    returndata.wdnodes. hasdata=false is a missing value, never 0.
    """

    zb: Annotated[
        dict[str, NbsSeries], Field(min_length=1, description="zb valuecode -> indicator + measure")
    ]
    regions: dict[str, str] | None = Field(
        None,
        description="reg valuecode -> planwatch region code; other regions are skipped. "
        "None: the reg code is the region (or the source's region when the data has no reg dimension)",
    )


class SdmxSeries(_Strict):
    """One series of an SDMX dataflow: the dimension codes that pick it, and what it is in planwatch."""

    key: Annotated[
        dict[str, str], Field(min_length=1, description="dimension id -> code, e.g. {INDICATOR: X}")
    ]
    indicator: str = Field(description="label of an entry in `indicators`")
    measure: Measure


class SdmxCsvOptions(_Strict):
    """SDMX-CSV 2.0 (STRUCTURE, STRUCTURE_ID, ACTION, dimensions, TIME_PERIOD, OBS_VALUE, attributes)."""

    structure_id: str | None = Field(None, description="expected STRUCTURE_ID; another dataflow is rejected")
    encoding: Literal["auto", "utf-8", "utf-8-sig"] = "auto"
    delimiter: str = ","
    series: Annotated[list[SdmxSeries], Field(min_length=1)]
    region_dimension: str | None = Field("REF_AREA", description="dimension holding the region, if any")
    regions: dict[str, str] | None = Field(
        None, description="region code -> planwatch region; others skipped"
    )
    unit_column: str = Field("UNIT_MEASURE", description="attribute holding the unit code")
    units: dict[str, str] = Field(
        default_factory=dict,
        description="unit code -> a unit planwatch knows (元, %, 头, 吨, 人, ...); UNIT_MULT scales it by 10^n",
    )


FORMATS = ("excel_report", "csv_table", "nbs_json", "sdmx_csv")
Options = ExcelReportOptions | CsvTableOptions | NbsJsonOptions | SdmxCsvOptions


class Source(_Strict):
    id: str
    bureau: str
    title: str
    format: Literal["excel_report", "csv_table", "nbs_json", "sdmx_csv"]
    location: str = Field(
        description="path relative to the data root, or an http(s) URL; may hold {year}, {month}"
    )
    release: ReleaseCalendar
    region: str = Field("district", description="region code when the release has no region column")
    credentials: Credentials | None = None
    excel_report: ExcelReportOptions | None = None
    csv_table: CsvTableOptions | None = None
    nbs_json: NbsJsonOptions | None = None
    sdmx_csv: SdmxCsvOptions | None = None
    indicators: Annotated[list[IndicatorMapping], Field(min_length=1)]

    @field_validator("id", "bureau")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lower_snake_case (a-z, 0-9, _)")
        return v

    @model_validator(mode="after")
    def _options_match_format(self) -> Source:
        if getattr(self, self.format) is None:
            raise ValueError(f"format {self.format!r} needs a '{self.format}:' block of parser options")
        others = [f for f in FORMATS if f != self.format and getattr(self, f) is not None]
        if others:
            raise ValueError(f"format is {self.format!r} but the entry has option blocks for {others}")
        labels = {m.label for m in self.indicators}
        series: list[str] = []
        if self.nbs_json:
            series = [s.indicator for s in self.nbs_json.zb.values()]
        if self.sdmx_csv:
            series = [s.indicator for s in self.sdmx_csv.series]
        by_label: dict[str, list[IndicatorMapping]] = {}
        for m in self.indicators:
            by_label.setdefault(m.label, []).append(m)
        for label, maps in by_label.items():
            taken: list[str] = [x for m in maps for x in m.measures or []]
            unrestricted = any(not m.measures for m in maps)
            if len(maps) > 1 and (unrestricted or len(taken) != len(set(taken))):
                raise ValueError(
                    f"indicators labelled {label!r} appear {len(maps)} times: give each disjoint `measures`"
                )
        unknown = sorted({label for label in series if label not in labels})
        if unknown:
            raise ValueError(
                f"series name indicators {unknown} that are not in `indicators` ({sorted(labels)})"
            )
        return self

    @property
    def options(self) -> Options:
        opts = getattr(self, self.format)
        assert opts is not None
        return opts

    def mapping_for(self, label: str, measure: str | None = None) -> IndicatorMapping | None:
        """The mapping of a row label; with a measure, the one that takes it (one published row can feed
        two indicators, e.g. 有效发明专利拥有量 as a level and its growth as a growth indicator)."""
        for m in self.indicators:
            if m.label == label and (measure is None or m.measures is None or measure in m.measures):
                return m
        return None

    def periods_to_fetch(self, as_of: date) -> Iterator[tuple[int, int]]:
        """(year, month) of every release the location template names, from first_period up to as_of."""
        start_y, start_m = (int(x) for x in self.release.first_period.split("-"))
        per_month = "{month" in self.location
        y, m = start_y, start_m
        while (y, m) <= (as_of.year, as_of.month):
            if per_month:
                if m not in self.release.skip_months:
                    yield y, m
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            else:
                yield y, 12 if y < as_of.year else as_of.month
                y, m = y + 1, 1

    def expected_release_date(self, year: int, month: int) -> date:
        """When the calendar says the release for (year, month) appears: lag_months later, on day_of_month."""
        total = year * 12 + (month - 1) + self.release.lag_months
        y, m = divmod(total, 12)
        return date(y, m + 1, min(self.release.day_of_month, 28))

    def location_for(self, year: int, month: int) -> str:
        return self.location.format(year=year, month=month)


def load_source(path: Path) -> Source:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid UTF-8 YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected one mapping (a source entry), got {type(data).__name__}")
    try:
        return Source.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise RegistryError(f"{path}: entry {data.get('id', '?')!r} is invalid: {problems}") from exc


def load_registry(directory: Path) -> dict[str, Source]:
    """Every *.yml in the directory, keyed by source id; ids must be unique."""
    if not directory.is_dir():
        raise RegistryError(f"source registry folder {directory} does not exist")
    sources: dict[str, Source] = {}
    for path in sorted(directory.glob("*.yml")):
        src = load_source(path)
        if src.id in sources:
            raise RegistryError(f"{path}: source id {src.id!r} is already used by another entry")
        if path.stem != src.id:
            raise RegistryError(f"{path}: file name must be the source id ({src.id}.yml)")
        sources[src.id] = src
    if not sources:
        raise RegistryError(f"source registry folder {directory} holds no *.yml entries")
    return sources


def check_mappings(sources: dict[str, Source], indicators_csv: Path) -> list[str]:
    """Problems between the registry and the indicator catalog (dbt_project/seeds/indicators.csv).

    For `planwatch sources check`: every mapped code must be in the catalog, and the catalog's
    source_status must say `sourced` exactly for the codes some source maps. An empty list is a pass.
    """
    with indicators_csv.open(encoding="utf-8") as fh:
        catalog = {row["indicator_code"]: row.get("source_status", "") for row in csv.DictReader(fh)}
    problems: list[str] = []
    mapped: dict[str, list[str]] = {}
    for source in sources.values():
        for m in source.indicators:
            mapped.setdefault(m.code, []).append(source.id)
            if m.code not in catalog:
                problems.append(
                    f"{source.id}: indicator {m.label!r} maps to {m.code!r}, not in {indicators_csv.name}"
                )
    for code, status in sorted(catalog.items()):
        if code in mapped and status != "sourced":
            problems.append(f"{code}: mapped by {', '.join(mapped[code])} but source_status is {status!r}")
        if code not in mapped and status == "sourced":
            problems.append(f"{code}: source_status is 'sourced' but no source maps it")
    return problems
