"""Deterministic generator of the bundled sample bureau releases (data/samples/).

The figures are invented but shaped like the real ones: year-to-date cumulative values with 1-2月
combined, back-loaded investment, published cumulative growth on a comparable base, and a mix of targets
that are on track and behind. Rerunning with the same seed and as-of month rewrites identical files, so
the set can be regenerated (and scaled) rather than hand-edited.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

# Cumulative share of the annual total reached by the end of each month (index 2..12). Investment is
# back-loaded; consumption and output are closer to linear.
BACK_LOADED = {2: 0.10, 3: 0.19, 4: 0.27, 5: 0.36, 6: 0.47, 7: 0.55, 8: 0.63, 9: 0.72, 10: 0.80, 11: 0.89, 12: 1.0}
NEAR_LINEAR = {2: 0.155, 3: 0.24, 4: 0.32, 5: 0.405, 6: 0.49, 7: 0.575, 8: 0.66, 9: 0.745, 10: 0.83, 11: 0.915, 12: 1.0}


@dataclass(frozen=True)
class Series:
    label: str
    unit: str
    annual: dict[int, float]  # full-year level per year
    growth: dict[int, float]  # published cumulative growth (%) per year, around which months vary
    shape: dict[int, float]
    has_month_value: bool


STATS_SERIES = [
    Series("规上工业增加值", "亿元", {2023: 612.0, 2024: 661.0}, {2023: 6.1, 2024: 7.8}, NEAR_LINEAR, True),
    Series("固定资产投资", "亿元", {2023: 428.0, 2024: 437.0}, {2023: 5.2, 2024: 2.1}, BACK_LOADED, False),
    Series("工业投资", "亿元", {2023: 236.0, 2024: 248.0}, {2023: 7.0, 2024: 5.1}, BACK_LOADED, False),
    Series("工业技改投资", "亿元", {2023: 171.0, 2024: 196.0}, {2023: 9.4, 2024: 14.6}, BACK_LOADED, False),
    Series("社会消费品零售总额", "亿元", {2023: 251.0, 2024: 266.0}, {2023: 7.2, 2024: 5.9}, NEAR_LINEAR, True),
    Series("一般公共预算收入", "亿元", {2023: 96.0, 2024: 99.0}, {2023: 3.0, 2024: 3.1}, NEAR_LINEAR, False),
]

COMMERCE_SERIES = [
    Series("实际利用外资", "亿美元", {2023: 1.62, 2024: 1.49}, {2023: 4.0, 2024: -8.0}, BACK_LOADED, False),
    Series("市外内资", "亿元", {2023: 186.0, 2024: 214.0}, {2023: 8.0, 2024: 15.1}, NEAR_LINEAR, False),
]


def _ytd(series: Series, year: int, month: int, rng: random.Random) -> tuple[float, float]:
    level = series.annual[year] * series.shape[month] * (1 + rng.uniform(-0.01, 0.01))
    growth = series.growth[year] + rng.uniform(-0.6, 0.6) * (12 - month) / 10
    return round(level, 2), round(growth, 1)


def stats_report_xlsx(year: int, month: int, seed: int = 2024) -> bytes:
    """One 统计月报 in the layout the district statistics bureau publishes."""
    rng = random.Random(f"{seed}-stats-{year}-{month}")
    wb = Workbook()
    ws = wb.active
    ws.title = "主要经济指标"
    period = f"1-{month}月"
    ws.append([f"XX区{year}年{period}主要经济指标"])
    ws.merge_cells("A1:D1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["指标名称", "本月", f"{period}累计", None])
    ws.append([None, None, "绝对值", "同比增长(%)"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:D2")
    for s in STATS_SERIES:
        ytd, growth = _ytd(s, year, month, rng)
        if s.has_month_value:
            prev_share = s.shape.get(month - 1, 0.0) if month > 2 else 0.0
            this_month: object = round(s.annual[year] * (s.shape[month] - prev_share), 2)
        else:
            this_month = "—"
        label = f"  其中:{s.label}" if s.label == "工业投资" else s.label
        ws.append([f"{label}({s.unit})", this_month, ytd, growth])
    ws.append([None])
    ws.append(["注:1.规上工业增加值增速按可比价格计算;2.增速按可比口径计算。"])
    release_month = month + 1 if month < 12 else 1
    release_year = year if month < 12 else year + 1
    ws.append([f"发布日期:{release_year}年{release_month}月15日"])
    ws.column_dimensions["A"].width = 28
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def commerce_csv(year: int, last_month: int, seed: int = 2024) -> bytes:
    """The commerce bureau's yearly export, rewritten each month, in GBK as its office system writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["统计期", "指标", "单位", "累计值", "累计增长(%)"])
    for month in range(2, last_month + 1):
        rng = random.Random(f"{seed}-commerce-{year}-{month}")
        for s in COMMERCE_SERIES:
            ytd, growth = _ytd(s, year, month, rng)
            writer.writerow([f"{year}年1-{month}月", s.label, s.unit, f"{ytd:,.2f}", f"{growth:.1f}"])
    return out.getvalue().encode("gbk")


def _deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps the current time into the zip entries and docProps; fix both for stable bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                payload = re.sub(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", b"2024-01-01T00:00:00Z", payload)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, payload)
    return out.getvalue()


def generate(out_dir: Path, as_of_year: int = 2024, as_of_month: int = 9, seed: int = 2024) -> list[Path]:
    written: list[Path] = []
    for year in (as_of_year - 1, as_of_year):
        last = 12 if year < as_of_year else as_of_month
        for month in range(2, last + 1):
            path = out_dir / "stats" / str(year) / f"tjyb_{year}{month:02d}.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(stats_report_xlsx(year, month, seed))
            written.append(path)
        path = out_dir / "commerce" / f"swj_{year}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(commerce_csv(year, last, seed))
        written.append(path)
    return written
