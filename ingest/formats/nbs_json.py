"""nbs_json: the NBS data portal (data.stats.gov.cn easyquery) JSON, read with the json module.

    {"returncode": 200,
     "returndata": {
        "datanodes": [{"code": "zb.A0F0101_reg.330211_sj.202403",
                       "data": {"data": 12.3, "dotcount": 1, "hasdata": true, "strdata": "12.3"},
                       "wds": [{"wdcode": "zb", "valuecode": "A0F0101"},
                               {"wdcode": "reg", "valuecode": "330211"},
                               {"wdcode": "sj", "valuecode": "202403"}]}, ...],
        "wdnodes": [{"wdcode": "zb", "wdname": "指标",
                     "nodes": [{"code": "A0F0101", "cname": "规上工业企业研发经费_累计值", "unit": "亿元"}]},
                    {"wdcode": "sj", "nodes": [{"code": "202403", "cname": "2024年3月"}]}, ...]}}

- A value is found by its codes (wds), never by its position in datanodes: the portal orders nodes by
  its own sort keys, and a node may be absent altogether.
- hasdata must be a JSON boolean. false means missing: the portal then still sends data=0 and
  strdata="", and 0 is never loaded for it. "false" as a string, NaN with hasdata true, or a value that is
  not finite rejects the release.
- Names and units come from wdnodes (the zb node's cname and unit); a zb code the registry declares but
  the release does not carry is an error, as is a declared name that no longer matches.
- sj codes: YYYYMM is a month (202403); YYYY is the year; YYYYA/B/C/D are the first to fourth quarter
  (the portal's quarterly 累计 tables label 1-3季度 as 2024C: a year-to-date measure then covers 1-9).
- Nesting is bounded (limits.max_json_depth) before the document is parsed.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import Field

from core.errors import Location
from ingest.errors import ReleaseError
from ingest.formats.base import (
    Cells,
    Format,
    Measure,
    Proposal,
    ReleaseContext,
    Strict,
    cells_table,
)
from ingest.formats.nbs_json_sample import write_sample
from ingest.formats.proposing import base_entry, guess_measure
from ingest.normalise import NormaliseError, Period, parse_unit

if TYPE_CHECKING:
    from ingest.registry import Source

_QUARTER_LETTERS = {"A": 1, "B": 2, "C": 3, "D": 4}
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')


class NbsSeries(Strict):
    """One NBS indicator code (zb): which registry indicator and which measure it carries."""

    indicator: str = Field(description="label of an entry in `indicators`")
    measure: Measure
    name: str | None = Field(
        None,
        description="the code's name in returndata.wdnodes; when given, a code renamed upstream is rejected",
    )


class NbsJsonOptions(Strict):
    """The NBS data portal (easyquery) JSON: returndata.datanodes keyed by wds codes zb / sj / reg."""

    zb: Annotated[
        dict[str, NbsSeries], Field(min_length=1, description="zb valuecode -> indicator + measure")
    ]
    regions: dict[str, str] | None = Field(
        None,
        description="reg valuecode -> planwatch region code; other regions are skipped. "
        "None: the reg code is the region (or the source's region when the data has no reg dimension)",
    )


def _options(source: Source) -> NbsJsonOptions:
    opts = source.options
    assert isinstance(opts, NbsJsonOptions)
    return opts


def parse_sj(code: str) -> Period:
    code = code.strip()
    if m := re.fullmatch(r"(\d{4})(0[1-9]|1[0-2])", code):
        month = int(m.group(2))
        return Period(int(m.group(1)), month, month)
    if re.fullmatch(r"\d{4}", code):
        return Period(int(code), 1, 12)
    if m := re.fullmatch(r"(\d{4})([A-D])", code):
        q = _QUARTER_LETTERS[m.group(2)]
        return Period(int(m.group(1)), 3 * q - 2, 3 * q)
    raise ValueError(f"sj code {code!r} is not YYYYMM, YYYY or YYYY[A-D]")


def json_depth(content: bytes) -> int:
    """The deepest nesting of [ and { outside strings (numpy over the bytes; no recursion)."""
    stripped = np.frombuffer(_STRINGS.sub(b'""', content), dtype=np.uint8)
    step = np.isin(stripped, (ord("["), ord("{"))).astype(np.int32) - np.isin(stripped, (ord("]"), ord("}")))
    return int(np.cumsum(step).max(initial=0))


def load(content: bytes, where: Location, max_depth: int) -> Any:
    depth = json_depth(content)
    if depth > max_depth:
        raise ReleaseError(
            where, f"JSON nested {depth:,} levels deep", f"at most {max_depth} (limits.max_json_depth)"
        )
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReleaseError(where, f"not UTF-8 (byte {exc.start})", "UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise ReleaseError(
            Location(where.source_id, where.file, None, exc.lineno, f"char {exc.colno}"),
            f"not valid JSON ({exc.msg}; file truncated?)",
            "a complete JSON document",
        ) from exc


def read(data: Path | bytes, source: Source, ctx: ReleaseContext) -> Cells:
    opts = _options(source)
    where = Location(source.id, ctx.file_name)
    doc = load(data if isinstance(data, bytes) else data.read_bytes(), where, source.limits.max_json_depth)
    if not isinstance(doc, dict) or doc.get("returncode") not in (200, "200"):
        code = doc.get("returncode") if isinstance(doc, dict) else type(doc).__name__
        raise ReleaseError(where, f"returncode is {code!r}", "returncode 200 (an error page is not data)")
    body = doc.get("returndata")
    if not isinstance(body, dict) or not isinstance(body.get("datanodes"), list):
        raise ReleaseError(where, "no returndata.datanodes list", "the NBS easyquery shape")
    nodes = _zb_nodes(body.get("wdnodes"), where)
    for code, series in opts.zb.items():
        node = nodes.get(code)
        at = Location(source.id, ctx.file_name, None, None, f"wdnodes.zb.{code}")
        if node is None:
            raise ReleaseError(
                at,
                f"indicator code {code} ({series.indicator}) is not in the release",
                f"zb codes {sorted(opts.zb)}",
            )
        if series.name and _name(node) != series.name:
            raise ReleaseError(
                at,
                f"indicator code {code} is now named {_name(node)!r}",
                f"{series.name!r} as declared in the source registry",
            )
    if len(body["datanodes"]) > source.limits.max_rows:
        raise ReleaseError(
            where,
            f"{len(body['datanodes']):,} datanodes",
            f"at most {source.limits.max_rows:,} (limits.max_rows)",
        )
    return _cells(body["datanodes"], nodes, opts, source, ctx)


def _cells(
    datanodes: list[Any],
    zb_nodes: dict[str, dict[str, Any]],
    opts: NbsJsonOptions,
    source: Source,
    ctx: ReleaseContext,
) -> Cells:
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "file_row",
            "col",
            "key",
            "label",
            "unit_text",
            "period_text",
            "region_text",
            "value_text",
            "value_num",
        )
    }
    for index, node in enumerate(datanodes):
        at = Location(source.id, ctx.file_name, None, index + 1, "datanodes")
        wds = _wds(node, at)
        zb = wds.get("zb", "")
        if "sj" not in wds:
            raise ReleaseError(at, f"datanode for {zb} has no sj (time) code", "wds with zb and sj")
        text, number = _value(
            node, Location(source.id, ctx.file_name, None, index + 1, f"datanodes[{index}].data")
        )
        node_meta = zb_nodes.get(zb, {})
        cols["file_row"].append(index + 1)
        cols["col"].append(f"datanodes[{index}].data")
        cols["key"].append(zb)
        cols["label"].append(_name(node_meta) or zb)
        cols["unit_text"].append(str(node_meta.get("unit") or "") or None)
        cols["period_text"].append(wds["sj"])
        cols["region_text"].append(wds.get("reg"))
        cols["value_text"].append(text)
        cols["value_num"].append(number)
    regions = opts.regions
    if regions is not None:
        regions = {**regions}
    table = cells_table(**cols)
    return Cells(
        table=table,
        code_series={code: (s.indicator, s.measure) for code, s in opts.zb.items()},
        regions=regions if opts.regions is not None else None,
        columns={"period": "wds.sj", "region": "wds.reg", "period_form": "202403, 2024 or 2024A"},
    )


def _zb_nodes(wdnodes: Any, where: Location) -> dict[str, dict[str, Any]]:
    if not isinstance(wdnodes, list):
        raise ReleaseError(where, "no returndata.wdnodes list", "wdnodes naming the zb codes")
    for wd in wdnodes:
        if isinstance(wd, dict) and wd.get("wdcode") == "zb":
            return {str(n.get("code")): n for n in wd.get("nodes", []) if isinstance(n, dict)}
    raise ReleaseError(where, "wdnodes has no zb dimension", "wdnodes naming the zb codes")


def _name(node: dict[str, Any]) -> str:
    return str(node.get("cname") or node.get("name") or "")


def _wds(node: Any, where: Location) -> dict[str, str]:
    if not isinstance(node, dict) or not isinstance(node.get("wds"), list):
        raise ReleaseError(where, "datanode without a wds list", "datanodes with wds [{wdcode, valuecode}]")
    codes: dict[str, str] = {}
    for wd in node["wds"]:
        if not isinstance(wd, dict) or "wdcode" not in wd or "valuecode" not in wd:
            raise ReleaseError(where, f"malformed wds entry {str(wd)[:80]!r}", "{wdcode, valuecode}")
        codes[str(wd["wdcode"])] = str(wd["valuecode"])
    return codes


def _value(node: dict[str, Any], where: Location) -> tuple[str | None, float | None]:
    """(text, number) as published: (None, None) when hasdata is false (the portal sends 0 there)."""
    cell = node.get("data")
    if not isinstance(cell, dict) or "hasdata" not in cell:
        raise ReleaseError(where, "datanode without data.hasdata", "data {data, hasdata, strdata}")
    flag = cell["hasdata"]
    if not isinstance(flag, bool):
        raise ReleaseError(where, f"hasdata is {flag!r}", "true or false (a JSON boolean, not a string)")
    if not flag:
        return None, None
    strdata, data = cell.get("strdata"), cell.get("data")
    if strdata not in (None, ""):
        return str(strdata), None
    if isinstance(data, bool) or not isinstance(data, int | float):
        return (None if data is None else str(data)), None
    if not math.isfinite(data):
        raise ReleaseError(where, f"hasdata is true but the value is {data!r}", "a finite number")
    return None, float(data)


# -- proposing and sample writing -----------------------------------------------------------------------


def sniff(content: bytes, path: Path) -> bool:
    return path.suffix.lower() == ".json" and b"returndata" in content[: 1 << 16]


def propose(content: bytes, path: Path) -> Proposal:
    doc = load(content, Location("new", path.name), 64)
    try:
        wdnodes = {wd["wdcode"]: wd["nodes"] for wd in doc["returndata"]["wdnodes"]}
    except (KeyError, TypeError) as exc:
        raise ReleaseError(
            Location("new", path.name), f"not NBS easyquery JSON ({exc})", "returndata.wdnodes"
        ) from exc
    sj_codes = [n["code"] for n in wdnodes.get("sj", [])]
    regs = [n["code"] for n in wdnodes.get("reg", [])]
    notes = [f"{len(wdnodes.get('zb', []))} indicator codes; time codes {sj_codes}; regions {regs or 'none'}"]
    zb: dict[str, Any] = {}
    indicators: dict[str, dict[str, Any]] = {}
    for node in wdnodes.get("zb", []):
        name = str(node.get("cname") or node.get("name"))
        base, _, family = name.partition("_")
        unit = str(node.get("unit") or "") or None
        measure = guess_measure(family or name) or "ytd_value"
        if measure == "ytd_value" and unit and _count_unit(unit):
            measure = "count_ytd"
        zb[str(node["code"])] = {"indicator": base, "measure": measure, "name": name}
        ind = indicators.setdefault(base, {"label": base, "code": "?", "measures": []})
        ind["measures"].append(measure)
        if unit and measure not in ("ytd_growth_pct", "month_growth_pct", "rate_pct"):
            ind["unit"] = unit
    for ind in indicators.values():
        if len(set(ind["measures"])) == len(ind["measures"]):
            del ind["measures"]
    quarterly = any(re.fullmatch(r"\d{4}[A-D]", c) for c in sj_codes)
    frequency = (
        "annual"
        if all(re.fullmatch(r"\d{4}", c) for c in sj_codes)
        else "quarterly"
        if quarterly
        else "monthly"
    )
    entry = base_entry(path, "nbs_json", frequency, path.stem)
    entry["nbs_json"] = {"regions": {regs[0]: "district"} if regs else None, "zb": zb}
    entry["indicators"] = list(indicators.values())
    if regs:
        notes.append(f"regions: proposed {regs[0]} as the district; the others ({regs[1:]}) are skipped")
    if Counter(s["indicator"] for s in zb.values()).most_common(1)[0][1] > 1:
        notes.append("codes of one indicator share its label: one published series per measure")
    return Proposal(entry, notes)


def _count_unit(unit: str) -> bool:
    try:
        return parse_unit(unit).canonical == "count"
    except NormaliseError:
        return False


def _labels(options: Any) -> list[str]:
    return [s.indicator for s in options.zb.values()]


def _period(text: str) -> Period:
    return parse_sj(text)


FORMAT = Format(
    name="nbs_json",
    options=NbsJsonOptions,
    read=read,
    propose=propose,
    write_sample=write_sample,
    sniff=sniff,
    key_kind="code",
    sandboxed=True,
    period_parser=_period,
    labels_of=_labels,
)
