"""kill -9 at every checkpoint of a night, in the order a night reaches them, each once (CI's count;
scripts/kill_loop.py runs whole nights many times).

One night of new data (a revised release) is taken step by step. Each step runs in a fresh interpreter
that kills itself with SIGKILL at a checkpoint (core.faults); then the invariants are checked
(tests/reliability/killing.py) together with what that kill must leave: the killed step's result unknown
to the run record, and the steps after it refusing to go on. The next attempt at the step is killed at the
next checkpoint, so it must first get past the previous one (cleaning what the kill left); the attempt
after the last kill of a step succeeds. The night after all of them must succeed, publish the new figures
and leave no temporary file and no lock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core.faults import CHECKPOINTS
from planwatch import nightly
from planwatch.incremental import plan_night
from planwatch.nightly import ValidationFailed
from planwatch.runs import RunStore
from publishing.build_marker import BuildNotFinished, check_build
from publishing.publish import PublishError, list_published, rollback
from tests.reliability.killing import (
    BASE_AS_OF,
    REVISED,
    Home,
    check_after_kill,
    check_after_recovery,
    kill_at,
    raw_problems,
    revise,
    served,
    stale_files,
)
from tests.reliability.night import dbt_build, run_night

pytestmark = pytest.mark.slow

RUN = "killed-night"
DBT_NODE = "dbt.build.node#30"  # the 30th node of about 110: the build file is half rewritten
PUBLISH_KILLS = (
    "publish.staged",
    "publish.linked",
    "publish.replaced",
    "export.parquet.filled",
    "export.parquet.renamed",
    "export.sdmx.filled",
    "export.sdmx.renamed",
    "publish.before_record",
)


def _refused(call: Callable[[], object], error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        call()


def test_a_night_killed_at_every_checkpoint_in_turn_recovers(home: Home, tmp_path: Path) -> None:
    """long: one night through all sixteen checkpoints, in order, with what each kill must leave."""
    faults = tmp_path / "faults"
    killed: list[str] = []
    settings = home.settings
    old, _ = served(settings)
    sha = revise(home, seed=2031)
    with home.active():
        nightly.prepare(RUN, BASE_AS_OF, None)
        nightly.fetch_sources(RUN)

    def kill(fault: str, step: str) -> str | None:
        kill_at(home, fault, RUN, "--step", step, folder=faults)
        killed.append(fault.split("#")[0])
        return check_after_kill(home, old, sha, fault)

    # raw: the release is half written in its transaction; after the kill it is not there at all
    kill("raw.load.before_commit", "load")
    with home.active():
        assert [p.releases_new for p in nightly.load_sources(RUN) if p.source_id == REVISED[0]] == [1]
        assert plan_night(RUN).selection == "new_data"
    assert raw_problems(settings.raw_db) == []

    # dbt: killed before it starts (the build is still the last night's), half-way (the marker says so),
    # and after it finished but before the run record knows: validation and publishing refuse each
    for fault, validation, publishing in (
        ("dbt.build.start", (BuildNotFinished, "is the build of dbt build of run base"), None),
        (
            DBT_NODE,
            (BuildNotFinished, "left half-written by dbt build --select .* of run killed-night"),
            None,
        ),
        ("dbt.build.finished", (ValidationFailed, "has no finished dbt build"), (PublishError, "no passed")),
    ):
        kill(fault, "dbt")
        with home.active():
            _refused(lambda: nightly.validate(BASE_AS_OF, RUN), *validation)
            _refused(lambda: nightly.publish(RUN), *(publishing or validation))
    with home.active():
        _refused(lambda: check_build(settings.build_db, "another-run", BASE_AS_OF), BuildNotFinished,
                 "is the build of dbt build .* of run killed-night.*, not of this run")  # fmt: skip
        dbt_build(RUN, BASE_AS_OF, None)
        assert check_build(settings.build_db, RUN, BASE_AS_OF).succeeded

    # validation: every check ran, the record does not know: publishing refuses
    kill("validate.finished", "validate")
    with home.active():
        _refused(lambda: nightly.publish(RUN), PublishError, "no passed validation")
        assert nightly.validate(BASE_AS_OF, RUN).passed

    # publish and its exports: the serving file is the old publish or the new one, never anything else
    for fault in PUBLISH_KILLS:
        leftovers = set(stale_files(settings))
        serving = kill(fault, "publish")
        assert not leftovers & set(stale_files(settings)), (
            f"{fault}: the earlier kill's files are still there"
        )
        assert (serving == old) == (fault in ("publish.staged", "publish.linked")), fault
        assert RunStore(settings.runs_dir).load(RUN).publish is None
    with home.active():
        new = nightly.publish(RUN).publish_id
    assert check_after_recovery(home, sha, "the publish kills") == new

    # the report, the verdict and a rollback
    kill("report.html_written", "report")
    assert RunStore(settings.runs_dir).load(RUN).reports == []
    kill("finalize.before_record", "finalize")
    assert RunStore(settings.runs_dir).load(RUN).outcome is None
    kill("rollback.linked", "rollback")
    assert check_after_kill(home, old, sha, "rollback.linked") == new
    with home.active():
        assert rollback(settings.serving_db, settings.published_dir) < new
        assert len(list_published(settings.published_dir)) >= 2

    # the next night: newer figures again, built, validated, published; nothing stale, no lock. The
    # rollback went to the publish of a killed publish step, whose inputs were never recorded: the night
    # cannot know what changed since, so it builds everything
    newer = revise(home, seed=2032)
    with home.active():
        assert run_night("next-night", BASE_AS_OF) == 0
        record = RunStore(settings.runs_dir).load("next-night")
    assert record.plan is not None and record.plan.selection == "full" and record.publish is not None
    assert "no serving warehouse built with a recorded fingerprint" in record.plan.reasons[0]
    assert check_after_recovery(home, newer, "every kill") == record.publish.publish_id
    assert sorted(killed) == sorted(CHECKPOINTS)
