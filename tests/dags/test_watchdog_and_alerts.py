"""The 07:00 watchdog and the failure alert: a real `airflow dags test`, a real SMTP conversation.

The watchdog's verdict on a failed night and on a good one is its task's function called here (an
`airflow dags test` of each took 11-16 s and proved no more of Airflow than the first test does)."""

from __future__ import annotations

import socketserver
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from planwatch.policy import NightOverdue
from planwatch.runs import PublishOutcome, RunOutcome, RunStart, RunStore
from planwatch.watchdog import check_tonight
from tests.conftest import BIN, Project, airflow_env

pytestmark = pytest.mark.slow


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message and keep it."""

    messages: list[str] = []

    def handle(self) -> None:
        self.wfile.write(b"220 sink ready\r\n")
        data: list[str] = []
        in_data = False
        while line := self.rfile.readline(65536):
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if text == ".":
                    in_data = False
                    _SmtpSink.messages.append("\n".join(data))
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(text)
                continue
            verb = text[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_sink() -> Iterator[int]:
    _SmtpSink.messages = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _watchdog(
    project: Project, airflow_home: Path, logical_date: str, **extra: str
) -> subprocess.CompletedProcess:
    env = airflow_env(airflow_home, project) | extra
    return subprocess.run(
        [str(BIN / "airflow"), "dags", "test", "planwatch_publish_watchdog", logical_date],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _record_night(state: Path, started: datetime, ok: bool, problems: list[str] | None = None) -> None:
    """A nightly run record as the nightly DAG writes it (planwatch.runs)."""
    runs = RunStore(state / "runs")
    run_id = f"scheduled__{started:%Y-%m-%dT%H:%M:%S}"
    runs.start(RunStart(run_id=run_id, dag_id="planwatch_nightly", as_of="2026-11", started_at=started))
    if ok:
        runs.publish(run_id, PublishOutcome(publish_id=f"{started:%Y%m%dT%H%M%S%f}Z", serving_db="x"))
    runs.finish(
        run_id, RunOutcome(ok=ok, problems=problems or [], finished_at=started + timedelta(minutes=1))
    )


def test_no_run_by_seven_alerts_by_mail_and_in_the_run_record(
    project: Project, airflow_home: Path, smtp_sink: int
) -> None:
    _record_night(
        project.state, datetime(2026, 11, 30, 17, 0, tzinfo=UTC), ok=True
    )  # 01:00: the night before
    out = _watchdog(
        project,
        airflow_home,
        "2026-11-30T23:00:00+00:00",  # 07:00 Asia/Shanghai on 1 December
        AIRFLOW_CONN_PLANWATCH_SMTP=(
            f"smtp://127.0.0.1:{smtp_sink}?disable_ssl=true&disable_tls=true&from_email=planwatch%40example.org"
        ),
        AIRFLOW_VAR_PLANWATCH_ALERT_TO="ops@example.org",
    )
    assert out.returncode != 0
    assert "no nightly run started since 2026-12-01 02:00 Asia/Shanghai" in out.stdout + out.stderr
    assert _SmtpSink.messages, (out.stdout + out.stderr)[-3000:]
    assert "ops@example.org" in _SmtpSink.messages[0]
    failures = [f for f in (project.state / "runs").glob("*/failures/*.json") if "watchdog" not in f.name]
    assert len(failures) == 1
    recorded = RunStore(project.state / "runs").load(failures[0].parent.parent.name).failures[0]
    assert recorded.task_id == "check_published_today" and "no nightly run started" in recorded.error
    assert recorded.retryable is False


SEVEN_IN_SHANGHAI = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 07:00 Asia/Shanghai on 1 December


def test_a_failed_night_alerts_with_its_reasons(project: Project) -> None:
    _record_night(
        project.state, datetime(2026, 11, 30, 18, 0, tzinfo=UTC), ok=False, problems=["validation failed: x"]
    )
    with pytest.raises(NightOverdue, match="failed: validation failed: x"):
        check_tonight(SEVEN_IN_SHANGHAI, project.settings)


def test_a_good_run_after_two_oclock_satisfies_the_watchdog(project: Project) -> None:
    # 03:00 Asia/Shanghai on 1 December is 19:00 UTC the day before
    _record_night(project.state, datetime(2026, 11, 30, 19, 0, tzinfo=UTC), ok=True)
    assert check_tonight(SEVEN_IN_SHANGHAI, project.settings).endswith(
        "finished well: published 20261130T190000000000Z"
    )
