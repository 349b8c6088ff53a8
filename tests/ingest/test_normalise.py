"""Periods, numbers and units as bureaus write them."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.normalise import (
    NormaliseError,
    Period,
    clean_label,
    parse_number,
    parse_period,
    parse_unit,
    split_name_and_unit,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024年1-2月", Period(2024, 1, 2)),
        ("2024年1—3月", Period(2024, 1, 3)),
        ("2024年1–3月累计", Period(2024, 1, 3)),
        ("2024年1~9月", Period(2024, 1, 9)),
        ("2024-03", Period(2024, 3, 3)),
        ("202403", Period(2024, 3, 3)),
        ("2024M03", Period(2024, 3, 3)),
        ("2024年3月", Period(2024, 3, 3)),
        ("２０２４年３月", Period(2024, 3, 3)),
        ("2024年一季度", Period(2024, 1, 3)),
        ("2024年第三季度", Period(2024, 7, 9)),
        ("2024Q2", Period(2024, 4, 6)),
        ("2024年上半年", Period(2024, 1, 6)),
        ("2024年1-3季度", Period(2024, 1, 9)),
        ("2024年前三季度", Period(2024, 1, 9)),
        ("2024年全年", Period(2024, 1, 12)),
        ("2024年", Period(2024, 1, 12)),
        ("2024", Period(2024, 1, 12)),
        ("2024年十二月", Period(2024, 12, 12)),
    ],
)
def test_periods_in_every_published_form(raw: str, expected: Period) -> None:
    assert parse_period(raw) == expected


def test_period_without_year_takes_the_default_year() -> None:
    assert parse_period("1-2月", default_year=2023) == Period(2023, 1, 2)
    assert parse_period("一季度", default_year=2023) == Period(2023, 1, 3)


def test_one_to_two_months_is_one_period_covering_two_months() -> None:
    p = parse_period("2024年1-2月")
    assert (p.start_month, p.end_month) == (1, 2)
    assert p.label == "2024年1-2月"


@pytest.mark.parametrize("raw", ["2024年13月", "2024年3-1月", "1-3月", "2024年春季", "last month"])
def test_unreadable_periods_raise(raw: str) -> None:
    with pytest.raises(NormaliseError):
        parse_period(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123.5", 123.5),
        ("１２３．５", 123.5),  # full-width digits and point
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("１，２３４", 1234.0),  # full-width thousands separator
        ("12.5%", 12.5),
        ("-3.2", -3.2),
        ("－3.2", -3.2),  # full-width minus
        ("−3.2", -3.2),  # U+2212 minus sign, as typeset tables write it
        (" 3 ", 3.0),
        ("一百二十", 120.0),
        ("两千", 2000.0),
        ("负三点五", -3.5),
        (42, 42.0),
        (0, 0.0),
        (1.5, 1.5),
    ],
)
def test_numbers(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "—", "——", "…", "……", "-", "--", "空", "/", "  "])
def test_missing_markers_are_none_never_zero(raw: object) -> None:
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12..3", "N/A?", True, "150.2亿", "1.5万", "约0.15", "12.5（初步）"])
def test_non_numbers_raise(raw: object) -> None:
    with pytest.raises(NormaliseError):
        parse_number(raw)


@pytest.mark.parametrize(
    ("raw", "canonical", "multiplier"),
    [
        ("亿元", "yuan", 1e8),
        ("万元", "yuan", 1e4),
        ("亿美元", "usd", 1e8),
        ("万千瓦", "kw", 1e4),
        ("万亩", "mu", 1e4),
        ("亩", "mu", 1.0),
        ("万斤", "kg", 5e3),
        ("万吨", "kg", 1e7),
        ("万平方米", "m2", 1e4),
        ("万人", "person", 1e4),
        ("万头", "head", 1e4),
        ("%", "percent", 1.0),
        ("％", "percent", 1.0),
        ("百分点", "percentage_point", 1.0),
        ("家", "count", 1.0),
        ("件", "count", 1.0),
        ("起", "count", 1.0),
        ("(亿元)", "yuan", 1e8),
    ],
)
def test_units_have_a_canonical_unit_and_explicit_multiplier(
    raw: str, canonical: str, multiplier: float
) -> None:
    unit = parse_unit(raw)
    assert (unit.canonical, unit.multiplier) == (canonical, multiplier)
    assert unit.raw == unicodedata.normalize("NFKC", raw).strip("()")  # the unit as published is kept


@pytest.mark.parametrize("raw", ["亿卢布", "", None, "斤斤"])
def test_unknown_units_raise(raw: object) -> None:
    with pytest.raises(NormaliseError):
        parse_unit(raw)


def test_labels_split_units_and_lose_indentation_and_sub_item_prefix() -> None:
    assert split_name_and_unit("固定资产投资(亿元)") == ("固定资产投资", "亿元")
    assert split_name_and_unit("固定资产投资（亿元）") == ("固定资产投资", "亿元")
    assert split_name_and_unit("空气质量优良率") == ("空气质量优良率", None)
    assert clean_label("  其中:工业投资") == "工业投资"
    assert clean_label("\u3000\u3000其中：工业投资*") == "工业投资"


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), "NaN", "nan", "inf", "-Infinity", "1e999", "#DIV/0!"]
)
def test_not_finite_and_error_values_are_errors_not_missing(raw: object) -> None:
    """Issue 14: NaN is not a missing marker bureaus print; a figure that became NaN or inf is reported."""
    with pytest.raises(NormaliseError):
        parse_number(raw)


@pytest.mark.parametrize(
    ("label", "months"),
    [
        ("2023年度", (2023, 1, 12)),
        ("２０２３年度", (2023, 1, 12)),
        ("2024年一季度", (2024, 1, 3)),
        ("2024年前三季度", (2024, 1, 9)),
        ("2024年1-3季度", (2024, 1, 9)),
        ("2024年１－９月", (2024, 1, 9)),
        ("2024年1～9月", (2024, 1, 9)),
        ("2024年上半年", (2024, 1, 6)),
        ("2024H1", (2024, 1, 6)),
        ("2024Q2", (2024, 4, 6)),
        ("2024年第二季度", (2024, 4, 6)),
        ("2024年全年", (2024, 1, 12)),
        ("2024年9月末", (2024, 9, 9)),
    ],
)
def test_every_period_form_bureaus_write(label: str, months: tuple[int, int, int]) -> None:
    """Finding 6: 一季度, 前三季度, 2023年度 and full-width forms are periods, from the vocabulary."""
    p = parse_period(label)
    assert (p.year, p.start_month, p.end_month) == months
