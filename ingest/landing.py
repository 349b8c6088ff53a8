"""The landing zone: every fetched release kept byte for byte, content-addressed by sha256.

landing/<source_id>/<sha256><suffix> holds the file; landing/<source_id>/manifest.jsonl records each new
(location, sha256) pair with when it was fetched, its size and the HTTP validators (ETag, Last-Modified)
used to avoid refetching an unchanged release.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class ManifestEntry:
    source_id: str
    location: str
    fetched_at: str  # ISO 8601, UTC
    sha256: str
    size: int
    path: str  # relative to the landing root
    etag: str | None = None
    last_modified: str | None = None


class Landing:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _manifest_path(self, source_id: str) -> Path:
        return self.root / source_id / "manifest.jsonl"

    def entries(self, source_id: str) -> list[ManifestEntry]:
        path = self._manifest_path(source_id)
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as fh:
            return [ManifestEntry(**json.loads(line)) for line in fh if line.strip()]

    def latest_for(self, source_id: str, location: str) -> ManifestEntry | None:
        matches = [e for e in self.entries(source_id) if e.location == location]
        return matches[-1] if matches else None

    def keep(
        self,
        source_id: str,
        location: str,
        content: bytes,
        fetched_at: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> ManifestEntry:
        """Store the bytes untouched (once per sha256) and record the fetch if it is new."""
        sha = hashlib.sha256(content).hexdigest()
        suffix = PurePosixPath(location.split("?")[0]).suffix.lower()
        rel = Path(source_id) / f"{sha}{suffix}"
        target = self.root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a crash never leaves a half-written file under its final name
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
                tmp.write(content)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp.name, target)
            target.chmod(0o444)
        previous = self.latest_for(source_id, location)
        entry = ManifestEntry(
            source_id, location, fetched_at, sha, len(content), str(rel), etag, last_modified
        )
        if (
            previous is None
            or previous.sha256 != sha
            or (previous.etag, previous.last_modified) != (etag, last_modified)
        ):
            with self._manifest_path(source_id).open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
            return entry
        return previous

    def read(self, entry: ManifestEntry) -> bytes:
        return (self.root / entry.path).read_bytes()
