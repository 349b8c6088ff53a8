"""The fault-injection hook itself (core.faults): every checkpoint it lists is reached somewhere in the
code, every checkpoint the code reaches is listed, and a checkpoint named in PLANWATCH_FAULT kills the
process with SIGKILL exactly there (and at the nth time with `#n`), or pauses there until told to go on.
Fast: no night is run here."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.faults import CHECKPOINTS, DIR_ENV, ENV
from publishing.exports import PARQUET_DIR, SDMX_DIR
from tests.conftest import REPO

# where checkpoints may be called: the packages, the DAGs and the benchmarks
SCANNED = ("core", "ingest", "expectations", "publishing", "reporting", "plancatalog", "returns", "samples",
           "planwatch", "dags", "benchmarks")  # fmt: skip
# what `{out_dir.name}` in publishing.exports' f-string checkpoints can be: the export folders
FORMATTED = (PARQUET_DIR, SDMX_DIR)


def _name_patterns(call: ast.Call, where: str) -> list[str]:
    """The checkpoint names a call can reach: its string, or its f-string with each placeholder expanded
    to every export folder."""
    assert len(call.args) == 1 and not call.keywords, f"{where}: checkpoint() takes one name"
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    assert isinstance(arg, ast.JoinedStr), f"{where}: checkpoint() with a name that is no string literal"
    names = [""]
    for part in arg.values:
        if isinstance(part, ast.Constant):
            names = [n + str(part.value) for n in names]
        else:
            names = [n + folder for n in names for folder in FORMATTED]
    return names


def _checkpoint_calls() -> dict[str, list[str]]:
    """Every name reached by a call of `checkpoint(...)` in the scanned code -> where it is called."""
    found: dict[str, list[str]] = {}
    for package in SCANNED:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called != "checkpoint":
                    continue
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                for name in _name_patterns(node, where):
                    found.setdefault(name, []).append(where)
    return found


def test_every_checkpoint_is_called_and_every_call_is_a_checkpoint() -> None:
    calls = _checkpoint_calls()
    unknown = {name: where for name, where in calls.items() if name not in CHECKPOINTS}
    assert not unknown, f"checkpoint() names missing from core.faults.CHECKPOINTS: {unknown}"
    never = sorted(set(CHECKPOINTS) - set(calls))
    assert not never, f"core.faults.CHECKPOINTS never reached by a checkpoint() call: {never}"


SCRIPT = """
import sys
from core.faults import checkpoint
print("start", flush=True)
for i in range(1, 4):
    checkpoint("publish.staged")
    print(f"past publish.staged {i}", flush=True)
checkpoint("publish.linked")
print("end", flush=True)
"""


def _run(tmp_path: Path, fault: str | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", DIR_ENV: str(tmp_path)}
    if fault is not None:
        env[ENV] = fault
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


def test_no_fault_runs_through(tmp_path: Path) -> None:
    done = _run(tmp_path, None)
    assert done.returncode == 0 and done.stdout.split("\n")[-2] == "end", done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("fault", "passed"),
    [("publish.staged", 0), ("publish.staged#2", 1), ("publish.staged#3", 2), ("publish.linked", 3)],
)
def test_a_named_checkpoint_kills_with_sigkill_exactly_there(tmp_path: Path, fault: str, passed: int) -> None:
    done = _run(tmp_path, fault)
    name = fault.split("#")[0]
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)
    assert (tmp_path / f"{name}.reached").exists()
    assert done.stdout.count("past publish.staged") == passed and "end" not in done.stdout


def test_another_checkpoint_or_an_nth_never_reached_does_not_kill(tmp_path: Path) -> None:
    for fault in ("publish.replaced", "publish.staged#4"):
        done = _run(tmp_path, fault)
        assert done.returncode == 0 and "end" in done.stdout, (fault, done.stderr)
    assert list(tmp_path.iterdir()) == []


def test_pause_waits_for_the_go_file(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", DIR_ENV: str(tmp_path), ENV: "publish.staged#2:pause"}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        reached = tmp_path / "publish.staged.reached"
        deadline = time.monotonic() + 30
        while not reached.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reached.exists() and proc.poll() is None, "the process did not pause at publish.staged#2"
        time.sleep(0.2)
        assert proc.poll() is None
        (tmp_path / "publish.staged.go").touch()
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and out.count("past publish.staged") == 3 and "end" in out
