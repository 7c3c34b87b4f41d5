"""Calendar export: a trip as an iCalendar object that every client reads the same way.

This is the only module that imports :mod:`icalendar`, and it never writes content lines by hand:
icalendar folds (at 75 octets, on character boundaries), ends lines (CRLF) and encodes parameters.
TEXT values are escaped by :class:`_Text`, which follows RFC 5545 where icalendar's ``vText`` turns
a backslash before N into a line break.

What it guarantees, by the requirement ids of ``shared/research/clients.md``:

* one VCALENDAR with VERSION, PRODID, CALSCALE and ``METHOD:PUBLISH``; NAME and X-WR-CALNAME,
  DESCRIPTION and X-WR-CALDESC, ``REFRESH-INTERVAL;VALUE=DURATION`` and X-PUBLISHED-TTL (R-CAL-*);
* no ATTENDEE ever; ORGANIZER only when the trip's organizer has a public address (R-CAL-01);
* timed events carry ``TZID=<IANA name>`` (or UTC ``Z``), never floating; every TZID has a
  VTIMEZONE in the yearly-rule form Outlook reads, derived from zoneinfo and checked against it at
  every instant the calendar uses (R-TZ-01…06);
* whole days as ``VALUE=DATE`` with an exclusive end (R-AD-01);
* UIDs from the trip and event ids only, the same in every member's calendar (R-UID-01/02);
* DTSTAMP and LAST-MODIFIED from the revision, never from the clock, so the same trip gives the
  same bytes on every run and machine.
"""

from __future__ import annotations

__all__ = [
    "PRODID",
    "REFRESH",
    "CalendarWriter",
    "Revision",
    "calendar_name",
    "event_calendar",
    "event_uid",
    "trip_calendar",
    "trip_ics",
    "vtimezone",
]

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar
from icalendar import vDuration, vText

from seoulcal import wording, zones
from seoulcal.errors import ExportError
from seoulcal.identity import Revision, event_uid
from seoulcal.wording import calendar_name

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from seoulcal.model import Event, Language, Member, Timing, Trip

PRODID = "-//seoulcal//seoulcal//{lang}"
REFRESH = timedelta(hours=1)
"""How often subscribers are asked to poll (REFRESH-INTERVAL and X-PUBLISHED-TTL)."""

_STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE", "cancelled": "CANCELLED"}
_WEEKDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class _Text(vText):
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


def trip_calendar(
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    revisions: Mapping[str, Revision] | None = None,
    extra_events: Iterable[tuple[Event, Revision]] = (),
) -> icalendar.Calendar:
    """Return the calendar of *trip* (or of one *member*) in *lang*.

    *revisions* maps event ids to their :class:`Revision` (the default is sequence 0 at the trip's
    revision time). *extra_events* adds events that are not in the trip any more, such as
    cancelled ones a publisher keeps for a while, each with its own revision.
    """
    who = trip.member(member) if isinstance(member, str) else member
    calendar = _feed_head(trip, who, lang)
    chosen = _chosen(trip, trip.events_for(who), revisions, extra_events)
    timed = _timed(trip, chosen)
    first, last = _years(trip, timed)
    for key, moments in _zones_used(trip.zone, (t for _, _, t in timed)).items():
        calendar.add_component(vtimezone(key, first, last))
        _check_instants(key, first, last, moments)
    for event, revision, timing in timed:
        calendar.add_component(_vevent(trip, event, revision, timing, lang))
    return calendar


def event_calendar(
    trip: Trip, event: Event, *, lang: Language = "ko", revision: Revision | None = None
) -> icalendar.Calendar:
    """Return a calendar holding only *event*, for a one-event download.

    It has no calendar name and no refresh hints: it is a snapshot to import, not a feed.
    """
    calendar = _calendar_head(lang)
    timed = _timed(trip, [(event, revision or Revision(0, trip.revised))])
    first, last = _years(trip, timed)
    for key, moments in _zones_used(trip.zone, (t for _, _, t in timed)).items():
        calendar.add_component(vtimezone(key, first, last))
        _check_instants(key, first, last, moments)
    calendar.add_component(_vevent(trip, *timed[0], lang))
    return calendar


def trip_ics(
    trip: Trip,
    *,
    member: Member | str | None = None,
    lang: Language = "ko",
    revisions: Mapping[str, Revision] | None = None,
) -> bytes:
    """Return :func:`trip_calendar` as bytes: UTF-8 without BOM, CRLF line ends, folded."""
    return CalendarWriter(trip, revisions=revisions).calendar(member, lang)


