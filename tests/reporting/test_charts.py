"""The trend charts and the share on track, from figures a reader can check by hand."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from reporting import charts, summary
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


def test_share_on_track_leaves_out_targets_that_cannot_be_judged_yet() -> None:
    rules = [
        {"status": s, "label_zh": s, "colour_hex": "#000000"} for s in ("achieved", "on_track", "off_track")
    ]
    rules += [{"status": "not_yet_assessable", "label_zh": "暂不评估", "colour_hex": "#8c959f"}]
    rows = [
        {
            "status": status,
            "section_no": 1,
            "responsible_bureau": bureau,
            "bureau_name": bureau,
            "plan_year": 2024,
        }
        for status, bureau in [
            ("achieved", "商务局"),
            ("on_track", "商务局"),
            ("off_track", "发展和改革局"),
            ("not_yet_assessable", "发展和改革局"),
            ("not_yet_assessable", "水利局"),
        ]
    ]
    snapshot = ProgressSnapshot(date(2024, 9, 1), rows, rules)
    everything = summary.overall(snapshot)
    assert (everything.total, everything.judged, everything.on_track) == (5, 3, 2)
    assert everything.share_on_track == 2 / 3
    bureaus = summary.by_bureau(snapshot)
    assert [(b.name, b.share_on_track) for b in bureaus] == [
        ("商务局", 1.0),
        ("发展和改革局", 0.0),
        ("水利局", None),
    ]
    assert summary.section_names(snapshot) == {1: "一、经济运行"}
