"""Where ingest reads and writes, and how it creates files there.

IngestPaths is a plain value so callers can build it without importing DuckDB. Files and folders that
ingest creates in landing/ and quarantine/ get their mode from the deployment's umask (PLANWATCH_UMASK,
octal, default 027: nothing is world-readable), set explicitly on each file rather than through the
process umask, so the result does not depend on who started the process. Files are written to a
`.tmp-*` name and renamed, so a crash never leaves a half-written file under its final name; a temp file
left by a killed run is removed by `sweep_stale_temp` at the start of the next fetch.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError
from core.settings import Settings

UMASK_ENV = "PLANWATCH_UMASK"
DEFAULT_UMASK = "027"
TEMP_PREFIX = ".tmp-"
STALE_TEMP_S = 15 * 60  # a temp file lives for the seconds a write takes; one this old is left by a dead run


@dataclass(frozen=True)
class IngestPaths:
    data_root: Path  # where relative source locations are resolved (the bundled samples by default)
    landing: Path
    quarantine: Path
    raw_db: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestPaths:
        return cls(settings.data_root, settings.landing_dir, settings.quarantine_dir, settings.raw_db)


def deployment_umask(environ: Mapping[str, str] | None = None) -> int:
    text = (environ if environ is not None else os.environ).get(UMASK_ENV, DEFAULT_UMASK).strip()
    if not re.fullmatch(r"0?[0-7]{3}", text):
        raise ConfigError(f"{UMASK_ENV}={text!r}: expected an octal umask such as 027 or 077")
    return int(text, 8)


def make_dirs(path: Path) -> None:
    """Create a folder and its missing parents with the deployment's mode (mkdir -p ignores it)."""
    mode = 0o777 & ~deployment_umask()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=mode)
        except FileExistsError:
            continue  # another task made it first
        folder.chmod(mode)


def write_atomic(target: Path, content: bytes, *, read_only: bool = False) -> None:
    """Write bytes under a temp name in the target's folder, fsync, set the mode, then rename."""
    make_dirs(target.parent)
    mode = (0o444 if read_only else 0o666) & ~deployment_umask()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sweep_stale_temp(root: Path, older_than_s: float = STALE_TEMP_S) -> list[Path]:
    """Remove temp files a killed or out-of-space run left under root, up to two folder levels deep.

    `tmp*` one level down is the name the landing writer used before `.tmp-*`; landed files are named
    by their sha256 and quarantined ones never start with a dot, so neither pattern matches a release."""
    if not root.is_dir():
        return []
    cutoff = time.time() - older_than_s
    removed = []
    for pattern in (f"{TEMP_PREFIX}*", f"*/{TEMP_PREFIX}*", f"*/*/{TEMP_PREFIX}*", "*/tmp*"):
        for path in root.glob(pattern):
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if path.is_file() and not path.is_symlink() and info.st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed
