"""No plan year is written in code: years come from the catalog (plans.csv), the data and the settings.

A plan year written into code is what made planwatch fail from February 2025 (a year variable in dbt,
a year in the DAG's start date). This test reads every Python module of the packages and the DAGs, and
every dbt model and macro, and fails on a year written as a value: a number such as 2024, or a string
that is a year, a month or a day such as "2024-01". Years inside longer texts (examples in messages and
docstrings) and in comments are fine. A literal that is not a plan year (a fixed timestamp that makes
sample files reproducible) says so on its line with `year-literal: <why>`.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_code_quality import PACKAGES

YEAR = r"20[1-9]\d"  # plausible plan years 2010-2099 (2000 is a length limit, not a year, in this code)
YEAR_NUMBER = re.compile(rf"{YEAR}")
YEAR_STRING = re.compile(rf"[rbuf]*(['\"]){YEAR}(-\d\d(-\d\d([T ][\d:]+Z?)?)?)?\1")
SQL_YEAR = re.compile(rf"(?<![\w.'-]){YEAR}(?![\w.])|'{YEAR}(-\d\d){{0,2}}'")
MARKER = "year-literal:"
# sample-data generators carry the figures of invented years: they are data, not code
EXCLUDED = ("samples/",)


def _python_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    files += list((REPO / "dags").glob("*.py"))
    return sorted(p for p in files if not str(p.relative_to(REPO)).startswith(EXCLUDED))


def python_year_literals(source: str) -> list[tuple[int, str]]:
    lines = [*source.splitlines(), ""]  # the end-marker token sits after the last line
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if MARKER in lines[tok.start[0] - 1]:
            continue
        if (
            tok.type == tokenize.NUMBER
            and YEAR_NUMBER.fullmatch(tok.string)
            or tok.type == tokenize.STRING
            and YEAR_STRING.fullmatch(tok.string)
        ):
            found.append((tok.start[0], tok.string))
    return found


def sql_year_literals(source: str) -> list[tuple[int, str]]:
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), source, flags=re.S)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("--")[0]
        if MARKER not in line and (m := SQL_YEAR.search(code)):
            found.append((number, m.group(0)))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("plan_year = 2024\n", [(1, "2024")]),
        ('first = "2024-01"\n', [(1, '"2024-01"')]),
        ('raise X(f"a title such as 2024年1-9月")\n', []),
        ('"""Released in 2024."""\n', []),
        ("limit = 2000\n", []),
        ("stamp = (2024, 1, 1)  # year-literal: a fixed timestamp for reproducible files\n", []),
    ],
)
def test_the_python_rule_tells_a_year_value_from_an_example(source: str, expected: list) -> None:
    assert python_year_literals(source) == expected


def test_the_sql_rule_sees_through_comments() -> None:
    sql = "{# as of 2024 #}\nselect 1 -- 2024\nwhere period_year = 2024 and d = '2024-09-01'\n"
    assert sql_year_literals(sql) == [(3, "2024")]


def test_no_plan_year_is_written_in_code() -> None:
    found = []
    for path in _python_files():
        found += [f"{path.relative_to(REPO)}:{n}: {lit}" for n, lit in python_year_literals(path.read_text())]
    for folder in ("models", "macros"):
        for path in sorted((REPO / "dbt_project" / folder).rglob("*.sql")):
            found += [
                f"{path.relative_to(REPO)}:{n}: {lit}" for n, lit in sql_year_literals(path.read_text())
            ]
    assert not found, "year literals in code (take them from the catalog or settings):\n" + "\n".join(found)
