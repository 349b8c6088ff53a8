"""Colour helpers shared by the workbook and the page: status colours come from config.status_rules, and
the text on them is chosen for contrast (WCAG 2)."""

from __future__ import annotations

import re

FALLBACK = "8C959F"


def rgb(hex_colour: str | None, default: str = FALLBACK) -> str:
    """'#1a7f37' -> '1A7F37'; anything that is not six hex digits -> default."""
    text = (hex_colour or "").strip().lstrip("#")
    return text.upper() if re.fullmatch(r"[0-9a-fA-F]{6}", text) else default


INKS = ("1F2328", "FFFFFF")  # near-black and white


def luminance(hex_colour: str | None) -> float:
    """WCAG 2 relative luminance of a colour."""
    code = rgb(hex_colour)
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str | None, b: str | None) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21; AA asks 4.5 for text)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_colour_on(hex_colour: str | None) -> str:
    """Of near-black and white, the one that contrasts more with the fill, as six hex digits.

    Status colours are configuration (some governments want red for the best), so the ink is chosen here
    rather than trusted: the better of the two always reaches WCAG AA's 4.5:1 on any fill.
    """
    return max(INKS, key=lambda ink: contrast(ink, hex_colour))
