"""The parts every calendar is made of: TEXT values, the calendar's head, and an event's VEVENT.

What a VEVENT holds depends on the trip, the event, its timing, its revision and the language,
and on two choices of the calendar that holds it: the page it links events to (``page``: the
public page, or a member's) and whether it carries reminders (``alarms``). It depends on nothing
else: no member's name or address, no recipient. This is the *member-invariant VEVENT rule*;
:class:`seoulcal.ics.feed.CalendarWriter` renders each VEVENT once per (event, language, revision,
page, alarms) and joins the same bytes into every calendar that asks for them, and
:mod:`seoulcal.ics.fingerprint` hashes it to tell whether subscribers must be told of a change.
Whatever is meant for one recipient (the ATTENDEE of an invitation, say) is added by its own code
to its own copy of the component, never here.
"""

from __future__ import annotations

__all__ = [
    "ALL_DAY_REMINDER",
    "PAGE_MARK",
    "PAGE_SAFE",
    "PRODID",
    "REFRESH",
    "REVISION_PROPERTIES",
    "Text",
    "add_description",
    "add_revision",
    "calendar_head",
    "event_page",
    "feed_head",
    "name_properties",
    "property_name",
    "reminders",
    "vevent",
]

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import icalendar
from icalendar import vDuration, vText

from seoulcal import wording
from seoulcal.ics.vtimezone import writable
from seoulcal.identity import event_uid

if TYPE_CHECKING:
    from seoulcal.identity import Revision
    from seoulcal.model import Event, Language, Member, Timing, Trip, Venue

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


ALL_DAY_REMINDER = timedelta(hours=-6)
"""The one reminder of a whole-day item: 18:00 the day before, at the place (a trigger after
the start, such as 08:00 on the day, is refused by Outlook)."""


PAGE_MARK = "\x01"
"""Stands for a page address (or each of its characters) in rendered lines: no text of a trip
holds it. A line rendered with it gives the line of any :data:`PAGE_SAFE` address put in its
place (see :func:`vevent`: the page is in URL and the description's last line only)."""
PAGE_SAFE = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+=%-]+")
"""Page addresses put in a rendered line as they are: ASCII characters that no escaping changes."""


def property_name(line: str) -> str:
    """Return the property name of an unfolded content *line* (what precedes ``;`` or ``:``)."""
    return line.partition(":")[0].partition(";")[0]


def event_page(page: str, event: Event) -> str:
    """Return the address of *event* on the page at *page* (its ``#event-<id>`` anchor)."""
    return f"{page}#event-{event.id}"


def vevent(  # noqa: C901, PLR0913 - the inputs of the rule above; one branch per property
    trip: Trip,
    event: Event,
    revision: Revision,
    timing: Timing,
    lang: Language,
    *,
    page: str | None = None,
    alarms: bool = False,
) -> icalendar.Event:
    """Return *event*'s VEVENT in *lang* at *revision* (the member-invariant rule above).

    *page* is the page the calendar links events to (the public page, or a member's): written as
    URL and as the description's last line. *alarms* adds the event's reminders as DISPLAY
    VALARMs, written last (icalendar puts components after properties). A property whose text
    would be empty is left out: libical (Evolution, GNOME Calendar) refuses an empty DESCRIPTION.
    """
    component = icalendar.Event()
    component.add("uid", event_uid(trip, event))
    add_revision(component, revision)
    for prop, value in (("dtstart", timing.start), ("dtend", timing.end)):
        component.add(prop, writable(value) if isinstance(value, datetime) else value)
    if timing.all_day:
        component.add("transp", "TRANSPARENT")
        component.add("x-microsoft-cdo-alldayevent", "TRUE")
    else:
        component.add("transp", "OPAQUE" if event.busy else "TRANSPARENT")
    language: dict[str, str] = {"LANGUAGE": lang}
    component.add("summary", Text(wording.event_title(event, timing, lang)), parameters=language)
    venue = trip.venue_of(event)
    if venue is not None:
        _add_place(component, venue, lang)
    link = None if page is None else event_page(page, event)
    description = wording.event_description(trip, event, timing, lang, page=link)
    add_description(component, description, lang)
    if link is not None:
        component.add("url", icalendar.vUri(link), parameters={"VALUE": "URI"})
    for item in event.links:
        if item.kind == "video":  # RFC 7986 §5.11; the link is in DESCRIPTION for the others
            params = {"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": item.label.pick(lang)}
            component.add("conference", icalendar.vUri(item.url), parameters=params)
    if event.categories:
        categories = icalendar.vCategory([])
        categories.cats = [Text(c.pick(lang)) for c in event.categories]  # see Text
        component.add("categories", categories)
    component.add("status", _STATUS[event.status])
    if trip.organizer.email is not None:
        organizer = icalendar.vCalAddress(f"mailto:{trip.organizer.email}")
        organizer.params["CN"] = trip.organizer.name.pick(lang)
        component.add("organizer", organizer)
    if alarms:
        for alarm in valarms(trip, event, timing, lang):
            component.add_component(alarm)
    return component


def add_revision(component: icalendar.Component, revision: Revision) -> None:
    """Add what a VEVENT takes from its *revision*: DTSTAMP, LAST-MODIFIED and SEQUENCE.

    Nothing else does (:class:`~seoulcal.ics.feed.CalendarWriter` renders an event once and
    writes it at other revisions by putting these lines in place of the first ones).
    """
    stamp = revision.modified.astimezone(UTC)
    component.add("dtstamp", stamp)
    component.add("last-modified", stamp)
    component.add("sequence", revision.sequence)


REVISION_PROPERTIES = frozenset({"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"})
"""What :func:`add_revision` adds."""


def add_description(component: icalendar.Component, text: str, lang: Language) -> None:
    """Add DESCRIPTION with *text* in *lang* (nothing if *text* is empty: libical refuses it).

    With URL, the only property that depends on the page a calendar links events to (the
    description's last line, see :func:`seoulcal.wording.event_description`).
    """
    if text:
        component.add("description", Text(text), parameters={"LANGUAGE": lang})


def valarms(trip: Trip, event: Event, timing: Timing, lang: Language) -> list[icalendar.Alarm]:
    """Return the DISPLAY VALARMs of *event*'s reminders in *lang* (none once it is cancelled).

    They depend on nothing a calendar chooses (revision, page), and icalendar writes them after
    the VEVENT's properties, just before its END.
    """
    if event.status == "cancelled":
        return []
    found = []
    for trigger in reminders(trip, event, timing):
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", Text(wording.reminder_text(event, timing, lang)))
        alarm.add("trigger", trigger)
        found.append(alarm)
    return found


def _add_place(component: icalendar.Event, venue: Venue, lang: Language) -> None:
    """Add LOCATION, and GEO with Apple's structured location when the venue has coordinates."""
    location = wording.place_line(venue, lang)
    component.add("location", Text(location), parameters={"LANGUAGE": lang})
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


def reminders(trip: Trip, event: Event, timing: Timing) -> list[timedelta]:
    """Return the triggers of *event*'s reminders, relative to its start, earliest first.

    A whole-day item has at most one: :data:`ALL_DAY_REMINDER`.
    """
    chosen = trip.reminders_of(event)
    if not chosen:
        return []
    if timing.all_day:
        return [ALL_DAY_REMINDER]
    return sorted(set(chosen))
