"""Deterministic generator of the bundled sample bureau releases (data/samples/).

The figures are invented but shaped like the real ones: year-to-date cumulative values with 1-2月
combined, back-loaded investment, published cumulative growth on a comparable base, quarterly and annual
figures where the real indicator is quarterly or annual, counts that arrive in batches late in the year,
a few revisions (a later release restating an earlier period with a changed value), and a mix of targets
that are on track and behind. Each bureau's releases come in the format that bureau uses (see
config/sources/ and ingest/README.md). Rerunning with the same seed and as-of month rewrites identical
files, so the set can be regenerated (and scaled) rather than hand-edited.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

# Cumulative share of the annual total reached by the end of each month (index 2..12). Investment is
# back-loaded; consumption and output are closer to linear.
BACK_LOADED = {
    2: 0.10,
    3: 0.19,
    4: 0.27,
    5: 0.36,
    6: 0.47,
    7: 0.55,
    8: 0.63,
    9: 0.72,
    10: 0.80,
    11: 0.89,
    12: 1.0,
}
NEAR_LINEAR = {
    2: 0.155,
    3: 0.24,
    4: 0.32,
    5: 0.405,
    6: 0.49,
    7: 0.575,
    8: 0.66,
    9: 0.745,
    10: 0.83,
    11: 0.915,
    12: 1.0,
}


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
    Series(
        "社会消费品零售总额", "亿元", {2023: 251.0, 2024: 266.0}, {2023: 7.2, 2024: 5.9}, NEAR_LINEAR, True
    ),
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


# --------------------------------------------------------------------------------------------------------
# Quarterly and annual statistics: the statistics bureau's data portal, in the NBS easyquery JSON shape.

QUARTER_MONTHS = (3, 6, 9, 12)
QUARTER_LETTER = {3: "A", 6: "B", 9: "C", 12: "D"}
QUARTER_WORDS = {3: "一季度", 6: "上半年", 9: "1-3季度", 12: "全年"}
DISTRICT_REG, CITY_REG = "330211", "330200"


@dataclass(frozen=True)
class PortalSeries:
    """A quarterly year-to-date series with its cumulative growth, as two zb codes on the portal."""

    name: str
    unit: str
    zb_value: str
    zb_growth: str
    annual: dict[int, float]
    growth: dict[int, float]
    shares: tuple[float, float, float, float]  # share of the year reached by the end of each quarter


PORTAL_QUARTERLY = [
    PortalSeries(
        "服务业增加值",
        "亿元",
        "A0G0101",
        "A0G0102",
        {2023: 398.0, 2024: 425.0},
        {2023: 6.0, 2024: 6.8},
        (0.23, 0.48, 0.74, 1.0),
    ),
    PortalSeries(
        "数字经济核心产业增加值",
        "亿元",
        "A0G0201",
        "A0G0202",
        {2023: 61.0, 2024: 66.2},
        {2023: 11.2, 2024: 8.3},
        (0.22, 0.47, 0.73, 1.0),
    ),
    PortalSeries(
        "规模以上工业企业研究与试验发展(R&D)经费支出",
        "亿元",
        "A0F0101",
        "A0F0102",
        {2023: 27.4, 2024: 29.0},
        {2023: 6.2, 2024: 5.7},
        (0.2, 0.45, 0.7, 1.0),
    ),
    PortalSeries(
        "农林牧渔业总产值",
        "亿元",
        "A0D0101",
        "A0D0102",
        {2023: 18.6, 2024: 19.2},
        {2023: 4.6, 2024: 3.8},
        (0.18, 0.42, 0.7, 1.0),
    ),
]
# annual-only figures, published with the fourth quarter's release
PORTAL_ANNUAL = [
    ("全员劳动生产率增长", "%", "A0A0301", {2023: 6.4}),
    ("现代服务业增加值占服务业增加值比重", "%", "A0G0301", {2023: 33.8}),
    ("居民人均教育文化娱乐消费支出占生活消费支出比重", "%", "A0H0301", {2023: 8.7}),
]


def _nbs_doc(
    nodes: list[tuple[str, str | None, str, float | None]],
    zb_meta: list[tuple[str, str, str]],
    regs: list[tuple[str, str]],
    sjs: list[tuple[str, str]],
) -> bytes:
    """An NBS easyquery answer: nodes are (zb, reg, sj, value or None for hasdata=false)."""

    def node_meta(code: str, name: str, unit: str = "", sort: int = 1) -> dict[str, object]:
        return {
            "cname": name,
            "code": code,
            "dotcount": 2,
            "exp": "",
            "ifshowcode": False,
            "memo": "",
            "name": name,
            "nodesort": "1",
            "sortcode": sort,
            "tag": "",
            "unit": unit,
        }

    datanodes = []
    for zb, reg, sj, value in nodes:
        wds = [{"valuecode": zb, "wdcode": "zb"}]
        if reg is not None:
            wds.append({"valuecode": reg, "wdcode": "reg"})
        wds.append({"valuecode": sj, "wdcode": "sj"})
        code = f"zb.{zb}" + (f"_reg.{reg}" if reg else "") + f"_sj.{sj}"
        data = {
            "data": 0 if value is None else value,
            "dotcount": 2,
            "hasdata": value is not None,
            "strdata": "" if value is None else f"{value:.2f}".rstrip("0").rstrip("."),
        }
        datanodes.append({"code": code, "data": data, "wds": wds})
    wdnodes: list[dict[str, object]] = [
        {
            "nodes": [node_meta(c, n, u, i) for i, (c, n, u) in enumerate(zb_meta)],
            "wdcode": "zb",
            "wdname": "指标",
        }
    ]
    if regs:
        wdnodes.append({"nodes": [node_meta(c, n) for c, n in regs], "wdcode": "reg", "wdname": "地区"})
    wdnodes.append({"nodes": [node_meta(c, n) for c, n in sjs], "wdcode": "sj", "wdname": "时间"})
    doc = {
        "returncode": 200,
        "returndata": {
            "datanodes": datanodes,
            "freshsort": 0,
            "hasdatacount": sum(v is not None for *_, v in nodes),
            "wdnodes": wdnodes,
        },
    }
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def stats_portal_json(year: int, month: int, seed: int = 2024) -> bytes:
    """The portal's quarterly table for one year as queried after quarter `month`: every quarter so far.

    Revisions: a quarter's figures are preliminary when first published and final one quarter later (the
    first quarter of 2024 is restated in the half-year release). 数字经济核心产业增加值 is not computed in
    time for the first quarter of 2024: hasdata=false there, filled in with the half-year release.
    """
    quarters = [q for q in QUARTER_MONTHS if q <= month]
    nodes: list[tuple[str, str | None, str, float | None]] = []
    for s in PORTAL_QUARTERLY:
        for q in quarters:
            sj = f"{year}{QUARTER_LETTER[q]}"
            rng = random.Random(f"{seed}-portal-{s.zb_value}-{year}-{q}")
            share = s.shares[QUARTER_MONTHS.index(q)]
            value = s.annual[year] * share * (1 + rng.uniform(-0.01, 0.01))
            growth = s.growth[year] + rng.uniform(-0.5, 0.5) * (12 - q) / 9
            if q < month and year == 2024 and q == 3:  # final verification of the first quarter
                value *= 1.004
                growth += 0.2
            if year == 2024 and q == 3 and month == 3 and s.zb_value == "A0G0201":
                nodes += [(s.zb_value, DISTRICT_REG, sj, None), (s.zb_growth, DISTRICT_REG, sj, None)]
            else:
                nodes += [
                    (s.zb_value, DISTRICT_REG, sj, round(value, 2)),
                    (s.zb_growth, DISTRICT_REG, sj, round(growth, 1)),
                ]
            # the city's figures come in the same table; the registry takes the district's only
            nodes.append((s.zb_value, CITY_REG, sj, round(value * 12.7, 2)))
    annual_sj: list[tuple[str, str]] = []
    if month == 12:
        for _, _, zb, values in PORTAL_ANNUAL:
            if year in values:
                nodes.append((zb, DISTRICT_REG, str(year), values[year]))
        annual_sj = [(str(year), f"{year}年")]
    rng = random.Random(f"{seed}-portal-order-{year}-{month}")
    rng.shuffle(nodes)  # the portal's own sort order: joined on codes, never on position
    zb_meta = [(s.zb_value, f"{s.name}_累计值", s.unit) for s in PORTAL_QUARTERLY]
    zb_meta += [(s.zb_growth, f"{s.name}_累计增长", "%") for s in PORTAL_QUARTERLY]
    zb_meta += [(zb, name, unit) for name, unit, zb, _ in PORTAL_ANNUAL]
    sjs = [
        (f"{year}{QUARTER_LETTER[q]}", f"{year}年第{'一二三四'[QUARTER_MONTHS.index(q)]}季度")
        for q in quarters
    ]
    return _nbs_doc(nodes, zb_meta, [(DISTRICT_REG, "XX区"), (CITY_REG, "XX市")], sjs + annual_sj)


# --------------------------------------------------------------------------------------------------------
# The science and technology bureau's data service: monthly, NBS JSON shape, no region dimension.

HITECH_BATCHES = {2023: {10: 41, 11: 92, 12: 118}, 2024: {}}  # 高企认定 announced in batches from October
TECH_LOANS = {2023: 3.55, 2024: 3.62}  # 亿元 issued in the year


def science_tech_json(year: int, month: int, seed: int = 2024) -> bytes:
    """科技局 monthly figures 1-2月 to 1-m月 of one year: new high-tech firms (cumulative) and tech loans."""
    nodes: list[tuple[str, str | None, str, float | None]] = []
    count = 0
    for m in range(2, month + 1):
        count = max([count, *(v for k, v in HITECH_BATCHES[year].items() if k <= m)])
        rng = random.Random(f"{seed}-tech-{year}-{m}")
        loans = TECH_LOANS[year] * BACK_LOADED[m] * (1 + rng.uniform(-0.02, 0.02))
        nodes += [
            ("K0101", None, f"{year}{m:02d}", float(count)),
            ("K0201", None, f"{year}{m:02d}", round(loans, 2)),
        ]
    zb_meta = [("K0101", "新认定高新技术企业数_累计", "家"), ("K0201", "科技贷款发放额_累计", "亿元")]
    sjs = [(f"{year}{m:02d}", f"{year}年{m}月") for m in range(2, month + 1)]
    return _nbs_doc(nodes, zb_meta, [], sjs)


# --------------------------------------------------------------------------------------------------------
# The provincial statistics data exchange: SDMX-CSV 2.0, tourism and culture for the district.

TOURISM = {2023: (142.0, 9.8), 2024: (150.1, 5.6)}  # full-year revenue (亿元), growth (%)
TOURISM_SHARES = (0.26, 0.54, 0.79, 1.0)
CULTURE_ANNUAL = {2023: {"READ_RATE": (92.6, "PT", 0), "CULT_AREA_10K": (5120.0, "M2", 0)}}


def tourism_sdmx_csv(year: int, month: int, seed: int = 2024) -> bytes:
    """The quarterly SDMX-CSV message after quarter `month`: every quarter of the year so far.

    The newest quarter is provisional (OBS_STATUS P); a quarter becomes final (A) one quarter later, with a
    slightly changed value. The fourth-quarter message also carries the year's culture figures.
    """
    flow = "ZJ_STATS:DF_COUNTY_CULTURE_TOURISM(1.0)"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "STRUCTURE",
            "STRUCTURE_ID",
            "ACTION",
            "REF_AREA",
            "INDICATOR",
            "MEASURE",
            "TIME_PERIOD",
            "OBS_VALUE",
            "UNIT_MEASURE",
            "UNIT_MULT",
            "OBS_STATUS",
        ]
    )
    annual, growth = TOURISM[year]
    for q in (q for q in QUARTER_MONTHS if q <= month):
        rng = random.Random(f"{seed}-tourism-{year}-{q}")
        final = q < month
        value = annual * TOURISM_SHARES[QUARTER_MONTHS.index(q)] * (1 + rng.uniform(-0.01, 0.01))
        g = growth + rng.uniform(-0.4, 0.4)
        if final:
            value, g = value * 1.003, g + 0.1
        status = "A" if final else "P"
        period = f"{year}-Q{QUARTER_MONTHS.index(q) + 1}"
        for area, scale in ((DISTRICT_REG, 1.0), (CITY_REG, 11.4)):
            writer.writerow(
                [
                    "dataflow",
                    flow,
                    "I",
                    area,
                    "TOUR_REV",
                    "YTD",
                    period,
                    f"{value * scale:.2f}",
                    "CNY",
                    8,
                    status,
                ]
            )
            writer.writerow(
                ["dataflow", flow, "I", area, "TOUR_REV", "YTD_GR", period, f"{g:.1f}", "PT", 0, status]
            )
            writer.writerow(
                [
                    "dataflow",
                    flow,
                    "I",
                    area,
                    "TOUR_VIS",
                    "YTD",
                    period,
                    f"{value * scale * 7.3:.1f}",
                    "PS",
                    4,
                    "E",
                ]
            )
    if month == 12:
        for indicator, (value, unit, mult) in CULTURE_ANNUAL.get(year, {}).items():
            writer.writerow(
                ["dataflow", flow, "I", DISTRICT_REG, indicator, "LEVEL", str(year), value, unit, mult, "A"]
            )
    if year == 2024 and month >= 6:
        # a series withdrawn by the province: visitor numbers of the first quarter are being re-surveyed
        writer.writerow(
            ["dataflow", flow, "D", DISTRICT_REG, "TOUR_VIS", "YTD", f"{year}-Q1", "", "PS", 4, ""]
        )
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------------------
# The ecology and environment bureau: monthly CSV in UTF-8 with BOM, every month of the year so far.

DAYS = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
# good-air days per month: winter and early summer (ozone) are the hard months
AIR_GOOD_DAYS = {
    2023: {1: 24, 2: 24, 3: 27, 4: 28, 5: 27, 6: 24, 7: 28, 8: 29, 9: 28, 10: 29, 11: 27, 12: 23},
    2024: {1: 25, 2: 25, 3: 27, 4: 27, 5: 26, 6: 25, 7: 28, 8: 28, 9: 28, 10: 29, 11: 27, 12: 24},
}
WATER_SECTIONS = 12
WATER_ZONE_FAILS = {2024: {7: 1, 8: 1}}  # section-months failing the water-function target


def ecology_csv(year: int, month: int, seed: int = 2024) -> bytes:
    """生态环境质量月报 for 1-m月: year-to-date rates, one row per indicator and month so far.

    Revision: the June 2024 release restates May's air-quality day count after data review (+1 day).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["统计期", "指标", "单位", "本月", "累计", "发布日期"])
    release = f"{year + (month == 12)}-{month % 12 + 1:02d}-10"
    good_days = dict(AIR_GOOD_DAYS[year])
    if year == 2024 and month >= 6:
        good_days[5] += 1
    for m in range(1, month + 1):
        label = f"{year}年{m}月" if m == 1 else f"{year}年1-{m}月"
        days = sum(DAYS[k] for k in range(1, m + 1))
        ytd_good = sum(good_days[k] for k in range(1, m + 1))
        writer.writerow(
            [
                label,
                "空气质量优良率",
                "%",
                f"{100 * good_days[m] / DAYS[m]:.1f}",
                f"{100 * ytd_good / days:.1f}",
                release,
            ]
        )
        writer.writerow([label, "市控以上断面水质优良率", "%", "100.0", "100.0", release])
        fails = WATER_ZONE_FAILS.get(year, {})
        this = 100 * (WATER_SECTIONS - fails.get(m, 0)) / WATER_SECTIONS
        ytd = 100 * (WATER_SECTIONS * m - sum(v for k, v in fails.items() if k <= m)) / (WATER_SECTIONS * m)
        writer.writerow([label, "市控以上断面水功能区达标率", "%", f"{this:.1f}", f"{ytd:.1f}", release])
    return out.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------------------------------------
