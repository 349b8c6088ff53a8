"""NBS data portal JSON: joined on codes, hasdata=false is missing, names and units from wdnodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.errors import ReleaseError
from ingest.formats import FORMATS
from ingest.formats.nbs_json import FORMAT, parse_sj
from ingest.formats.preview import read_preview
from ingest.normalise import Period
from ingest.registry import Source
from tests.ingest.conftest import FIXTURES, make_source

FIXTURE = FIXTURES / "nbs_rd_quarterly.json"
NAME = "规模以上工业企业研究与试验发展(R&D)经费支出_累计值"


def nbs_source(**options: Any) -> Source:
    opts: dict[str, Any] = {
        "zb": {
            "A0F0101": {"indicator": "规上工业企业研发经费", "measure": "ytd_value", "name": NAME},
            "A0F0102": {"indicator": "规上工业企业研发经费", "measure": "ytd_growth_pct"},
        },
        "regions": {"330211": "district"},
    }
    opts.update(options)
    return make_source(
        id="stats_rd_api",
        format="nbs_json",
        location="stats_api/rd_{year}.json",
        excel_report=None,
        nbs_json=opts,
        indicators=[{"label": "规上工业企业研发经费", "code": "industrial_rd_expenditure", "unit": "亿元"}],
    )


def _doc() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _values(content: bytes, source: Source | None = None) -> dict[tuple[str, Period], float | None]:
    parsed = read_preview(content, source or nbs_source(), "rd_2024.json")
    return {(r.measure, r.period): r.value for r in parsed.figures}


@pytest.mark.parametrize(
    ("code", "period"),
    [
        ("202403", Period(2024, 3, 3)),
        ("202412", Period(2024, 12, 12)),
        ("2024", Period(2024, 1, 12)),
        ("2024A", Period(2024, 1, 3)),
        ("2024B", Period(2024, 4, 6)),
        ("2024C", Period(2024, 7, 9)),
        ("2024D", Period(2024, 10, 12)),
    ],
)
def test_sj_codes(code: str, period: Period) -> None:
    assert parse_sj(code) == period


@pytest.mark.parametrize("code", ["202413", "2024E", "24A", "LAST6"])
def test_bad_sj_codes(code: str) -> None:
    with pytest.raises(ValueError):
        parse_sj(code)


def test_the_registry_knows_the_format() -> None:
    assert FORMATS["nbs_json"] is FORMAT


def test_values_by_code_for_the_district_only() -> None:
    parsed = read_preview(FIXTURE.read_bytes(), nbs_source(), "rd_2024.json")
    values = {(r.measure, r.period): r.value for r in parsed.figures}
    assert values[("ytd_value", Period(2024, 1, 3))] == 6.12
    assert values[("ytd_value", Period(2024, 1, 6))] == 13.85  # 2024B of a 累计 series is 1-6月
    assert values[("ytd_growth_pct", Period(2024, 1, 6))] == 5.6
    assert {r.region_code for r in parsed.figures} == {"district"}  # the city's rows are skipped
    assert len(parsed.figures) == 6  # the unmapped zb A0F0201 is not taken
    rec = next(r for r in parsed.figures if r.measure == "ytd_value")
    assert (rec.unit_raw, rec.unit, rec.unit_multiplier, rec.label_raw) == ("亿元", "yuan", 1e8, NAME)


def test_hasdata_false_is_missing_never_zero() -> None:
    values = _values(FIXTURE.read_bytes())
    assert values[("ytd_value", Period(2024, 1, 9))] is None  # the portal sent data=0, hasdata=false
    assert values[("ytd_growth_pct", Period(2024, 1, 9))] is None


def test_joined_on_codes_not_position() -> None:
    doc = _doc()
    doc["returndata"]["datanodes"].reverse()
    doc["returndata"]["wdnodes"][0]["nodes"].reverse()
    assert _values(_bytes(doc)) == _values(FIXTURE.read_bytes())


def test_without_a_regions_map_the_reg_code_is_the_region() -> None:
    parsed = read_preview(FIXTURE.read_bytes(), nbs_source(regions=None), "rd_2024.json")
    assert {r.region_code for r in parsed.figures} == {"330211", "330200"}


def test_release_without_reg_dimension_uses_the_source_region() -> None:
    doc = _doc()
    nodes = [n for n in doc["returndata"]["datanodes"] if "330211" in n["code"]]
    for n in nodes:
        n["wds"] = [w for w in n["wds"] if w["wdcode"] != "reg"]
    doc["returndata"]["datanodes"] = nodes
    assert len(_values(_bytes(doc))) == 6


def test_a_declared_code_missing_from_the_release_is_an_error() -> None:
    doc = _doc()
    doc["returndata"]["wdnodes"][0]["nodes"] = [
        n for n in doc["returndata"]["wdnodes"][0]["nodes"] if n["code"] != "A0F0102"
    ]
    with pytest.raises(ReleaseError, match="A0F0102 .* is not in the release") as err:
        read_preview(_bytes(doc), nbs_source(), "rd_2024.json")
    assert "column=wdnodes.zb.A0F0102" in str(err.value)


def test_a_code_renamed_upstream_is_an_error() -> None:
    doc = _doc()
    doc["returndata"]["wdnodes"][0]["nodes"][0]["cname"] = "R&D人员全时当量"
    with pytest.raises(ReleaseError, match="now named 'R&D人员全时当量'; expected"):
        read_preview(_bytes(doc), nbs_source(), "rd_2024.json")


def test_a_changed_unit_is_an_error() -> None:
    doc = _doc()
    doc["returndata"]["wdnodes"][0]["nodes"][0]["unit"] = "万元"
    with pytest.raises(ReleaseError, match="unit of 规上工业企业研发经费 changed to '万元'") as err:
        read_preview(_bytes(doc), nbs_source(), "rd_2024.json")
    assert "row=" in str(err.value) and "column=datanodes[" in str(err.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (FIXTURE.read_bytes()[:3000], "not valid JSON"),
        (b'{"returncode": 501, "returndata": "error"}', "returncode is 501"),
        ("{}".encode("utf-16"), "not UTF-8"),
        (b'{"returncode": 200, "returndata": {"datanodes": [{"code": "x"}], "wdnodes": []}}', "wdnodes"),
    ],
)
def test_broken_releases(content: bytes, fragment: str) -> None:
    with pytest.raises(ReleaseError, match=fragment) as err:
        read_preview(content, nbs_source(), "rd_2024.json")
    assert "source=stats_rd_api, file=rd_2024.json" in str(err.value)


def test_unreadable_strdata_is_an_error() -> None:
    doc = _doc()
    node = next(n for n in doc["returndata"]["datanodes"] if n["code"] == "zb.A0F0101_reg.330211_sj.2024A")
    node["data"]["strdata"] = "6.12(快报)"
    with pytest.raises(ReleaseError, match="not a number"):
        read_preview(_bytes(doc), nbs_source(), "rd_2024.json")


def test_bad_sj_in_a_node_names_the_node() -> None:
    doc = _doc()
    node = next(n for n in doc["returndata"]["datanodes"] if n["code"] == "zb.A0F0101_reg.330211_sj.2024A")
    node["wds"][2]["valuecode"] = "2024Q1"
    with pytest.raises(ReleaseError, match="sj code '2024Q1'") as err:
        read_preview(_bytes(doc), nbs_source(), "rd_2024.json")
    assert "column=wds.sj" in str(err.value)


def test_series_must_name_a_registered_indicator(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not in `indicators`"):
        nbs_source(zb={"A0F0101": {"indicator": "研发经费", "measure": "ytd_value"}})
