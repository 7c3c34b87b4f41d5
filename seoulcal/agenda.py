"""Agendas: a trip's events as rows with the time at the place and at home, side by side.

The command line prints them as a table (:func:`render_agenda`); documentation and pages use the
rows (:func:`agenda_rows`) so that every view shows the same times in the same words.
"""

from __future__ import annotations

__all__ = [
    "AgendaRow",
    "Segment",
    "agenda_rows",
    "home_segments",
    "local_segments",
    "render_agenda",
    "render_table",
    "span_text",
]

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from seoulcal import wording, zones
from seoulcal.terminal import render_table

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

    from seoulcal.model import Event, Language, Member, Timing, Trip


Segment = tuple[str, datetime | date | None]
"""A piece of a time's text, with the instant (or, for whole days, the day) it shows, if any.

Joined, the segments of a time are its text; pages mark the pieces that show an instant up as
``<time>`` elements without formatting any time themselves.
"""


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
                local=_joined(local_segments(timing, lang)),
                home=_joined(home_segments(timing, home, lang)),
            )
        )
    return rows


def span_text(start: datetime, end: datetime, lang: Language) -> str:
    """Format a span such as ``2024-01-09 (화) 11:00–12:00 PST``.

    Each end is shown in its own zone; the day is repeated only when it changes.
    """
    return _joined(_span_segments(start, end, lang))


def _span_segments(start: datetime, end: datetime, lang: Language) -> list[Segment]:
    head = f"{_day(start.date(), lang)} {start:%H:%M}"
    same_zone = start.utcoffset() == end.utcoffset() and start.tzname() == end.tzname()
    if same_zone and start.date() == end.date():
        return [(head, start), ("–", None), (f"{end:%H:%M}", end), (f" {start.tzname()}", None)]
    return [
        (head, start),
        (f" {start.tzname()} → ", None),
        (f"{_day(end.date(), lang)} {end:%H:%M}", end),
        (f" {end.tzname()}", None),
    ]


def _joined(segments: Sequence[Segment]) -> str:
    return "".join(text for text, _ in segments)


def _day(day: date, lang: Language) -> str:
    return f"{day.isoformat()} ({wording.short_day(day, lang)})"


def _days_segments(timing: Timing, lang: Language) -> list[Segment]:
    first = timing.start if isinstance(timing.start, date) else timing.start.date()
    end = timing.end if isinstance(timing.end, date) else timing.end.date()
    last = end - timedelta(days=1)
    whole = wording.label("all-day", lang)
    if last == first:
        return [(_day(first, lang), first), (f" {whole}", None)]
    return [
        (_day(first, lang), first),
        (" – ", None),
        (_day(last, lang), last),
        (f" {whole}", None),
    ]


def _approximate(segments: list[Segment], timing: Timing) -> list[Segment]:
    return segments if timing.approximate is None else [("≈ ", None), *segments]


def local_segments(timing: Timing, lang: Language) -> list[Segment]:
    """Return when an event happens at its place, in segments (joined: :attr:`AgendaRow.local`)."""
    if not isinstance(timing.start, datetime) or not isinstance(timing.end, datetime):
        return _days_segments(timing, lang)
    start = timing.start.astimezone(timing.zone)
    return _approximate(_span_segments(start, timing.end, lang), timing)


def home_segments(timing: Timing, home: ZoneInfo, lang: Language) -> list[Segment]:
    """Return when an event happens in *home*, in segments (joined: :attr:`AgendaRow.home`)."""
    if not isinstance(timing.start, datetime) or not isinstance(timing.end, datetime):
        return _days_segments(timing, lang)
    segments = _span_segments(timing.start.astimezone(home), timing.end.astimezone(home), lang)
    return _approximate(segments, timing)


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
