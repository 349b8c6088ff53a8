"""The progress page as its readers meet it: a leader's phone, a projector, a desktop, and paper.

Opened in headless Chromium (tests/reporting/browser.py) with the network blocked; every check compares the
rendered page with the marts it was made from, read here independently of the report's own queries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from reporting.colours import contrast
from tests.reporting.browser import CHROMIUM, Browser, Page, pdf_pages, save_pdf
from tests.reporting.conftest import AS_OF, PLAN, REPO

ARTIFACTS = REPO / "artifacts" / "report"
A4_LANDSCAPE_CONTENT_PX = (210 - 2 * 9) / 25.4 * 96  # the page's @page height less its margins, in CSS px
NOT_JUDGED = ("not_yet_assessable", "no_data")

ROWS_JS = """[...document.querySelectorAll('tr.target-row')].map(tr => ({
    id: tr.dataset.targetId, status: tr.dataset.status, text: tr.innerText,
    gap: tr.querySelector('td.gap').innerText.trim(),
    signals: tr.querySelectorAll('td.gap .pos, td.gap .neg').length,
    benchmark: tr.querySelector('td[data-label="序时进度"]').innerText.trim()}))"""
PILLS_JS = """[...document.querySelectorAll('.pill')].map(p => {
    const s = getComputedStyle(p); return {text: p.innerText.trim(), ink: s.color, fill: s.backgroundColor}; })"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        pytest.skip("chromium is not installed (bash scripts/system_deps.sh installs it)")
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def page(browser: Browser, generated: dict[str, Any]) -> Page:
    return browser.open(Path(generated["html"]).as_uri(), width=1440)


@pytest.fixture(scope="module")
def rows(page: Page) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in page.evaluate(ROWS_JS)}


def css_rgb(text: str) -> str:
    r, g, b = (int(v) for v in re.findall(r"\d+", text)[:3])
    return f"{r:02X}{g:02X}{b:02X}"


@pytest.mark.parametrize("width", [390, 1024, 1440])
def test_no_horizontal_overflow_on_a_phone_a_projector_or_a_desktop(
    browser: Browser, generated: dict[str, Any], width: int
) -> None:
    shown = browser.open(Path(generated["html"]).as_uri(), width=width, height=900)
    document_width = shown.evaluate("document.documentElement.scrollWidth")
    assert document_width <= width, f"at {width} px the page is {document_width} px wide"
    # every target and its status are still on the page, in words
    statuses = shown.evaluate("[...document.querySelectorAll('tr.target-row .pill')].map(p => p.innerText)")
    assert len(statuses) == 147 and all(statuses)


def test_nothing_is_requested_from_the_network_and_nothing_fails(page: Page) -> None:
    assert all(url.startswith(("file:", "data:")) for url in page.log.requests), page.log.requests
    assert page.log.failed == [] and page.log.console == []


def test_targets_not_yet_assessable_carry_no_pace_signal(
    rows: dict[str, dict[str, Any]], mart: dict[str, dict]
) -> None:
    waiting = [t for t, r in mart.items() if r["status"] in NOT_JUDGED]
    with_a_figure = [t for t in waiting if mart[t]["actual_value"] is not None]
    assert with_a_figure, "the sample has targets not yet assessable that have a figure"
    for target_id in waiting:
        row = rows[target_id]
        assert row["gap"] == "—" and row["signals"] == 0, (target_id, row["gap"])
        assert row["benchmark"] == "—", target_id
        assert "序时" not in row["gap"] and "需加快" not in row["text"], target_id


def test_growth_gaps_are_labelled_as_gaps_to_the_target(
    rows: dict[str, dict[str, Any]], mart: dict[str, dict]
) -> None:
    judged = {t: r for t, r in mart.items() if r["status"] not in NOT_JUDGED and r["gap_pp"] is not None}
    growth = [t for t, r in judged.items() if r["kind"] == "growth"]
    levels = [t for t, r in judged.items() if r["completion_rate"] is not None]
    assert growth and levels
    for target_id in growth:
        gap = rows[target_id]["gap"]
        assert re.fullmatch(r"(高于|低于)目标\d+\.\d", gap), (target_id, gap)
        assert f"{abs(mart[target_id]['gap_pp']):.1f}" in gap
    for target_id in levels:
        # named by the benchmark that judged it: 序时, or a seasonal benchmark or batch schedule
        benchmark = {"seasonal": "季节性基准", "batch_schedule": "批次计划"}.get(
            mart[target_id]["benchmark_kind"], "序时"
        )
        assert re.fullmatch(rf"(超|落后){benchmark}\d+\.\d", rows[target_id]["gap"]), target_id