# The agriculture and rural affairs bureau: a quarterly .xlsx, units in their own column.

AGRI = {
    # name, unit, full-year level per year, quarterly shares (harvests make grain back-loaded)
    "粮食播种面积": ("万亩", {2023: 4.55, 2024: 4.57}, (0.0, 0.55, 0.98, 1.0)),
    "粮食产量": ("万斤", {2023: 3795.0, 2024: 3810.0}, (0.0, 0.27, 0.61, 1.0)),
    "蔬菜产量": ("万吨", {2023: 8.9, 2024: 9.35}, (0.26, 0.52, 0.74, 1.0)),
    "生猪出栏": ("万头", {2023: 2.92, 2024: 2.88}, (0.26, 0.5, 0.73, 1.0)),
    "低收入农户人均可支配收入": ("元", {2023: 19850.0, 2024: 21960.0}, (0.27, 0.51, 0.76, 1.0)),
}


def agriculture_xlsx(year: int, month: int, seed: int = 2024) -> bytes:
    """农业农村主要指标 for 一季度 / 上半年 / 1-3季度 / 全年."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "农业农村主要指标"
    period = QUARTER_WORDS[month]
    q = QUARTER_MONTHS.index(month)
    ws.append([f"XX区{year}年{period}农业农村主要指标"])
    ws.merge_cells("A1:E1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["指标名称", "计量单位", period, None, "同比增长(%)"])
    ws.append([None, None, "本期", "上年同期", None])
    for rng_cells in ("A2:A3", "B2:B3", "C2:D2", "E2:E3"):
        ws.merge_cells(rng_cells)
    for name, (unit, annual, shares) in AGRI.items():
        rng = random.Random(f"{seed}-agri-{name}-{year}-{month}")
        share = shares[q]
        if share == 0:
            ws.append([name, unit, "—", "—", "—"])  # nothing sown or harvested yet: missing, never 0
        else:
            this = annual[year] * share * (1 + rng.uniform(-0.005, 0.005))
            last = annual.get(year - 1, annual[year] / 1.03) * share
            ws.append([name, unit, round(this, 2), round(last, 2), round(100 * (this / last - 1), 1)])
        if name == "粮食产量" and share:
            ws.append(["  其中:夏粮", "万斤", round(annual[year] * min(share, 0.27), 2), None, None])
    ws.append([None])
    ws.append(["注:粮食产量按收获季节统计;低收入农户收入为抽样调查数据。"])
    release_month = month % 12 + 1
    ws.append([f"发布日期:{year + (month == 12)}年{release_month}月25日"])
    ws.column_dimensions["A"].width = 30
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


# --------------------------------------------------------------------------------------------------------
# The human resources bureau: monthly CSV in UTF-8 (no BOM), months written 2024-08.

NEW_JOBS = {2023: 12480, 2024: 13350}
JOBS_SHAPE = {
    2: 0.13,
    3: 0.24,
    4: 0.33,
    5: 0.42,
    6: 0.52,
    7: 0.61,
    8: 0.7,
    9: 0.79,
    10: 0.87,
    11: 0.94,
    12: 1.0,
}


def hr_jobs_csv(year: int, month: int, seed: int = 2024) -> bytes:
    """就业统计 for 1-m月, every month so far. Revision: the 2023 year-end release restates 1-11月."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["月份", "指标", "单位", "本年累计", "同比增长(%)"])
    for m in range(2, month + 1):
        rng = random.Random(f"{seed}-jobs-{year}-{m}")
        jobs = NEW_JOBS[year] * JOBS_SHAPE[m] * (1 + rng.uniform(-0.01, 0.01))
        if year == 2023 and m == 11 and month == 12:
            jobs += 37
        last = NEW_JOBS.get(year - 1, NEW_JOBS[year] / 1.04) * JOBS_SHAPE[m]
        writer.writerow(
            [f"{year}-{m:02d}", "城镇新增就业", "人", f"{round(jobs):,}", f"{100 * (jobs / last - 1):.1f}"]
        )
        writer.writerow([f"{year}-{m:02d}", "失业人员再就业", "人", f"{round(jobs * 0.21):,}", ""])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------------------
