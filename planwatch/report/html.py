"""The progress page: one self-contained HTML file (styles inlined, no network needed to open it)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from planwatch.report.queries import ProgressSnapshot


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _gap(value: float | None) -> str:
    if value is None:
        return "—"
    return f"超{value:.1f}" if value >= 0 else f"欠{-value:.1f}"


def render_html(snapshot: ProgressSnapshot, out: Path) -> Path:
    env = Environment(loader=PackageLoader("planwatch.report", "templates"), autoescape=select_autoescape())
    env.filters.update(pct=_pct, num=_num, gap=_gap)
    html = env.get_template("progress.html.j2").render(s=snapshot, counts=snapshot.counts())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out
