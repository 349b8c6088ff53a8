"""The cases of issue 13 that a plan text in the wild brings, written as government pages write them:
full-width punctuation (，；：（）％), lists, ranges, last year's results beside this year's targets."""

from __future__ import annotations

import pytest

from plancatalog.draft import DraftTarget
from plancatalog.extract import extract_targets

YEAR = 2026


def rows(text: str) -> list[tuple[str, float | None, str, str, str]]:
    return [(t.quote, t.value, t.unit, t.comparator, t.kind) for t in extract_targets(text, YEAR)]


def one(text: str) -> DraftTarget:
    found = extract_targets(text, YEAR)
    assert len(found) == 1, [t.quote for t in found]
    return found[0]


def test_full_width_punctuation_splits_clauses_like_half_width() -> None:
    full = "地区生产总值增长5.5％左右；一般公共预算收入增长4％；城镇调查失业率控制在5.5％以内。"
    half = "地区生产总值增长5.5%左右;一般公共预算收入增长4%;城镇调查失业率控制在5.5%以内。"
    expected = [
        (5.5, "%", "~", "growth"),
        (4, "%", ">=", "growth"),
        (5.5, "%", "<=", "rate_held"),
    ]
    for text in (full, half):
        assert [r[1:] for r in rows(text)] == expected
    assert [r[0] for r in rows(full)] == [
        "地区生产总值增长5.5％左右",
        "一般公共预算收入增长4％",
        "城镇调查失业率控制在5.5％以内",
    ]


def test_a_sentence_of_six_targets_is_six_tight_rows() -> None:
    text = (
        "主要预期目标为：地区生产总值增长6％，固定资产投资增长7％，社会消费品零售总额增长6.5％，"
        "新增城镇就业1.2万人，城镇调查失业率控制在5.5％以内，居民消费价格涨幅3％左右。"
    )
    found = rows(text)
    assert len(found) == 6
    assert found[0][0] == "地区生产总值增长6％" and found[-1][0] == "居民消费价格涨幅3％左右"


def test_respectively_with_a_list_of_numbers() -> None:
    clause = "规模以上工业增加值、固定资产投资分别增长5％、6.5％以上"
    found = extract_targets(clause + "。", YEAR)
    assert [(t.quote, t.value, t.kind, t.indicator_name) for t in found] == [
        (clause, 5, "growth", "规模以上工业增加值"),
        (clause, 6.5, "growth", "固定资产投资"),
    ]
    decreases = rows("单位地区生产总值能耗和二氧化碳排放分别下降10％和8％。")
    assert [(r[1], r[4]) for r in decreases] == [(10, "decrease"), (8, "decrease")]


@pytest.mark.parametrize(
    ("text", "quotes"),
    [
        (
            "新增国家高新技术企业80家和科技型中小企业300家。",
            ["新增国家高新技术企业80家", "科技型中小企业300家"],
        ),
        ("建设工业互联网平台10个以上及5G应用场景50个。", ["建设工业互联网平台10个以上", "5G应用场景50个"]),
        ("新引进10亿元以上项目5个和5亿元以上项目12个。", ["新引进10亿元以上项目5个", "5亿元以上项目12个"]),
    ],
)
def test_two_targets_joined_by_he_or_ji(text: str, quotes: list[str]) -> None:
    assert [r[0] for r in rows(text)] == quotes


@pytest.mark.parametrize(
    ("text", "value", "band", "unit"),
    [
        ("外贸进出口总额增长5.5％—6％。", 5.75, 0.25, "%"),
        ("固定资产投资增长5%-6%。", 5.5, 0.5, "%"),
        ("新增省级农业龙头企业3-5家。", 4, 1, "家"),
        ("建设口袋公园10～16处。", 13, 3, "处"),
    ],
)
def test_ranges_are_a_band(text: str, value: float, band: float, unit: str) -> None:
    t = one(text)
    assert (t.value, t.band, t.unit, t.comparator) == (value, band, unit, "~")


def test_last_years_results_and_this_years_targets_in_one_sentence() -> None:
    text = (
        "预计全年地区生产总值增长5.8％；一般公共预算收入完成21.3亿元，增长5.2％。"
        "2025年全县一般公共预算收入完成18.6亿元，2026年目标为增长5％以上。"
        "预计2025年社会消费品零售总额增长7.8％，今年力争增长7％。"
        "2025年，全区地区生产总值增长6.2％，一般公共预算收入完成52.3亿元。"
    )
    assert [(r[0], r[1]) for r in rows(text)] == [("2026年目标为增长5％以上", 5), ("今年力争增长7％", 7)]


