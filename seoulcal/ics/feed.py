"""Feeds: a trip's events as one METHOD:PUBLISH calendar, whole or for one member.

Two renderings share every decision. :func:`feed_calendar` builds an icalendar tree (for
:meth:`Trip.to_calendar <seoulcal.model.Trip.to_calendar>` and for callers who extend it);
:class:`CalendarWriter` renders the same components one by one, keeps the bytes of each, and
joins them, so that a build of a thousand member calendars renders each VEVENT and VTIMEZONE
once. Both take the events as they are given, in the order :func:`ordered` puts them: which
events a calendar holds is decided by the caller (the model's :meth:`Trip.events_for
<seoulcal.model.Trip.events_for>`, or a publisher's revisions), never here.

**The member-invariant VEVENT rule.** The writer's cache of VEVENT bytes is keyed by everything
:func:`seoulcal.ics.components.vevent` reads: the event (by identity, kept alive while cached),
the language, the revision, the page events link to and whether alarms are on, with the writer's
one trip. That is sound because a VEVENT depends
on nothing else (see :mod:`seoulcal.ics.components`). Output for one recipient (an invitation's
ATTENDEE) must never pass through a writer: it builds its own component.
"""

from __future__ import annotations

__all__ = [
    "FEED_SIZE_LIMIT",
    "CalendarWriter",
    "event_calendar",
    "feed_calendar",
    "ordered",
    "size_warning",
    "trip_calendar",
    "trip_ics",
]

import hashlib
import re
from typing import TYPE_CHECKING

import icalendar
from icalendar.parser import Contentline

from seoulcal import wording
from seoulcal.errors import InternalError
from seoulcal.ics.components import (
    PAGE_MARK,
    PAGE_SAFE,
    REVISION_PROPERTIES,
    Text,
    add_description,
    add_revision,
    calendar_head,
    feed_head,
    name_properties,
    property_name,
    valarms,
    vevent,
)
from seoulcal.ics.fingerprint import FINGERPRINT_REVISION
from seoulcal.ics.folding import component_bytes, fold
from seoulcal.ics.vtimezone import Onsets, check_instants, verified_onsets, vtimezone, zones_used
from seoulcal.identity import Revision
from seoulcal.model import LANGUAGES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from seoulcal.model import Event, Language, Member, Timing, Trip

Chosen = tuple["Event", Revision]
"""An event of a calendar, with the revision it is written at."""

FEED_SIZE_LIMIT = 1_000_000
"""Bytes past which clients stop reading a feed: Google Calendar refuses one over about 1 MB and
Outlook.com times out on large ones (R-HTTP-08)."""


def size_warning(name: str, data: bytes) -> str | None:
    """Return a warning when the calendar *name* (*data*) is too large for clients, else None."""
    if len(data) <= FEED_SIZE_LIMIT:
        return None
    return (
        f"{name} is {len(data):,} bytes, over the {FEED_SIZE_LIMIT:,} that Google Calendar "
        "and Outlook accept in a subscribed feed: shorten the longest texts or split the trip"
    )


def trip_calendar(  # noqa: PLR0913 - the calendar's audience, language and options
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    revisions: Mapping[str, Revision] | None = None,
    extra_events: Iterable[Chosen] = (),
    alarms: bool = True,
    page: str | None = None,
) -> icalendar.Calendar:
    """Return the calendar of *trip* (or of one *member*) in *lang*.

    *revisions* maps event ids to their :class:`Revision` (the default is sequence 0 at the trip's
    revision time). *extra_events* adds events that are not in the trip any more, such as
    cancelled ones a publisher keeps for a while, each with its own revision. An exported file
    carries the events' reminders (Outlook gives an imported file without them no reminder at
    all); *alarms* ``False`` leaves them out, as a site's subscribed calendars do. *page* links
    every event to that page (the page's ``#event-<id>``), as a site's calendars do.
    """
    who = trip.member(member) if isinstance(member, str) else member
    chosen = _chosen(trip, trip.events_for(who), revisions, extra_events)
    return feed_calendar(trip, who, lang, chosen, alarms=alarms, page=page)


