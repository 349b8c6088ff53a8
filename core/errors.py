"""The one error base: every error a person should read derives from PlanwatchError.

A PlanwatchError is reported as one line and an exit code, never a traceback. `retryable` tells the
orchestrator whether a retry can help (a timeout can pass; a wrong file or a wrong setting cannot), so
Airflow's retry policy and the command line read the same fact from the error itself.
"""

from __future__ import annotations

from dataclasses import dataclass


class PlanwatchError(Exception):
    """An error reported to people without a traceback: its str() is the message they act on."""

    retryable: bool = False  # can the same step succeed if it is simply run again later?
    exit_code: int = 2


class ConfigError(PlanwatchError):
    """A configuration file (source registry, settings, rules, catalog) is invalid: fix it, then rerun."""


class UsageError(PlanwatchError, ValueError):
    """A command was given something it cannot use (a malformed month, an unknown id)."""


class TransientError(PlanwatchError):
    """A passing fault (a timeout, a busy server, a file held by another process): worth retrying."""

    retryable = True


class DataError(PlanwatchError):
    """Data that cannot be accepted as it is: a bad release, a failed validation, a missing build."""


@dataclass
class Location:
    """Where in a release something was found: source, file, sheet, row, column."""

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


def one_line(error: BaseException | str, limit: int = 2000) -> str:
    """An error (or a message) as the single line a person reads: newlines folded, bounded in length."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
