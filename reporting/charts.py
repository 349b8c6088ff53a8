"""Charts for the progress page, drawn here as inline SVG strings (no JavaScript, no network, prints as is).

A target's trend is one of three kinds:
- completion: completion rate YTD_m / T per data month against the 序时 line m/12 and the 100% target line;
- growth: cumulative growth (累计增长%) per data month against the target growth line (for decrease targets,
  the cumulative change against zero);
- value: the figure itself against the target line (held ratios such as 空气质量优良率).
Each point carries a tooltip (<title>) with its as-of month, figure and source release.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any, Literal

from reporting.colours import rgb

Mode = Literal["completion", "growth", "value"]

ACTUAL = "#0b5cad"
BENCHMARK = "#8c959f"
TARGET = "#b42318"
GRID = "#e6eaef"
MUTED = "#57606a"


@dataclass(frozen=True)
class Point:
    month: int
    value: float
    colour: str
    tooltip: str


@dataclass(frozen=True)
class Series:
    mode: Mode
    points: list[Point]
    target: float  # 1.0 (100%) for completion, the target growth (%) for growth, the target value for value
    target_words: str  # the target line's label: 目标100%, 目标6.5%, 目标:同比下降, 目标90%
    suffix: str = ""  # unit shown after growth and value figures (% or nothing)

    @property
    def last(self) -> Point:
        return self.points[-1]

    def label(self, value: float, *, precise: bool = False) -> str:
        if self.mode == "completion":
            return f"{value:.1%}" if precise else f"{value:.0%}"
        if precise:
            text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
        else:
            text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{text}{self.suffix}"


def _month_words(day: date) -> str:
    return f"{day.year}年{day.month}月"


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def build_series(
    row: dict[str, Any],
    trend: list[dict[str, Any]],
    colours: dict[str, str],
    source_titles: dict[str, str] | None = None,
) -> Series | None:
    """The points to draw for one target, or None when it has no monthly figure to draw.

    completion: level, count and stock targets with a completion rate; growth: growth targets, and decrease
    targets (事故起数"双降") by their cumulative change; value: held ratios (优良率) and any other figure
    compared with the target as it stands.
    """
    kind = row.get("kind")
    target_value = row.get("target_value")
    unit = row.get("unit_raw") or ""
    completion = [p for p in trend if p.get("completion_rate") is not None]
    growth = [p for p in trend if p.get("ytd_growth_pct") is not None]
    actual = [p for p in trend if p.get("actual_value") is not None]
    mode: Mode
    suffix = "%"
    if completion:
        mode, chosen, target, words = "completion", completion, 1.0, "目标100%"
    elif growth and kind == "decrease":
        mode, chosen, target, words = "growth", growth, float(target_value or 0.0), "目标:同比下降"
    elif growth and kind == "growth" and target_value is not None:
        mode, chosen, target, words = "growth", growth, float(target_value), f"目标{target_value:g}%"
    elif actual and target_value is not None:
        suffix = "%" if unit == "%" or kind == "rate_held" else ""
        mode, chosen, target = "value", actual, float(target_value)
        words = f"目标{target_value:g}{suffix or unit}"
    else:
        return None
    by_month: dict[int, Point] = {}
    for p in chosen:  # oldest as-of first, so a later vintage of the same data month wins
        month = int(p.get("data_month_no") or p.get("as_of_month_no") or p["as_of_month"].month)
        period = "1月" if month == 1 else f"1-{month}月"
        if mode == "completion":
            value = float(p["completion_rate"])
            figure = (
                f"{period}完成{_fmt(p.get('actual_value'))}{unit},完成率{value:.1%}(序时{month / 12:.1%})"
            )
        elif mode == "growth":
            value = float(p["ytd_growth_pct"])
            verb = "累计同比" if kind == "decrease" else "累计增长"
            figure = f"{period}{verb}{value:+.1f}%({words})"
        else:
            value = float(p["actual_value"])
            figure = f"{period}{value:,g}{suffix or unit}({words})"
        source = ""
        if p.get("source_id"):
            released = f" {p['release_date']:%Y-%m-%d}发布" if p.get("release_date") else ""
            title = (source_titles or {}).get(p["source_id"], p["source_id"])
            source = f"\n来源:{title}{released}"
        tooltip = f"截至{_month_words(p['as_of_month'])}:{figure}{source}"
        by_month[month] = Point(month, value, "#" + rgb(colours.get(p.get("status") or "")), tooltip)
    points = [by_month[m] for m in sorted(by_month)]
    return Series(mode, points, target, words, suffix) if points else None


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / max(ticks, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power


def _y_range(series: Series) -> tuple[float, float, float]:
    values = [p.value for p in series.points] + [series.target]
    if series.mode == "completion":
        hi = max(1.0, *values)
        step = 0.25
        return 0.0, math.ceil(hi / step - 1e-9) * step, step
    # growth lines need no zero baseline: the range hugs the figures and the target (at least 2 points wide)
    lo, hi = min(values), max(values)
    mid, span = (lo + hi) / 2, max(hi - lo, 2.0)
    lo, hi = mid - 0.6 * span, mid + 0.6 * span
    if series.mode == "value" and series.suffix == "%" and max(values) <= 100.0 < hi:
        lo, hi = lo - (hi - 100.0), 100.0  # a rate cannot pass 100%: keep the axis there
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step + 1e-9) * step
    hi = math.ceil(hi / step - 1e-9) * step
    return lo, hi, step


def _polyline(xy: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)


@dataclass(frozen=True)
class Frame:
    """Where a trend chart draws: its size, margins and value range, and the scales every layer shares."""

    small: bool
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lo: float
    hi: float

    @classmethod
    def for_series(cls, series: Series, *, small: bool) -> Frame:
        lo, hi, _ = _y_range(series)
        if small:
            return cls(True, 132, 40, 3, 8, 5, 5, lo, hi)
        return cls(False, 440, 220, 46, 14, 18, 30, lo, hi)

    def x(self, month: float) -> float:
        return self.left + (month - 1) / 11 * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        return self.top + (self.hi - value) / (self.hi - self.lo) * (self.height - self.top - self.bottom)


def _axes(f: Frame, series: Series) -> list[str]:
    """The full chart's grid lines with their value labels, and the month labels under the plot."""
    _, _, step = _y_range(series)
    parts = []
    tick = f.lo
    while tick <= f.hi + 1e-9:
        parts.append(
            f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{f.y(tick):.1f}" y2="{f.y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{f.left - 6}" y="{f.y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{MUTED}">{series.label(tick)}</text>'
        )
        tick += step
    for month in range(1, 13):
        parts.append(
            f'<text x="{f.x(month):.1f}" y="{f.height - 10}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{month}月</text>'
        )
    return parts


def _reference_lines(f: Frame, series: Series) -> list[str]:
    """The 序时 line m/12 (completion) or the zero line (growth), then the target line and their labels."""
    parts = []
    if series.mode == "completion":
        parts.append(
            f'<line class="benchmark-line" x1="{f.x(1):.1f}" y1="{f.y(1 / 12):.1f}" x2="{f.x(12):.1f}" '
            f'y2="{f.y(1):.1f}" stroke="{BENCHMARK}" stroke-width="{1.2 if f.small else 1.5}" '
            'stroke-dasharray="4 3"/>'
        )
    elif f.lo < 0 < f.hi and not f.small:
        parts.append(
            f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{f.y(0):.1f}" y2="{f.y(0):.1f}" '
            f'stroke="{MUTED}" stroke-width="1"/>'
        )
    parts.append(
        f'<line class="target-line" x1="{f.x(1):.1f}" x2="{f.x(12):.1f}" y1="{f.y(series.target):.1f}" '
        f'y2="{f.y(series.target):.1f}" stroke="{TARGET}" stroke-width="{1 if f.small else 1.5}" '
        'stroke-dasharray="6 3"/>'
    )
    if not f.small:
        parts.append(
            f'<text x="{f.x(12):.1f}" y="{f.y(series.target) - 5:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TARGET}">{escape(series.target_words)}</text>'
        )
        if series.mode == "completion":
            parts.append(
                f'<text x="{f.x(10.6):.1f}" y="{f.y(10.4 / 12) + 16:.1f}" font-size="11" '
                f'fill="{BENCHMARK}">序时进度</text>'
            )
    return parts


def _actual(f: Frame, series: Series) -> list[str]:
    """The actual line and its points with their tooltips (a sparkline shows only the latest point), and
    in the full chart the latest figure written beside its point."""
    xy = [(f.x(p.month), f.y(p.value)) for p in series.points]
    parts = []
    if len(xy) > 1:
        parts.append(
            f'<polyline class="actual-line" points="{_polyline(xy)}" fill="none" stroke="{ACTUAL}" '
            f'stroke-width="{2 if f.small else 2.5}" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for i, (p, (px, py)) in enumerate(zip(series.points, xy, strict=True)):
        is_last = i == len(xy) - 1
        if f.small and not is_last:
            continue
        radius = 3.2 if f.small else (5 if is_last else 4)
        parts.append(
            f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="{radius}" fill="{p.colour}" '
            f'stroke="#fff" stroke-width="1.5"><title>{escape(p.tooltip)}</title></circle>'
        )
    if not f.small:
        last_x, last_y = xy[-1]
        text = series.label(series.last.value, precise=True)
        label_y = last_y - 10 if last_y - 10 > f.top + 10 else last_y + 20  # below the point at the top edge
        parts.append(
            f'<text x="{last_x:.1f}" y="{label_y:.1f}" text-anchor="middle" font-size="13" '
            f'font-weight="700" fill="{ACTUAL}">{text}</text>'
        )
    return parts


def trend_svg(series: Series, title: str, *, small: bool = False) -> str:
    """One target's trend: the full chart (axes, labels, tooltips) or a sparkline for a table row, drawn
    from back to front (grid, reference lines, the actual line and points) on one frame's scales."""
    f = Frame.for_series(series, small=small)
    mode_words = {"completion": "完成率", "growth": "累计增速", "value": "数值"}[series.mode]
    head = [
        f'<svg class="{"spark" if small else "trend-chart"}" viewBox="0 0 {f.width} {f.height}" '
        f'width="{f.width}" height="{f.height}" role="img" aria-label="{escape(title)}{mode_words}走势" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}:{mode_words}走势</title>",
    ]
    axes = [] if small else _axes(f, series)
    return "".join([*head, *axes, *_reference_lines(f, series), *_actual(f, series), "</svg>"])


def stacked_bar(counts: list[tuple[str, str, int]], *, width: int = 320, height: int = 14) -> str:
    """One horizontal bar split by status: counts are (label, colour_hex, n) in display order."""
    total = sum(n for _, _, n in counts) or 1
    parts = [
        f'<svg class="bar" viewBox="0 0 {width} {height}" width="100%" height="{height}" '
        f'preserveAspectRatio="none" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    x = 0.0
    for label, colour, n in counts:
        if n <= 0:
            continue
        w = width * n / total
        parts.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="#{rgb(colour)}">'
            f"<title>{escape(label)} {n}项</title></rect>"
        )
        x += w
    parts.append("</svg>")
    return "".join(parts)


def donut(share: float | None, colour: str, *, size: int = 150) -> str:
    """The share on track as a ring with the percentage in the middle."""
    radius, stroke = 58, 16
    circumference = 2 * math.pi * radius
    done = circumference * (share or 0.0)
    words = "—" if share is None else f"{share:.0%}"
    return (
        f'<svg class="donut" viewBox="0 0 150 150" width="{size}" height="{size}" role="img" '
        f'aria-label="达序时比例{words}" xmlns="http://www.w3.org/2000/svg">'
        f'<circle cx="75" cy="75" r="{radius}" fill="none" stroke="{GRID}" stroke-width="{stroke}"/>'
        f'<circle cx="75" cy="75" r="{radius}" fill="none" stroke="#{rgb(colour)}" stroke-width="{stroke}" '
        f'stroke-dasharray="{done:.2f} {circumference:.2f}" transform="rotate(-90 75 75)" '
        'stroke-linecap="butt"/>'
        f'<text x="75" y="84" text-anchor="middle" font-size="30" font-weight="700" fill="#1f2328">{words}</text>'
        "</svg>"
    )