def feed_calendar(  # noqa: PLR0913 - a feed's audience, language and events; two options
    trip: Trip,
    who: Member | None,
    lang: Language,
    chosen: Iterable[Chosen],
    *,
    page: str | None = None,
    alarms: bool = False,
) -> icalendar.Calendar:
    """Return the feed of *who* (``None``: the public feed) holding exactly the *chosen* events.

    *page* and *alarms* are the calendar's choices of :func:`~seoulcal.ics.components.vevent`.
    """
    calendar = feed_head(trip, who, lang)
    timed = ordered(trip, chosen)
    first, last = _years(trip, timed)
    for key, moments in zones_used(trip.zone, (t for _, _, t in timed)).items():
        calendar.add_component(vtimezone(key, first, last))
        check_instants(key, first, last, moments)
    for event, revision, timing in timed:
        calendar.add_component(
            vevent(trip, event, revision, timing, lang, page=page, alarms=alarms)
        )
    return calendar


def event_calendar(
    trip: Trip,
    event: Event,
    *,
    lang: Language = "ko",
    revision: Revision | None = None,
    page: str | None = None,
) -> icalendar.Calendar:
    """Return a calendar holding only *event*, for a one-event download.

    It has no calendar name and no refresh hints: it is a snapshot to import, not a feed. It
    carries the event's reminders, and links to *page* if one is given.
    """
    calendar = calendar_head(lang)
    timed = ordered(trip, [(event, revision or Revision(0, trip.revised))])
    first, last = _years(trip, timed)
    for key, moments in zones_used(trip.zone, (t for _, _, t in timed)).items():
        calendar.add_component(vtimezone(key, first, last))
        check_instants(key, first, last, moments)
    calendar.add_component(vevent(trip, *timed[0], lang, page=page, alarms=True))
    return calendar


def trip_ics(  # noqa: PLR0913 - trip_calendar's options
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    revisions: Mapping[str, Revision] | None = None,
    alarms: bool = True,
    page: str | None = None,
) -> bytes:
    """Return :func:`trip_calendar` as bytes: UTF-8 without BOM, CRLF line ends, folded."""
    writer = CalendarWriter(trip, revisions=revisions)
    return writer.calendar(member, lang, alarms=alarms, page=page)


def ordered(trip: Trip, chosen: Iterable[Chosen]) -> list[tuple[Event, Revision, Timing]]:
    """Resolve each event's timing and put the events in time order (then by id)."""
    timed = [(event, revision, trip.timing(event)) for event, revision in chosen]
    timed.sort(key=lambda item: (item[2].sort_key, item[0].id))
    return timed


