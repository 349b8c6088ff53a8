"""The progress page: one self-contained HTML file (styles and charts inlined, no network needed to open it)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reporting import charts, summary, words
from reporting.colours import rgb, text_colour_on
from reporting.queries import ProgressSnapshot

log = logging.getLogger(__name__)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if digits == 2 and float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def page_name(snapshot: ProgressSnapshot) -> str:
    return f"progress_{snapshot.plan_id}_{snapshot.as_of:%Y-%m}.html"


def _history(
    points: list[dict[str, Any]], series: charts.Series, snapshot: ProgressSnapshot
) -> dict[str, Any]:
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
                "period": words.period(data_month),
                "lagged": bool(data_month and data_month != p["as_of_month"].month),
                "value": value,
                "rate": rate,
                "released": f"{released:%m-%d}" if released else "—",
                "released_full": f"{released:%Y-%m-%d}" if released else "",
                "source": snapshot.source_title(p.get("source_id")),
            }
        )
    return {
        "year": points[0]["as_of_month"].year if points else None,
        "columns": columns,
        "value_label": {"completion": "完成值", "growth": "累计增速", "value": "数值"}[series.mode],
        "lagged": any(c["lagged"] for c in columns),
        "sources": sorted({c["source"] for c in columns if c["source"]}),
    }


def _status_look(rules: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """status -> label, fill and ink (the text colour with the better contrast on that fill)."""
    return {
        r["status"]: {
            "label": r["label_zh"],
            "colour": "#" + rgb(r["colour_hex"]),
            "ink": "#" + text_colour_on(r["colour_hex"]),
        }
        for r in rules
    }


def _target_view(
    row: dict[str, Any], snapshot: ProgressSnapshot, look: dict[str, dict[str, str]]
) -> dict[str, Any]:
    status = look.get(row["status"]) or {
        "label": row.get("status_label_zh") or row["status"],
        "colour": "#" + rgb(row.get("status_colour")),
        "ink": "#" + text_colour_on(row.get("status_colour")),
    }
    return dict(
        row,
        **status,
        judged=words.judged(row),
        gap_text=words.gap_words(row, unit=""),
        gap_sentence=words.gap_words(row),
        against_benchmark=words.against_benchmark(row),
        required=words.required_words(row),
        target_words=words.target_words(row),
        period=words.period(row.get("data_month_no")),
        source_title=snapshot.source_title(row.get("source_id")),
        source_words=words.source_words(row),
        spark=Markup(""),
    )


def _attention(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Off track first, then at risk, each worst gap first."""
    order = {status: i for i, status in enumerate(summary.NEEDS_ATTENTION)}
    return sorted(
        (r for r in rows if r["status"] in order),
        key=lambda r: (order[r["status"]], r["gap_pp"] if r.get("gap_pp") is not None else 0.0),
    )


def _target_views(
    snapshot: ProgressSnapshot, look: dict[str, dict[str, str]], colours: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every target as the page shows it, and those with a trend to draw (with their chart and history).

    A trend card is printed only for a target that needs attention: with every target judged, cards for
    all of them would fill half the printed report, and the detail table prints each target's sparkline.
    """
    rows: list[dict[str, Any]] = []
    trends: list[dict[str, Any]] = []
    for row in snapshot.rows:
        view = _target_view(row, snapshot, look)
        points = snapshot.trends.get(row["target_id"], [])
        series = charts.build_series(row, points, colours, snapshot.source_titles)
        if series is not None:
            view["spark"] = Markup(charts.trend_svg(series, row["indicator_name"], small=True))
            view["chart"] = Markup(charts.trend_svg(series, row["indicator_name"]))
            view["mode"] = series.mode
            view["suffix"] = series.suffix
            view["history"] = _history(points, series, snapshot)
            view["printed"] = row["status"] in summary.NEEDS_ATTENTION
            trends.append(view)
        rows.append(view)
    return rows, trends


def _view(snapshot: ProgressSnapshot) -> dict[str, Any]:
    rules = snapshot.status_rules
    colours = {r["status"]: r["colour_hex"] for r in rules}
    look = _status_look(rules)
    statuses = [{**r, **look[r["status"]]} for r in rules]
    everything = summary.overall(snapshot)

    def bar(group: summary.Group) -> Markup:
        counts = [(r["label_zh"], r["colour_hex"], group.counts.get(r["status"], 0)) for r in rules]
        return Markup(charts.stacked_bar(counts))

    rows, trends = _target_views(snapshot, look, colours)
    sections = [
        {
            "group": group,
            "bar": bar(group),
            "heading": snapshot.section_headings.get(int(group.key), ""),
            "rows": [r for r in rows if str(r["section_no"]) == group.key],
        }
        for group in summary.by_section(snapshot)
    ]
    bureaus = [{"group": g, "bar": bar(g)} for g in summary.by_bureau(snapshot)]
    timeliness = summary.timeliness_grid(snapshot)
    changes = [
        dict(c, before=look.get(c["previous_status"], {}), after=look.get(c["status"], {}))
        for c in snapshot.changes
    ]
    releases = [r["release_date"] for r in snapshot.rows if r.get("release_date")]
    return {
        "s": snapshot,
        "names": summary.section_names(snapshot),
        "statuses": statuses,
        "overall": everything,
        "overall_bar": bar(everything),
        "donut": Markup(charts.donut(everything.share_on_track, colours.get("on_track") or "#2da44e")),
        "sections": sections,
        "bureaus": bureaus,
        "timeliness": timeliness,
        "timeliness_months": sorted({m for row in timeliness for m, _, _ in row.months}),
        "attention": _attention(rows),
        "changes": changes,
        "trends": trends,
        "month_no": snapshot.as_of.month,
        "benchmark": snapshot.as_of.month / 12,
        "latest_release": max(releases) if releases else None,
        "generated_at": datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
    }


def render_html(snapshot: ProgressSnapshot, out: Path) -> Path:
    env = Environment(loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape())
    env.filters.update(pct=_pct, num=_num, period=words.period)
    html = env.get_template("progress.html.j2").render(**_view(snapshot))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    log.info("wrote %s (%d targets, %d trend charts)", out, len(snapshot.rows), len(snapshot.trends))
    return out
