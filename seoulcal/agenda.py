"""Agendas: a trip's events as rows with the time at the place and at home, side by side.

The command line prints them as a table (:func:`render_agenda`); documentation and pages use the
rows (:func:`agenda_rows`) so that every view shows the same times in the same words.
"""

from __future__ import annotations

__all__ = ["AgendaRow", "agenda_rows", "render_agenda", "render_table", "span_text"]

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from seoulcal import wording, zones

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

    from seoulcal.model import Event, Language, Member, Timing, Trip


@dataclass(frozen=True, slots=True)
class AgendaRow:
    """One event as an agenda shows it."""

    event: Event
    timing: Timing
    title: str
    place: str
    local: str
    """When, at the place (a flight's end in its own zone)."""
    home: str
    """When, in the home zone (or the zone asked for)."""

    @property
    def approximate(self) -> bool:
        """Tell whether the time is a window, not a fixed time."""
        return self.timing.approximate is not None


def agenda_rows(
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    zone: str | None = None,
) -> list[AgendaRow]:
    """Return *member*'s events (all events for ``None``) as rows, in time order.

    The home column is in *zone*, or the trip's home zone.
    """
    home = zones.zone(zone or trip.home_zone)
    rows = []
    for event in trip.events_for(member):
        timing = trip.timing(event)
        venue = trip.venue_of(event)
        title = wording.event_title(event, timing, lang, tentative=True)
        rows.append(
            AgendaRow(
                event=event,
                timing=timing,
                title=title,
                place=venue.name.pick(lang) if venue else "",
                local=_local_text(timing, lang),
                home=_home_text(timing, home, lang),
            )
        )
    return rows


def span_text(start: datetime, end: datetime, lang: Language) -> str:
    """Format a span such as ``2024-01-09 (화) 11:00–12:00 PST``.

    Each end is shown in its own zone; the day is repeated only when it changes.
    """
    head = f"{_day(start.date(), lang)} {start:%H:%M}"
    same_zone = start.utcoffset() == end.utcoffset() and start.tzname() == end.tzname()
    if same_zone and start.date() == end.date():
        return f"{head}–{end:%H:%M} {start.tzname()}"
    return f"{head} {start.tzname()} → {_day(end.date(), lang)} {end:%H:%M} {end.tzname()}"


def _day(day: date, lang: Language) -> str:
    return f"{day.isoformat()} ({wording.short_day(day, lang)})"


def _days_text(timing: Timing, lang: Language) -> str:
    first = timing.start if isinstance(timing.start, date) else timing.start.date()
    end = timing.end if isinstance(timing.end, date) else timing.end.date()
    last = end - timedelta(days=1)
    whole = wording.label("all-day", lang)
    if last == first:
        return f"{_day(first, lang)} {whole}"
    return f"{_day(first, lang)} – {_day(last, lang)} {whole}"


def _approximate(text: str, timing: Timing) -> str:
    return text if timing.approximate is None else f"≈ {text}"


def _local_text(timing: Timing, lang: Language) -> str:
    if not isinstance(timing.start, datetime) or not isinstance(timing.end, datetime):
        return _days_text(timing, lang)
    start = timing.start.astimezone(timing.zone)
    return _approximate(span_text(start, timing.end, lang), timing)


def _home_text(timing: Timing, home: ZoneInfo, lang: Language) -> str:
    if not isinstance(timing.start, datetime) or not isinstance(timing.end, datetime):
        return _days_text(timing, lang)
    text = span_text(timing.start.astimezone(home), timing.end.astimezone(home), lang)
    return _approximate(text, timing)


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


def render_agenda(
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    zone: str | None = None,
) -> str:
    """Render the agenda as a plain-text table for a terminal."""
    rows = agenda_rows(trip, member=member, lang=lang, zone=zone)
    home = zones.zone(zone or trip.home_zone).key
    who = trip.member(member) if isinstance(member, str) else member
    heading = trip.name.pick(lang) + (f" · {who.name.pick(lang)}" if who else "")
    columns = (
        wording.label("agenda-local", lang),
        wording.label("agenda-home", lang, zone=home),
        wording.label("agenda-event", lang),
        wording.label("agenda-place", lang),
    )
    table = [columns, *((row.local, row.home, row.title, row.place) for row in rows)]
    lines = [heading, "", render_table(table).rstrip("\n")]
    if any(row.approximate for row in rows):
        lines.append("")
        lines.append(wording.label("agenda-approx", lang))
    if not rows:
        lines.append(wording.label("agenda-empty", lang))
    return "\n".join(lines) + "\n"
