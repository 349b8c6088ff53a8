"""Errors raised while fetching, parsing or loading a bureau release.

Every error names where it happened (source, file, sheet, row, column) so that the person on call can
open the file and see the problem without reading a traceback. All derive from core.errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import ConfigError, DataError, Location, PlanwatchError, TransientError

__all__ = [
    "FetchError",
    "Finding",
    "Location",
    "PlanwatchError",
    "RegistryError",
    "ReleaseError",
    "TransientFetchError",
]


@dataclass(frozen=True)
class Finding:
    """One problem of a release, where its sender fixes it. A format that checks a whole file (bureau
    progress returns) reports every problem it found, not only the first, so that one reply lists them all.
    `problem` is for the log; `message_zh` and `fix_zh` are what the sender reads."""

    rule: str  # a short code naming the check, e.g. cumulative_fell
    problem: str
    message_zh: str
    fix_zh: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # the column letter
    header: str | None = None  # the column's header, e.g. 累计完成值


@dataclass
class ReleaseError(DataError):
    """A release that cannot be accepted: bad data, not a passing fault. Never retried."""

    where: Location
    problem: str
    expected: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # every problem found, when the format reports more than one

    def __str__(self) -> str:
        msg = f"[{self.where.describe()}] {self.problem}"
        if self.expected:
            msg += f"; expected {self.expected}"
        return msg


class FetchError(PlanwatchError):
    """A release could not be fetched (server refused it, or it is not where the registry says)."""


class TransientFetchError(FetchError, TransientError):
    """A fault worth retrying: timeout, connection reset, HTTP 429 or 5xx."""

    retryable = True


class RegistryError(ConfigError):
    """The source registry or another configuration file is invalid."""
