"""Errors raised while fetching, parsing or loading a bureau release.

Every error names where it happened (source, file, sheet, row, column) so that the person on call can
open the file and see the problem without reading a traceback. All derive from core.errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import ConfigError, DataError, Location, PlanwatchError, TransientError

__all__ = [
    "FetchError",
    "Location",
    "PlanwatchError",
    "RegistryError",
    "ReleaseError",
    "TransientFetchError",
]


@dataclass
class ReleaseError(DataError):
    """A release that cannot be accepted: bad data, not a passing fault. Never retried."""

    where: Location
    problem: str
    expected: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

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
