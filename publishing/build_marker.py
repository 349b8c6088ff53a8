"""Is this build file the finished, successful dbt build of this run? Read from the build itself.

dbt writes `audit.build_marker` (dbt_project/macros/build_marker.sql): a row started by on-run-start and
finished by on-run-end, with dbt's invocation id, the Airflow run id (the dbt var `run_id`), the as-of
month and whether every node succeeded. Validation checks it before it checks anything, and publishing
before it copies anything (in the same read-only attach it copies from, so the file cannot change in
between). Refused, each with one line: a build with no marker, one left behind by a killed or crashed
dbt run (started, never finished), another run's build, a build with failed nodes, and a build of
another as-of month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from core.errors import DataError

MARKER_TABLE = "build_marker"
MARKER_SCHEMA = "audit"
_COLUMNS = "invocation_id, run_id, command, selection, as_of_month, started_at, finished_at, nodes, failed, succeeded"


class BuildNotFinished(DataError):
    """The build file is not this run's finished, successful dbt build: nothing is validated or published."""


@dataclass(frozen=True)
class BuildMarker:
    invocation_id: str
    run_id: str
    command: str
    selection: str
    as_of_month: str
    started_at: datetime
    finished_at: datetime | None
    nodes: int | None
    failed: int | None
    succeeded: bool | None

    def who(self) -> str:
        run = f"run {self.run_id}" if self.run_id else "a dbt command run by hand"
        what = f"dbt {self.command}" + (f" --select {self.selection}" if self.selection else "")
        return f"{what} of {run} (invocation {self.invocation_id[:8]}, started {self.started_at:%Y-%m-%d %H:%M:%S})"


def read_marker(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> BuildMarker | None:
    """The marker of the database `catalog` (default: the connection's own), or None if it has none."""
    where = "schema_name = ? and table_name = ?" + (" and database_name = ?" if catalog else "")
    params = [MARKER_SCHEMA, MARKER_TABLE, *([catalog] if catalog else [])]
    found = con.execute(f"select count(*) from duckdb_tables() where {where}", params).fetchall()
    if not found or not found[0][0]:
        return None
    table = f"{f'{catalog}.' if catalog else ''}{MARKER_SCHEMA}.{MARKER_TABLE}"
    rows = con.execute(f"select {_COLUMNS} from {table}").fetchall()
    return BuildMarker(*rows[0]) if len(rows) == 1 else None


def check_marker(marker: BuildMarker | None, build_db: Path, run_id: str, as_of: str | None) -> BuildMarker:
    """Raise BuildNotFinished unless the marker is this run's finished, successful build of `as_of`."""
    whose = f"not using it for run {run_id}"
    if marker is None:
        raise BuildNotFinished(
            f"{build_db} has no build marker ({MARKER_SCHEMA}.{MARKER_TABLE}): it was not written by a "
            f"dbt build of this project that got as far as starting; {whose}"
        )
    if marker.finished_at is None:
        raise BuildNotFinished(
            f"{build_db} was left half-written by {marker.who()}, which never finished (killed or "
            f"crashed); {whose}"
        )
    if marker.run_id != run_id:
        raise BuildNotFinished(f"{build_db} is the build of {marker.who()}, not of this run; {whose}")
    if not marker.succeeded:
        raise BuildNotFinished(
            f"{build_db}: the dbt build of run {run_id} finished with {marker.failed} of {marker.nodes} "
            "nodes failed or skipped; nothing is validated or published"
        )
    if as_of and marker.as_of_month != as_of:
        raise BuildNotFinished(
            f"{build_db} was built as of {marker.as_of_month or 'the latest month'}, but run {run_id} is "
            f"as of {as_of}; {whose}"
        )
    return marker


def check_build(build_db: Path, run_id: str, as_of: str | None) -> BuildMarker:
    """Open the build read-only and check its marker (see check_marker)."""
    if not build_db.exists():
        raise BuildNotFinished(f"{build_db} does not exist: dbt built nothing for run {run_id}")
    with duckdb.connect(str(build_db), read_only=True) as con:
        marker = read_marker(con)
    return check_marker(marker, build_db, run_id, as_of)


@dataclass(frozen=True)
class ExpectedBuild:
    """What publishing expects of the build it copies: this run's finished build of this as-of month."""

    run_id: str
    as_of: str | None = None
