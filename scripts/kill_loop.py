"""kill -9 loop over whole nights: many iterations, each killing a night at a random checkpoint.

    .venv/bin/python scripts/kill_loop.py [--iterations 50] [--minutes 10] [--seed 1] [--workdir DIR]

A private planwatch home is made and a first night publishes the sample data as of 2024-03 (as
tests/reliability/conftest.py does). Then, per iteration: a release is revised (new figures), a checkpoint
of core.faults and an nth time to reach it are drawn from the seed, and a whole night
(tests/reliability/night.py) runs in a subprocess that kills itself with SIGKILL there; `rollback.linked`
kills a rollback instead, as no night rolls back. The invariants of tests/reliability/killing.py are
checked after the kill, and after the recovery night that follows (which must succeed and serve the new
figures), together with: a kill before the new file replaced the serving one leaves the old publish
served, a kill after it the new one, and the killed night is never recorded as a success.

A draw the night does not reach (an nth past the last dbt node, say) is counted as `not_reached`; that
night must succeed. The loop stops after --iterations or when --minutes have passed, whichever is first,
and prints one summary (JSON on stdout, the text on stderr); exit code 1 if any invariant was violated.
The CI test (tests/reliability/test_kill_loop.py) kills at every checkpoint once, step by step.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from core.faults import CHECKPOINTS  # noqa: E402
from planwatch.runs import RunStore  # noqa: E402
from publishing.publish import current_publish_id  # noqa: E402
from tests.reliability.killing import (  # noqa: E402
    BASE_AS_OF,
    Home,
    check_after_kill,
    check_after_recovery,
    new_home,
    night,
    revise,
    try_kill,
)

ORDER = list(CHECKPOINTS)
# a kill at these leaves the old publish served; at any later one of a night, the new one
OLD_SERVED = set(ORDER[: ORDER.index("publish.replaced")]) | {"rollback.linked"}
DEFAULT_NODES = 60  # the nth range of dbt.build.node until a night has said how many nodes it builds


@dataclass
class Tally:
    iterations: int = 0
    kills: int = 0
    not_reached: int = 0
    recoveries: int = 0
    violations: list[str] = field(default_factory=list)
    per_checkpoint: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        return {
            "iterations": self.iterations,
            "kills": self.kills,
            "not_reached": self.not_reached,
            "recoveries": self.recoveries,
            "violations": len(self.violations),
            "violation_messages": self.violations,
            "kills_per_checkpoint": dict(sorted(self.per_checkpoint.items())),
            "seconds": round(self.seconds, 1),
        }


def _draw(rng: random.Random, nodes: int) -> str:
    name = rng.choice(ORDER)
    if name == "dbt.build.node":
        return f"{name}#{rng.randint(1, max(nodes, 1))}"
    return name


def _kill_once(home: Home, i: int, fault: str, last_run: str, tally: Tally, folder: Path) -> None:
    """One iteration: revise, kill at `fault`, check, recover, check. Violations are recorded, not raised."""
    name = fault.split("#")[0]
    settings = home.settings
    old = current_publish_id(settings.serving_db, settings.published_dir)
    sha = revise(home, seed=10_000 + i)
    run_id = f"loop-{i}"
    if name == "rollback.linked":
        killed, done = try_kill(home, fault, last_run, "--step", "rollback", folder=folder)
    else:
        killed, done = try_kill(home, fault, run_id, "--as-of", BASE_AS_OF, folder=folder)
    if killed:
        tally.kills += 1
        tally.per_checkpoint[name] += 1
        try:
            serving = check_after_kill(home, old, sha, fault)
            expected_old = name in OLD_SERVED
            assert (serving == old) == expected_old, (
                f"after a kill at {fault} the served publish is {serving}, expected the "
                f"{'old' if expected_old else 'new'} one ({old} before the kill)"
            )
            record = RunStore(settings.runs_dir).load(run_id) if name != "rollback.linked" else None
            assert record is None or record.outcome is None or not record.outcome.ok, (
                f"the night killed at {fault} is recorded as a success"
            )
        except AssertionError as exc:
            tally.violations.append(f"iteration {i}, {fault}: {exc}".splitlines()[0])
    elif done.returncode == 0:
        tally.not_reached += 1
        if name != "rollback.linked":  # that night was a whole, successful night: nothing to recover
            return
    else:
        tally.violations.append(
            f"iteration {i}, {fault}: the night neither died there nor succeeded (exit {done.returncode}): "
            + (done.stderr.strip().splitlines() or ["no output"])[-1]
        )
    recovered = night(home, f"{run_id}-recovery", "--as-of", BASE_AS_OF)
    try:
        assert recovered.returncode == 0, (
            f"the recovery night failed (exit {recovered.returncode}): "
            + (recovered.stderr.strip().splitlines() or ["no output"])[-1]
        )
        check_after_recovery(home, sha, fault)
        tally.recoveries += 1
    except AssertionError as exc:
        tally.violations.append(f"iteration {i}, {fault}: {exc}".splitlines()[0])


def _has_record(home: Home, run_id: str) -> bool:
    try:
        return RunStore(home.settings.runs_dir).load(run_id).start is not None
    except Exception:  # no such run (a rollback iteration, or a night that needed no recovery)
        return False


def _nodes_built(home: Home, run_id: str, default: int) -> int:
    """How many nodes the last build of a night reached: the nth range of dbt.build.node."""
    build = RunStore(home.settings.runs_dir).load(run_id).build
    return build.nodes if build is not None and build.nodes else default


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0, help="start no iteration after this long")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the home is made (default: a temporary folder)")
    args = parser.parse_args()
    started = time.monotonic()
    rng = random.Random(args.seed)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="planwatch-kill-loop-"))
    workdir.mkdir(parents=True, exist_ok=True)
    home = new_home(workdir)
    first = night(home, "loop-base", "--as-of", BASE_AS_OF)
    if first.returncode != 0:
        print(
            f"kill_loop: the first night failed in {workdir}: {first.stderr.strip()[-500:]}", file=sys.stderr
        )
        return 2
    tally = Tally()
    nodes, last_run = DEFAULT_NODES, "loop-base"
    for i in range(args.iterations):
        if time.monotonic() - started > args.minutes * 60:
            break
        fault = _draw(rng, nodes)
        t0 = time.monotonic()
        _kill_once(home, i, fault, last_run, tally, workdir / "faults")
        tally.iterations += 1
        for run in (f"loop-{i}", f"loop-{i}-recovery"):
            if _has_record(home, run):
                last_run, nodes = run, _nodes_built(home, run, nodes)
        print(
            f"[{i}] {fault}: kills {tally.kills}, not reached {tally.not_reached}, recoveries "
            f"{tally.recoveries}, violations {len(tally.violations)} ({time.monotonic() - t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    tally.seconds = time.monotonic() - started
    summary = tally.summary()
    print(json.dumps(summary, ensure_ascii=False))
    print(
        f"kill_loop: {tally.iterations} iterations in {tally.seconds:.0f} s (seed {args.seed}): {tally.kills} "
        f"kills, {tally.not_reached} not reached, {tally.recoveries} recoveries, {len(tally.violations)} "
        f"invariant violations; home in {workdir}",
        file=sys.stderr,
    )
    for message in tally.violations:
        print(f"  violation: {message}", file=sys.stderr)
    return 1 if tally.violations else 0


if __name__ == "__main__":
    sys.exit(main())
