"""The progress page: one self-contained HTML file (styles and charts inlined, no network needed to open it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reporting import charts, summary
from reporting.colours import rgb, text_colour_on
from reporting.queries import ProgressSnapshot

log = logging.getLogger(__name__)

COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "~": "≈", "=": ""}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if digits == 2 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _gap(value: float | None) -> str:
    if value is None:
        return "—"
    return f"超{value:.1f}" if value >= 0 else f"欠{-value:.1f}"


def _gap_words(row: dict[str, Any]) -> str:
    """超序时3.2个百分点 / 落后序时4.7个百分点; targets without a completion rate compare with the target."""
    value = row["gap_pp"]
    if row.get("completion_rate") is not None:
        return f"{'超' if value >= 0 else '落后'}序时{abs(value):.1f}个百分点"
    if row.get("kind") == "decrease":
        return f"{'好于' if value >= 0 else '差于'}目标{abs(value):.1f}个百分点"
    return f"{'高于' if value >= 0 else '低于'}目标{abs(value):.1f}个百分点"


def _period(month: int | None) -> str:
    if not month:
        return ""
    return "1月" if month == 1 else f"1-{month}月"


def page_name(snapshot: ProgressSnapshot) -> str:
    return f"progress_{snapshot.as_of:%Y-%m}.html"


def _target_words(row: dict[str, Any]) -> str:
    if row.get("target_value") is None:
        return "节点目标"
    if row.get("kind") == "decrease":
        return "同比下降"
    sign = COMPARATOR_SIGNS.get(row.get("comparator") or "", "")
    # as the plan writes them: 1.8亿美元, 6.5%, 450亿元
    value = f"{row['target_value']:,.2f}".rstrip("0").rstrip(".")
    return f"{sign}{value}{row.get('unit_raw') or ''}"


def _history(points: list[dict[str, Any]], series: charts.Series) -> dict[str, Any]:
    """A target's figure at each as-of month, one column per month (compact enough for a card)."""
    columns = []
    for p in points:
        data_month = p.get("data_month_no")
        if series.mode == "completion":
            value, rate = _num(p.get("actual_value")), _pct(p.get("completion_rate"))
        elif series.mode == "growth":
            value, rate = _num(p.get("ytd_growth_pct"), 1) + "%", ""
        else:
            digits = 1 if series.suffix == "%" else 2
            value, rate = _num(p.get("actual_value"), digits) + series.suffix, ""
        released = p.get("release_date")
        columns.append(
            {
                "as_of": f"{p['as_of_month'].month}月",
                "as_of_words": f"截至{p['as_of_month'].year}年{p['as_of_month'].month}月",
                "period": _period(data_month),
                "lagged": bool(data_month and data_month != p["as_of_month"].month),
                "value": value,
                "rate": rate,
                "released": f"{released:%m-%d}" if released else "—",
                "released_full": f"{released:%Y-%m-%d}" if released else "",
                "source": p.get("source_id") or "",
            }
        )
    return {
        "year": points[0]["as_of_month"].year if points else None,
        "columns": columns,
        "value_label": {"completion": "完成值", "growth": "累计增速", "value": "数值"}[series.mode],
        "lagged": any(c["lagged"] for c in columns),
        "sources": sorted({c["source"] for c in columns if c["source"]}),
    }


def _view(snapshot: ProgressSnapshot) -> dict[str, Any]:
    rules = snapshot.status_rules
    colours = {r["status"]: r["colour_hex"] for r in rules}
    statuses = [
        {
            **r,
            "colour": "#" + rgb(r["colour_hex"]),
            "ink": "#" + text_colour_on(r["colour_hex"]),
        }
        for r in rules
    ]
    everything = summary.overall(snapshot)

    def bar(group: summary.Group) -> Markup:
        counts = [(r["label_zh"], r["colour_hex"], group.counts.get(r["status"], 0)) for r in rules]
        return Markup(charts.stacked_bar(counts))

    names = summary.section_names(snapshot)
    rows: list[dict[str, Any]] = []
    trends: list[dict[str, Any]] = []
    for row in snapshot.rows:
        colour = colours.get(row["status"]) or row.get("status_colour")
        view = dict(
            row,
            colour="#" + rgb(colour),
            ink="#" + text_colour_on(colour),
            label=next(
                (r["label_zh"] for r in rules if r["status"] == row["status"]), row.get("status_label_zh")
            ),
            target_words=_target_words(row),
            period=_period(row.get("data_month_no")),
            spark=Markup(""),
        )
        series = charts.build_series(row, snapshot.trends.get(row["target_id"], []), colours)
        if series is not None:
            view["spark"] = Markup(charts.trend_svg(series, row["indicator_name"], small=True))
            view["chart"] = Markup(charts.trend_svg(series, row["indicator_name"]))
            view["mode"] = series.mode
            view["suffix"] = series.suffix
            view["history"] = _history(snapshot.trends[row["target_id"]], series)
            trends.append(view)
        rows.append(view)
    sections = []
    for group in summary.by_section(snapshot):
        no = int(group.key)
        sections.append(
            {
                "group": group,
                "bar": bar(group),
                "heading": snapshot.section_headings.get(no, ""),
                "rows": [r for r in rows if int(r["section_no"]) == no],
            }
        )
    bureaus = [{"group": g, "bar": bar(g)} for g in summary.by_bureau(snapshot)]
    order = {status: i for i, status in enumerate(summary.NEEDS_ATTENTION)}
    attention = sorted(
        (r for r in rows if r["status"] in order),
        key=lambda r: (order[r["status"]], r["gap_pp"] if r.get("gap_pp") is not None else 0.0),
    )
    on_track_colour = colours.get("on_track") or "#2da44e"
    releases = [r["release_date"] for r in snapshot.rows if r.get("release_date")]
    return {
        "s": snapshot,
        "names": names,
        "statuses": statuses,
        "overall": everything,
        "overall_bar": bar(everything),
        "donut": Markup(charts.donut(everything.share_on_track, on_track_colour)),
        "sections": sections,
        "bureaus": bureaus,
        "attention": attention,
        "trends": trends,
        "month_no": snapshot.as_of.month,
        "benchmark": snapshot.as_of.month / 12,
        "latest_release": max(releases) if releases else None,
        "generated_at": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
    }


def render_html(snapshot: ProgressSnapshot, out: Path) -> Path:
    env = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())
    env.filters.update(pct=_pct, num=_num, gap=_gap, gap_words=_gap_words, period=_period)
    html = env.get_template("progress.html.j2").render(**_view(snapshot))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    log.info("wrote %s (%d targets, %d trend charts)", out, len(snapshot.rows), len(snapshot.trends))
    return out
