"""GX Data Docs on an air-gapped intranet: the index and a validation page open with the network blocked,
request nothing remote, fail no request and log no console error, and show their runs and icons.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from expectations.runner import validate_build
from ingest.registry import load_registry
from reporting.offline_docs import Assets
from tests.conftest import REPO, Warehouse
from tests.reporting.browser import CHROMIUM, Browser

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("data_docs")
    raw = docs.parent / "raw.duckdb"
    shutil.copyfile(built_warehouse.raw_db, raw)
    validate_build(
        built_warehouse.build_db,
        raw,
        sources=load_registry(REPO / "config" / "sources"),
        rules_file=REPO / "config" / "quality_rules.yml",
        as_of=date(2024, 9, 1),
        data_docs_dir=docs,
        today=date(2024, 10, 31),
    )
    return docs


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM:
        pytest.skip("chromium is not installed (bash scripts/system_deps.sh installs it)")
    b = Browser()
    yield b
    b.close()


def validation_page(site: Path) -> Path:
    pages = sorted((site / "validations").rglob("*.html"))
    assert pages, "GX wrote no validation page"
    return next((p for p in pages if "fct_target_progress" in str(p)), pages[0])


def test_no_page_references_a_remote_script_style_or_image(site: Path) -> None:
    import re

    remote = set()
    for page in site.rglob("*.html"):
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", page.read_text(encoding="utf-8")):
            remote.update(re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", tag))
    assert remote == set(), f"add these to reporting/vendor/gx_data_docs/assets.yml: {sorted(remote)}"


@pytest.mark.parametrize("which", ["index", "validation"])
def test_pages_open_with_the_network_blocked(site: Path, browser: Browser, which: str) -> None:
    page_file = site / "index.html" if which == "index" else validation_page(site)
    page = browser.open(page_file.as_uri(), width=1440)
    remote = [u for u in page.log.requests if not u.startswith(("file:", "data:"))]
    assert remote == [], remote
    assert page.log.failed == [], page.log.failed
    assert page.log.console == [], page.log.console
    # what was blank offline before: the scripts ran, the icons' font loaded, the logo drew
    assert page.evaluate("typeof jQuery === 'function' && typeof vegaEmbed === 'function'")
    assert page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    if which == "index":  # the run list is a bootstrap-table filled by script: empty when scripts fail
        rows = page.evaluate("document.querySelectorAll('table tbody tr').length")
        assert rows >= 1


def test_every_vendored_asset_has_its_licence() -> None:
    assets = Assets.load()
    licences = {p.stem for p in (assets.folder / "licences").glob("*.txt")}
    packages = {"vega", "vega-lite", "vega-embed", "fontawesome-free", "jquery", "popper.js", "bootstrap",
                "bootstrap-table", "bootstrap-datepicker", "bootstrap-dark"}  # fmt: skip
    assert packages <= licences
    assert len(assets.files) == 16
