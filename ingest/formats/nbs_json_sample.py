"""The sample side of nbs_json: an easyquery answer written the way a registry entry describes it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ingest.formats.base import SampleRelease
from ingest.normalise import Period

if TYPE_CHECKING:
    from ingest.registry import Source


def sj_code(period: Period) -> str:
    if period.start_month == 1 and period.end_month == 12:
        return str(period.year)
    if period.start_month == period.end_month:
        return f"{period.year}{period.end_month:02d}"
    return f"{period.year}{'ABCD'[(period.end_month - 1) // 3]}"


def write_sample(source: Source, release: SampleRelease) -> bytes:
    """An easyquery answer holding the figures (series = zb code); hasdata false for a None value."""
    opts: Any = source.options  # NbsJsonOptions (nbs_json.py imports this module)
    datanodes: list[dict[str, Any]] = []
    zbs: dict[str, tuple[str, str]] = {}
    regs: dict[str, str] = {}
    sjs: dict[str, str] = {}
    for f in release.figures:
        sj = sj_code(f.period)
        wds = [{"valuecode": f.series, "wdcode": "zb"}]
        if f.region is not None:
            wds.append({"valuecode": f.region, "wdcode": "reg"})
            regs.setdefault(f.region, release.region_names.get(f.region, f.region))
        wds.append({"valuecode": sj, "wdcode": "sj"})
        value = f.value if isinstance(f.value, float | int) else None
        text = (
            f.value
            if isinstance(f.value, str)
            else ("" if value is None else f"{value:.2f}".rstrip("0").rstrip("."))
        )
        data = {
            "data": 0 if value is None else value,
            "dotcount": 2,
            "hasdata": f.value is not None,
            "strdata": text,
        }
        code = f"zb.{f.series}" + (f"_reg.{f.region}" if f.region else "") + f"_sj.{sj}"
        datanodes.append({"code": code, "data": data, "wds": wds})
        zbs.setdefault(f.series, _zb_meta(source, release, f.series, f.unit))
        sjs.setdefault(sj, f"{f.period.year}年" + ("" if sj == str(f.period.year) else f"{sj[4:]}"))

    for code in [*release.names, *opts.zb]:  # the portal names every indicator of the table, data or not
        zbs.setdefault(code, _zb_meta(source, release, code, None))

    def meta(code: str, name: str, unit: str = "", sort: int = 1) -> dict[str, object]:
        return {"cname": name, "code": code, "dotcount": 2, "exp": "", "ifshowcode": False, "memo": "",
                "name": name, "nodesort": "1", "sortcode": sort, "tag": "", "unit": unit}  # fmt: skip

    wdnodes: list[dict[str, object]] = [
        {
            "nodes": [meta(c, n, u, i) for i, (c, (n, u)) in enumerate(zbs.items())],
            "wdcode": "zb",
            "wdname": "指标",
        }
    ]
    if regs:
        wdnodes.append({"nodes": [meta(c, n) for c, n in regs.items()], "wdcode": "reg", "wdname": "地区"})
    wdnodes.append({"nodes": [meta(c, n) for c, n in sjs.items()], "wdcode": "sj", "wdname": "时间"})
    doc = {"returncode": 200, "returndata": {"datanodes": datanodes, "freshsort": 0,
           "hasdatacount": sum(1 for f in release.figures if f.value is not None), "wdnodes": wdnodes}}  # fmt: skip
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _zb_meta(source: Source, release: SampleRelease, code: str, unit: str | None) -> tuple[str, str]:
    """(name, unit) of a zb code as the portal lists it in wdnodes."""
    series = source.options.zb.get(code)  # type: ignore[attr-defined]
    mapping = source.mapping_for(series.indicator) if series else None
    name = release.names.get(code) or (series.name if series and series.name else code)
    percent = series is not None and "pct" in series.measure
    return name, unit or ("%" if percent else (mapping.unit if mapping else "")) or ""
