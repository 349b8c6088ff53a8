"""What BI tests share: one published warehouse of the sample data, and older DuckDB releases to read it.

Older DuckDB releases are installed once into `.tools/duckdb-clients/<version>/` with the project's own uv
(`.tools/bin/uv pip install --target`, which `make` installs before any test runs), so a fresh clone needs
nothing else. They run in a child interpreter started with -I -S: no site-packages, so the venv's DuckDB 2.0
cannot stand in for them. When the package registry cannot be reached the tests that need them are skipped
with that reason; any other install failure fails the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, Warehouse

UV = REPO / ".tools" / "bin" / "uv"
CLIENTS = REPO / ".tools" / "duckdb-clients"
# what uv prints when it cannot reach the index (as opposed to a version that does not exist)
OFFLINE_SIGNS = ("error sending request", "dns error", "failed to connect", "connection refused", "network")


@pytest.fixture(scope="session")
def serving(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from publishing.publish import publish

    root = tmp_path_factory.mktemp("serving")
    build = root / "build.duckdb"
    shutil.copyfile(built_warehouse.build_db, build)
    return publish(build, root / "planwatch.duckdb", root / "published").path


def install_duckdb(version: str) -> Path:
    """The folder holding DuckDB `version` for Python 3.11, installed on first use and then reused."""
    target = CLIENTS / version
    if (target / "duckdb").is_dir():
        return target
    if not UV.exists():
        pytest.fail(f"{UV} is missing: run `make install` first")
    staged = CLIENTS / f".{version}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    proc = subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
         "--python", sys.executable, "--target", str(staged), f"duckdb=={version}"],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    if proc.returncode != 0:
        shutil.rmtree(staged, ignore_errors=True)
        if any(sign in proc.stderr.lower() for sign in OFFLINE_SIGNS):
            pytest.skip(f"the package registry is unreachable, so DuckDB {version} cannot be installed")
        pytest.fail(f"installing DuckDB {version} failed: {proc.stderr[-2000:]}")
    staged.rename(target)
    return target


OLD_CLIENT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import duckdb
request = json.loads(sys.argv[2])
con = duckdb.connect(request["path"], read_only=True)
answers = {name: con.execute(sql).fetchall() for name, sql in request["queries"].items()}
print(json.dumps({"version": duckdb.__version__, "answers": answers}, default=str, ensure_ascii=False))
"""


@pytest.fixture(scope="session")
def old_duckdb() -> Callable[[str, Path, dict[str, str]], dict[str, Any]]:
    """Run queries against a file with an older DuckDB, in an interpreter that cannot see DuckDB 2.0."""

    def run(version: str, path: Path, queries: dict[str, str]) -> dict[str, Any]:
        folder = install_duckdb(version)
        request = json.dumps({"path": str(path), "queries": queries})
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", OLD_CLIENT, str(folder), request],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, f"DuckDB {version} could not read {path.name}: {proc.stderr[-1500:]}"
        return json.loads(proc.stdout)

    return run
