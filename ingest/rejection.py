"""A rejected release: quarantined with its reason, and answered when its format writes a reply.

Statistics releases are the operator's to fix (a registry entry, a bureau to call), so a rejection fails
the source and the night. A format that answers its sender (Format.reply: bureau progress returns) writes
a reply beside the quarantined file instead (a short text and a marked copy of the file), and the fix is
the sender's: a corrected file is a new release. Such a release is answered once: the same bytes are not
parsed and answered again every night.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import ReleaseError
from ingest.formats import FORMATS
from ingest.paths import write_atomic
from ingest.quarantine import quarantine, quarantine_folder, safe_file_name, safe_reason

if TYPE_CHECKING:
    from ingest.paths import IngestPaths
    from ingest.registry import Source
    from ingest.sandbox import ParseSandbox

log = logging.getLogger(__name__)


def answered_before(paths: IngestPaths, source: Source, sha256: str) -> bool:
    """A release of a format that answers its sender, already rejected and answered: the sender sends a
    corrected file (a new release); the same bytes are not parsed and answered again every night."""
    return (
        FORMATS[source.format].reply is not None
        and (quarantine_folder(paths.quarantine, source.id, sha256) / "REASON.txt").is_file()
    )


def reject(
    paths: IngestPaths,
    landed_path: Path,
    sandbox: ParseSandbox,
    source: Source,
    file_name: str,
    sha256: str,
    exc: ReleaseError,
) -> str:
    """Quarantine a rejected release with its reason, and with a reply for its sender if the format
    writes one (a short text and a marked copy of the file)."""
    reason = safe_reason(str(exc))
    kept = quarantine(paths.quarantine, source.id, file_name, landed_path, sha256, reason)
    replier = FORMATS[source.format].reply
    if replier is None:
        log.error("rejected release: %s", reason)
        return reason
    try:
        files = sandbox.run(
            replier, landed_path.read_bytes(), file_name, exc.findings, exc.extra, where=exc.where
        )
    except ReleaseError as failed:  # the reply is a courtesy: its failure never hides the rejection
        log.error("%s: no reply written for %s: %s", source.id, file_name, failed)
        files = {}
    for name, content in files.items():
        write_atomic(kept.parent / safe_file_name(name), content)
    log.warning("returned to its sender (reply in %s): %s", kept.parent, reason)
    return reason
