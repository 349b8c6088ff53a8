"""Deterministic fault injection: a named checkpoint at each step of a night where a crash matters.

A checkpoint does nothing unless the environment variable PLANWATCH_FAULT names it; then the process
kills itself with SIGKILL there (what an OOM killer, a lost node or `kill -9` does: no cleanup, no
`finally`, no atexit), or pauses there until a file appears (for a test that needs a reader in the
middle). Off, it costs one lookup in os.environ.

    PLANWATCH_FAULT=publish.linked            kill at the first time the checkpoint is reached
    PLANWATCH_FAULT=raw.load.before_commit#3  kill at the third time (in this process)
    PLANWATCH_FAULT=publish.replaced:pause    pause there until <PLANWATCH_FAULT_DIR>/<name>.go exists
    PLANWATCH_FAULT_DIR=/tmp/x                where <name>.reached is written when the checkpoint is reached
                                              (before the kill or the pause), so a test knows the process
                                              died exactly there and not anywhere else

Tests kill at every checkpoint in turn (tests/reliability, scripts/kill_loop.py); every name below is
called somewhere, and every call names one of these (tests/reliability/test_faults.py checks both).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ENV = "PLANWATCH_FAULT"
DIR_ENV = "PLANWATCH_FAULT_DIR"
PAUSE_POLL_S = 0.02
PAUSE_LIMIT_S = 600.0  # a paused process whose test died goes on after this long rather than forever

# name -> where it is, in the order a night reaches them
CHECKPOINTS: dict[str, str] = {
    "raw.load.before_commit": "a release's rows are written in its transaction, not yet committed",
    "dbt.build.start": "the dbt task has forgotten the last good build, dbt has not started",
    "dbt.build.node": "dbt finished a node (with #n: the nth node), the build is half rewritten",
    "dbt.build.finished": "dbt has finished, the run record does not know it yet",
    "validate.finished": "every check ran, the run record does not know the result yet",
    "publish.staged": "the new serving file is written beside the old one, not yet archived",
    "publish.linked": "the new file is archived under published/, the old one is still served",
    "publish.replaced": "the new file is served (renamed into place), not yet pruned or recorded",
    "export.parquet.filled": "the Parquet folder of the publish is written under its temporary name",
    "export.parquet.renamed": "the Parquet folder has its name, `current` still points at the old one",
    "export.sdmx.filled": "the SDMX folder of the publish is written under its temporary name",
    "export.sdmx.renamed": "the SDMX folder has its name, `current` still points at the old one",
    "publish.before_record": "published and exported, the run record does not know it yet",
    "report.html_written": "the progress page is written, the workbook not yet",
    "finalize.before_record": "the run is judged, its outcome not yet written",
    "rollback.linked": "the earlier publish is linked beside the serving file, not yet renamed",
}


def checkpoint(name: str) -> None:
    """Kill or pause this process here if PLANWATCH_FAULT names this checkpoint (see the docstring)."""
    wanted = os.environ.get(ENV)
    if wanted:
        _trip(name, wanted)


_reached: dict[str, int] = {}


def _trip(name: str, wanted: str) -> None:
    spec, _, action = wanted.partition(":")
    target, _, nth = spec.partition("#")
    if target != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] != int(nth or 1):
        return
    folder = os.environ.get(DIR_ENV)
    if folder:
        (Path(folder) / f"{name}.reached").write_text(f"{os.getpid()}\n", encoding="utf-8")
    if action == "pause":
        go = Path(folder or ".") / f"{name}.go"
        deadline = time.monotonic() + PAUSE_LIMIT_S
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(PAUSE_POLL_S)
        return
    os.kill(os.getpid(), signal.SIGKILL)