class CalendarWriter:
    """Write many calendars of one trip, rendering each event, zone and header only once.

    Member calendars share most of their events. The writer renders each VEVENT and VTIMEZONE
    with icalendar once, and the calendar header once per language (only the calendar's name
    differs between members: icalendar renders those two lines for each), then joins icalendar's
    own bytes. Each calendar is byte-identical to ``trip_calendar(...).to_ical()`` (the tests
    hold it to that) at a fraction of the cost.
    """

    _END = b"END:VCALENDAR\r\n"
    _PLACEHOLDER = "SEOULCALNAMEPLACEHOLDER"

    def __init__(self, trip: Trip, *, revisions: Mapping[str, Revision] | None = None) -> None:
        """Prepare to write *trip*'s calendars; *revisions* as for :func:`trip_calendar`."""
        self.trip = trip
        self._revisions = dict(revisions or {})
        self._ordered = trip.events_for()
        self._timings = {id(event): trip.timing(event) for event in self._ordered}
        self._events: dict[tuple[int, Language, Revision], bytes] = {}
        self._zones: dict[tuple[str, int, int], bytes] = {}
        self._heads: dict[Language, tuple[bytes, bytes] | None] = {}
        self._instants: dict[int, list[tuple[str, datetime]]] = {}
        self._checked: set[tuple[int, int, int]] = set()
        self._member_events: tuple[Member, list[Event]] | None = None
        self._keep: list[Event] = []  # keeps id()-keyed events alive while cached

    def calendar(
        self,
        member: Member | str | None = None,
        lang: Language = "ko",
        *,
        extra_events: Iterable[tuple[Event, Revision]] = (),
    ) -> bytes:
        """Return the bytes of ``trip_calendar(trip, member=..., lang=..., ...)``."""
        trip = self.trip
        who = trip.member(member) if isinstance(member, str) else member
        events = self._ordered if who is None else self._events_of(who)
        chosen = _chosen(trip, events, self._revisions, extra_events)
        timed = [(event, revision, self._timing(event)) for event, revision in chosen]
        timed.sort(key=lambda item: (item[2].sort_key, item[0].id))
        first, last = _years(trip, timed)
        parts = [self._head(who, lang)]
        keys = {trip.zone}
        for event, _, timing in timed:
            keys.update(key for key, _ in self._zoned_instants(event, timing))
        parts.extend(self._zone(key, first, last) for key in sorted(keys))
        for event, _, timing in timed:
            if (id(event), first, last) not in self._checked:
                for key, moment in self._zoned_instants(event, timing):
                    _check_instants(key, first, last, [moment])
                self._checked.add((id(event), first, last))
        parts.extend(
            self._event(event, revision, timing, lang) for event, revision, timing in timed
        )
        parts.append(self._END)
        return b"".join(parts)

    def _events_of(self, who: Member) -> list[Event]:
        """Return the trip's events *who* attends, in time order (kept for the next language)."""
        cached = self._member_events
        if cached is None or cached[0] is not who:
            events = [event for event in self._ordered if self.trip.attends(who, event)]
            cached = self._member_events = (who, events)
        return cached[1]

    def _head(self, who: Member | None, lang: Language) -> bytes:
        """Render the calendar's properties: the shared part once, the name lines each time."""
        if lang not in self._heads:
            self._heads[lang] = self._split_head(lang)
        shared = self._heads[lang]
        if shared is None:  # pragma: no cover - icalendar did not keep the two lines together
            return self._strip(_feed_head(self.trip, who, lang).to_ical())
        holder = icalendar.Calendar()
        name = calendar_name(self.trip, who, lang)
        holder.add("name", _Text(name))
        holder.add("x-wr-calname", _Text(name))
        lines = holder.to_ical()
        begin = b"BEGIN:VCALENDAR\r\n"
        if not lines.startswith(begin):  # pragma: no cover - icalendar's contract
            raise ExportError("internal: icalendar did not begin the calendar as expected")
        return shared[0] + self._strip(lines)[len(begin) :] + shared[1]

    def _split_head(self, lang: Language) -> tuple[bytes, bytes] | None:
        """Return the header's bytes before and after its two name lines."""
        head = self._strip(_feed_head(self.trip, None, lang, name=self._PLACEHOLDER).to_ical())
        marker = f"NAME:{self._PLACEHOLDER}\r\nX-WR-CALNAME:{self._PLACEHOLDER}\r\n".encode()
        before, found, after = head.partition(marker)
        return (before, after) if found and marker not in after else None

    def _strip(self, data: bytes) -> bytes:
        if not data.endswith(self._END):  # pragma: no cover - icalendar's contract
            raise ExportError("internal: icalendar did not end the calendar as expected")
        return data[: -len(self._END)]

    def _zoned_instants(self, event: Event, timing: Timing) -> list[tuple[str, datetime]]:
        """Return the (zone, instant) pairs *event* writes with a TZID."""
        found = self._instants.get(id(event))
        if found is None:
            self._keep.append(event)
            found = self._instants[id(event)] = [
                (key, moment)
                for key, moments in _zones_used(None, [timing]).items()
                for moment in moments
            ]
        return found

    def _timing(self, event: Event) -> Timing:
        timing = self._timings.get(id(event))  # the trip's own events; extra ones are resolved
        return self.trip.timing(event) if timing is None else timing

    def _zone(self, key: str, first: int, last: int) -> bytes:
        found = self._zones.get((key, first, last))
        if found is None:
            found = self._zones[key, first, last] = vtimezone(key, first, last).to_ical()
        return found

    def _event(self, event: Event, revision: Revision, timing: Timing, lang: Language) -> bytes:
        cache_key = (id(event), lang, revision)
        found = self._events.get(cache_key)
        if found is None:
            self._keep.append(event)
            component = _vevent(self.trip, event, revision, timing, lang)
            found = self._events[cache_key] = component.to_ical()
        return found


