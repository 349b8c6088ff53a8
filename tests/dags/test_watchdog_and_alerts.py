"""The 07:00 watchdog and the failure alert: a real `airflow dags test`, a real SMTP conversation."""

from __future__ import annotations

import socketserver
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from publishing.publish import publish
from tests.conftest import BIN, Project, airflow_env
from tests.publishing.test_publish import make_build

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


def test_no_publish_by_seven_alerts_by_mail_and_in_the_run_log(
    project: Project, airflow_home: Path, smtp_sink: int
) -> None:
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
    assert "not published since 2026-12-01 02:00" in out.stdout + out.stderr
    assert _SmtpSink.messages, (out.stdout + out.stderr)[-3000:]
    assert "ops@example.org" in _SmtpSink.messages[0]
    with duckdb.connect(str(project.state / "warehouse" / "raw.duckdb"), read_only=True) as con:
        events = con.execute("select dag_id, task_id, event, detail from run_log").fetchall()
    assert events[0][:3] == ("planwatch_publish_watchdog", "check_published_today", "task_failed")
    assert "not published" in events[0][3]


def test_a_publish_after_two_oclock_satisfies_the_watchdog(project: Project, airflow_home: Path) -> None:
    warehouse = project.state / "warehouse"
    done = publish(
        make_build(project.state / "build.duckdb", 1, 10),
        warehouse / "planwatch.duckdb",
        warehouse / "published",
    )
    # as if that publish had happened at 03:00 Asia/Shanghai on 1 December (19:00 UTC the day before)
    at_three = datetime(2026, 11, 30, 19, 0, tzinfo=UTC).strftime("%Y%m%dT%H%M%S%fZ")
    (warehouse / "published" / f"{done.publish_id}.duckdb").rename(
        warehouse / "published" / f"{at_three}.duckdb"
    )
    out = _watchdog(project, airflow_home, "2026-11-30T23:00:00+00:00")
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
