"""Content lines folded to the octet as icalendar folds them, a fold at a time.

icalendar makes every content line (name, parameters, escaped value) and folds it in
``Contentline.to_ical()``: a new line, begun with a space, before any character that would bring
the line to 75 octets (RFC 5545 §3.1), and never just after a backslash or a caret that starts an
escape (icalendar issue #1501). It does so one character at a time, encoding each (6,000 lines
like a member calendar's names and a long description: 115 ms so, 7.6 ms here). :func:`fold` gives
the same octets from the line's UTF-8 bytes, cutting where icalendar cuts (a UTF-8 character
starts at any byte that is not a continuation byte). The lines themselves stay icalendar's: only
where they break is worked out here. The tests hold :func:`fold` to ``Contentline.to_ical()`` on
arbitrary text, and every calendar to its tree's ``to_ical()``.
"""

from __future__ import annotations

__all__ = ["component_bytes", "fold"]

from typing import TYPE_CHECKING

from seoulcal.errors import InternalError

if TYPE_CHECKING:
    import icalendar

_LIMIT = 75
"""icalendar starts a new line before a character that would make the line this many octets."""
_ESCAPES = (0x5C, 0x5E)
"""Backslash and caret: icalendar never ends a folded line with one (issue #1501)."""


def fold(line: str) -> bytes:
    """Return *line* as ``icalendar.parser.Contentline(line).to_ical()`` writes it."""
    data = line.encode("utf-8")
    if len(data) < _LIMIT:
        return data
    if b"\n" in data:  # icalendar refuses such a line too (an assertion)
        raise InternalError(f"a content line with a line break inside: {line[:40]!r}...")
    parts = []
    start = 0
    while len(data) - start >= _LIMIT:
        end = start + _LIMIT - 1  # the first byte that would not fit
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before the character
            end -= 1
        if data[end - 1] in _ESCAPES:  # a line is always > 1 character here (>= 71 octets)
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts)


def component_bytes(component: icalendar.Component) -> bytes:
    """Return ``component.to_ical()``: its content lines (icalendar's), folded by :func:`fold`."""
    return b"".join(fold(line) + b"\r\n" for line in component.content_lines(sorted=True) if line)
