"""The source registry: one YAML file per bureau source, validated on load.

Adding a source in a supported format is a new file in config/sources/, never new code. Every field is
checked by pydantic; an invalid entry fails with the file, the entry and the field that is wrong. The
block of parser options is named after the format (`csv_table:`, `excel_report:` ...) and validated by
that format's own model, found in the one table of formats (ingest/formats/__init__.py): the registry
has no per-format fields.
"""

from __future__ import annotations

import csv
import functools
import re
import string
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

import yaml
from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    create_model,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from ingest.errors import RegistryError
from ingest.formats import FORMATS
from ingest.formats.base import Strict
from ingest.registry_fields import Credentials, IndicatorMapping, Limits, ReleaseCalendar

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDERS = ("year", "month", "quarter", "half")


def _block_models() -> Any:
    """The options block of an entry: one wrapper model per format, told apart by the block's name."""
    members = []
    for name, fmt in FORMATS.items():
        wrapper = create_model(  # type: ignore[call-overload]
            f"{name}_block", __base__=Strict, __module__=__name__, **{name: (fmt.options, ...)}
        )
        globals()[wrapper.__name__] = wrapper  # found by name when a Source is pickled (parse worker)
        members.append(Annotated[wrapper, Tag(name)])

    def which(value: Any) -> str | None:
        keys = list(value) if isinstance(value, dict) else list(type(value).model_fields)
        return keys[0] if len(keys) == 1 else None

    return Annotated[Union[tuple(members)], Discriminator(which)]  # noqa: UP007


if TYPE_CHECKING:
    OptionsBlock = BaseModel
else:
    OptionsBlock = _block_models()


def template_problems(template: str) -> list[str]:
    """Placeholders a location template may hold: {year}, {month}, {quarter}, {half}, with int formats."""
    problems: list[str] = []
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [f"template {template!r} is malformed ({exc})"]
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            problems.append(f"unknown placeholder {{{name}}} (known: {', '.join(PLACEHOLDERS)})")
            continue
        if conversion:
            problems.append(f"placeholder {{{name}!{conversion}}}: conversions are not supported")
        try:
            format(1, spec or "")  # an integer format spec: any integer tells whether it is one
        except ValueError as exc:
            problems.append(f"placeholder {{{name}:{spec}}}: {exc}")
    if "{quarter" in template and "{half" in template:
        problems.append("a template holds {quarter} or {half}, not both")
    return problems


