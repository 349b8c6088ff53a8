"""Colour helpers shared by the workbook and the page: status colours come from config.status_rules."""

from __future__ import annotations

import re

FALLBACK = "8C959F"


def rgb(hex_colour: str | None, default: str = FALLBACK) -> str:
    """'#1a7f37' -> '1A7F37'; anything that is not six hex digits -> default."""
    text = (hex_colour or "").strip().lstrip("#")
    return text.upper() if re.fullmatch(r"[0-9a-fA-F]{6}", text) else default


def text_colour_on(hex_colour: str | None) -> str:
    """Near-black on light fills, white on dark ones (WCAG relative luminance), as six hex digits."""
    code = rgb(hex_colour)
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    return "1F2328" if luminance > 0.35 else "FFFFFF"