def test_a_base_year_is_not_last_years_result() -> None:
    assert rows("单位地区生产总值用水量比2020年下降5％。")[0][1:] == (5, "%", ">=", "decrease")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("细颗粒物年均浓度降低至30微克/立方米以下。", (30, "<=", "level", "lower")),
        ("PM2.5浓度下降至29微克/立方米。", (29, "<=", "level", "lower")),
        ("城镇调查失业率降至5％。", (5, "<=", "rate_held", "lower")),
        ("单位地区生产总值能耗下降3％。", (3, ">=", "decrease", "lower")),
        ("常住人口城镇化率提高到71.5％。", (71.5, ">=", "rate_held", "higher")),
    ],
)
def test_down_to_a_level_versus_down_by(text: str, expected: tuple[float, str, str, str]) -> None:
    t = one(text)
    assert (t.value, t.comparator, t.kind, t.direction) == expected


def test_price_rise_held_down() -> None:
    assert one("居民消费价格涨幅控制在3％左右。").comparator == "~"
    t = one("居民消费价格涨幅控制在3％以内。")
    assert (t.kind, t.comparator) == ("growth", "<=")


def test_break_through_means_more_than() -> None:
    t = one("外贸进出口总额突破600亿元。")
    assert (t.value, t.comparator, t.kind) == (600, ">", "level")


def test_relative_targets_name_their_benchmark() -> None:
    t = one("居民人均可支配收入增速高于全市平均1个百分点。")
    assert (t.value, t.unit, t.kind, t.comparator) == (1, "个百分点", "relative", ">=")
    assert "全市平均" in t.notes and t.indicator_name == "居民人均可支配收入"
    assert one("旅游接待人次恢复到2019年的90％。").kind == "relative"
    assert one("农村集体经济总收入增速高于5%。").kind == "growth"  # a bare floor, no benchmark


def test_a_share_of_things_with_de() -> None:
    t = one("20％以上的行政村集体经济年经营性收入达到50万元。")
    assert (t.value, t.unit, t.kind, t.quote) == (
        20,
        "%",
        "rate_held",
        "20％以上的行政村集体经济年经营性收入达到50万元",
    )
    assert rows("推动营收3亿元以上的企业研发机构全覆盖。")[0][4] == "coverage"


@pytest.mark.parametrize(
    ("text", "unit", "kind"),
    [
        ("新建城市绿道8000米。", "米", "level"),
        ("完成城中村改造房屋1200间。", "间", "count"),
        ("新增路灯1800盏。", "盏", "count"),
        ("送电影下乡2400次。", "次", "count"),
        ("组织职业技能培训1.2万人次。", "万人次", "count"),
        ("开展文化惠民活动300场次。", "场次", "count"),
        ("举办“乡村大讲堂”24期。", "期", "count"),
        ("加装电梯600部。", "部", "count"),
        ("新建幼儿园3所。", "所", "count"),
        ("新增城市公园15座。", "座", "count"),
        ("建成应急避难场所5处。", "处", "count"),
    ],
)
def test_measure_words(text: str, unit: str, kind: str) -> None:
    t = one(text)
    assert (t.unit, t.kind) == (unit, kind)


def test_counted_things_before_their_noun() -> None:
    t = one("完成主城区3.5万盏路灯节能改造。")
    assert (t.value, t.unit, t.quote) == (3.5, "万盏", "完成主城区3.5万盏路灯节能改造")


def test_ratio_without_a_unit() -> None:
    t = one("城乡居民收入比缩小至1.85以内。")
    assert (t.value, t.unit, t.comparator, t.unit_canonical) == (1.85, "", "<=", "ratio")
    assert one("城乡居民收入倍差缩小到1.6以内。").indicator_name == "城乡居民收入倍差"
    assert rows("开展“1.5以内”专项行动。") == []


@pytest.mark.parametrize(
    "text",
    [
        "居民人均可支配收入增长与经济增长同步。",
        "经济发展质量稳中提质。",
        "完成市下达的节能减排目标任务。",
        "单位地区生产总值能耗和二氧化碳排放量完成市下达目标。",
        "举办第三届马拉松。",
    ],
)
def test_soft_targets_without_a_number_are_not_rows(text: str) -> None:
    assert rows(text) == []


def test_later_year_targets_and_dates() -> None:
    found = extract_targets("到2028年，战略性新兴产业增加值占比达到45％，产值突破5000亿元。", YEAR)
    assert [(t.target_year, t.due_date) for t in found] == [(2028, "2028-12-31"), (2028, "2028-12-31")]
    t = one("6月底前，城市轨道交通4号线一期开通运营。")
    assert (t.kind, t.due_date) == ("milestone", "2026-06-30")