class Source(Strict):
    id: str
    bureau: str
    title: str
    format: str
    location: str = Field(
        description="path relative to the data root, or an http(s) URL; may hold {year}, {month}, "
        "{quarter} (1-4) or {half} (1-2)"
    )
    release: ReleaseCalendar
    region: str = Field("district", description="region code when the release has no region column")
    credentials: Credentials | None = None
    limits: Limits = Field(default_factory=Limits)
    options_block: OptionsBlock
    # what the source's figures are; a format with tables of its own (records, not figures) takes none
    indicators: list[IndicatorMapping] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _options_named_after_format(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "options_block" in data:
            return data
        data = dict(data)
        fmt = data.get("format")
        for name in [k for k in data if k in FORMATS and k != fmt and data[k] is None]:
            del data[name]  # an empty block of another format says nothing
        if fmt in FORMATS and fmt not in data:
            raise ValueError(f"format {fmt!r} needs a '{fmt}:' block of parser options")
        others = sorted(k for k in data if k in FORMATS and k != fmt)
        if others:
            raise ValueError(f"format is {fmt!r} but the entry has option blocks for {others}")
        if fmt in FORMATS:
            data["options_block"] = {fmt: data.pop(fmt)}
        return data

    @model_serializer(mode="wrap")
    def _as_yaml_shape(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        block = data.pop("options_block", None) or {}
        out = {k: v for k, v in data.items() if k != "indicators"}
        out.update(block)
        out["indicators"] = data["indicators"]
        return out

    @field_validator("id", "bureau")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("must be lower_snake_case (a-z, 0-9, _)")
        return v

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v not in FORMATS:
            raise ValueError(f"format {v!r} is not one of {', '.join(FORMATS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Source:
        records = FORMATS[self.format].tables is not None
        if records and self.indicators:
            raise ValueError(
                f"format {self.format!r} loads records of its own, not indicators: drop `indicators`"
            )
        if not records and not self.indicators:
            raise ValueError("field indicators: at least one indicator (the figures this source publishes)")
        by_label: dict[str, list[IndicatorMapping]] = {}
        for m in self.indicators:
            by_label.setdefault(m.label, []).append(m)
            if m.index_base is not None and m.measures and any("growth" not in x for x in m.measures):
                raise ValueError(f"indicator {m.label!r}: index_base applies to growth measures only")
        for label, maps in by_label.items():
            taken: list[str] = [x for m in maps for x in m.measures or []]
            unrestricted = any(not m.measures for m in maps)
            if len(maps) > 1 and (unrestricted or len(taken) != len(set(taken))):
                raise ValueError(
                    f"indicators labelled {label!r} appear {len(maps)} times: give each disjoint `measures`"
                )
        fmt = FORMATS[self.format]
        named = fmt.labels_of(self.options) if fmt.labels_of else []
        unknown = sorted({label for label in named if label not in by_label})
        if unknown:
            raise ValueError(
                f"series name indicators {unknown} that are not in `indicators` ({sorted(by_label)})"
            )
        return self

    @property
    def options(self) -> BaseModel:
        """The format's options (the block named after the format)."""
        return getattr(self.options_block, self.format)  # type: ignore[no-any-return]

    def mapping_for(self, label: str, measure: str | None = None) -> IndicatorMapping | None:
        """The mapping of a row label; with a measure, the one that takes it (one published row can feed
        two indicators, e.g. 有效发明专利拥有量 as a level and its growth as a growth indicator)."""
        for m in self._by_label.get(label, ()):
            if measure is None or m.measures is None or measure in m.measures:
                return m
        return None

    @functools.cached_property
    def _by_label(self) -> dict[str, list[IndicatorMapping]]:
        index: dict[str, list[IndicatorMapping]] = {}
        for m in self.indicators:
            index.setdefault(m.label, []).append(m)
        return index

    @property
    def cadence(self) -> str:
        """How the location template steps: month, quarter, half, year, or once (no placeholder)."""
        for name in ("month", "quarter", "half", "year"):
            if "{" + name in self.location:
                return name
        return "once"

    def periods_to_fetch(self, as_of: date) -> Iterator[tuple[int, int]]:
        """(year, month) of every release the location template names, from first_period up to as_of.

        The month is the last month the release covers: a {quarter} or {half} file is named by its
        quarter or half, and (2024, 6) is its 2024Q2 or 2024H1.
        """
        start_y, start_m = (int(x) for x in self.release.first_period.split("-"))
        step = {"month": 1, "quarter": 3, "half": 6}.get(self.cadence)
        if self.cadence == "once":
            yield as_of.year, as_of.month
            return
        if step is None:  # one file per year, refetched until the year is over
            for y in range(start_y, as_of.year + 1):
                yield y, 12 if y < as_of.year else as_of.month
            return
        y, m = start_y, start_m
        while (y, m) <= (as_of.year, as_of.month):
            if m % step == 0 and (step > 1 or m not in self.release.skip_months):
                yield y, m
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)

    def expected_release_date(self, year: int, month: int) -> date:
        """When the calendar says the release for (year, month) appears: lag_months later, on day_of_month."""
        total = year * 12 + (month - 1) + self.release.lag_months
        y, m = divmod(total, 12)
        return date(y, m + 1, min(self.release.day_of_month, 28))

    def period_of(self, location: str) -> tuple[int, int] | None:
        """(year, month) of a location (or its file name) rendered from this entry's template, or None."""
        for template, text in (
            (self.location, location),
            (self.location.rsplit("/", 1)[-1], location.rsplit("/", 1)[-1]),
        ):
            if m := re.fullmatch(_template_pattern(template), text):
                found = m.groupdict()
                month = int(found["month"]) if found.get("month") else 12
                month = 3 * int(found["quarter"]) if found.get("quarter") else month
                month = 6 * int(found["half"]) if found.get("half") else month
                return (int(found["year"]), month) if found.get("year") else None
        return None

    def location_for(self, year: int, month: int) -> str:
        return self.location.format(
            year=year, month=month, quarter=(month + 2) // 3, half=1 if month <= 6 else 2
        )


def _template_pattern(template: str) -> str:
    """A regular expression reading the placeholders back out of a rendered location."""
    digits = {"year": r"(?P<year>\d{4})", "quarter": r"(?P<quarter>[1-4])", "half": r"(?P<half>[12])"}
    pattern, seen = "", set()
    for text, name, spec, _ in string.Formatter().parse(template):
        # a drop folder's wildcard (*.xlsx) matches any file name
        pattern += "".join({"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch)) for ch in text)
        if name and name in seen:
            pattern += f"(?P={name})"
        elif name:
            seen.add(name)
            pattern += digits.get(name, r"(?P<month>\d{2})" if spec else r"(?P<month>\d{1,2})")
    return pattern


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if loc[:1] == ["options_block"]:
            loc = loc[1:]  # options_block.csv_table.columns -> csv_table.columns, as the YAML says it
            if len(loc) > 1 and loc[0] == loc[1]:
                loc = loc[1:]  # the union's tag and the block's field carry the same name
        field = ".".join(loc) or "(entry)"
        parts.append(f"field {field}: {err['msg']}")
    return "; ".join(parts)


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
        raise RegistryError(f"{path}: entry {data.get('id', '?')!r} is invalid: {_describe(exc)}") from exc


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


def check_registry(sources: dict[str, Source], indicators_csv: Path | None = None) -> list[str]:
    """Every problem `planwatch sources check` reports, as lines naming the source and the field.

    The nightly run makes the same checks before it fetches anything: the catalog mappings, each
    format's own checks, and a round trip in which the format writes a small release laid out as the
    entry describes and reads it back with the entry (a header pattern or a period pattern that can
    never match, a unit that is not in the vocabulary, fail here rather than at 2 a.m.).
    """
    from ingest.formats.roundtrip import roundtrip_problems  # the engine imports this module

    problems = check_mappings(sources, indicators_csv) if indicators_csv else []
    for source in sources.values():
        template = template_problems(source.location)
        problems += [f"{source.id}: field location: {p}" for p in template]
        if template:
            continue  # no release can be named, so none can be written or read back
        problems += [f"{source.id}: {p}" for p in FORMATS[source.format].check(source)]
        problems += [f"{source.id}: {p}" for p in roundtrip_problems(source)]
    return problems