# The market regulation bureau: monthly intellectual-property CSV in GB18030 (its notes carry characters
# outside GBK).

PATENTS_END = {2022: 4720, 2023: 5205, 2024: 5740}  # valid invention patents held at year end


def patents_csv(year: int, month: int, seed: int = 2024) -> bytes:
    """知识产权统计 for every month so far: the stock at month end and its growth on a year earlier.

    Revision: the August 2024 release restates July's stock (+6, patents granted late in July).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["统计期", "指标", "单位", "期末数", "同比增长(%)", "备注"])
    start, end = PATENTS_END[year - 1], PATENTS_END[year]
    for m in range(2, month + 1):
        rng = random.Random(f"{seed}-patents-{year}-{m}")
        stock = start + (end - start) * m / 12 + rng.uniform(-8, 8)
        if year == 2024 and m == 7 and month >= 8:
            stock += 6
        prior = (
            PATENTS_END[year - 2] + (start - PATENTS_END[year - 2]) * m / 12 if year - 2 in PATENTS_END else 0
        )
        growth = f"{100 * (stock / prior - 1):.1f}" if prior else "—"
        note = "含㙟浦镇企业" if m == 2 else ""
        writer.writerow([f"{year}年{m}月", "有效发明专利拥有量", "件", f"{round(stock):,}", growth, note])
    return out.getvalue().encode("gb18030")


# --------------------------------------------------------------------------------------------------------
# The state-owned assets office (SASAC): a GBK CSV per year, rewritten each quarter.

SOE_REVENUE = {2023: (118.0, 6.5), 2024: (121.5, 3.0)}  # 亿元, growth %
SOE_SHARES = {3: 0.22, 6: 0.47, 9: 0.71, 12: 1.0}


def sasac_csv(year: int, last_month: int, seed: int = 2024) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["期间", "指标名称", "计量单位", "本年累计", "同比增减(%)"])
    annual, growth = SOE_REVENUE[year]
    for q in (q for q in QUARTER_MONTHS if q <= last_month):
        rng = random.Random(f"{seed}-soe-{year}-{q}")
        value = annual * SOE_SHARES[q] * (1 + rng.uniform(-0.01, 0.01))
        writer.writerow(
            [
                f"{year}年{QUARTER_WORDS[q]}",
                "区属国有企业营业收入",
                "亿元",
                f"{value:,.2f}",
                f"{growth + rng.uniform(-0.8, 0.8):.1f}",
            ]
        )
    return out.getvalue().encode("gbk")


# --------------------------------------------------------------------------------------------------------
# The transport bureau: road transport safety, a UTF-8 CSV per year with months written 2024M08.

ACCIDENTS = {2022: (24, 8), 2023: (22, 6), 2024: (19, 7)}  # full-year accidents, deaths


def transport_csv(year: int, last_month: int, seed: int = 2024) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["统计期", "指标", "单位", "累计", "同比增减(%)"])
    for m in range(2, last_month + 1):
        for i, (name, unit) in enumerate(
            (("道路运输安全事故起数", "起"), ("道路运输安全事故死亡人数", "人"))
        ):
            now = round(ACCIDENTS[year][i] * m / 12)
            before = round(ACCIDENTS[year - 1][i] * m / 12)
            change = f"{100 * (now / before - 1):.1f}" if before else "—"
            writer.writerow([f"{year}M{m:02d}", name, unit, now, change])
    return out.getvalue().encode("utf-8")


def _write(path: Path, content: bytes, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    written.append(path)


def generate(out_dir: Path, as_of_year: int = 2024, as_of_month: int = 9, seed: int = 2024) -> list[Path]:
    """Write every bureau's releases for last year and this year up to the as-of month."""
    written: list[Path] = []
    for year in (as_of_year - 1, as_of_year):
        last = 12 if year < as_of_year else as_of_month
        for month in range(2, last + 1):
            _write(
                out_dir / "stats" / str(year) / f"tjyb_{year}{month:02d}.xlsx",
                stats_report_xlsx(year, month, seed),
                written,
            )
            _write(
                out_dir / "science_tech" / str(year) / f"kjj_{year}{month:02d}.json",
                science_tech_json(year, month, seed),
                written,
            )
            _write(
                out_dir / "human_resources" / str(year) / f"rsj_jy_{year}{month:02d}.csv",
                hr_jobs_csv(year, month, seed),
                written,
            )
            _write(
                out_dir / "market_regulation" / str(year) / f"zscq_{year}{month:02d}.csv",
                patents_csv(year, month, seed),
                written,
            )
        for month in range(1, last + 1):
            _write(
                out_dir / "ecology" / str(year) / f"hbj_{year}{month:02d}.csv",
                ecology_csv(year, month, seed),
                written,
            )
        for month in (q for q in QUARTER_MONTHS if q <= last):
            _write(
                out_dir / "stats_portal" / str(year) / f"jd_{year}{month:02d}.json",
                stats_portal_json(year, month, seed),
                written,
            )
            _write(
                out_dir / "culture_tourism" / str(year) / f"wlt_{year}{month:02d}.csv",
                tourism_sdmx_csv(year, month, seed),
                written,
            )
            _write(
                out_dir / "agriculture" / str(year) / f"nyqk_{year}{month:02d}.xlsx",
                agriculture_xlsx(year, month, seed),
                written,
            )
        # a yearly file appears with the year's first figures: 1-2月, or the first quarter
        if last >= 2:
            _write(out_dir / "commerce" / f"swj_{year}.csv", commerce_csv(year, last, seed), written)
            _write(out_dir / "transport" / f"jtj_aq_{year}.csv", transport_csv(year, last, seed), written)
        if last >= 3:
            _write(out_dir / "sasac" / f"gzw_{year}.csv", sasac_csv(year, last, seed), written)
    return written
