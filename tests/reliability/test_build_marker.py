"""The build marker (publishing/build_marker.py) on small build files, and kill -9 inside a publish of one:
fast cases of what tests/reliability/test_kill_loop.py shows on a whole night.

A build file here is a DuckDB file with one mart and the marker row dbt's on-run-start/on-run-end hooks
write (dbt_project/macros/build_marker.sql). Refused: no marker, a started marker never finished, another
run's, one with failed nodes, another as-of month; validation refuses before it checks anything, and
publishing refuses before it writes anything, so the serving file stays what it was.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from planwatch import nightly
from publishing.build_marker import BuildNotFinished, ExpectedBuild, check_build
from publishing.publish import current_publish_id, publish
from tests.conftest import REPO, Project

RUN, AS_OF = "night-1", "2024-03"


def make_build(path: Path, *, run_id: str = RUN, as_of: str = AS_OF, finished: bool = True, failed: int = 0,
               marker: bool = True, figure: float = 1.0) -> Path:  # fmt: skip
    """A build file with a mart holding `figure` and (if `marker`) the row dbt's hooks write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_indicator_values as select ? as value", [figure])
        if marker:
            con.execute("create schema audit")
            con.execute(
                """
                create table audit.build_marker as select
                    'inv-0001' as invocation_id, ? as run_id, 'build' as command, '' as selection,
                    ? as as_of_month, '' as known_on, now() as started_at,
                    case when ? then now() end as finished_at,
                    case when ? then 110 end::integer as nodes, case when ? then ? end::integer as failed,
                    case when ? then ? = 0 end as succeeded
                """,
                [run_id, as_of, finished, finished, finished, failed, finished, failed],
            )
    return path


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"marker": False}, "has no build marker"),
        ({"finished": False}, "left half-written by dbt build of run night-1 .* never finished"),
        ({"run_id": "night-0"}, "is the build of dbt build of run night-0 .*not of this run"),
        ({"run_id": ""}, "is the build of dbt build of a dbt command run by hand"),
        ({"failed": 3}, "finished with 3 of 110 nodes failed"),
        ({"as_of": "2024-02"}, "built as of 2024-02, but run night-1 is as of 2024-03"),
    ],
)
def test_a_build_that_is_not_this_runs_finished_build_is_refused(
    tmp_path: Path, kwargs: dict, message: str
) -> None:
    build = make_build(tmp_path / "build.duckdb", **kwargs)
    with pytest.raises(BuildNotFinished, match=message) as refused:
        check_build(build, RUN, AS_OF)
    assert "\n" not in str(refused.value)


def test_this_runs_finished_build_passes_and_no_file_is_refused(tmp_path: Path) -> None:
    build = make_build(tmp_path / "build.duckdb")
    marker = check_build(build, RUN, AS_OF)
    assert marker.succeeded and marker.nodes == 110 and marker.run_id == RUN
    assert check_build(build, RUN, None).succeeded  # no as-of month asked: any month of this run
    with pytest.raises(BuildNotFinished, match="does not exist"):
        check_build(tmp_path / "missing.duckdb", RUN, AS_OF)


def test_validation_refuses_a_half_written_build_before_checking_anything(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = nightly.load_settings()
    make_build(settings.build_db, finished=False)
    with pytest.raises(BuildNotFinished, match="never finished"):
        nightly.validate(AS_OF, RUN, settings)  # no run record exists: the marker is checked first


def _serving_figure(serving: Path) -> float:
    with duckdb.connect(str(serving), read_only=True) as con:
        row = con.execute("select value from marts.fct_indicator_values").fetchone()
    assert row is not None
    return float(row[0])


def test_publishing_refuses_a_build_not_finished_and_keeps_the_served_file(tmp_path: Path) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(
        make_build(tmp_path / "build.duckdb"), serving, published, expect=ExpectedBuild(RUN, AS_OF)
    )
    make_build(tmp_path / "build.duckdb", run_id="night-2", finished=False, figure=2.0)
    with pytest.raises(BuildNotFinished, match="never finished"):
        publish(tmp_path / "build.duckdb", serving, published, expect=ExpectedBuild("night-2", AS_OF))
    # a night of new data checks the marker in the attach its partial copy is made from, the same way
    with pytest.raises(BuildNotFinished, match="never finished"):
        publish(tmp_path / "build.duckdb", serving, published, expect=ExpectedBuild("night-2", AS_OF),
                changed=["fct_indicator_values"], base=first.publish_id)  # fmt: skip
    assert current_publish_id(serving, published) == first.publish_id and _serving_figure(serving) == 1.0
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []


PUBLISH = """
import sys
from pathlib import Path
from publishing.publish import publish
from publishing.build_marker import ExpectedBuild
tmp = Path(sys.argv[1])
publish(tmp / "build.duckdb", tmp / "planwatch.duckdb", tmp / "published", expect=ExpectedBuild("night-2", "2024-03"))
"""


@pytest.mark.parametrize(
    ("fault", "new_served"),
    [("publish.staged", False), ("publish.linked", False), ("publish.replaced", True)],
)
def test_a_publish_killed_at_each_step_serves_the_old_file_or_the_new_one(
    tmp_path: Path, fault: str, new_served: bool
) -> None:
    serving, published = tmp_path / "planwatch.duckdb", tmp_path / "published"
    first = publish(
        make_build(tmp_path / "build.duckdb"), serving, published, expect=ExpectedBuild(RUN, AS_OF)
    )
    make_build(tmp_path / "build.duckdb", run_id="night-2", figure=2.0)
    env = {"PATH": "/usr/bin:/bin", "PLANWATCH_FAULT": fault, "PLANWATCH_FAULT_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", PUBLISH, str(tmp_path)], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL and (tmp_path / f"{fault}.reached").exists(), done.stderr
    assert serving.exists(), f"a kill at {fault} left no serving file"
    now = current_publish_id(serving, published)
    assert (now != first.publish_id) == new_served and now is not None, (fault, now)
    assert _serving_figure(serving) == (2.0 if new_served else 1.0)
    again = publish(tmp_path / "build.duckdb", serving, published, expect=ExpectedBuild("night-2", AS_OF))
    assert current_publish_id(serving, published) == again.publish_id and _serving_figure(serving) == 2.0
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
