"""The parts every calendar is made of: TEXT values, the calendar's head, and an event's VEVENT.

What a VEVENT holds depends on the trip, the event, its timing, its revision and the language,
and on nothing else: no member, no recipient, no address of the file that holds it. This is the
*member-invariant VEVENT rule*; :class:`seoulcal.ics.feed.CalendarWriter` renders each VEVENT
once and joins the same bytes into every feed, and :mod:`seoulcal.ics.fingerprint` hashes it to
tell whether subscribers must be told of a change. Whatever is meant for one recipient (the
ATTENDEE of an invitation, say) is added by its own code to its own copy of the component, never
here.
"""

from __future__ import annotations

__all__ = [
    "PRODID",
    "REFRESH",
    "Text",
    "calendar_head",
    "feed_head",
    "name_properties",
    "vevent",
]

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import icalendar
from icalendar import vDuration, vText

from seoulcal import wording
from seoulcal.ics.vtimezone import writable
from seoulcal.identity import event_uid

if TYPE_CHECKING:
    from seoulcal.identity import Revision
    from seoulcal.model import Event, Language, Member, Timing, Trip

PRODID = "-//seoulcal//seoulcal//{lang}"
REFRESH = timedelta(hours=1)
"""How often subscribers are asked to poll (REFRESH-INTERVAL and X-PUBLISHED-TTL)."""

_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}


class Text(vText):
    r"""A TEXT value escaped exactly as RFC 5545 §3.3.11 says: ``\\ \; \, \n``.

    icalendar's :class:`~icalendar.vText` first turns the two characters backslash and N into a
    line break (a shortcut for callers who type ``\N``), so a title such as ``C:\Nodes`` would
    reach clients as "C:" and "odes" on two lines. A trip's texts are data: here a backslash is
    always a backslash. Folding and line ends stay icalendar's.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        """Return the escaped value."""
        escaped = (
            str(self)
            .replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
        )
        return escaped.encode("utf-8")


def calendar_head(lang: Language, method: str = "PUBLISH") -> icalendar.Calendar:
    """Return a calendar with the properties every file has: PRODID, VERSION, CALSCALE, METHOD."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID.format(lang=lang.upper()))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def name_properties(name: str) -> list[tuple[str, Text]]:
    """Return a feed's name properties: RFC 7986 NAME and X-WR-CALNAME, with the same text."""
    return [("name", Text(name)), ("x-wr-calname", Text(name))]


def feed_head(trip: Trip, who: Member | None, lang: Language) -> icalendar.Calendar:
    """Return a feed calendar with its properties and no components yet (R-CAL-01…04)."""
    calendar = calendar_head(lang)
    for prop, value in name_properties(wording.calendar_name(trip, who, lang)):
        calendar.add(prop, value)
    if trip.description is not None:
        calendar.add("description", Text(trip.description.pick(lang)))
        calendar.add("x-wr-caldesc", Text(trip.description.pick(lang)))
    calendar.add("x-wr-timezone", Text(trip.zone))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def vevent(
    trip: Trip, event: Event, revision: Revision, timing: Timing, lang: Language
) -> icalendar.Event:
    """Return *event*'s VEVENT in *lang* at *revision* (the member-invariant rule above).

    A property whose text would be empty is left out: libical (Evolution, GNOME Calendar)
    refuses an empty DESCRIPTION.
    """
    component = icalendar.Event()
    component.add("uid", event_uid(trip, event))
    stamp = revision.modified.astimezone(UTC)
    component.add("dtstamp", stamp)
    component.add("last-modified", stamp)
    component.add("sequence", revision.sequence)
    for prop, value in (("dtstart", timing.start), ("dtend", timing.end)):
        component.add(prop, writable(value) if isinstance(value, datetime) else value)
    if timing.all_day:
        component.add("transp", "TRANSPARENT")
        component.add("x-microsoft-cdo-alldayevent", "TRUE")
    else:
        component.add("transp", "OPAQUE")
    language: dict[str, str] = {"LANGUAGE": lang}
    component.add("summary", Text(wording.event_title(event, timing, lang)), parameters=language)
    venue = trip.venue_of(event)
    if venue is not None:
        location = wording.place_line(venue, lang)
        component.add("location", Text(location), parameters=language)
        if venue.latitude is not None and venue.longitude is not None:
            component.add("geo", (round(venue.latitude, 6), round(venue.longitude, 6)))
            apple = {"VALUE": "URI", "X-APPLE-RADIUS": "100", "X-TITLE": location}
            if venue.address is not None:
                apple["X-ADDRESS"] = wording.one_line(venue.address.pick(lang))
            component.add(
                "x-apple-structured-location",
                icalendar.vUri(f"geo:{venue.latitude:.6f},{venue.longitude:.6f}"),
                parameters=apple,
            )
    description = wording.event_description(trip, event, timing, lang)
    if description:
        component.add("description", Text(description), parameters=language)
    if event.categories:
        categories = icalendar.vCategory([])
        categories.cats = [Text(c.pick(lang)) for c in event.categories]  # see Text
        component.add("categories", categories)
    component.add("status", _STATUS[event.status])
    if trip.organizer.email is not None:
        organizer = icalendar.vCalAddress(f"mailto:{trip.organizer.email}")
        organizer.params["CN"] = trip.organizer.name.pick(lang)
        component.add("organizer", organizer)
    return component
