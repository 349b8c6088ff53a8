"""Errors raised while fetching, parsing or loading a bureau release.

Every error names where it happened (source, file, sheet, row, column) so that the person on call can
open the file and see the problem without reading a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Location:
    source_id: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts = [f"source={self.source_id}"]
        if self.file:
            parts.append(f"file={self.file}")
        if self.sheet:
            parts.append(f"sheet={self.sheet}")
        if self.row is not None:
            parts.append(f"row={self.row}")
        if self.column:
            parts.append(f"column={self.column}")
        return ", ".join(parts)


class PlanwatchError(Exception):
    """Base class for errors that are reported to people without a traceback."""


@dataclass
class ReleaseError(PlanwatchError):
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
    """A release could not be fetched (network, server or missing file)."""


class TransientFetchError(FetchError):
    """A fault worth retrying: timeout, connection reset, HTTP 429 or 5xx."""


class RegistryError(PlanwatchError):
    """The source registry or another configuration file is invalid."""
