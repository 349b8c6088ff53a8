"""What a night's build is made of, as a fingerprint: the raw loads, the as-of month, the catalog, the
dbt project and the configuration. Two nights with the same fingerprint build the same warehouse.

- raw: per source, how many loads are current and withdrawn and a digest of (load, sha256, withdrawn)
  from the raw layer's `release_history` view, so a new release, a withdrawal and a reprocessed source
  all change it; plus the row count of every other raw table (a kind of load added later, such as bureau
  progress returns in a table of their own, is noticed without a change here). The logs that every run
  writes (LOG_TABLES) are left out: a night that loaded nothing still writes them. Beside them, the
  release_no of every current load: the next night's validation checks the rows of the loads that are not
  among those of the publish it builds on (expectations/earlier.py, EarlierValidation).
- catalog: the dbt seeds (plans, targets, indicators, vocabulary, status configuration).
- project: the rest of the dbt project (models, macros, tests, dbt_project.yml, profiles.yml, selectors.yml).
- config: config/ (source registry, quality rules, settings).

A digest is SHA-256 over each file's path and bytes, in path order; dbt's own outputs (target/, logs/)
are not part of it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import duckdb

    from core.settings import Settings

LOG_TABLES = ("load_log", "run_log")  # written on every run, whatever it loaded
# the raw layer's release tables: the per-source digest of release_history already covers them
RELEASE_TABLES = ("release_loads", "release_series", "observation_values", "release_skips")
CATALOG_PATHS = ("seeds",)
PROJECT_PATHS = (
    "models",
    "macros",
    "tests",
    "snapshots",
    "analyses",
    "dbt_project.yml",
    "profiles.yml",
    "selectors.yml",
    "packages.yml",
)
_NOT_INPUT = {"target", "logs", "dbt_packages", "__pycache__"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceLoads(_Frozen):
    current: int
    withdrawn: int
    digest: str


class RawFingerprint(_Frozen):
    sources: dict[str, SourceLoads] = Field(default_factory=dict)
    tables: dict[str, int] = Field(default_factory=dict)  # every other raw table: its row count
    # source -> release_no of its current loads, in order; None in a fingerprint stored before they were
    # recorded. Never compared (changed_sources, describe_changes): each source's digest covers them.
    loads: dict[str, list[int]] | None = None


class Fingerprint(_Frozen):
    as_of: str
    known_on: str | None = None
    raw: RawFingerprint | None = None  # None: loading did not finish, the raw state is unknown
    catalog: str
    project: str
    config: str

    def same_build_inputs(self, other: Fingerprint) -> bool:
        """Everything but the raw loads is the same: a build of new data alone can reuse the rest."""
        return self.model_copy(update={"raw": None}) == other.model_copy(update={"raw": None})


def tree_digest(root: Path, names: tuple[str, ...] | None = None) -> str:
    """SHA-256 over the paths and bytes of every file under root (or under the named entries of it)."""
    entries = [root / n for n in names] if names is not None else [root]
    files: list[Path] = []
    for entry in entries:
        if entry.is_file():
            files.append(entry)
        elif entry.is_dir():
            files += [
                p
                for p in entry.rglob("*")
                if p.is_file()
                and not _NOT_INPUT.intersection(p.relative_to(root).parts)
                and not p.name.startswith(".")
            ]
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> RawFingerprint:
    """The state of the raw layer that a build depends on (con: the raw file, as its main catalog)."""
    rows = con.execute(
        """
        select source_id,
               count(*) filter (where withdrawn_at is null),
               count(*) filter (where withdrawn_at is not null),
               md5(string_agg(concat_ws(':', release_no, sha256, coalesce(cast(withdrawn_at as varchar), '-')),
                              ',' order by release_no)),
               coalesce(list(release_no order by release_no) filter (where withdrawn_at is null), [])
        from release_history group by source_id order by source_id
        """
    ).fetchall()
    sources = {r[0]: SourceLoads(current=r[1], withdrawn=r[2], digest=r[3]) for r in rows}
    loads = {r[0]: [int(n) for n in r[4]] for r in rows}
    names = con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and not list_contains(?, table_name) order by 1",
        [list(LOG_TABLES + RELEASE_TABLES)],
    ).fetchall()
    tables = {}
    for (name,) in names:
        row = con.execute(f'select count(*) from main."{name}"').fetchone()
        tables[name] = int(row[0]) if row else 0
    return RawFingerprint(sources=sources, tables=tables, loads=loads)


def night_fingerprint(
    settings: Settings, as_of: str, known_on: str | None, raw: RawFingerprint | None
) -> Fingerprint:
    dbt = settings.dbt_project_dir
    return Fingerprint(
        as_of=as_of,
        known_on=known_on or None,
        raw=raw,
        catalog=tree_digest(dbt, CATALOG_PATHS),
        project=tree_digest(dbt, PROJECT_PATHS),
        config=tree_digest(settings.config_dir),
    )


def changed_sources(before: RawFingerprint, after: RawFingerprint) -> list[str]:
    """Sources whose loads differ (new, withdrawn or reprocessed releases), in id order."""
    ids = set(before.sources) | set(after.sources)
    return sorted(s for s in ids if before.sources.get(s) != after.sources.get(s))


def describe_changes(before: Fingerprint, after: Fingerprint) -> list[str]:
    """What differs between two fingerprints, one line each, as a person reads it in the run summary."""
    out: list[str] = []
    if before.as_of != after.as_of:
        out.append(f"as-of month {before.as_of} -> {after.as_of}")
    if before.known_on != after.known_on:
        out.append(f"known-on date {before.known_on or 'latest'} -> {after.known_on or 'latest'}")
    if after.raw is None or before.raw is None:
        out.append("the raw layer's state is not known (loading did not finish)")
    else:
        for source_id in changed_sources(before.raw, after.raw):
            was = before.raw.sources.get(source_id)
            now = after.raw.sources.get(source_id)
            new = (now.current if now else 0) - (was.current if was else 0)
            gone = (now.withdrawn if now else 0) - (was.withdrawn if was else 0)
            if gone > 0:
                out.append(f"source {source_id}: {gone} release(s) withdrawn or reprocessed")
            elif new > 0:
                out.append(f"source {source_id}: {new} new release(s)")
            else:
                out.append(f"source {source_id}: releases replaced")
        for table in sorted(set(before.raw.tables) | set(after.raw.tables)):
            if before.raw.tables.get(table) != after.raw.tables.get(table):
                out.append(
                    f"raw table {table}: {before.raw.tables.get(table, 0)} -> {after.raw.tables.get(table, 0)} rows"
                )
    for part, label in (
        ("catalog", "the catalog (dbt seeds)"),
        ("project", "the dbt project"),
        ("config", "config/"),
    ):
        if getattr(before, part) != getattr(after, part):
            out.append(f"{label} changed")
    return out
