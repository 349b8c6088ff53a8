"""Propose a registry entry from a sample release (`planwatch sources add --sample FILE`).

The format is recognised by the formats' own `sniff`, and the format's `propose` drafts the entry (sheet,
title and header rows read as a hierarchy, columns to measures, indicators with units, periods, location
template, calendar). Indicator codes are matched by name against the catalog; a row with no match gets
code "?". The draft is then loaded into a scratch database exactly as `planwatch sources load` would
load it, and the result (figures by indicator and measure, the first rows, or the error) is shown with
the YAML, so the reviewer sees what would be loaded before saving anything.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from core.errors import PlanwatchError, UsageError
from ingest.formats import FORMATS
from ingest.formats.base import Proposal
from ingest.formats.preview import preview_table, read_preview
from ingest.normalise import clean_label

log = logging.getLogger(__name__)


class InspectError(UsageError):
    """The sample cannot be read well enough to propose an entry."""


@dataclass(frozen=True)
class Drafted:
    yaml: str  # the proposed entry with review notes as comments on top
    preview: str  # what loading the sample with it would write, or why it cannot
    parses: bool
    entry: dict


def draft_entry(path: Path, catalog: Path | None = None, today: date | None = None) -> Drafted:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InspectError(f"{path}: cannot be read ({exc.strerror})") from exc
    fmt = next((f for f in FORMATS.values() if f.sniff(content, path)), None)
    if fmt is None:
        raise InspectError(f"{path}: no format recognises it (formats: {', '.join(FORMATS)})")
    try:
        proposal = fmt.propose(content, path)
    except PlanwatchError as exc:
        raise InspectError(f"{path}: {exc}") from exc
    _match_codes(proposal, catalog)
    notes = list(proposal.notes)
    parses, shown = _try(proposal, content, path, today)
    notes.append(
        "the sample parses with this entry" if parses else "the sample does NOT parse with this entry yet"
    )
    header = [f"# proposed by `planwatch sources add --sample {path.name}`: review every field before use"]
    header += [f"# {note}" for note in notes]
    body = yaml.safe_dump(proposal.entry, allow_unicode=True, sort_keys=False, width=110)
    return Drafted("\n".join(header) + "\n" + body, shown, parses, proposal.entry)


def propose_entry(path: Path, catalog: Path | None = None) -> str:
    """A proposed YAML registry entry for the sample release at `path`, with review notes on top."""
    drafted = draft_entry(path, catalog)
    return drafted.yaml + "\n# " + drafted.preview.replace("\n", "\n# ") + "\n"


def _try(proposal: Proposal, content: bytes, path: Path, today: date | None) -> tuple[bool, str]:
    from ingest.registry import Source

    try:
        source = Source.model_validate(proposal.entry)
        preview = read_preview(content, source, path.name, today=today)
    except ValidationError as exc:
        return False, f"the entry is not valid yet: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}"
    except PlanwatchError as exc:
        return False, f"loading the sample would fail: {exc}"
    return True, preview_table(preview)


def _match_codes(proposal: Proposal, catalog: Path | None) -> None:
    names: dict[str, str] = {}
    if catalog and catalog.is_file():
        with catalog.open(encoding="utf-8") as fh:
            names = {clean_label(r["name_zh"]): r["indicator_code"] for r in csv.DictReader(fh)}
    unmatched = []
    for ind in proposal.entry["indicators"]:
        code = names.get(clean_label(ind["label"]))
        if code is None:
            # a release's name often adds words (规模以上 for 规上, _累计值): take the catalog name it contains
            hits = [c for n, c in names.items() if n and n in clean_label(ind["label"])]
            code = hits[0] if len(hits) == 1 else None
        if code:
            ind["code"] = code
        else:
            unmatched.append(ind["label"])
    if unmatched:
        proposal.notes.append(
            "no indicator_code found for: " + ", ".join(unmatched) + " (code '?': fill in from indicators.csv"
            " or remove the row)"
        )
