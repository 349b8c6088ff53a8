"""Rules of the plan extractor, one short Chinese sentence at a time, and bad input through the CLI."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from plancatalog.commands import register
from plancatalog.draft import DraftTarget
from plancatalog.extract import extract_targets
from plancatalog.plantext import PlanInputError, read_plan_text

YEAR = 2025


def targets(text: str) -> list[DraftTarget]:
    return extract_targets(text, YEAR)


def one(text: str) -> DraftTarget:
    found = targets(text)
    assert len(found) == 1, [t.quote for t in found]
    return found[0]


def values(text: str) -> list[float | None]:
    return [t.value for t in targets(text)]


# --- numeric targets --------------------------------------------------------------------------------


def test_level_with_floor_and_unit_normalised() -> None:
    t = one("全年完成固定资产投资450亿元以上。")
    assert (t.value, t.unit, t.comparator, t.kind) == (450, "亿元", ">=", "level")
    assert (t.unit_canonical, t.unit_multiplier) == ("yuan", 1e8)
    assert t.indicator_name == "固定资产投资"
    assert t.target_year == YEAR


def test_quote_is_the_plans_own_words_with_its_span() -> None:
    text = "发挥投资关键作用。实际利用外资1.8亿美元以上、市外内资200亿元以上。"
    found = targets(text)
    assert [t.quote for t in found] == ["实际利用外资1.8亿美元以上", "市外内资200亿元以上"]
    for t in found:
        assert text[t.span_start : t.span_end] == t.quote


def test_growth_target() -> None:
    t = one("社会消费品零售总额增长6.5%。")
    assert (t.kind, t.value, t.unit, t.comparator) == ("growth", 6.5, "%", ">=")


def test_several_targets_in_one_sentence_are_several_rows() -> None:
    found = targets("新增数字化车间10个、智能工厂2个,数字经济核心产业增加值增长10%以上。")
    assert [(t.quote, t.value, t.kind) for t in found] == [
        ("新增数字化车间10个", 10, "count"),
        ("智能工厂2个", 2, "count"),
        ("数字经济核心产业增加值增长10%以上", 10, "growth"),
    ]


def test_count_with_classifier_keeps_the_noun_in_the_quote() -> None:
    t = one("新建2个小微园区。")
    assert (t.quote, t.value, t.kind, t.indicator_name) == ("新建2个小微园区", 2, "count", "小微园区")


def test_rates_held_and_shares() -> None:
    assert one("空气质量优良率保持90%以上。").kind == "rate_held"
    assert one("普惠性托位占比65%以上。").kind == "rate_held"
    t = one("国民体质合格率稳定在94.3%。")
    assert (t.kind, t.comparator, t.value) == ("rate_held", ">=", 94.3)


def test_stock_reached() -> None:
    t = one("有效发明专利拥有量达到5900件。")
    assert (t.kind, t.value, t.unit) == ("stock", 5900, "件")


def test_left_right_is_a_band() -> None:
    t = one("地区生产总值增长6%左右。")
    assert (t.comparator, t.band, t.value) == ("~", 0.5, 6)
    level = one("完成投资500亿元左右。")
    assert level.comparator == "~" and level.band == pytest.approx(10)


@pytest.mark.parametrize(
    "sentence",
    ["城镇调查失业率控制在5.5%以内。", "城镇登记失业率3%以下。", "PM2.5平均浓度不超过30微克/立方米。"],
)
def test_ceilings(sentence: str) -> None:
    t = one(sentence)
    assert t.comparator == "<="
    assert t.direction == "lower"


def test_pm25_is_an_identifier_not_a_number() -> None:
    assert targets("强化PM2.5和臭氧协同控制。") == []
    assert one("PM2.5平均浓度控制在30微克/立方米以内。").value == 30


def test_decrease() -> None:
    t = one("单位地区生产总值能耗下降3%。")
    assert (t.kind, t.value, t.direction) == ("decrease", 3, "lower")


def test_aspirational_and_continuation_of_the_previous_target() -> None:
    plain, stretch = targets("地区生产总值增长6%,力争7%。")
    assert not plain.aspirational
    assert stretch.aspirational and stretch.kind == "growth" and stretch.value == 7
    assert stretch.indicator_name == "地区生产总值"


@pytest.mark.parametrize(
    ("sentence", "value", "unit", "multiplier"),
    [("开展文化惠民演出500余场。", 500, "场", 1), ("设计学位1万余个。", 1, "万个", 10_000)],
)
def test_yu_means_more_than(sentence: str, value: float, unit: str, multiplier: float) -> None:
    t = one(sentence)
    assert (t.comparator, t.value, t.unit, t.unit_multiplier) == (">", value, unit, multiplier)


@pytest.mark.parametrize("sentence", ["高端人才项目占比超70%。", "区属国企营收超125亿元。", "增速高于5%。"])
def test_chao_and_gaoyu_mean_strictly_more(sentence: str) -> None:
    assert one(sentence).comparator == ">"


def test_chinese_numerals_after_a_delivering_verb() -> None:
    t = one("新建两个小微园区。")
    assert (t.value, t.unit) == (2, "个")
    assert targets("坚持两个毫不动摇,推动产业数字化“三个全覆盖”。") == []
    assert targets("推动产业数字化三个全覆盖。") == []


def test_full_width_digits() -> None:
    t = one("完成工业技改投资１９０亿元。")
    assert t.value == 190
    assert t.quote == "完成工业技改投资１９０亿元"


def test_units_come_from_the_vocabulary_with_their_multiplier() -> None:
    assert (
        one("全年完成粮食产量2.8亿斤。").unit_canonical,
        one("全年完成粮食产量2.8亿斤。").unit_multiplier,
    ) == ("kg", 5e7)
    t = one("规模以上工业总产值突破1.2万亿元。")
    assert (t.unit, t.unit_canonical, t.unit_multiplier, t.comparator) == ("万亿元", "yuan", 1e12, ">")
    assert one("新增光伏装机容量30万千瓦。").unit_multiplier == 10_000


def test_a_unit_added_to_the_vocabulary_is_read_without_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.vocabulary import vocabulary_dir

    folder = tmp_path / "dbt_project" / "seeds" / "vocabulary"
    shutil.copytree(vocabulary_dir(), folder)
    assert targets("全年植树造林12万棵。") == []
    with (folder / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("棵,count,1,count,true,棵（树木）\n")
    monkeypatch.setenv("PLANWATCH_HOME", str(tmp_path))
    t = one("全年植树造林12万棵。")
    assert (t.value, t.unit, t.kind, t.unit_multiplier) == (12, "万棵", "count", 10_000)


# --- paired, coverage and milestone targets ---------------------------------------------------------


def test_shuangbai_is_two_rates_of_100() -> None:
    found = targets("市控及以上断面水功能区达标率、水质优良率保持“双百”。")
    clause = "市控及以上断面水功能区达标率、水质优良率保持“双百”"
    assert [(t.quote, t.indicator_name, t.value, t.kind, t.comparator) for t in found] == [
        (clause, "市控及以上断面水功能区达标率", 100, "rate_held", "="),
        (clause, "水质优良率", 100, "rate_held", "="),
    ]


def test_shuangjiang_is_two_decreases() -> None:
    found = targets("实现道路运输安全事故起数和亡人数“双降”。")
    assert [t.kind for t in found] == ["decrease", "decrease"]
    assert [t.indicator_name for t in found] == ["道路运输安全事故起数", "亡人数"]


def test_coverage() -> None:
    t = one("实现公共资源交易项目线上全覆盖。")
    assert (t.kind, t.value, t.comparator, t.unit_canonical) == ("coverage", 100, "=", "percent")
    written = one("实现标准型镇街便民服务中心100%全覆盖。")
    assert (written.kind, written.value, written.unit) == ("coverage", 100, "%")


def test_milestones_have_no_value_and_one_row_per_project() -> None:
    found = targets("确保1100万吨炼油项目投产、高端合成新材料项目建成中交。")
    assert [(t.quote, t.kind, t.value) for t in found] == [
        ("确保1100万吨炼油项目投产", "milestone", None),
        ("高端合成新材料项目建成中交", "milestone", None),
    ]
    listed = targets("开工建设镇浦路、沿江大道、康桥北路等项目。")
    assert [t.quote for t in listed] == ["开工建设镇浦路", "沿江大道", "康桥北路等项目"]


def test_milestone_words() -> None:
    assert one("3号线二期建成通车。").kind == "milestone"
    assert one("人民医院创成三乙医院。").value is None
    assert one("力争常洪大桥及接线段开工。").aspirational
    assert one("完成区级国土空间总体规划报批。").kind == "milestone"


def test_work_in_progress_and_programme_names_are_not_milestones() -> None:
    assert targets("加快推进景和学校迁建项目建设。") == []
    assert targets("推进镇浦路过江通道开工前期工作。") == []
    assert targets("深入实施征迁清零攻坚行动。") == []
    assert targets("完善“亲清直通车”等政企沟通协商制度。") == []


# --- numbers that are not targets -------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "高水平推进制造业“122”产业集群建设。",
        "深入实施“1246”提级治气行动。",
        "深入实施绿色制造“521”工程。",
        "迭代升级“141”基层治理体系。",
        "实施智能制造“125+”工程。",
        "开展文旅“四十百千”工程。",
        "持续深化“八五”普法。",
        "加快轨道交通7号线、10号线建设。",
        "全面建设“15分钟公共服务圈”。",
        "打造15分钟便民生活圈。",
        "2024年是中华人民共和国成立75周年。",
        "推进XX炼化150万吨乙烯等重大产业项目建设。",
        "建设年产30万吨聚丙烯项目。",
        "高质量推进第五次全国经济普查。",
        "进入全省前10名。",
        "居民收入增长与经济增长同步。",
        "稳步提高进出口总额全国占比份额。",
    ],
)
def test_numbers_that_are_not_targets(sentence: str) -> None:
    assert targets(sentence) == []


def test_qualifiers_are_not_targets() -> None:
    t = one("推动营收3亿元以上的规上工业企业研发机构全覆盖。")
    assert t.kind == "coverage" and t.value == 100
    assert values("阶梯孵化亿元楼宇1座、5000万元以上楼宇2座、3000万元以上楼宇3座。") == [1, 2, 3]
    assert values("创建三星级以上绿色工厂40家。") == [40]
    assert values("培育营收超10亿元企业5家。") == [5]


def test_capacity_in_a_project_name_but_milestone_kept() -> None:
    t = one("确保1100万吨炼油项目投产。")
    assert (t.kind, t.value) == ("milestone", None)


def test_last_years_results_are_not_targets() -> None:
    text = (
        "2024年,全区完成固定资产投资420亿元,增长5.8%。"
        "预计全年地区生产总值增长5.8%,一般公共预算收入完成86.5亿元。"
        "1-11月,规上工业增加值增长8%。\n"
        "全年完成固定资产投资450亿元以上,比上年增长7%。"
    )
    assert [(t.value, t.unit) for t in targets(text)] == [(450, "亿元"), (7, "%")]


def test_review_section_is_skipped() -> None:
    text = (
        "区人民政府2025年工作计划\n"
        "一、2024年工作回顾\n全区新增高新技术企业120家。\n"
        "二、2025年工作安排\n新增高新技术企业130家。"
    )
    found = extract_targets(text)
    assert [(t.value, t.section, t.section_no) for t in found] == [(130, "二", 2)]


def test_multi_year_targets_keep_their_year() -> None:
    found = targets("到2027年,数字经济核心产业增加值占地区生产总值比重达到15%。全年新增就业1.3万人。")
    assert [(t.value, t.target_year) for t in found] == [(15, 2027), (1.3, YEAR)]


def test_sections_come_from_the_headings() -> None:
    text = (
        "区人民政府2024年工作计划\n(一)稳增长\n社会消费品零售总额增长6.5%。\n(十)保安全\n新增星级示范店7家。"
    )
    found = extract_targets(text)
    assert [(t.section, t.section_no, t.target_year) for t in found] == [("一", 1, 2024), ("十", 10, 2024)]


def test_year_is_read_from_the_title_or_required() -> None:
    with pytest.raises(PlanInputError, match="--year"):
        extract_targets("完成投资450亿元。")


# --- bad input through the CLI ----------------------------------------------------------------------


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="planwatch")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


PLAN_UTF8 = "区人民政府2025年工作计划\n(一)稳增长\n完成固定资产投资450亿元以上。\n"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("gbk.txt", PLAN_UTF8.encode("gbk"), "GBK"),
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\n", "empty"),
        ("binary.bin", bytes(range(256)) * 4, "binary"),
        ("notargets.txt", "区人民政府2025年工作计划\n坚持稳中求进。\n".encode(), "no targets"),
        ("english.txt", b"annual plan: invest more\n", "no Chinese"),
    ],
)
def test_bad_input_gives_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    path = write(tmp_path, name, data)
    out = tmp_path / "draft.csv"
    code = run_cli("plan", "extract", str(path), "--out", str(out))
    err = capsys.readouterr().err
    assert code != 0
    assert expected in err and str(path) in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli("plan", "extract", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "d.csv"))
    assert code != 0 and "no such file" in capsys.readouterr().err


def test_read_plan_text_accepts_a_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + PLAN_UTF8.encode())
    assert read_plan_text(path).startswith("区人民政府")
