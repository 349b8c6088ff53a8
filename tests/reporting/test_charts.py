"""The trend charts and the share on track, from figures a reader can check by hand."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from reporting import charts, summary, words
from reporting.queries import ProgressSnapshot

COLOURS = {"on_track": "#2da44e", "at_risk": "#d4a72c", "off_track": "#cf222e"}


def point(month: int, **values: Any) -> dict[str, Any]:
    return {
        "as_of_month": date(2024, month, 1),
        "as_of_month_no": month,
        "data_month_no": month,
        "status": "on_track",
        "source_id": "stats_monthly_report",
        "release_date": date(2024, month + 1, 15),
        **values,
    }


def test_completion_chart_puts_the_time_benchmark_on_m_over_12_and_the_target_at_100_percent() -> None:
    row = {"kind": "level", "unit_raw": "亿元", "target_value": 450.0}
    trend = [
        point(2, actual_value=43.79, completion_rate=43.79 / 450, status="off_track"),
        point(3, actual_value=83.27, completion_rate=83.27 / 450, status="at_risk"),
    ]
    series = charts.build_series(row, trend, COLOURS)
    assert series is not None and series.mode == "completion" and series.target == 1.0
    assert [p.month for p in series.points] == [2, 3]
    assert series.points[0].colour == "#CF222E"
    assert "截至2024年3月" in series.points[1].tooltip
    assert "1-3月完成83.27亿元" in series.points[1].tooltip
    assert "stats_monthly_report 2024-04-15发布" in series.points[1].tooltip

    svg = charts.trend_svg(series, "固定资产投资")
    ys = {float(v) for v in re.findall(r'class="target-line"[^>]*y1="([\d.]+)"', svg)}
    benchmark = re.search(r'class="benchmark-line" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"', svg)
    assert benchmark and float(benchmark.group(2)) in ys  # 序时 reaches the 100% line in December
    assert "18.5%" in svg and svg.count("<circle") == 2


def test_growth_chart_compares_cumulative_growth_with_the_target_and_keeps_the_latest_vintage() -> None:
    row = {"kind": "growth", "unit_raw": "%", "target_value": 6.5}
    trend = [
        point(2, actual_value=6.0, ytd_growth_pct=6.0),
        point(3, actual_value=6.2, ytd_growth_pct=6.2),
        # a revision of the 1-3月 figure published later replaces the first one
        point(4, data_month_no=3, actual_value=6.4, ytd_growth_pct=6.4),
    ]
    series = charts.build_series(row, trend, COLOURS)
    assert series is not None and series.mode == "growth" and series.target == 6.5
    assert [(p.month, p.value) for p in series.points] == [(2, 6.0), (3, 6.4)]
    svg = charts.trend_svg(series, "社会消费品零售总额", small=True)
    assert 'class="spark"' in svg and 'class="target-line"' in svg and "benchmark-line" not in svg


def test_held_ratio_is_drawn_against_its_target_and_the_axis_stops_at_100_percent() -> None:
    row = {"kind": "rate_held", "unit_raw": "%", "target_value": 90.0}
    trend = [point(m, actual_value=v, status="off_track") for m, v in [(1, 80.6), (2, 84.7), (9, 87.9)]]
    series = charts.build_series(row, trend, COLOURS)
    assert series is not None and series.mode == "value" and series.target == 90.0
    assert series.target_words == "目标90%"
    assert "1-9月87.9%(目标90%)" in series.points[-1].tooltip
    svg = charts.trend_svg(series, "空气质量优良率")
    ticks = re.findall(r'fill="#57606a">([\d.]+)%</text>', svg)
    assert "87.9%" in svg and ticks and max(float(t) for t in ticks) <= 100


def test_decrease_target_shows_the_cumulative_change_against_a_fall() -> None:
    row = {"kind": "decrease", "unit_raw": None, "target_value": 0.0}
    series = charts.build_series(row, [point(9, actual_value=-12.5, ytd_growth_pct=-12.5)], COLOURS)
    assert series is not None and series.mode == "growth" and series.target_words == "目标:同比下降"
    assert "累计同比-12.5%" in series.points[0].tooltip


def test_targets_without_figures_get_no_chart() -> None:
    assert charts.build_series({"kind": "milestone", "target_value": None}, [], COLOURS) is None
    assert charts.build_series({"kind": "count", "target_value": 5.0}, [], COLOURS) is None


def test_summary_groups_are_the_marts_rows_in_the_marts_order() -> None:
    rules = [
        {"status": s, "label_zh": s, "colour_hex": "#000000"} for s in ("achieved", "on_track", "off_track")
    ]
    rules += [{"status": "not_yet_assessable", "label_zh": "暂不评估", "colour_hex": "#8c959f"}]

    def mart_row(**values: Any) -> dict[str, Any]:
        counts = {f"{r['status']}_count": 0 for r in rules}
        return counts | values

    snapshot = ProgressSnapshot(
        date(2024, 9, 1),
        [{"section_no": 1, "plan_year": 2024}],
        rules,
        plan_id="district_2024",
        plan_summary=mart_row(achieved_count=1, on_track_count=1, off_track_count=1,
                              not_yet_assessable_count=2, assessed_count=3, on_track_share=2 / 3),
        section_summary=[mart_row(section_no=1, on_track_count=1, assessed_count=1, on_track_share=1.0)],
        bureau_summary=[
            mart_row(bureau_code="commerce", bureau_name_zh="商务局", achieved_count=1, on_track_count=1,
                     assessed_count=2, on_track_share=1.0),
            mart_row(bureau_code="water", bureau_name_zh="水利局", not_yet_assessable_count=1,
                     assessed_count=0, on_track_share=None),
        ],
    )  # fmt: skip
    everything = summary.overall(snapshot)
    assert (everything.total, everything.judged, everything.on_track) == (5, 3, 2)
    assert everything.share_on_track == 2 / 3
    assert snapshot.counts() == {"achieved": 1, "on_track": 1, "off_track": 1, "not_yet_assessable": 2}
    bureaus = summary.by_bureau(snapshot)
    assert [(b.name, b.share_on_track) for b in bureaus] == [("商务局", 1.0), ("水利局", None)]
    assert summary.section_names(snapshot) == {1: "一、经济运行"}
    assert [g.name for g in summary.by_section(snapshot)] == ["一、经济运行"]


def test_words_name_the_gap_by_what_it_is_measured_against_and_say_what_is_still_needed() -> None:
    level = {
        "status": "at_risk",
        "kind": "level",
        "gap_pp": -4.72,
        "completion_rate": 0.703,
        "required_monthly_run_rate": 44.5,
        "unit_raw": "亿元",
    }
    growth = {
        "status": "off_track",
        "kind": "growth",
        "gap_pp": -1.6,
        "completion_rate": None,
        "required_rest_of_year_growth_pct": 14.23,
    }
    held = {"status": "off_track", "kind": "rate_held", "gap_pp": -2.1, "required_remaining_rate_pct": 105.7}
    waiting = {
        "status": "not_yet_assessable",
        "kind": "count",
        "gap_pp": -75.0,
        "completion_rate": 0.0,
        "required_monthly_run_rate": 36.7,
    }
    assert words.gap_words(level) == "落后序时4.7个百分点"
    assert words.gap_words(growth) == "低于目标1.6个百分点"
    assert words.gap_words({**growth, "kind": "decrease", "gap_pp": 3.0}) == "好于目标3.0个百分点"
    assert words.gap_words(waiting) == "" and words.required_words(waiting) == ""
    assert words.required_words(level) == "剩余月份月均需完成44.50亿元"
    assert words.required_words(growth) == "剩余月份需增长14.2%"
    assert words.required_words(held) == "剩余天数全部达标也无法完成"
    assert words.required_words({**level, "status": "on_track"}) == ""
