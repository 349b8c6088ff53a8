"""Quarantine: a rejected release is kept with the reason beside it, for a person to look at.

Only landed files are quarantined (ingest's own copies, never a path from the registry), so a symlink
or an unreadable file is never copied here. The reason is one line: control characters escaped and its
length bounded, so a file's content cannot spill into REASON.txt, the load log, XCom or an alert beyond a
short excerpt. Files get the deployment's mode (PLANWATCH_UMASK), like landing.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.paths import write_atomic

REASON_LIMIT = 600
EXCERPT_LIMIT = 40


def excerpt(text: object, limit: int = EXCERPT_LIMIT) -> str:
    """A short, escaped piece of raw content for a message: printable, one line, at most `limit` chars.

    Idempotent, so a reason can pass through it again on its way to REASON.txt."""
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in str(text)[: limit + 1]
    )
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


# quoted values, paired left to right: short ones are kept as they are, long ones cut
_QUOTED = re.compile("'([^']*)(?:'|$)|\"([^\"]*)(?:\"|$)")


def safe_reason(reason: str, limit: int = REASON_LIMIT) -> str:
    """A rejection reason as stored and shown: one line, escaped, bounded, and every quoted value from
    the file (parsers quote what they found) cut to a short excerpt."""

    def cut(match: re.Match[str]) -> str:
        value = match.group(1) if match.group(1) is not None else match.group(2)
        if len(value) <= EXCERPT_LIMIT:
            return match.group(0)
        quote = match.group(0)[0]
        return quote + excerpt(value) + quote

    return excerpt(_QUOTED.sub(cut, str(reason)[:200_000]), limit)


def safe_file_name(name: str) -> str:
    """A file name that stays a single name inside the quarantine folder."""
    cleaned = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", name).lstrip(".")
    return cleaned[:120] or "release"


def quarantine_folder(root: Path, source_id: str, sha256: str) -> Path:
    return root / source_id / sha256[:16]


def quarantine(root: Path, source_id: str, file_name: str, landed: Path, sha256: str, reason: str) -> Path:
    """Copy a landed release into quarantine/<source>/<sha256[:16]>/ with REASON.txt beside it."""
    folder = quarantine_folder(root, source_id, sha256)
    target = folder / safe_file_name(file_name)
    write_atomic(target, landed.read_bytes())
    write_atomic(folder / "REASON.txt", (safe_reason(reason) + "\n").encode("utf-8"))
    return target