def test_targets_that_need_speeding_up_show_what_the_rest_of_the_year_needs(
    page: Page, rows: dict[str, dict[str, Any]], mart: dict[str, dict]
) -> None:
    behind = {t: r for t, r in mart.items() if r["status"] in ("at_risk", "off_track")}
    run_rates = [t for t, r in behind.items() if (r["required_monthly_run_rate"] or 0) > 0]
    growths = [t for t, r in behind.items() if r["required_rest_of_year_growth_pct"] is not None]
    assert run_rates and growths
    attention = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('li.attention-item')]"
        ".map(li => [li.dataset.targetId, li.innerText]))"
    )
    assert set(attention) == set(behind)
    for target_id in run_rates:
        amount = mart[target_id]["required_monthly_run_rate"]
        # whole amounts (1家 a month) and large ones without decimals, others to the hundredth
        words = f"{amount:,.0f}" if amount >= 100 or float(amount).is_integer() else f"{amount:,.2f}"
        for text in (rows[target_id]["text"], attention[target_id]):
            assert f"剩余月份月均需完成{words}{mart[target_id]['unit_label'] or ''}" in text, target_id
    for target_id in growths:
        words = f"剩余月份需增长{mart[target_id]['required_rest_of_year_growth_pct']:.1f}%"
        assert words in rows[target_id]["text"] and words in attention[target_id], target_id


def test_changes_since_last_month_list_the_targets_whose_status_moved(page: Page, serving_db: Path) -> None:
    with duckdb.connect(str(serving_db), read_only=True) as con:
        moved = con.execute(
            """
            select now.target_id, before.status, now.status from marts.fct_target_progress as now
            inner join marts.fct_target_progress as before
                on now.plan_id = before.plan_id and now.target_id = before.target_id
                and before.as_of_month = now.as_of_month - interval 1 month
            where now.plan_id = ? and now.as_of_month = ? and now.status <> before.status
            """,
            [PLAN, AS_OF],
        ).fetchall()
    assert moved, "the sample has status moves between 2024-08 and 2024-09"
    shown = page.evaluate(
        "[...document.querySelectorAll('tr.change-row')].map(tr => [tr.dataset.targetId, tr.innerText])"
    )
    assert sorted(t for t, _ in shown) == sorted(t for t, _, _ in moved)
    assert all(("好转" in text) or ("变差" in text) or ("评估" in text) for _, text in shown)


def test_sources_are_shown_by_their_chinese_titles(
    page: Page, mart: dict[str, dict], source_titles: dict[str, str]
) -> None:
    text = page.evaluate("document.body.innerText")
    html = page.evaluate("document.documentElement.outerHTML")
    used = {r["source_id"] for r in mart.values() if r["source_id"]}
    assert len(used) >= 5
    for source_id in used:
        assert source_titles[source_id] in text, source_id
    english = [s for s in source_titles if s in html]
    assert english == [], f"source ids shown instead of titles: {english}"


def test_status_colours_meet_wcag_aa_and_every_status_is_in_words(
    page: Page, status_rules: dict[str, dict]
) -> None:
    pills = page.evaluate(PILLS_JS)
    labels = {r["label_zh"] for r in status_rules.values()}
    assert len(pills) > 147
    for pill in pills:
        assert pill["text"] in labels, pill
        ratio = contrast(css_rgb(pill["ink"]), css_rgb(pill["fill"]))
        assert ratio >= 4.5, f"{pill['text']}: {pill['ink']} on {pill['fill']} is {ratio:.2f}:1"


def test_print_on_a4_is_compact_with_no_half_empty_pages(browser: Browser, generated: dict[str, Any]) -> None:
    printed = browser.open(Path(generated["html"]).as_uri(), width=1440)
    pdf = printed.pdf()
    save_pdf(pdf, ARTIFACTS / "progress_district_2024_2024-09.pdf")
    pages = pdf_pages(pdf)
    # the same page laid out for print on one long sheet: how many A4 pages its content fills
    browser.send("Emulation.setEmulatedMedia", {"media": "print"}, printed.session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": round((297 - 2 * 10) / 25.4 * 96), "height": 900, "deviceScaleFactor": 1, "mobile": False},
        printed.session,
    )
    height = printed.evaluate("document.documentElement.scrollHeight")
    filled = math.ceil(height / A4_LANDSCAPE_CONTENT_PX)
    assert pages <= 14, f"{pages} A4 pages"
    assert pages <= filled + 1, f"{pages} pages for {filled} pages of content: pages are left half empty"
