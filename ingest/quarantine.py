"""Quarantine: a rejected release is kept with the reason beside it, for a person to look at."""

from __future__ import annotations

import hashlib
from pathlib import Path


def quarantine(root: Path, source_id: str, file_name: str, content: bytes, reason: str) -> Path:
    sha = hashlib.sha256(content).hexdigest()
    folder = root / source_id / sha[:16]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_name).write_bytes(content)
    (folder / "REASON.txt").write_text(reason + "\n", encoding="utf-8")
    return folder / file_name