class CalendarWriter:
    """Write many calendars of one trip, rendering each event, zone and header only once.

    Each calendar is byte-identical to the :func:`feed_calendar` tree's ``to_ical()`` (the tests
    hold it to that): icalendar renders every property and component, and the writer joins its
    lines in icalendar's own order. See the member-invariant rule in the module's docstring.
    """

    _END = b"END:VCALENDAR\r\n"
    _END_EVENT = b"END:VEVENT\r\n"
    _NAMES = frozenset({"NAME", "X-WR-CALNAME"})

    def __init__(self, trip: Trip, *, revisions: Mapping[str, Revision] | None = None) -> None:
        """Prepare to write *trip*'s calendars; *revisions* as for :func:`trip_calendar`."""
        self.trip = trip
        self._revisions = dict(revisions or {})
        self._timings: dict[int, Timing] = {}
        self._order: dict[int, tuple[datetime, str]] = {}
        self._events: dict[tuple[int, Language, Revision, str | None], bytes] = {}
        self._templates: dict[tuple[int, Language, Revision, int], _PageTemplate] = {}
        self._unfolded: dict[tuple[int, Language, Revision], list[str]] = {}
        self._first_lines: dict[tuple[int, Language], list[str]] = {}
        """Each event's first marked lines in each language (the others are made from them)."""
        self._revision_lines: dict[Revision, dict[str, str]] = {}
        self._descriptions: dict[tuple[int, Language], str | None] = {}
        """Each event's DESCRIPTION line without a page (``None``: it has none)."""
        self._description_heads: dict[Language, str] = {}
        self._zones: dict[tuple[str, int, int], bytes] = {}
        self._zones_used: set[tuple[str, int, int]] = set()
        self._onsets: dict[tuple[str, int, int], Onsets] = {}
        """Zones' verified onsets taken from an earlier process (see :meth:`adopt_zone`)."""
        self._heads: dict[Language, list[tuple[str, bytes]]] = {}
        self._file_heads: dict[Language, bytes] = {}
        self._alarms: dict[tuple[int, Language], bytes] = {}
        self._with_alarms: dict[tuple[int, Language, Revision, str | None], bytes] = {}
        self._instants: dict[int, list[tuple[str, datetime]]] = {}
        self._checked: set[tuple[int, int, int]] = set()
        self._bodies: dict[tuple[object, ...], _Body | None] = {}
        self._keep: list[object] = []  # keeps id()-keyed events (and revisions) alive while cached

    def calendar(
        self,
        member: Member | str | None = None,
        lang: Language = "ko",
        *,
        extra_events: Iterable[Chosen] = (),
        alarms: bool = True,
        page: str | None = None,
    ) -> bytes:
        """Return the bytes of ``trip_calendar(trip, member=..., lang=..., ...)``."""
        trip = self.trip
        who = trip.member(member) if isinstance(member, str) else member
        chosen = _chosen(trip, trip.events_for(who), self._revisions, extra_events)
        return self.render(who, lang, chosen, alarms=alarms, page=page)

    def render(
        self,
        who: Member | None,
        lang: Language,
        chosen: Iterable[Chosen],
        *,
        page: str | None = None,
        alarms: bool = False,
    ) -> bytes:
        """Return the bytes of :func:`feed_calendar` for *who*, holding exactly *chosen*."""
        chosen = list(chosen)
        head = self._head(who, lang)
        if page is not None and PAGE_SAFE.fullmatch(page):
            # Members who attend the same events get the same calendar but for the name lines
            # and the page address: its body (zones, events, end) is put together once.
            key = (
                lang,
                alarms,
                len(page),
                tuple(id(event) for event, _ in chosen),
                tuple(id(revision) for _, revision in chosen),
            )
            if key in self._bodies:
                body = self._bodies[key]
            else:
                self._keep.extend(item for pair in chosen for item in pair)  # ids stay theirs
                body = self._bodies[key] = self._body(chosen, lang, len(page), alarms=alarms)
            if body is not None:
                return head + body.fill(page)
        timed, zones = self._timed(chosen)
        parts = [head, *zones]
        parts.extend(
            self._event(event, revision, timing, lang, page=page, alarms=alarms)
            for event, revision, timing in timed
        )
        parts.append(self._END)
        return b"".join(parts)

    def _timed(
        self, chosen: Iterable[Chosen]
    ) -> tuple[list[tuple[Event, Revision, Timing]], list[bytes]]:
        """Put *chosen* in time order; return it with the VTIMEZONEs its calendar holds.

        Every instant written with a TZID is checked against its VTIMEZONE first.
        """
        timed = [(event, revision, self._timing(event)) for event, revision in chosen]
        order = self._order
        timed.sort(key=lambda item: order[id(item[0])])
        first, last = _years(self.trip, timed)
        keys = {self.trip.zone}
        for event, _, timing in timed:
            keys.update(key for key, _ in self._zoned_instants(event, timing))
        zones = [self._zone(key, first, last) for key in sorted(keys)]
        for event, _, timing in timed:
            if (id(event), first, last) not in self._checked:
                for key, moment in self._zoned_instants(event, timing):
                    self._check(key, first, last, moment)
                self._checked.add((id(event), first, last))
        return timed, zones

    def _body(
        self, chosen: list[Chosen], lang: Language, page_length: int, *, alarms: bool
    ) -> _Body | None:
        """Return a calendar's zones, events and end for any page address of *page_length*.

        ``None`` if an event's template cannot take an address (see :class:`_PageTemplate`).
        """
        timed, zones = self._timed(chosen)
        body = _Body()
        for zone in zones:
            body.text(zone)
        for event, revision, timing in timed:
            template = self._template(event, revision, timing, lang, page_length)
            if template.parts is None:
                return None
            reminders = self._reminders(event, timing, lang) if alarms else b""
            if reminders:  # as _event_with_alarms puts them: just before END:VEVENT
                texts = (*template.texts[:-1], self._without_end(template.tail))
                body.extend(texts, template.spans)
                body.text(reminders)
                body.text(self._END_EVENT)
            else:
                body.extend(template.texts, template.spans)
        body.text(self._END)
        return body

    def prepare(
        self, chosen: Iterable[Chosen], lang: Language, *, page_length: int, alarms: bool
    ) -> None:
        """Render *chosen*'s events for calendars whose page addresses have *page_length* chars.

        Nothing is returned: a build calls this before it forks its workers, so that each starts
        with these events rendered instead of rendering them again in every process.
        """
        page = "x" * page_length
        for event, revision in chosen:
            self._event(event, revision, self._timing(event), lang, page=page, alarms=alarms)

    def rendered(
        self, chosen: Iterable[Chosen], lang: Language, *, alarms: bool
    ) -> list[tuple[list[str], bytes]]:
        """Return what rendering *chosen*'s events in *lang* takes icalendar to make.

        For each event, its lines (with a placeholder for the page, see :meth:`_marked_lines`)
        and its reminders (empty without *alarms*). A build has a worker process render some
        events so and hands the result to :meth:`adopt` before calling :meth:`prepare`.
        """
        found = []
        for event, revision in chosen:
            timing = self._timing(event)
            lines = self._marked_lines(event, revision, timing, lang)
            found.append((lines, self._reminders(event, timing, lang) if alarms else b""))
        return found

    def adopt(
        self, chosen: Sequence[Chosen], lang: Language, rendered: Sequence[tuple[list[str], bytes]]
    ) -> None:
        """Take what another writer of the same trip :meth:`rendered` for *chosen* in *lang*."""
        if len(chosen) != len(rendered):
            raise InternalError("rendered events do not match the events they are for")
        for (event, revision), (lines, reminders) in zip(chosen, rendered, strict=True):
            self._keep.append(event)
            self._unfolded.setdefault((id(event), lang, revision), lines)
            self._first_lines.setdefault((id(event), lang), lines)
            if reminders:
                self._alarms.setdefault((id(event), lang), reminders)

    def event_file(
        self, event: Event, lang: Language, *, revision: Revision, page: str | None = None
    ) -> bytes:
        """Return the bytes of :func:`event_calendar` for *event* (a one-event download)."""
        timing = self._timing(event)
        first, last = _years(self.trip, [(event, revision, timing)])
        head = self._file_heads.get(lang)
        if head is None:
            head = self._file_heads[lang] = b"".join(
                line
                for _, line in _lines(calendar_head(lang))[:-1]  # no END
            )
        keys = {self.trip.zone, *(key for key, _ in self._zoned_instants(event, timing))}
        if (id(event), first, last) not in self._checked:
            for key, moment in self._zoned_instants(event, timing):
                self._check(key, first, last, moment)
            self._checked.add((id(event), first, last))
        return b"".join(
            [
                head,
                *(self._zone(key, first, last) for key in sorted(keys)),
                self._event(event, revision, timing, lang, page=page, alarms=True),
                self._END,
            ]
        )

    def _head(self, who: Member | None, lang: Language) -> bytes:
        """Render the calendar's properties: the shared lines once, the name lines each time."""
        lines = self._heads.get(lang)
        if lines is None:
            lines = self._heads[lang] = _lines(feed_head(self.trip, None, lang))[:-1]  # no END
        # The two name lines as Component.content_line renders them, without a throwaway tree.
        names = {
            prop.upper(): fold(Contentline.from_parts(prop.upper(), value.params, value)) + b"\r\n"
            for prop, value in name_properties(wording.calendar_name(self.trip, who, lang))
        }
        return b"".join(names.get(name, line) for name, line in lines)

    def _zoned_instants(self, event: Event, timing: Timing) -> list[tuple[str, datetime]]:
        """Return the (zone, instant) pairs *event* writes with a TZID."""
        found = self._instants.get(id(event))
        if found is None:
            self._keep.append(event)
            found = self._instants[id(event)] = [
                (key, moment)
                for key, moments in zones_used(None, [timing]).items()
                for moment in moments
            ]
        return found

    def _timing(self, event: Event) -> Timing:
        timing = self._timings.get(id(event))
        if timing is None:
            self._keep.append(event)
            timing = self._timings[id(event)] = self.trip.timing(event)
            self._order[id(event)] = (timing.sort_key, event.id)  # as ordered() sorts
        return timing

    def _zone(self, key: str, first: int, last: int) -> bytes:
        self._zones_used.add((key, first, last))
        found = self._zones.get((key, first, last))
        if found is None:
            found = self._zones[key, first, last] = component_bytes(vtimezone(key, first, last))
        return found

    def _check(self, key: str, first: int, last: int, moment: datetime) -> None:
        onsets = self._onsets.get((key, first, last))
        check_instants(key, first, last, [moment], onsets=onsets)

    def zones_rendered(self) -> list[tuple[str, int, int, bytes, Onsets]]:
        """Return each VTIMEZONE this writer wrote: zone, first and last year, bytes, onsets.

        The onsets are the zone's as read back and checked (:func:`verified_onsets`): another
        writer of the same code and zone data may :meth:`adopt_zone` them instead of making and
        checking the zone again.
        """
        return [
            (
                key,
                first,
                last,
                self._zones[key, first, last],
                self._onsets.get((key, first, last)) or verified_onsets(key, first, last),
            )
            for key, first, last in sorted(self._zones_used)
        ]

    def adopt_zone(self, key: str, first: int, last: int, data: bytes, onsets: Onsets) -> None:
        """Take a VTIMEZONE that a writer of the same code and zone data :meth:`zones_rendered`."""
        self._zones.setdefault((key, first, last), data)
        self._onsets.setdefault((key, first, last), onsets)

    def _event(  # noqa: PLR0913 - every input of vevent is in the cache's key
        self,
        event: Event,
        revision: Revision,
        timing: Timing,
        lang: Language,
        *,
        page: str | None,
        alarms: bool,
    ) -> bytes:
        if alarms:
            return self._event_with_alarms(event, revision, timing, lang, page=page)
        if page is not None and PAGE_SAFE.fullmatch(page):
            template = self._template(event, revision, timing, lang, len(page))
            if template.parts is not None:
                return template.fill(page)
        cache_key = (id(event), lang, revision, page)
        found = self._events.get(cache_key)
        if found is None:
            self._keep.append(event)
            lines = None if page is not None else self._pageless(event, revision, timing, lang)
            if lines is not None:
                found = b"".join(fold(line) + b"\r\n" for line in lines)
            else:
                component = vevent(self.trip, event, revision, timing, lang, page=page)
                found = component_bytes(component)
            self._events[cache_key] = found
        return found

    def fingerprint(self, event: Event) -> str:
        """Return :func:`~seoulcal.ics.fingerprint.fingerprint` of *event*, rendered only once.

        The fingerprint's VEVENTs (no page, at :data:`FINGERPRINT_REVISION`) are made from the
        lines of the event's calendars (see :meth:`_marked_lines`), which icalendar renders
        here: the calendars at the event's own revision take the same lines afterwards.
        """
        timing = self._timing(event)
        digest = hashlib.sha256()
        for lang in LANGUAGES:
            self._marked_lines(event, FINGERPRINT_REVISION, timing, lang)
            digest.update(
                self._event(event, FINGERPRINT_REVISION, timing, lang, page=None, alarms=True)
            )
            digest.update(b"\0")
        return digest.hexdigest()

    def _template(
        self, event: Event, revision: Revision, timing: Timing, lang: Language, page_length: int
    ) -> _PageTemplate:
        """Return *event*'s VEVENT (no alarms) for any page address of *page_length* chars."""
        key = (id(event), lang, revision, page_length)
        template = self._templates.get(key)
        if template is None:
            mark = PAGE_MARK * page_length
            data = b"".join(
                fold(line.replace(PAGE_MARK, mark)) + b"\r\n"
                for line in self._marked_lines(event, revision, timing, lang)
            )
            template = self._templates[key] = _PageTemplate(data, page_length)
        return template

    def _marked_lines(
        self, event: Event, revision: Revision, timing: Timing, lang: Language
    ) -> list[str]:
        """Return *event*'s VEVENT (no alarms) as unfolded lines, one placeholder for the page.

        icalendar makes each content line from the page address as it is (the address of a
        template is made of characters that no escaping changes), so the line for any address
        is this line with the address in the placeholder's place: a template for any length of
        address is folded from these lines, and the event is rendered once for all of them.
        """
        key = (id(event), lang, revision)
        lines = self._unfolded.get(key)
        if lines is None:
            self._keep.append(event)
            first = self._first_lines.get((id(event), lang))
            lines = None if first is None else self._revised(first, revision)
            if lines is None:
                component = vevent(self.trip, event, revision, timing, lang, page=PAGE_MARK)
                lines = [str(line) for line in component.content_lines() if line]
                self._first_lines.setdefault((id(event), lang), lines)
            self._unfolded[key] = lines
        return lines

    def _revised(self, lines: list[str], revision: Revision) -> list[str] | None:
        """Return an event's *lines* at *revision*: its DTSTAMP, LAST-MODIFIED and SEQUENCE put in.

        Those lines are all that a revision changes (:func:`add_revision`); ``None`` if *lines*
        do not hold each once (then the event is rendered at *revision* instead).
        """
        new = self._revision_lines.get(revision)
        if new is None:
            component = icalendar.Event()
            add_revision(component, revision)
            new = self._revision_lines[revision] = {
                property_name(line): str(line)
                for line in component.content_lines()
                if property_name(line) in REVISION_PROPERTIES
            }
        found = [new.get(property_name(line), line) for line in lines]
        replaced = sum(1 for old, line in zip(lines, found, strict=True) if old is not line)
        return found if replaced == len(REVISION_PROPERTIES) == len(new) else None

    def _description_head(self, lang: Language) -> str:
        """Return what precedes the value of a DESCRIPTION line in *lang* (its name, parameters)."""
        head = self._description_heads.get(lang)
        if head is None:
            component = icalendar.Event()
            add_description(component, "-", lang)
            (line,) = (
                str(line)
                for line in component.content_lines()
                if property_name(line) == "DESCRIPTION"
            )
            head = self._description_heads[lang] = line.removesuffix("-")
        return head

    def _pageless(
        self, event: Event, revision: Revision, timing: Timing, lang: Language
    ) -> list[str] | None:
        """Return *event*'s lines for a calendar without a page, from its marked lines if rendered.

        The page is in two properties only (see :func:`~seoulcal.ics.components.add_description`):
        URL, left out, and the DESCRIPTION's last line, whose line is made again from the text
        without it, escaped by icalendar. ``None`` if the event's lines are not rendered yet in
        *lang* (it is rendered as it is then), or hold the page anywhere else.
        """
        if (id(event), lang) not in self._first_lines:
            return None
        marked = self._marked_lines(event, revision, timing, lang)
        key = (id(event), lang)
        if key not in self._descriptions:
            text = wording.event_description(self.trip, event, timing, lang, page=None)
            self._descriptions[key] = (
                self._description_head(lang) + Text(text).to_ical().decode() if text else None
            )
        description = self._descriptions[key]
        found = []
        for line in marked:
            name = property_name(line)
            if name == "URL":
                continue
            if name == "DESCRIPTION":
                if description is not None:
                    found.append(description)
                description = None
                continue
            found.append(line)
        if description is not None or any(PAGE_MARK in line for line in found):
            return None  # not as said above: render it
        return found

    def _reminders(self, event: Event, timing: Timing, lang: Language) -> bytes:
        """Return *event*'s VALARMs in *lang* (empty if it has none)."""
        reminders = self._alarms.get((id(event), lang))
        if reminders is None:
            self._keep.append(event)
            reminders = self._alarms[id(event), lang] = b"".join(
                component_bytes(alarm) for alarm in valarms(self.trip, event, timing, lang)
            )
        return reminders

    def _without_end(self, vevent_bytes: bytes) -> bytes:
        """Return a VEVENT's bytes without its last line, ``END:VEVENT``."""
        if not vevent_bytes.endswith(self._END_EVENT):  # pragma: no cover - icalendar's order
            raise AssertionError("icalendar wrote a VEVENT that does not end with END:VEVENT")
        return vevent_bytes[: -len(self._END_EVENT)]

    def _event_with_alarms(
        self, event: Event, revision: Revision, timing: Timing, lang: Language, *, page: str | None
    ) -> bytes:
        """Return the VEVENT without alarms, with its VALARMs written just before END:VEVENT.

        That is where icalendar writes a component's subcomponents, and the VALARMs depend on
        neither the revision nor the page: so each is rendered once per event and language.
        """
        reminders = self._reminders(event, timing, lang)
        if not reminders:
            return self._event(event, revision, timing, lang, page=page, alarms=False)
        key = (id(event), lang, revision, page)
        found = self._with_alarms.get(key)
        if found is None:
            base = self._event(event, revision, timing, lang, page=page, alarms=False)
            found = self._without_end(base) + reminders + self._END_EVENT
            if page is None or not PAGE_SAFE.fullmatch(page):  # a member's page: filled anew
                self._with_alarms[key] = found
        return found


