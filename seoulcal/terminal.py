"""The terminal's tables: aligned columns, counted in the columns a terminal shows.

Its own module, with nothing but the standard library: ``seoulcal build`` prints its table of
member pages without loading the model when the site is already up to date.
"""

from __future__ import annotations

__all__ = ["render_table"]

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def _char_width(char: str) -> int:
    """Count the terminal columns one character takes on its own: 0, 1 or 2."""
    if char == "\u00ad":  # a soft hyphen is shown
        return 1
    if unicodedata.category(char) in {"Mn", "Me", "Cf"} or "\u1160" <= char <= "\u11ff":
        return 0  # combining marks, zero-width characters, Hangul vowels and finals of a syllable
    if "\ud7b0" <= char <= "\ud7ff":
        return 0  # more conjoining Hangul vowels and finals
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _width(text: str) -> int:
    """Count the terminal columns *text* takes, as terminals show it.

    Wide characters (Hangul, CJK, emoji) take 2; combining marks, zero-width characters and the
    vowels and finals of a conjoining Hangul syllable take none; a character after a zero-width
    joiner, and a skin tone after an emoji, join the emoji before them; U+FE0F asks for the
    emoji form, two columns wide.
    """
    if text.isascii():
        return len(text)  # one column each (no ASCII character is wide, joining or zero-width)
    total = 0
    previous = ""
    last = 0
    for char in text:
        if previous == "\u200d" or ("\U0001f3fb" <= char <= "\U0001f3ff" and last == 2):
            width = 0  # joined to the emoji before the joiner, or a skin tone that modifies it
        elif char == "\ufe0f" and last == 1:
            width = 1  # the emoji form of a narrow character is two columns
        else:
            width = _char_width(char)
        total += width
        if width:
            last = width
        previous = char
    return total


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(rows: Sequence[Sequence[str]]) -> str:
    """Render *rows* (the first is the header) as aligned columns, wide characters counted."""
    if not rows:
        return ""
    count = len(rows[0])
    widths = [max(_width(row[i]) for row in rows) for i in range(count)]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"
