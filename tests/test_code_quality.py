"""The house style, enforced: ruff (lint, format, Airflow AIR rules) and mypy on the packages."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

BIN = Path(sys.executable).parent
# the project's packages, as the wheel (and the Makefile's PACKAGES) lists them
PACKAGES = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
    "packages"
]
CODE = [*PACKAGES, "dags", "tests", "benchmarks"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*args], cwd=REPO, capture_output=True, text=True)


def test_ruff_lint_is_clean() -> None:
    out = _run(str(BIN / "ruff"), "check", *CODE)
    assert out.returncode == 0, out.stdout[-4000:]


def test_ruff_format_is_clean() -> None:
    out = _run(str(BIN / "ruff"), "format", "--check", *CODE)
    assert out.returncode == 0, out.stdout[-4000:]


def test_mypy_is_clean_on_the_packages() -> None:
    out = _run(str(BIN / "mypy"), *PACKAGES)
    assert out.returncode == 0, out.stdout[-4000:]


def test_sqlfluff_is_clean_on_the_dbt_project() -> None:
    out = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "tests", "--processes", "2", "--nocolor"],
        cwd=REPO / "dbt_project",
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-4000:]
