"""The parse sandbox: whatever a reader does to its process, the task gets a ReleaseError with a location.

The jobs below are real readers (python-calamine, json) on real hostile files, plus jobs that abort, hang
or segfault on purpose, standing in for a native reader that does so. They run in the sandbox's worker
process; the test process must survive every one of them and keep using the sandbox afterwards.
"""

from __future__ import annotations

import io
import json
import os
import signal
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from core.errors import ConfigError, DataError, Location
from ingest.errors import ReleaseError
from ingest.sandbox import ParseSandbox, SandboxLimits, workers_started
from tests.ingest.sandbox_jobs import add, spin_forever

WHERE = Location("stats_test", "tjyb_202403.xlsx")
LIMITS = SandboxLimits(memory_bytes=1024 << 20, timeout_s=20)


def far_cell_xlsx() -> bytes:
    """A 5 KiB workbook whose one cell sits at XFD1048576: calamine sizes its grid from it (512 GiB)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "主要经济指标"
    ws["A1"] = "XX区2024年1-3月主要经济指标"
    ws["XFD1048576"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def corrupt_deflate_xlsx() -> bytes:
    """A real workbook whose sheet XML has its compressed stream overwritten in the middle."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "主要经济指标"
    for r in range(200):
        ws.append([f"指标{r}", r * 1.5, r * 2.5, "同比增长%"])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 64] = bytes(range(64))
    return bytes(data)


def read_first_sheet(path: str) -> int:
    workbook = CalamineWorkbook.from_path(path)
    return len(workbook.get_sheet_by_index(0).to_python())


def read_json(path: str) -> int:
    return len(json.loads(Path(path).read_bytes()))


def abort_now() -> None:
    os.abort()


def segfault_now() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def reject_like_a_parser() -> None:
    raise ReleaseError(
        Location("stats_test", "x.xlsx", "主要经济指标", 4, "C"), "not a number: '坏'", "a number"
    )


def test_a_cell_at_xfd1048576_is_a_rejection_not_a_dead_task(tmp_path: Path) -> None:
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_xlsx())
    assert path.stat().st_size < 6 * 1024
    with ParseSandbox(LIMITS) as sandbox:
        with pytest.raises(ReleaseError) as err:
            sandbox.run(read_first_sheet, str(path), where=WHERE)
        assert "source=stats_test, file=tjyb_202403.xlsx" in str(err.value)
        assert "SIGABRT" in str(err.value) or "more than 1024 MiB" in str(err.value)
        assert isinstance(err.value, DataError) and not err.value.retryable
        assert sandbox.run(add, 2, 3, where=WHERE) == 5  # the sandbox goes on with a fresh worker


def test_a_corrupt_deflate_stream_is_a_rejection(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(corrupt_deflate_xlsx())
    with ParseSandbox(LIMITS) as sandbox, pytest.raises(ReleaseError, match="reader failed|died"):
        sandbox.run(read_first_sheet, str(path), where=WHERE)


def test_json_nested_200000_deep_is_a_rejection(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000)
    with ParseSandbox(LIMITS) as sandbox, pytest.raises(ReleaseError, match="nested too deeply"):
        sandbox.run(read_json, str(path), where=WHERE)


@pytest.mark.parametrize(("job", "signal_name"), [(abort_now, "SIGABRT"), (segfault_now, "SIGSEGV")])
def test_a_reader_that_kills_its_process_is_a_rejection(job: object, signal_name: str) -> None:
    with ParseSandbox(LIMITS) as sandbox:
        assert sandbox.run(add, 1, 0, where=WHERE) == 1
        before = workers_started()
        with pytest.raises(ReleaseError, match=f"died \\({signal_name}"):
            sandbox.run(job, where=WHERE)  # type: ignore[arg-type]
        assert sandbox.run(add, 1, 1, where=WHERE) == 2
        assert workers_started() == before + 1  # the dead worker was replaced once


def test_a_reader_that_never_finishes_is_killed_at_the_time_limit() -> None:
    with ParseSandbox(SandboxLimits(memory_bytes=512 << 20, timeout_s=1.0)) as sandbox:
        with pytest.raises(ReleaseError, match="did not finish within 1 s"):
            sandbox.run(spin_forever, where=WHERE)
        assert sandbox.run(add, 2, 2, where=WHERE) == 4


def test_a_parser_rejection_keeps_its_own_location() -> None:
    with ParseSandbox(LIMITS) as sandbox, pytest.raises(ReleaseError) as err:
        sandbox.run(reject_like_a_parser, where=WHERE)
    assert str(err.value) == "[source=stats_test, file=x.xlsx, sheet=主要经济指标, row=4, column=C] " + (
        "not a number: '坏'; expected a number"
    )


def test_one_worker_serves_every_release_of_every_run() -> None:
    limits = SandboxLimits(memory_bytes=768 << 20, timeout_s=20)  # limits no other test uses
    before = workers_started()
    with ParseSandbox(limits):
        assert workers_started() == before  # nothing parsed, no process started
    for _ in range(2):
        with ParseSandbox(limits) as sandbox:
            assert [sandbox.run(add, i, 1, where=WHERE) for i in range(5)] == [1, 2, 3, 4, 5]
    assert workers_started() == before + 1


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANWATCH_PARSE_MEMORY_MB", "512")
    monkeypatch.setenv("PLANWATCH_PARSE_TIMEOUT_S", "7.5")
    assert SandboxLimits.from_env() == SandboxLimits(512 << 20, 7.5)
    monkeypatch.setenv("PLANWATCH_PARSE_MEMORY_MB", "lots")
    with pytest.raises(ConfigError, match="PLANWATCH_PARSE_MEMORY_MB"):
        SandboxLimits.from_env()