def test_paired_variants() -> None:
    assert [r[4] for r in rows("生产安全事故起数和死亡人数实现“双下降”。")] == ["decrease", "decrease"]
    assert [r[4] for r in rows("近岸海域水质优良比例、入海河流断面达标率实现“双提升”。")] == [
        "growth",
        "growth",
    ]


def test_quotes_are_the_original_characters() -> None:
    text = "新建５Ｇ基站３０００座，实现重点产业园区千兆光网全覆盖。"
    found = extract_targets(text, YEAR)
    assert [t.quote for t in found] == ["新建５Ｇ基站３０００座", "实现重点产业园区千兆光网全覆盖"]
    assert all(text[t.span_start : t.span_end] == t.quote for t in found)


def test_a_review_passage_opened_by_an_intro_sentence_runs_until_this_years_work() -> None:
    text = (
        "安平县2026年政府工作报告\n"
        "一年来，我们主要做了以下四个方面工作：\n"
        "一、稳增长成效明显\n新建标准厂房30万平方米，入驻企业46家，城东大桥建成通车。\n"
        "二、民生持续改善\n新增城镇就业5200人。\n"
        "2026年工作安排\n"
        "一、扩大有效投资\n新建标准厂房20万平方米，滨河路建成通车。\n"
    )
    assert rows(text) == [
        ("新建标准厂房20万平方米", 20, "万平方米", ">=", "level"),
        ("滨河路建成通车", None, "", "=", "milestone"),
    ]


def test_an_unnumbered_review_heading_opens_a_review() -> None:
    text = "2025年工作回顾\n回顾这一年，新材料产业园一期顺利投产；汀州大桥建成投入使用。\n今年主要目标任务\n汀州二桥开工建设。"
    assert [r[0] for r in rows(text)] == ["汀州二桥开工建设"]


def test_price_index_and_natural_growth_rate() -> None:
    assert one("居民消费价格指数控制在3.5%以内。").kind == "growth"
    t = one("人口自然增长率控制在3‰以内。")
    assert (t.kind, t.unit, t.comparator) == ("rate_held", "‰", "<=")


def test_duo_after_a_unit_belongs_to_the_noun() -> None:
    assert one("完成40台多层住宅电梯加装。").comparator == ">="
    assert one("开展志愿服务活动300多场。").comparator == ">"


def test_jiancheng_qu_is_a_noun_only_before_its_own_words() -> None:
    assert one("建成区东部政务服务分中心。").kind == "milestone"
    assert rows("建成区绿化覆盖率稳步提高。") == []


def test_milestone_items_beside_counted_items() -> None:
    found = rows("建成滨江路等4条市政道路、建成人民路人行天桥、新增公厕8座。")
    assert [(r[0], r[4]) for r in found] == [
        ("建成滨江路等4条市政道路", "count"),
        ("建成人民路人行天桥", "milestone"),
        ("新增公厕8座", "count"),
    ]


@pytest.mark.parametrize(
    ("text", "unit"),
    [("配送图书6万册。", "万册"), ("新建笼式球场3片。", "片"), ("完成癌症早筛8000例。", "例")],
)
def test_units_added_from_real_plans(text: str, unit: str) -> None:
    assert one(text).unit == unit


def test_results_carry_on_through_the_sentences_of_their_paragraph() -> None:
    text = (
        "预计全年完成固定资产投资461亿元，增长2.4％。炼油项目建成投产，3号线二期建成通车。\n"
        "全年完成固定资产投资470亿元以上。4号线建成通车。"
    )
    assert [r[0] for r in rows(text)] == ["全年完成固定资产投资470亿元以上", "4号线建成通车"]


def test_vague_subjects_are_no_milestone_and_dates_are_no_name() -> None:
    assert rows("推动更多项目开工落地。") == []
    t = one("沿江大道一期年底前建成通车。")
    assert (t.indicator_name, t.due_date) == ("沿江大道一期", "2026-12-31")


def test_a_date_clause_dates_only_the_clause_after_it() -> None:
    found = extract_targets("9月底前，蛟川初中建成投用，新增学位3000个。", YEAR)
    assert [(t.kind, t.due_date) for t in found] == [("milestone", "2026-09-30"), ("count", "2026-12-31")]


def test_he_inside_a_name_is_no_conjunction() -> None:
    assert [r[0] for r in rows("新增省级未来乡村2个、和美乡村达标村10个。")] == [
        "新增省级未来乡村2个",
        "和美乡村达标村10个",
    ]


def test_a_counted_thing_after_its_number_is_not_a_continuation() -> None:
    found = extract_targets("打造3个特色商业街区，建设3个“一刻钟便民生活圈”。", YEAR)
    assert [t.indicator_name for t in found] == ["特色商业街区", "一刻钟便民生活圈"]
