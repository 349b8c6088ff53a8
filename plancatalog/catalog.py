"""The catalog of plans as the dbt seeds hold it, read as plain CSV and appended to atomically.

    plans.csv            one row per plan (id, jurisdiction, region, year, kind, title, text file, adopted on)
    plan_targets.csv     every reviewed target of every plan, keyed by plan_id; target_id unique across plans
    plan_text_lines.csv  each plan's text, one row per line, so dbt can prove every quote is in it
    indicators.csv       the indicators targets measure; an indicator keeps its code from year to year
    bureaus.csv          the bureaus that are responsible or report

Appending writes every changed file to a temporary file beside it first and then renames each into place,
indicators first and plans.csv last: a reader never sees half a file, and a plan only exists in plans.csv
once its targets and lines are in place.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import load_settings
from plancatalog.plantext import PlanInputError

PLAN_COLUMNS = (
    "plan_id",
    "jurisdiction_code",
    "jurisdiction_name_zh",
    "region_code",
    "plan_year",
    "kind",
    "title_zh",
    "text_file",
    "adopted_on",
)
TARGET_COLUMNS = (
    "plan_id",
    "target_id",
    "section_no",
    "section",
    "quote",
    "indicator_code",
    "kind",
    "comparator",
    "target_value",
    "band",
    "unit_raw",
    "direction",
    "aspirational",
    "responsible_bureau",
    "frequency",
    "measure",
    "assessable_within_year",
    "due_date",
    "notes",
)
LINE_COLUMNS = ("plan_id", "line_no", "text")
INDICATOR_COLUMNS = (
    "indicator_code",
    "name_zh",
    "name_en",
    "unit",
    "unit_raw",
    "frequency",
    "measure_type",
    "bureau_code",
    "source_status",
)
BUREAU_COLUMNS = ("bureau_code", "name_zh", "name_en")
FILES = {
    "indicators": ("indicators.csv", INDICATOR_COLUMNS),
    "lines": ("plan_text_lines.csv", LINE_COLUMNS),
    "targets": ("plan_targets.csv", TARGET_COLUMNS),
    "plans": ("plans.csv", PLAN_COLUMNS),
    "bureaus": ("bureaus.csv", BUREAU_COLUMNS),
}
# The values the warehouse accepts (dbt_project/seeds/_seeds__models.yml).
TARGET_KINDS = ("level", "growth", "count", "rate_held", "stock", "coverage", "decrease", "milestone")
COMPARATORS = (">=", ">", "<=", "<", "~", "=")
PLAN_KINDS = ("annual_work_plan", "gov_work_report", "multi_year_plan")
FREQUENCIES = ("monthly", "quarterly", "annual", "event")
MEASURES = ("ytd_cumulative", "ytd_growth", "rate", "last_value", "count_since_jan1", "milestone_state")


def default_seeds_dir() -> Path:
    return load_settings().dbt_project_dir / "seeds"


@dataclass
class Catalog:
    """The catalog's tables as lists of rows (every value a string, as in the CSV)."""

    seeds_dir: Path
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def plans(self) -> list[dict[str, str]]:
        return self.tables["plans"]

    @property
    def targets(self) -> list[dict[str, str]]:
        return self.tables["targets"]

    @property
    def indicators(self) -> dict[str, dict[str, str]]:
        return {row["indicator_code"]: row for row in self.tables["indicators"]}

    @property
    def bureaus(self) -> dict[str, dict[str, str]]:
        return {row["bureau_code"]: row for row in self.tables["bureaus"]}

    def plan(self, plan_id: str) -> dict[str, str] | None:
        return next((p for p in self.plans if p["plan_id"] == plan_id), None)

    def plan_targets(self, plan_id: str) -> list[dict[str, str]]:
        return [t for t in self.targets if t["plan_id"] == plan_id]

    def previous_plan(self, jurisdiction_code: str, year: int) -> dict[str, str] | None:
        """The latest plan of the same jurisdiction before ``year`` (last year's, as a rule)."""
        earlier = [
            p
            for p in self.plans
            if p["jurisdiction_code"] == jurisdiction_code and int(p["plan_year"]) < year
        ]
        return max(earlier, key=lambda p: int(p["plan_year"])) if earlier else None


def read_catalog(seeds_dir: Path) -> Catalog:
    catalog = Catalog(seeds_dir)
    for key, (name, columns) in FILES.items():
        path = seeds_dir / name
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                missing = [c for c in columns if c not in (reader.fieldnames or [])]
                if missing:
                    raise PlanInputError(
                        f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}"
                    )
                catalog.tables[key] = list(reader)
        except FileNotFoundError as exc:
            raise PlanInputError(f"{path}: no such file; expected the catalog seed {name}") from exc
        except UnicodeDecodeError as exc:
            raise PlanInputError(f"{path}: is not UTF-8; expected a UTF-8 CSV file") from exc
    return catalog


def _csv_rows(rows: list[dict[str, str]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="raise")
    writer.writerows(rows)
    return buffer.getvalue()


def append_rows(seeds_dir: Path, additions: dict[str, list[dict[str, str]]]) -> None:
    """Append rows to several seeds so that each file changes in one rename (see the module docstring)."""
    staged: list[tuple[Path, Path]] = []
    try:
        for key, (name, columns) in FILES.items():
            rows = additions.get(key) or []
            if not rows:
                continue
            path = seeds_dir / name
            existing = path.read_text(encoding="utf-8")
            if existing and not existing.endswith("\n"):
                existing += "\n"
            tmp = path.with_name(f".{name}.adding")
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                fh.write(existing + _csv_rows(rows, columns))
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((tmp, path))
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise PlanInputError(f"{seeds_dir}: cannot write the catalog ({exc}); nothing was changed") from exc
    for tmp, path in staged:
        os.replace(tmp, path)