# --- building blocks ----------------------------------------------------------------------------


def _calendar_head(lang: Language) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID.format(lang=lang.upper()))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def _feed_head(
    trip: Trip, who: Member | None, lang: Language, *, name: str | None = None
) -> icalendar.Calendar:
    """Return a feed calendar with its properties and no components yet."""
    name = calendar_name(trip, who, lang) if name is None else name
    calendar = _calendar_head(lang)
    calendar.add("name", _Text(name))
    calendar.add("x-wr-calname", _Text(name))
    if trip.description is not None:
        calendar.add("description", _Text(trip.description.pick(lang)))
        calendar.add("x-wr-caldesc", _Text(trip.description.pick(lang)))
    calendar.add("x-wr-timezone", _Text(trip.zone))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar


def _chosen(
    trip: Trip,
    events: Iterable[Event],
    revisions: Mapping[str, Revision] | None,
    extra_events: Iterable[tuple[Event, Revision]],
) -> list[tuple[Event, Revision]]:
    default = Revision(0, trip.revised)
    chosen = [(event, (revisions or {}).get(event.id, default)) for event in events]
    chosen.extend(extra_events)
    return chosen


def _timed(
    trip: Trip, chosen: list[tuple[Event, Revision]]
) -> list[tuple[Event, Revision, Timing]]:
    """Resolve each event's timing and put the events in time order."""
    timed = [(event, revision, trip.timing(event)) for event, revision in chosen]
    timed.sort(key=lambda item: (item[2].sort_key, item[0].id))
    return timed


def _years(trip: Trip, timed: list[tuple[Event, Revision, Timing]]) -> tuple[int, int]:
    """Return the first and last year the events touch (the revision's year if none)."""
    years = {moment.year for _, _, t in timed for moment in (t.start, t.end)}
    if not years:
        years.add(trip.revised.year)
    return min(years), max(years)


def _zones_used(home: str | None, timings: Iterable[Timing]) -> dict[str, list[datetime]]:
    """Map each zone written as a TZID (and *home*) to its instants, sorted by zone name."""
    instants: dict[str, list[datetime]] = {} if home is None else {home: []}
    for timing in timings:
        for moment in (timing.start, timing.end):
            if isinstance(moment, datetime):
                written = _tz(_writable(moment))
                if not zones.is_utc(written):
                    instants.setdefault(written.key, []).append(moment)
    return dict(sorted(instants.items()))


def _tz(moment: datetime) -> ZoneInfo:
    tz = moment.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo("UTC")


