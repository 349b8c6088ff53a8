"""`planwatch returns ...`: the command-line face of bureau progress returns."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `returns` commands to the planwatch CLI."""
