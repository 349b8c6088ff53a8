"""JSON in the shape of the NBS data portal (data.stats.gov.cn easyquery), read with the json module.

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
- hasdata=false means missing: the portal then still sends data=0 and strdata="", and 0 is never
  loaded for it.
- Names and units come from wdnodes (the zb node's cname and unit); a zb code the registry declares but
  the release does not carry is an error, as is a declared name that no longer matches.
- sj codes: YYYYMM is a month (202403); YYYY is the year; YYYYA/B/C/D are the first to fourth quarter
  (the portal's quarterly 累计 tables label 1-3季度 as 2024C, so C is months 7-9, and a year-to-date
  measure then covers 1-9, see parsers.base.period_for). Anything else is rejected.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ingest.errors import Location, ReleaseError
from ingest.normalise import Period
from ingest.parsers.base import ParsedRelease, make_record, period_for
from ingest.registry import NbsJsonOptions, Source

_QUARTER_LETTERS = {"A": 1, "B": 2, "C": 3, "D": 4}


def parse_sj(code: str) -> Period:
    """An NBS time code as a period: 202403, 2024, 2024A..2024D."""
    if m := re.fullmatch(r"(\d{4})(0[1-9]|1[0-2])", code):
        month = int(m.group(2))
        return Period(int(m.group(1)), month, month)
    if re.fullmatch(r"\d{4}", code):
        return Period(int(code), 1, 12)
    if m := re.fullmatch(r"(\d{4})([A-D])", code):
        q = _QUARTER_LETTERS[m.group(2)]
        return Period(int(m.group(1)), 3 * q - 2, 3 * q)
    raise ValueError(f"sj code {code!r} is not YYYYMM, YYYY or YYYY[A-D]")


def parse_nbs_json(content: bytes, source: Source, file_name: str) -> ParsedRelease:
    opts = source.options
    assert isinstance(opts, NbsJsonOptions)
    where = Location(source.id, file_name)
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ReleaseError(where, f"not UTF-8 (byte {exc.start})", "UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise ReleaseError(
            Location(source.id, file_name, None, exc.lineno, f"char {exc.colno}"),
            f"not valid JSON ({exc.msg}; file truncated?)",
            "a complete JSON document",
        ) from exc
    if not isinstance(doc, dict) or doc.get("returncode") not in (200, "200"):
        code = doc.get("returncode") if isinstance(doc, dict) else type(doc).__name__
        raise ReleaseError(where, f"returncode is {code!r}", "returncode 200 (an error page is not data)")
    data = doc.get("returndata")
    if not isinstance(data, dict) or not isinstance(data.get("datanodes"), list):
        raise ReleaseError(where, "no returndata.datanodes list", "the NBS easyquery shape")

    zb_nodes = _zb_nodes(data.get("wdnodes"), where)
    for code, series in opts.zb.items():
        node = zb_nodes.get(code)
        if node is None:
            raise ReleaseError(
                Location(source.id, file_name, None, None, f"wdnodes.zb.{code}"),
                f"indicator code {code} ({series.indicator}) is not in the release",
                f"zb codes {sorted(opts.zb)}",
            )
        if series.name and _name(node) != series.name:
            raise ReleaseError(
                Location(source.id, file_name, None, None, f"wdnodes.zb.{code}"),
                f"indicator code {code} is now named {_name(node)!r}",
                f"{series.name!r} as declared in the source registry",
            )

    result = ParsedRelease()
    for index, node in enumerate(data["datanodes"]):
        # "row" is the node's 1-based position in datanodes, so a person can find it in the file
        node_where = Location(source.id, file_name, None, index + 1, "datanodes")
        wds = _wds(node, node_where)
        zb = wds.get("zb")
        wanted = opts.zb.get(zb or "")
        if wanted is None:
            continue  # a portal table carries more indicators than the registry takes
        if "sj" not in wds:
            raise ReleaseError(node_where, f"datanode for {zb} has no sj (time) code", "wds with zb and sj")
        region = _region(wds.get("reg"), opts, source)
        if region is None:
            continue
        try:
            period = parse_sj(wds["sj"])
        except ValueError as exc:
            raise ReleaseError(
                Location(source.id, file_name, None, index + 1, "wds.sj"), str(exc), "202403, 2024 or 2024A"
            ) from exc
        mapping = source.mapping_for(wanted.indicator)
        assert mapping is not None  # the registry checked that every series names an indicator
        raw = _value(node, node_where)
        zb_node = zb_nodes[zb or ""]
        result.records.append(
            make_record(
                source=source,
                where=Location(source.id, file_name, None, index + 1, f"datanodes[{index}].data"),
                mapping=mapping,
                period=period_for(wanted.measure, period),
                measure=wanted.measure,
                raw_value=raw,
                unit_text=str(zb_node.get("unit") or "") or None,
                region=region,
                label_raw=_name(zb_node),
            )
        )
    return result


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
            raise ReleaseError(where, f"malformed wds entry {wd!r}", "{wdcode, valuecode}")
        codes[str(wd["wdcode"])] = str(wd["valuecode"])
    return codes


def _region(reg: str | None, opts: NbsJsonOptions, source: Source) -> str | None:
    if reg is None:
        return source.region
    if opts.regions is None:
        return reg
    return opts.regions.get(reg)


def _value(node: dict[str, Any], where: Location) -> object:
    """The published value: None when hasdata is false (the portal sends 0 there), else strdata/data."""
    cell = node.get("data")
    if not isinstance(cell, dict) or "hasdata" not in cell:
        raise ReleaseError(where, "datanode without data.hasdata", "data {data, hasdata, strdata}")
    if not cell["hasdata"]:
        return None
    strdata = cell.get("strdata")
    return strdata if strdata not in (None, "") else cell.get("data")
