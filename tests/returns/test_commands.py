"""`planwatch returns template|check|review` as processes, on the bundled sample returns: what a bureau and
the planning office type, what they read back, and one clear line for every mistake."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from ingest import raw_store
from tests.conftest import BIN, SAMPLES, Project, make_project
from tests.returns.books import edit, row_of


def planwatch(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "planwatch"), *args], env=project.env(), capture_output=True, text=True, timeout=300
    )


def one_line_error(run: subprocess.CompletedProcess[str], text: str) -> None:
    assert run.returncode != 0 and text in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The bundled returns and review logs of January 2024, loaded once for the module (two processes,
    about ten seconds)."""
    once = make_project(tmp_path_factory.mktemp("returns_loaded"))
    for source in ("bureau_progress_returns", "bureau_return_reviews"):
        run = planwatch(once, "sources", "load", source, "--as-of", "2024-01")
        assert run.returncode == 0, run.stdout + run.stderr
    return once


@pytest.fixture
def loaded(loaded_once: Project, project: Project) -> Project:
    """A test's own copy of that loaded state (its decisions change the raw file)."""
    shutil.copytree(loaded_once.state, project.state, dirs_exist_ok=True)
    return project


def shas(project: Project, where: str = "") -> list[str]:
    with duckdb.connect(str(project.state / "warehouse" / "raw.duckdb"), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(f"select sha256 from progress_returns {where} order by sha256").fetchall()
        ]


def test_template_writes_the_bureaus_file(project: Project, tmp_path: Path) -> None:
    run = planwatch(
        project, "returns", "template", "--month", "2024-04", "--bureau", "commerce", "--out", str(tmp_path)
    )
    assert run.returncode == 0, run.stderr
    assert "wrote 1 templates for 2024-04" in run.stdout and (tmp_path / "commerce_2024-04.xlsx").is_file()
    one_line_error(planwatch(project, "returns", "template", "--month", "2024-13"), "must be YYYY-MM")


def test_check_says_a_good_return_passes_and_a_bad_one_what_to_fix(project: Project, tmp_path: Path) -> None:
    good = SAMPLES / "returns" / "2024-04" / "commerce.xlsx"
    run = planwatch(project, "returns", "check", str(good))
    assert run.returncode == 0 and "commerce.xlsx：通过校验，10项目标" in run.stdout, run.stdout + run.stderr
    content = good.read_bytes()
    bad = tmp_path / "commerce.xlsx"
    bad.write_bytes(edit(content, {"E3": "8612", f"K{row_of(content, 'T2024-004')}": "约50"}))
    run = planwatch(project, "returns", "check", str(bad), "--reply", str(tmp_path / "reply"))
    assert run.returncode == 1
    assert run.stdout.startswith(
        "商务局：\n贵单位报送的2024年4月目标任务进展填报表（commerce.xlsx）未通过校验"
    )
    assert "1．填报表 第3行 E列（联系电话）：联系电话“8612”格式不正确" in run.stdout
    assert sorted(p.name for p in (tmp_path / "reply").iterdir()) == ["commerce_问题标注.xlsx", "回复.txt"]


def test_check_of_the_bundled_rejected_return_gives_the_reply_the_bureau_got(project: Project) -> None:
    run = planwatch(
        project, "returns", "check", str(SAMPLES / "returns" / "2024-05" / "housing_construction.xlsx")
    )
    assert run.returncode == 1 and "请按以下3处问题修改后重新报送" in run.stdout


def test_review_lists_what_awaits_a_decision_and_records_decisions(loaded: Project) -> None:
    assert (
        planwatch(loaded, "returns", "review").stdout.strip() == "没有待审核的进展填报。"
    )  # the logs accepted all
    with raw_store.connect(loaded.state / "warehouse" / "raw.duckdb") as con:  # the office reopens one
        sha = con.execute(
            "select sha256 from progress_returns where bureau_code = 'commerce' and period_month = 1"
        )
        commerce = sha.fetchall()[0][0]
    run = planwatch(
        loaded, "returns", "review", "--reopen", commerce[:10], "--reason", "口径调整", "--reviewer", "李明"
    )
    assert run.returncode == 0 and "商务局 2024年1月 第1版" in run.stdout and "已重新打开" in run.stdout, (
        run.stderr
    )
    listing = planwatch(loaded, "returns", "review").stdout
    assert "待审核的进展填报（1份）" in listing and commerce[:12] in listing and "（已重新打开）" in listing
    assert planwatch(loaded, "returns", "review", "--accept", commerce, "--reviewer", "王芳").returncode == 0
    with duckdb.connect(str(loaded.state / "warehouse" / "raw.duckdb"), read_only=True) as con:
        history = con.execute(
            "select decision, reviewer, reason from return_reviews where sha256 = ? order by decided_at",
            [commerce],
        ).fetchall()
    assert history[0][0] == "accepted"  # by the bundled review log
    assert history[1:] == [("reopened", "李明", "口径调整"), ("accepted", "王芳", None)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--accept", "{sha}", "--reviewer", "李明"), "the return is accepted; allowed: reopened"),
        (("--reopen", "{sha}", "--reviewer", "李明"), "reopened needs a reason (--reason)"),
        (("--accept", "{sha}"), "a decision needs the reviewer's name: --reviewer NAME"),
        (("--accept", "0000000000", "--reviewer", "李明"), "no loaded return 0000000000"),
        (("--accept", "abc", "--reviewer", "李明"), "at least its first 8 characters"),
        (("--reason", "x"), "--reason and --reviewer go with a decision"),
    ],
)
def test_a_decision_against_the_rules_is_one_clear_line(
    loaded: Project, args: tuple[str, ...], message: str
) -> None:
    sha = shas(loaded)[0]
    one_line_error(planwatch(loaded, "returns", "review", *(a.format(sha=sha) for a in args)), message)


def test_review_fails_at_once_while_another_writer_holds_the_raw_file(loaded: Project) -> None:
    with raw_store.connect(loaded.state / "warehouse" / "raw.duckdb", "the nightly run"):
        run = planwatch(loaded, "returns", "review")
    one_line_error(run, "is being written by")
    assert "the nightly run" in run.stderr


def test_a_return_is_not_withdrawn_but_sent_back(loaded: Project) -> None:
    run = planwatch(loaded, "sources", "withdraw", "bureau_progress_returns", "--release", shas(loaded)[0])
    one_line_error(run, "is taken out by the planning office's review, not withdrawn")
