"""The progress page opened in headless Chromium: every target rendered, charts drawn, no console errors.

The screenshot is kept as a test artifact in artifacts/report/ for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "report"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(profile: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def page(generated: dict[str, Any]) -> Path:
    path = Path(generated["html"])
    assert path.name == "progress_district_2024_2024-09.html"
    return path


@pytest.fixture(scope="module")
def dom(page: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The DOM Chromium rendered, and what it logged (console messages show as lines with CONSOLE)."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (bash scripts/system_deps.sh installs it)")
    profile = tmp_path_factory.mktemp("chromium-dom")
    proc = chromium(profile, page.as_uri(), "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, proc.stderr


def test_page_needs_no_network(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), (
        "an external resource is referenced"
    )
    assert "@import" not in html and "url(http" not in html
    assert "<script src" not in html and "<link" not in html
    assert "<style>" in html


def test_every_target_is_rendered_once(dom: tuple[str, str], mart: dict[str, dict]) -> None:
    html, _ = dom
    rendered = re.findall(r'<tr class="target-row" data-target-id="([^"]+)"', html)
    assert len(rendered) == len(mart)
    assert set(rendered) == set(mart)
    assert "截至 <b>2024年9月</b>" in html


def test_trend_charts_are_drawn_for_targets_with_monthly_figures(
    dom: tuple[str, str], mart: dict[str, dict]
) -> None:
    html, _ = dom
    with_figures = {
        t for t, r in mart.items() if r["actual_value"] is not None and r["target_value"] is not None
    }
    charted = set(re.findall(r'<article class="trend" data-target-id="([^"]+)"', html))
    assert with_figures and charted == with_figures
    assert html.count('<svg class="trend-chart"') == len(with_figures)
    assert html.count('<svg class="spark"') == len(with_figures)
    assert html.count('class="actual-line"') >= len(with_figures)  # the actual line in each chart
    assert html.count('class="target-line"') == 2 * len(with_figures)  # target line in chart and sparkline
    assert '<svg class="donut"' in html and html.count('<svg class="bar"') > 10


def test_source_release_and_as_of_are_shown_with_each_figure(
    dom: tuple[str, str], mart: dict[str, dict], source_titles: dict[str, str]
) -> None:
    html, _ = dom
    for row in mart.values():
        if row["source_id"] and row["actual_value"] is not None:
            assert source_titles[row["source_id"]] in html, row["source_id"]
            assert row["source_id"] not in html, f"{row['source_id']} is shown by its id, not its title"
            assert f"{row['release_date']:%Y-%m-%d}" in html
    assert 'title="截至2024年2月"' in html and 'title="截至2024年9月"' in html  # as-of months of the trends


def test_no_console_errors(dom: tuple[str, str]) -> None:
    _, log = dom
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert not console, "\n".join(console)


def test_screenshot_is_kept_as_an_artifact(page: Path, dom: tuple[str, str], tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "progress_district_2024_2024-09.png"
    shot.unlink(missing_ok=True)
    proc = chromium(tmp_path / "profile", page.as_uri(), f"--screenshot={shot}", "--window-size=1400,3000")
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 100_000, "the screenshot is nearly empty"
    shutil.copy(page, ARTIFACTS / page.name)
