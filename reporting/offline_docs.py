"""GX Data Docs that open on an air-gapped intranet: no request leaves the machine.

GX renders its pages with scripts, styles, fonts and a logo loaded from CDNs (16 addresses in GX 1.24);
offline the run list stays empty and the pass/fail icons are blank. The same files are kept in
reporting/vendor/gx_data_docs/ (unchanged npm distribution files, with their licences, listed with the
address each replaces in assets.yml). After GX has written a site, `make_offline` copies them into the
site's static/vendor/ and points every <script>, <link> and <img> at them by a relative path, so the
site also works when copied elsewhere or opened from a file share. Subresource-integrity and crossorigin
attributes go with the CDN address: they only apply to a CORS fetch, which a file:// page cannot make.
GX's validation pages also link their favicon one folder too shallow (a request that fails even online);
links to static/images/ are pointed at the site's own copy as well.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import yaml

from core.errors import ConfigError

log = logging.getLogger(__name__)

VENDOR = "gx_data_docs"
SITE_FOLDER = Path("static") / "vendor"
TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE | re.DOTALL)
URL_ATTR = re.compile(
    r"""\b(src|href)\s*=\s*(["'])(https?://[^"']+|[^"':]*static/images/[^"']+)\2""", re.IGNORECASE
)
CORS_ATTRS = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*(["'])[^"']*\1""", re.IGNORECASE)


class OfflineDocsError(ConfigError):
    """reporting/vendor/gx_data_docs/assets.yml is missing an asset or names a file that is not there."""


@dataclass(frozen=True)
class Assets:
    folder: Path
    files: dict[str, str]  # remote address -> path under folder
    images_prefix: str

    @classmethod
    def load(cls) -> Assets:
        folder = Path(str(resources.files("reporting").joinpath("vendor", VENDOR)))
        data = yaml.safe_load((folder / "assets.yml").read_text(encoding="utf-8"))
        files = {url: entry["file"] for url, entry in data["assets"].items()}
        missing = [f for f in files.values() if not (folder / f).is_file()]
        if missing:
            raise OfflineDocsError(f"{folder}/assets.yml names files that are not there: {missing}")
        return cls(folder, files, data["images_prefix"])


def make_offline(site_dir: Path) -> list[str]:
    """Rewrite every page of the site to local assets; returns the remote addresses left (none expected)."""
    assets = Assets.load()
    target = site_dir / SITE_FOLDER
    shutil.copytree(assets.folder, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("assets.yml"))
    unknown: set[str] = set()
    pages = 0
    for page in site_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        rewrite = partial(_rewrite, page=page, site_dir=site_dir, assets=assets, unknown=unknown)
        rewritten = TAG.sub(rewrite, html)
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
            pages += 1
    if unknown:
        log.warning("Data Docs still load from the network: %s (add them to assets.yml)", sorted(unknown))
    log.info("Data Docs made offline: %d pages now load local assets from %s", pages, target)
    return sorted(unknown)


def _rewrite(m: re.Match[str], *, page: Path, site_dir: Path, assets: Assets, unknown: set[str]) -> str:
    return _local_tag(m.group(0), page, site_dir, assets, unknown)


def _local_tag(tag: str, page: Path, site_dir: Path, assets: Assets, unknown: set[str]) -> str:
    def local(m: re.Match[str]) -> str:
        attr, quote, url = m.groups()
        if url in assets.files:
            path = site_dir / SITE_FOLDER / assets.files[url]
        elif url.startswith(assets.images_prefix) or not url.startswith("http"):
            # GX's own images: from its bucket, or (the favicon of validation pages) one folder too shallow
            name = url.rsplit("/", 1)[-1].split("?", 1)[0]
            path = site_dir / "static" / "images" / name
        else:
            unknown.add(url)
            return m.group(0)
        return f"{attr}={quote}{Path(os.path.relpath(path, page.parent)).as_posix()}{quote}"

    out = URL_ATTR.sub(local, tag)
    return CORS_ATTRS.sub("", out) if out != tag else tag
