"""Mutation check: apply small plausible bugs one at a time and see whether the tests catch each one.

    .venv/bin/python scripts/mutate.py [--only WORD ...] [--list] [--no-baseline] [--keep]

Each mutant is one textual edit (SQL or Python) in a throw-away git worktree of HEAD under /tmp (the
repository itself is never edited), followed by the few tests that should catch it; a mutant is `killed`
when they fail, `survived` when they pass. Each set of tests is first run unmutated and must pass
(--no-baseline skips that), and the file is restored after each mutant. Mutants of dbt models are judged
by the model's dbt unit tests, against a warehouse built once with `dbt build --empty` (seeds, and models
without rows: the unit tests need only their parents' columns). Prints one line per mutant and a summary
(JSON on the last line); exit code 1 if any mutant survived, 2 if a mutant no longer applies (its text is
gone from the code) or a test set fails without one.

Only committed code is mutated: commit first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = REPO / ".venv" / "bin" / "python"
DBT = REPO / ".venv" / "bin" / "dbt"
TEST_TIMEOUT_S = 600
sys.path.insert(0, str(REPO))

from core.contracts import RAW_ALIAS  # noqa: E402


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids, or ("dbt-unit", model)


FAST_MARKER = ("tests/reliability/test_build_marker.py",)
KILL_LOOP = ("tests/reliability/test_kill_loop.py",)
STATUS = "dbt_project/models/intermediate/progress/int_target_status_judged.sql"

MUTANTS = (
    Mutant("status: gap_pp >= 0 becomes > 0 (exactly on the benchmark is behind)", STATUS,
           "not is_rate_target and gap_pp >= 0 then", "not is_rate_target and gap_pp > 0 then",
           ("dbt-unit", "int_target_status_judged")),
    Mutant("status: at the at-risk threshold is beyond it", STATUS,
           "when gap_pp >= at_risk_gap_pp then", "when gap_pp > at_risk_gap_pp then",
           ("dbt-unit", "int_target_status_judged")),
    Mutant("marker: on-run-start writes a finished marker", "dbt_project/macros/build_marker.sql",
           "cast(null as timestamptz) as finished_at", "now() as finished_at", KILL_LOOP),
    Mutant("marker: an unfinished build is accepted", "publishing/build_marker.py",
           "if marker.finished_at is None:", "if False:", FAST_MARKER),
    Mutant("marker: another run's build is accepted", "publishing/build_marker.py",
           "if marker.run_id != run_id:", "if False:", FAST_MARKER),
    Mutant("marker: a build with failed nodes is accepted", "publishing/build_marker.py",
           "if not marker.succeeded:", "if False:", FAST_MARKER),
    Mutant("marker: a build of another as-of month is accepted", "publishing/build_marker.py",
           "if as_of and marker.as_of_month != as_of:", "if False:", FAST_MARKER),
    Mutant("publish: the marker is not checked in the attach it copies from", "publishing/publish.py",
           "        if expect is not None:\n            check_marker(",
           "        if False:\n            check_marker(", FAST_MARKER),
    Mutant("publish: the old serving file is deleted before the new one is renamed", "publishing/publish.py",
           "        os.link(staged, archived)\n",
           "        os.link(staged, archived)\n        serving_db.unlink(missing_ok=True)\n", FAST_MARKER),
    Mutant("validate: the build marker is not checked", "planwatch/nightly.py",
           "    check_build(settings.build_db, run_id, as_of)\n    record = store(settings).load(run_id)\n",
           "    record = store(settings).load(run_id)\n", FAST_MARKER),
    Mutant("raw: the figures are committed before their load row", "ingest/raw_store.py",
           "        _write_load_row(con, meta, release_no,",
           "        con.execute('commit; begin') if own_transaction else None\n"
           "        _write_load_row(con, meta, release_no,", KILL_LOOP),
    Mutant("faults: #n kills at the first time", "core/faults.py",
           "if _reached[name] != int(nth or 1):", "if _reached[name] > int(nth or 1):",
           ("tests/reliability/test_faults.py",)),
    Mutant("exports: a failed export is reported as a success", "publishing/exports.py",
           "return ExportResult(name, None, one_line(exc, 500))", "return ExportResult(name, None, None)",
           ("tests/publishing/test_exports.py",)),
    Mutant("policy: a failed validation does not fail the night", "planwatch/policy.py",
           "elif record.validation is not None and not record.validation.passed:",
           "elif record.validation is not None and record.validation.passed is None:",
           ("tests/planwatch/test_policy.py",)),
    Mutant("settings: the default retention goes from 5 publishes to 1", "core/settings.py",
           '"PLANWATCH_KEEP_PUBLISHED", "5"', '"PLANWATCH_KEEP_PUBLISHED", "1"',
           ("tests/publishing", "tests/core")),
)  # fmt: skip


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TEST_TIMEOUT_S)


def _env(tree: Path, state: Path) -> dict[str, str]:
    """The tree's code first on the path (the venv's editable install points at the repository)."""
    return dict(
        os.environ, PYTHONPATH=str(tree), PLANWATCH_HOME=str(tree), PLANWATCH_STATE_DIR=str(state),
        PLANWATCH_DATA_ROOT=str(tree / "data" / "samples"), PLANWATCH_RAW_DB=str(state / "warehouse" / "raw.duckdb"),
        PLANWATCH_BUILD_DB=str(state / "warehouse" / "build.duckdb"), PLANWATCH_RAW_ALIAS=RAW_ALIAS,
    )  # fmt: skip


def _prepare_dbt(tree: Path, state: Path) -> None:
    """Load the samples and build every model empty, once: what a model's unit tests need of its parents."""
    from tests.conftest import load_samples  # noqa: PLC0415 (the repository's, only when dbt is needed)

    env = _env(tree, state)
    load_samples(env, "2024-09")
    done = _run([str(DBT), "build", "--empty", "--exclude-resource-type", "test", "unit_test", "--profiles-dir", ".", "--target-path", str(state / "target"),
                 "--log-path", str(state / "logs")], tree / "dbt_project", env)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"mutate: dbt run --empty failed in {tree}: {done.stdout.strip()[-500:]}")


