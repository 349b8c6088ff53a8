"""Transitional: the former parser entry point, answered by the sdmx_csv format (ingest/formats/)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.formats.preview import Figure, figures_of

if TYPE_CHECKING:
    from ingest.registry import Source


@dataclass(frozen=True)
class Parsed:
    records: list[Figure]


def parse_sdmx_csv(content: bytes, source: Source, file_name: str) -> Parsed:
    return Parsed(figures_of(content, source, file_name))