def _vevent(
    trip: Trip, event: Event, revision: Revision, timing: Timing, lang: Language
) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", event_uid(trip, event))
    stamp = revision.modified.astimezone(UTC)
    component.add("dtstamp", stamp)
    component.add("last-modified", stamp)
    component.add("sequence", revision.sequence)
    for prop, value in (("dtstart", timing.start), ("dtend", timing.end)):
        component.add(prop, _writable(value) if isinstance(value, datetime) else value)
    if timing.all_day:
        component.add("transp", "TRANSPARENT")
        component.add("x-microsoft-cdo-alldayevent", "TRUE")
    else:
        component.add("transp", "OPAQUE")
    language: dict[str, str] = {"LANGUAGE": lang}
    component.add("summary", _Text(_summary(event, timing, lang)), parameters=language)
    venue = trip.venue_of(event)
    if venue is not None:
        parts = [venue.name.pick(lang)]
        if venue.address is not None:
            parts.append(_one_line(venue.address.pick(lang)))
        location = ", ".join(parts)
        component.add("location", _Text(location), parameters=language)
        if venue.latitude is not None and venue.longitude is not None:
            component.add("geo", (round(venue.latitude, 6), round(venue.longitude, 6)))
            apple = {"VALUE": "URI", "X-APPLE-RADIUS": "100", "X-TITLE": location}
            if venue.address is not None:
                apple["X-ADDRESS"] = _one_line(venue.address.pick(lang))
            component.add(
                "x-apple-structured-location",
                icalendar.vUri(f"geo:{venue.latitude:.6f},{venue.longitude:.6f}"),
                parameters=apple,
            )
    description = _description(trip, event, timing, lang)
    component.add("description", _Text(description), parameters=language)
    if event.categories:
        categories = icalendar.vCategory([])
        categories.cats = [_Text(c.pick(lang)) for c in event.categories]  # see _Text
        component.add("categories", categories)
    component.add("status", _STATUS[event.status])
    if trip.organizer.email is not None:
        organizer = icalendar.vCalAddress(f"mailto:{trip.organizer.email}")
        organizer.params["CN"] = trip.organizer.name.pick(lang)
        component.add("organizer", organizer)
    return component


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def _summary(event: Event, timing: Timing, lang: Language) -> str:
    title = event.title.pick(lang)
    if timing.approximate is not None:
        title = f"{title} {wording.approximate_marker(timing.approximate, lang)}"
    if event.status == "cancelled":
        title = f"[{wording.label('cancelled', lang)}] {title}"
    return title


def _description(trip: Trip, event: Event, timing: Timing, lang: Language) -> str:
    blocks: list[str] = []
    if event.description is not None:
        blocks.append(event.description.pick(lang))
    if timing.approximate is not None:
        blocks.append(f"{wording.label('time', lang)}: {wording.approximate_note(timing, lang)}")
    venue = trip.venue_of(event)
    if venue is not None:
        place = venue.name.pick(lang)
        if venue.address is not None:
            place = f"{place}\n{venue.address.pick(lang)}"
        blocks.append(f"{wording.label('place', lang)}: {place}")
    if event.source is not None:
        blocks.append(
            f"{wording.label('source', lang)}: {event.source.document}\n«{event.source.quote}»"
        )
    assumed = [*event.assumptions, *(venue.assumptions if venue else ())]
    if assumed:
        lines = "\n".join(f"- {note.pick(lang)}" for note in assumed)
        blocks.append(f"{wording.label('assumed', lang)}:\n{lines}")
    return "\n\n".join(blocks)


# --- time zones ---------------------------------------------------------------------------------


