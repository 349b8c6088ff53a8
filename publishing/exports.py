"""What each publish also writes for tools that do not read DuckDB: every mart as Parquet, and the indicator
figures as SDMX-CSV 2.0; and what a killed run left behind, cleaned before the next publish.

Each export of a publish goes to its own folder `<out_dir>/<publish id>/`, written under a temporary name
and renamed; `<out_dir>/current` is a symlink swapped atomically to the newest, so a reader never finds it
missing or half-written, and older folders are removed. The file of a table that a partial publish kept
as it was (publishing/publish.py) is a hard link to the same file of the publish it was copied from,
when that publish's folder is still there: an export file is never written again once its folder has
its name, so two folders can share it, and removing the old folder leaves the new one whole.

The serving warehouse is already published when the exports run, so a failed export does not undo it:
it is returned as an ExportResult with its error, for the run record to count as a failure, never
reported as done.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import PlanwatchError, one_line
from core.faults import checkpoint
from core.settings import duckdb_limits

log = logging.getLogger(__name__)

PARQUET_DIR = "parquet"
SDMX_DIR = "sdmx"


@dataclass(frozen=True)
class ExportResult:
    """One export of one publish: where it is, or why it is not."""

    name: str  # parquet, sdmx
    path: Path | None
    error: str | None = None
    reused: tuple[str, ...] = ()  # files linked from the publish this one was copied from

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        return f"{self.name} export: {self.path}" if self.ok else f"{self.name} export failed: {self.error}"


def clean_stale(folder: Path, prefix: str = ".") -> list[Path]:
    """Remove what killed runs left in a folder publishing writes: hidden `.…tmp…` files and folders whose
    name starts with `prefix` (staged serving files and their .wal, staged export folders, half-swapped
    links). Writers are serialised (one pool slot), so nothing of a live run can be there."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        if not (entry.name.startswith(prefix) and entry.name.startswith(".") and ".tmp" in entry.name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
        removed.append(entry)
    if removed:
        log.info(
            "removed %d stale temporary files in %s: %s", len(removed), folder, [p.name for p in removed]
        )
    return removed


def publish_folder(out_dir: Path, publish_id: str, fill: Callable[[Path], object]) -> Path:
    """Fill a new folder for this publish, then point `out_dir/current` at it; returns the link."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale(out_dir)
    target = out_dir / publish_id
    staged = out_dir / f".{publish_id}.tmp"
    staged.mkdir()
    fill(staged)
    checkpoint(f"export.{out_dir.name}.filled")
    if target.exists():
        shutil.rmtree(target)
    os.replace(staged, target)
    checkpoint(f"export.{out_dir.name}.renamed")
    link = out_dir / "current"
    tmp_link = out_dir / ".current.tmp"
    tmp_link.symlink_to(publish_id)
    os.replace(tmp_link, link)
    for old in out_dir.iterdir():
        if old.is_dir() and not old.is_symlink() and old.name != publish_id:
            shutil.rmtree(old)
    return link


@dataclass
class Reuse:
    """What exports may take from an earlier publish's folders instead of writing them: the publish the
    serving file was copied from, and the tables (schema.table) it kept as they were; `linked` collects
    what was taken (`<export>/<file>`)."""

    base: str
    kept: frozenset[str]
    linked: list[str] = field(default_factory=list)

    def link(self, out_dir: Path, name: str, tables: set[str], folder: Path) -> bool:
        """Hard-link `name` from the base publish's folder into `folder` if every table it is made of was
        kept and the file is there; False: it must be written."""
        source = out_dir / self.base / name
        if not tables <= self.kept or not source.is_file():
            return False
        os.link(source, folder / name)
        self.linked.append(f"{out_dir.name}/{name}")
        return True


def export_parquet(serving_db: Path, out_dir: Path, publish_id: str, reuse: Reuse | None = None) -> Path:
    """Every mart and the quality table as Parquet (`<table>.parquet`), for tools that cannot read DuckDB."""
    from publishing.readers import open_serving

    def fill(folder: Path) -> None:
        with open_serving(serving_db, duckdb_limits(folder.with_name(f"{folder.name}.spill"))) as con:
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database() and schema_name in ('marts', 'quality')"
            ).fetchall()
            for schema, table in tables:
                name = f"{table}.parquet"
                if reuse and reuse.link(out_dir, name, {f"{schema}.{table}"}, folder):
                    continue
                target = str(folder / name).replace("'", "''")
                con.execute(f'copy (select * from "{schema}"."{table}") to \'{target}\' (format parquet)')

    return publish_folder(out_dir, publish_id, fill)


def export_sdmx(serving_db: Path, out_dir: Path, publish_id: str, reuse: Reuse | None = None) -> Path:
    """The indicator figures as SDMX-CSV 2.0 (`planwatch_indicators.csv`, publishing/sdmx.py)."""
    from publishing.sdmx import FILE_NAME, SOURCE_TABLES, write_sdmx

    def fill(folder: Path) -> None:
        if not (reuse and reuse.link(out_dir, FILE_NAME, set(SOURCE_TABLES), folder)):
            write_sdmx(serving_db, folder / FILE_NAME)

    return publish_folder(out_dir, publish_id, fill)


def _attempt(name: str, export: Callable[[], Path], reuse: Reuse | None) -> ExportResult:
    from pysdmx.errors import PysdmxError

    try:
        path = export()
        return ExportResult(
            name, path, reused=tuple(r for r in (reuse.linked if reuse else []) if r.startswith(f"{name}/"))
        )
    except (OSError, duckdb.Error, PlanwatchError, PysdmxError, ValueError) as exc:
        log.error("%s export failed (the warehouse itself was published): %s", name, exc)
        return ExportResult(name, None, one_line(exc, 500))


def export_all(
    serving_db: Path, warehouse_dir: Path, publish_id: str, reuse: Reuse | None = None
) -> list[ExportResult]:
    """Every export of a publish, each tried even when another fails; with `reuse`, the files of the
    tables a partial publish kept are linked from the publish it was copied from."""
    return [
        _attempt(
            "parquet",
            lambda: export_parquet(serving_db, warehouse_dir / PARQUET_DIR, publish_id, reuse),
            reuse,
        ),
        _attempt("sdmx", lambda: export_sdmx(serving_db, warehouse_dir / SDMX_DIR, publish_id, reuse), reuse),
    ]