class _PageTemplate:
    """A VEVENT folded once for every page address of one length, then filled in per page.

    A member's calendars link every event to the member's own page, so each member's VEVENTs
    differ in the page's address only, and every member's address has the same length (the base
    URL and a token of fixed size). The VEVENT's lines, rendered by icalendar once with a
    placeholder (:meth:`CalendarWriter._marked_lines`), are folded with a placeholder of that
    length, one byte per character; the folds fall at the same octets for any address of that
    length made of one-byte characters that no escaping changes (:data:`PAGE_SAFE`), so
    putting the address's characters where the placeholder's were gives exactly the bytes
    icalendar would render for it. The tests hold the writer to the tree's ``to_ical()``, for
    addresses of many lengths.
    """

    __slots__ = ("length", "parts", "spans", "tail", "texts")

    def __init__(self, data: bytes, length: int) -> None:
        """Take *data*, rendered with a placeholder page address of *length* characters."""
        self.length = length
        parts: list[tuple[bytes, int, int]] = []
        position = count = 0
        for run in re.finditer(rb"\x01+", data):
            start = count % length
            parts.append((data[position : run.start()], start, start + len(run.group())))
            count += len(run.group())
            position = run.end()
        self.tail = data[position:]
        # Every placeholder whole (URL and the description's last line); else render directly.
        whole = count > 0 and count % length == 0 and all(end <= length for _, _, end in parts)
        self.parts = parts if whole else None
        # The same pieces as a body holds them (see _Body): each text, then the span after it.
        self.texts = (*(text for text, _, _ in parts), self.tail)
        self.spans = tuple((start, end) for _, start, end in parts)

    def fill(self, page: str) -> bytes:
        """Return the VEVENT for the page address *page*."""
        address = page.encode("ascii")
        assert self.parts is not None  # noqa: S101 - callers check
        return b"".join(text + address[start:end] for text, start, end in self.parts) + self.tail