def vtimezone(name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """Return a VTIMEZONE for zone *name*, correct from *first_year* through *last_year*.

    Its STANDARD and DAYLIGHT parts use yearly RRULEs (no RDATE lists), the form Outlook reads;
    irregular changes become one-off parts. It is checked against zoneinfo before it is returned.
    """
    _zone_reader(name, first_year, last_year)  # verified once per zone and range
    return _build_vtimezone(name, first_year, last_year)


def _build_vtimezone(name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    component = icalendar.Timezone()
    component.add("tzid", name)
    for part in zones.observances(name, first_year, last_year):
        child = icalendar.TimezoneDaylight() if part.daylight else icalendar.TimezoneStandard()
        child.add("dtstart", part.start)
        child.add("tzoffsetfrom", part.offset_from)
        child.add("tzoffsetto", part.offset_to)
        if part.name:
            child.add("tzname", part.name)
        if part.month is not None and part.week is not None and part.weekday is not None:
            rule: dict[str, object] = {
                "FREQ": "YEARLY",
                "BYMONTH": part.month,
                "BYDAY": f"{part.week}{_WEEKDAY[part.weekday]}",
            }
            if part.until is not None:
                # A day after the last change: the same occurrences for readers that compare UNTIL
                # with UTC instants (RFC 5545) and for those that compare it with wall clocks.
                rule["UNTIL"] = part.until.astimezone(UTC) + timedelta(days=1)
            child.add("rrule", rule)
        component.add_component(child)
    return component


@dataclass(frozen=True, slots=True)
class _ZoneReading:
    """A VTIMEZONE as RFC 5545 defines it: onsets (UTC instants) and the offset each begins."""

    onsets: tuple[tuple[datetime, timedelta], ...]

    def offset(self, instant: datetime) -> timedelta | None:
        """Return the offset in force at *instant*, or ``None`` before the first onset."""
        found = None
        for onset, offset in self.onsets:
            if onset > instant:
                break
            found = offset
        return found


@lru_cache(maxsize=256)
def _zone_reader(name: str, first_year: int, last_year: int) -> _ZoneReading:
    """Read our VTIMEZONE of *name* back as RFC 5545 defines it, and check it against zoneinfo.

    The component's DTSTART, TZOFFSETFROM, TZOFFSETTO and yearly RRULE are expanded here,
    independently of how they were derived, then compared with zoneinfo (see :func:`_verify`).
    The client tests read the same zones from the file's text with ical.js, vobject and ical.
    """
    parsed = _build_vtimezone(name, first_year, last_year)
    onsets: list[tuple[datetime, timedelta]] = []
    for part in parsed.walk():
        if part.name not in {"STANDARD", "DAYLIGHT"}:
            continue
        start: datetime = part.decoded("DTSTART")
        before: timedelta = part.decoded("TZOFFSETFROM")
        after: timedelta = part.decoded("TZOFFSETTO")
        onsets.extend(
            (local.replace(tzinfo=UTC) - before, after)
            for local in _occurrences(start, part.get("RRULE"), before, last_year)
        )
    onsets.sort(key=lambda item: item[0])
    reading = _ZoneReading(tuple(onsets))
    _verify(reading, name, first_year, last_year)
    return reading


def _occurrences(
    start: datetime, rule: icalendar.vRecur | None, before: timedelta, last_year: int
) -> list[datetime]:
    """Expand an observance's onsets (local wall clocks) up to the end of *last_year*."""
    if rule is None:
        return [start]

    def first(key: str) -> object:
        value = rule.get(key)
        return value[0] if isinstance(value, list) else value

    if first("FREQ") != "YEARLY" or set(rule) - {"FREQ", "BYMONTH", "BYDAY", "UNTIL"}:
        raise ExportError(f"internal: unexpected VTIMEZONE rule {dict(rule)!r}")
    month = int(str(first("BYMONTH")))
    byday = str(first("BYDAY"))
    week, weekday = int(byday[:-2]), _WEEKDAY.index(byday[-2:])
    until = first("UNTIL")
    if until is not None and not isinstance(until, datetime):  # pragma: no cover - we write UTC
        raise ExportError(f"internal: unexpected UNTIL {until!r}")
    found = []
    for year in range(start.year, last_year + 2):
        days = [
            day
            for day in range(1, monthrange(year, month)[1] + 1)
            if date(year, month, day).weekday() == weekday
        ]
        if week > len(days):
            continue  # no fifth such weekday this year
        local = datetime.combine(
            date(year, month, days[week if week < 0 else week - 1]), start.time()
        )
        if local < start:
            continue
        if until is not None and local.replace(tzinfo=UTC) - before > until:
            break
        found.append(local)
    return found


def _verify(reading: _ZoneReading, name: str, first_year: int, last_year: int) -> None:
    """Compare *reading* with zoneinfo every six hours and around every change in range."""
    truth = zones.zone(name)
    begin = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    probes = [begin + timedelta(hours=6 * step) for step in range((end - begin).days * 4)]
    for onset, _ in reading.onsets:
        probes.extend(onset + timedelta(seconds=s) for s in (-3600, -1, 0, 1, 3600))
    for probe in probes:
        if not begin <= probe < end:
            continue
        expected = probe.astimezone(truth).utcoffset()
        got = reading.offset(probe)
        if expected != got:
            raise ExportError(
                f"internal: the VTIMEZONE made for {name} gives offset {got} at "
                f"{probe:%Y-%m-%d %H:%M:%S}Z where zoneinfo gives {expected}; no calendar was "
                "written. Please report this with the zone name and tzdata version."
            )


def _check_instants(name: str, first_year: int, last_year: int, moments: list[datetime]) -> None:
    """Check every wall clock written with TZID=*name* reads back as the intended instant."""
    reading = _zone_reader(name, first_year, last_year)
    for moment in moments:
        written = _writable(moment)
        if zones.is_utc(_tz(written)):
            continue
        if reading.offset(moment.astimezone(UTC)) != moment.utcoffset():
            raise ExportError(
                f"internal: {moment.isoformat()} would read back at another offset through the "
                f"VTIMEZONE of {name}; no calendar was written"
            )


def _writable(moment: datetime) -> datetime:
    """Return *moment* as it is written: in its own zone, or in UTC if its wall clock repeats.

    RFC 5545 §3.3.5 reads a wall clock that happens twice (clocks falling back) as the first
    occurrence, but clients disagree: ical.js (Thunderbird) takes the second. A UTC instant is
    read the same way by all of them, so both readings of a repeated hour are written in UTC.
    """
    if moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return moment
