"""GX Data Docs: the run's validation results as static HTML for people, readable with no network.

GX writes the site; reporting.offline_docs then points its pages at local copies of the scripts, styles,
fonts and images GX would fetch from CDNs, because government intranets are often air-gapped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def build_data_docs(context: Any, out_dir: Path) -> str | None:
    """Render the run's validation results as GX Data Docs under out_dir; returns the index page's URL."""
    from reporting.offline_docs import make_offline

    out_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        site_name="planwatch",
        site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
        },
    )
    urls = context.build_data_docs(site_names=["planwatch"])
    make_offline(out_dir)
    return urls.get("planwatch")