class _Body:
    """A calendar's zones, events and end, filled in with each member's page address.

    The bytes of the events' templates (:class:`_PageTemplate`) are held, not copied: *texts*
    alternate with *spans* of the address (an empty span between two texts), so filling in is
    one join per calendar.
    """

    __slots__ = ("spans", "texts")

    def __init__(self) -> None:
        """Start an empty body."""
        self.texts: list[bytes] = []
        self.spans: list[tuple[int, int]] = []

    def text(self, data: bytes) -> None:
        """Add *data* as it is."""
        if len(self.texts) > len(self.spans):
            self.spans.append((0, 0))
        self.texts.append(data)

    def extend(self, texts: Sequence[bytes], spans: Sequence[tuple[int, int]]) -> None:
        """Add *texts* with *spans* between them (one span fewer than texts), as they come."""
        if len(texts) != len(spans) + 1:
            raise InternalError("a body's texts and spans must alternate, text first and last")
        if len(self.texts) > len(self.spans):
            self.spans.append((0, 0))
        self.texts.extend(texts)
        self.spans.extend(spans)

    def fill(self, page: str) -> bytes:
        """Return the body for the page address *page*."""
        address = page.encode("ascii")
        pieces: list[bytes] = [b""] * (len(self.texts) + len(self.spans))
        pieces[0::2] = self.texts
        pieces[1::2] = [address[start:end] for start, end in self.spans]
        return b"".join(pieces)


def _lines(component: icalendar.Component) -> list[tuple[str, bytes]]:
    """Return a component's own content lines (BEGIN, properties, END), as icalendar writes them.

    ``to_ical()`` is exactly these lines joined, each ended by CRLF.
    """
    return [
        (name, fold(component.content_line(name, value, sorted=True)) + b"\r\n")
        for name, value in component.property_items(recursive=False, sorted=True)
    ]


def _chosen(
    trip: Trip,
    events: Iterable[Event],
    revisions: Mapping[str, Revision] | None,
    extra_events: Iterable[Chosen],
) -> list[Chosen]:
    default = Revision(0, trip.revised)
    chosen = [(event, (revisions or {}).get(event.id, default)) for event in events]
    chosen.extend(extra_events)
    return chosen


def _years(trip: Trip, timed: Sequence[tuple[Event, Revision, Timing]]) -> tuple[int, int]:
    """Return the first and last year the events touch (the revision's year if none)."""
    years = {moment.year for _, _, t in timed for moment in (t.start, t.end)}
    if not years:
        years.add(trip.revised.year)
    return min(years), max(years)