def _judge(mutant: Mutant, tree: Path, state: Path) -> tuple[bool, float]:
    """Whether the tests failed (the mutant is killed), and how long they took."""
    started = time.monotonic()
    if mutant.tests[0] == "dbt-unit":
        args = [str(DBT), "test", "--select", f"{mutant.tests[1]},test_type:unit", "--profiles-dir", ".",
                "--target-path", str(state / "target"), "--log-path", str(state / "logs")]  # fmt: skip
        done = _run(args, tree / "dbt_project", _env(tree, state))
    else:
        args = [str(PY), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests]
        done = _run(args, tree, dict(os.environ, PYTHONPATH=str(tree)))
    return done.returncode != 0, time.monotonic() - started


def _baseline(chosen: list[Mutant], tree: Path, state: Path) -> list[str]:
    """The test sets that fail without any mutant: a mutant they `kill` would prove nothing."""
    failing = []
    for tests in dict.fromkeys(m.tests for m in chosen):
        failed, seconds = _judge(Mutant("baseline", "", "", "", tests), tree, state)
        print(f"baseline {'FAILS' if failed else 'passes'} {seconds:6.1f} s  {' '.join(tests)}", flush=True)
        if failed:
            failing.append(" ".join(tests))
    return failing


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="run only mutants whose name contains one of these")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--no-baseline", action="store_true", help="do not first run each test set unmutated")
    parser.add_argument("--keep", action="store_true", help="keep the worktree")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if not args.only or any(word in m.name for word in args.only)]
    if args.list:
        print("\n".join(f"{m.name}  [{m.path}; {' '.join(m.tests)}]" for m in chosen))
        return 0
    base = Path(tempfile.mkdtemp(prefix="planwatch-mutate-"))
    tree, state = base / "tree", base / "state"
    state.mkdir()
    _run(["git", "worktree", "add", "--detach", str(tree), "HEAD"], REPO).check_returncode()
    results, started = [], time.monotonic()
    try:
        if any(m.tests[0] == "dbt-unit" for m in chosen):
            _prepare_dbt(tree, state)
        failing = [] if args.no_baseline else _baseline(chosen, tree, state)
        if failing:
            print(f"mutate: these tests fail without a mutant: {'; '.join(failing)}", file=sys.stderr)
            return 2
        for mutant in chosen:
            source = tree / mutant.path
            text = source.read_text(encoding="utf-8")
            if text.count(mutant.old) != 1:
                print(
                    f"mutate: {mutant.name}: its text is not in {mutant.path} exactly once", file=sys.stderr
                )
                return 2
            source.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
            try:
                killed, seconds = _judge(mutant, tree, state)
            finally:
                source.write_text(text, encoding="utf-8")
            results.append({"mutant": mutant.name, "killed": killed, "seconds": round(seconds, 1)})
            print(f"{'killed  ' if killed else 'SURVIVED'} {seconds:6.1f} s  {mutant.name}", flush=True)
    finally:
        if not args.keep:
            _run(["git", "worktree", "remove", "--force", str(tree)], REPO)
    killed = sum(r["killed"] for r in results)
    summary = {"mutants": len(results), "killed": killed, "survived": len(results) - killed,
               "seconds": round(time.monotonic() - started, 1), "results": results}  # fmt: skip
    print(f"mutate: {killed} of {len(results)} mutants killed, {len(results) - killed} survived")
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if killed < len(results) else 0


if __name__ == "__main__":
    sys.exit(main())
