"""The landing manifest read while it is being appended to."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ingest.landing import Landing

FETCHED = datetime(2024, 5, 3, 2, 0, tzinfo=UTC)


def test_a_line_still_being_written_is_not_yet_a_delivery(tmp_path: Path) -> None:
    landing = Landing(tmp_path)
    kept = landing.keep("bureau", "returns/2024-05/health.xlsx", b"first", FETCHED)
    manifest = tmp_path / "bureau" / "manifest.jsonl"
    whole = json.dumps({"source_id": "bureau", "location": "returns/2024-05/edu.xlsx", "sha256": "ab"})
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(whole[:60])  # another process's append, cut mid-string

    assert [e.location for e in landing.entries("bureau")] == ["returns/2024-05/health.xlsx"]
    assert landing.latest_for("bureau", "returns/2024-05/health.xlsx") == kept
    assert landing.latest_for("bureau", "returns/2024-05/edu.xlsx") is None


def test_fetch_threads_reading_and_appending_see_only_whole_deliveries(tmp_path: Path) -> None:
    landing = Landing(tmp_path)
    locations = [f"returns/2024-{m:02d}/bureau{b}.xlsx" for m in range(1, 13) for b in range(40)]

    def one(location: str) -> str | None:
        landing.latest_for("bureau", location)  # what a fetch asks before it keeps a release
        entry = landing.keep("bureau", location, location.encode() * 200, FETCHED)
        return entry.sha256

    with ThreadPoolExecutor(max_workers=8) as pool:
        shas = list(pool.map(one, locations))

    entries = Landing(tmp_path).entries("bureau")
    assert sorted(e.location for e in entries) == sorted(locations)
    assert {e.sha256 for e in entries} == set(shas)


def test_a_delivery_another_process_appends_beside_ours_is_seen(tmp_path: Path) -> None:
    ours, theirs = Landing(tmp_path), Landing(tmp_path)  # two processes' indexes of one manifest
    first = ours.keep("bureau", "stats/2024-05.csv", b"may", FETCHED)
    assert ours.latest_for("bureau", "stats/2024-05.csv") == first  # kept in the index after our append
    june = ours.keep("bureau", "stats/2024-06.csv", b"june", FETCHED)

    revised = theirs.keep("bureau", "stats/2024-05.csv", b"may, revised", FETCHED)
    # our next append lands after theirs, which our index has not read: it must not stay trusted
    ours._append(replace(june, fetched_at="2024-07-03T02:00:00+00:00"))

    assert ours.latest_for("bureau", "stats/2024-05.csv") == revised
    assert ours.latest_for("bureau", "stats/2024-06.csv").fetched_at.startswith("2024-07-03")
    assert len(Landing(tmp_path).entries("bureau")) == 4
