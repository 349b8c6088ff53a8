"""The house style, enforced: ruff (lint, format, Airflow AIR rules) and mypy on the packages."""

from __future__ import annotations

import ast
import re
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


MODULE_LINES, FUNCTION_LINES = 400, 60
REASON = re.compile(r"\b(size|long):\s*\S")  # "long: <why>" in a function's docstring or the comment above it


def _python_sources() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")] + list((REPO / "dags").glob("*.py"))
    return sorted(files)


def test_no_module_over_400_lines_and_no_function_over_60_without_a_stated_reason() -> None:
    """One module, one job: a long module or function says why it is long, or it is split."""
    too_long = []
    for path in _python_sources():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        if len(lines) > MODULE_LINES and not REASON.search(ast.get_docstring(tree) or ""):
            too_long.append(f"{path.relative_to(REPO)}: {len(lines)} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                above = lines[node.lineno - 2] if node.lineno > 1 else ""
                stated = REASON.search(ast.get_docstring(node) or "") or REASON.search(above)
                if length > FUNCTION_LINES and not stated:
                    too_long.append(f"{path.relative_to(REPO)}: {node.name}() {length} lines")
    assert not too_long, "split these, or state why they are long (`long: ...`):\n" + "\n".join(too_long)
