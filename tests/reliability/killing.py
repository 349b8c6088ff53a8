"""Killing nights with SIGKILL at each checkpoint (core.faults), and what must hold afterwards.

Shared by the CI test (tests/reliability/test_kill_loop.py: every checkpoint once, step by step) and the
long loop (scripts/kill_loop.py: whole nights, many iterations). A home is a private planwatch: a copy of
the config and dbt project, a state folder and a copy of the sample releases that a test may revise.

What holds after every kill (`check_after_kill`):
- raw holds whole releases only: no series, figure or skip row of a load that has no release_loads row,
  no release loaded twice, and the raw file's writer lock is free (the next writer gets it at once);
- the serving file is the old publish or the new one, opens read-only and has its marts;
and after the next night (`check_after_recovery`): it succeeded, the serving file holds the new figures,
no temporary file of publishing, exports, reports or the raw layer is left, and the lock is free.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.settings import Settings
from ingest import raw_store
from publishing.publish import current_publish_id
from samples.generate import sample_release
from tests.conftest import REPO, SAMPLES, PrivateData, make_project, moved_copy

BASE_AS_OF = "2024-03"  # the month the base night is as of: January-March, cheap to load and build
REVISED = ("human_resources_employment", "human_resources/2024/rsj_jy_202403.csv")  # a monthly CSV
KILL_TIMEOUT_S = 600


@dataclass
class Home(PrivateData):
    """A planwatch home with its own copy of the sample releases (its settings: Project.active)."""


def new_home(tmp: Path) -> Home:
    base = make_project(tmp)
    data = tmp / "data"
    subprocess.run(["cp", "-a", str(SAMPLES), str(data)], check=True)
    return Home(base.home, base.state, data)


def copy_home(home: Home, tmp: Path) -> Home:
    """The home moved to `tmp`, its records' paths with it (tests.conftest.moved_copy)."""
    return Home(*moved_copy((home.home, home.state, home.data_root), tmp, home.state))


def night(
    home: Home, run_id: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """tests/reliability/night.py in a fresh interpreter: a whole night, or one step (--step)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.night", run_id, *args],
        cwd=REPO, env=env or home.env(), capture_output=True, text=True, timeout=KILL_TIMEOUT_S,
    )  # fmt: skip


def try_kill(
    home: Home, fault: str, run_id: str, *args: str, folder: Path
) -> tuple[bool, subprocess.CompletedProcess[str]]:
    """Run a night (or a step) that kills itself at `fault` (core.faults spec): whether it died by SIGKILL
    exactly there, and how it ended. The checkpoint's .reached file is removed for the next kill."""
    name = fault.split(":")[0].split("#")[0]
    folder.mkdir(parents=True, exist_ok=True)
    done = night(home, run_id, *args, env=home.env(PLANWATCH_FAULT=fault, PLANWATCH_FAULT_DIR=str(folder)))
    reached = folder / f"{name}.reached"
    killed = done.returncode == -signal.SIGKILL and reached.exists()
    reached.unlink(missing_ok=True)
    return killed, done


def kill_at(home: Home, fault: str, run_id: str, *args: str, folder: Path) -> None:
    """Run a night (or a step) that kills itself at `fault`; assert that it died by SIGKILL exactly there."""
    killed, done = try_kill(home, fault, run_id, *args, folder=folder)
    assert killed, f"{fault}: expected a kill there, got exit {done.returncode}:\n" + done.stderr[-3000:]


def revise(home: Home, seed: int) -> str:
    """A new release of REVISED with other figures (a restatement), written into the home's data; its
    sha256."""
    source_id, path = REVISED
    content = sample_release(source_id, 2024, 3, seed=seed, sources_dir=home.home / "config" / "sources")
    (home.data_root / path).write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def raw_problems(raw_db: Path) -> list[str]:
    """What a half-loaded release would leave: rows of loads that never committed, a release twice."""
    problems = []
    with raw_store.connect(raw_db, holder="kill-loop check") as con:  # fails at once if the lock is held
        for table in ("release_series", "observation_values", "release_skips"):
            row = con.execute(
                f"select count(*) from {table} where release_no not in (select release_no from release_loads)"
            ).fetchone()
            if row and row[0]:
                problems.append(f"{row[0]} rows of {table} belong to no committed load")
        row = con.execute(
            "select count(*) from (select source_id, sha256 from release_loads group by all having count(*) > 1)"
        ).fetchone()
        if row and row[0]:
            problems.append(f"{row[0]} releases are loaded twice")
    return problems


def served(settings: Settings, sha: str | None = None) -> tuple[str | None, int]:
    """The publish being served and how many of its indicator figures come from release `sha`; the file
    must open read-only and have its marts."""
    publish_id = current_publish_id(settings.serving_db, settings.published_dir)
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        row = con.execute(
            "select count(*), count(*) filter (where release_sha256 = ?) from marts.fct_indicator_values",
            [sha],
        ).fetchone()
        progress = con.execute("select count(*) from marts.fct_target_progress").fetchone()
    assert row and row[0] > 0 and progress and progress[0] > 0, f"{settings.serving_db} has empty marts"
    return publish_id, int(row[1])


def stale_files(settings: Settings) -> list[str]:
    """Temporary files a killed run can leave, in every folder a night writes."""
    found = []
    for folder in (
        settings.warehouse_dir,
        settings.warehouse_dir / "parquet",
        settings.warehouse_dir / "sdmx",
    ):
        if folder.is_dir():
            found += [str(p) for p in folder.iterdir() if p.name.startswith(".") and ".tmp" in p.name]
    if settings.reports_dir.is_dir():
        found += [str(p) for p in settings.reports_dir.glob("*.tmp")]
    return found


def check_after_kill(home: Home, old_publish: str | None, new_sha: str, what: str) -> str | None:
    """The invariants right after a kill; returns the publish being served (the old or a new one)."""
    settings = home.settings
    assert raw_problems(settings.raw_db) == [], f"after a kill at {what}: {raw_problems(settings.raw_db)}"
    if not settings.serving_db.exists():
        assert old_publish is None, f"after a kill at {what} the serving file is gone"
        return None
    publish_id, new_rows = served(settings, new_sha)
    if publish_id == old_publish:
        assert new_rows == 0, f"after a kill at {what} the old publish {old_publish} holds new figures"
    else:
        assert publish_id is not None, f"after a kill at {what} the serving file is no kept publish"
        assert new_rows > 0, f"after a kill at {what} the new publish {publish_id} lacks the new release"
    return publish_id


def check_after_recovery(home: Home, new_sha: str, what: str) -> str:
    """After the night that follows a kill: the new figures are served and nothing stale is left."""
    settings = home.settings
    publish_id, new_rows = served(settings, new_sha)
    assert publish_id is not None and new_rows > 0, f"after recovering from {what}: new figures not served"
    assert stale_files(settings) == [], f"after recovering from {what}: {stale_files(settings)}"
    assert raw_problems(settings.raw_db) == []
    return publish_id
