"""VTIMEZONE components: derived from zoneinfo, read back independently, and checked.

A VTIMEZONE is written in the yearly-rule form Outlook reads (one STANDARD and one DAYLIGHT part
with RRULEs, no RDATE lists; irregular changes as one-off parts). Before any is used, it is
expanded again from its own DTSTART, TZOFFSETFROM, TZOFFSETTO and RRULE, as RFC 5545 defines
them, and compared with zoneinfo every six hours across the years used, around every change,
and at every instant a calendar writes (:func:`check_instants`). If they disagree, no calendar
is written: that is a bug, and :class:`~seoulcal.errors.InternalError` says so.
"""

from __future__ import annotations

__all__ = ["Onsets", "check_instants", "verified_onsets", "vtimezone", "writable", "zones_used"]

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar

from seoulcal import zones
from seoulcal.errors import InternalError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from seoulcal.model import Timing

_WEEKDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

Onsets = tuple[tuple[datetime, timedelta], ...]
"""A VTIMEZONE read back as RFC 5545 defines it: each onset (a UTC instant) and its offset."""


def vtimezone(name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """Return a VTIMEZONE for zone *name*, correct from *first_year* through *last_year*.

    Its STANDARD and DAYLIGHT parts use yearly RRULEs (no RDATE lists), the form Outlook reads;
    irregular changes become one-off parts. It is checked against zoneinfo before it is returned.
    """
    reading = _zone_reader(name, first_year, last_year)  # verified once per zone and range
    return _build_vtimezone(name, first_year, last_year, closely=reading.closely)


def _build_vtimezone(
    name: str, first_year: int, last_year: int, *, closely: bool = False
) -> icalendar.Timezone:
    component = icalendar.Timezone()
    component.add("tzid", name)
    for part in zones.observances(name, first_year, last_year, closely=closely):
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
    closely: bool = False
    """Whether the zone's changes were looked for every hour (see :func:`_zone_reader`)."""

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

    The zone is first described from a look at it every six days. A change undone before the
    next look (none in tzdata since 1950) would be missing from that VTIMEZONE, and the check
    sees it: the zone is then described again from a look every hour, and checked again.
    """
    reading = _read(_build_vtimezone(name, first_year, last_year), last_year)
    try:
        _verify(reading, name, first_year, last_year)
    except InternalError:
        parsed = _build_vtimezone(name, first_year, last_year, closely=True)
        reading = _ZoneReading(_read(parsed, last_year).onsets, closely=True)
        _verify(reading, name, first_year, last_year)
    return reading


def _read(parsed: icalendar.Timezone, last_year: int) -> _ZoneReading:
    """Expand the onsets of the VTIMEZONE *parsed* up to the end of *last_year*."""
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
    return _ZoneReading(tuple(onsets))


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
        raise InternalError(f"unexpected VTIMEZONE rule {dict(rule)!r}")
    month = int(str(first("BYMONTH")))
    byday = str(first("BYDAY"))
    week, weekday = int(byday[:-2]), _WEEKDAY.index(byday[-2:])
    until = first("UNTIL")
    if until is not None and not isinstance(until, datetime):  # pragma: no cover - we write UTC
        raise InternalError(f"unexpected UNTIL {until!r}")
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
        if local < start:  # both naive wall clocks: compared as written
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
    step = timedelta(hours=6)
    probes = [begin + step * index for index in range((end - begin).days * 4)]
    around = [timedelta(seconds=s) for s in (-3600, -1, 0, 1, 3600)]
    probes.extend(onset + delta for onset, _ in reading.onsets for delta in around)
    probes = sorted(probe for probe in probes if begin <= probe < end)
    # One sweep: the onsets are sorted, so the offset in force moves forward with the probes
    # (what reading.offset(probe) finds for each, without scanning the onsets every time).
    onsets = reading.onsets
    following, got = 0, None
    for probe in probes:
        while following < len(onsets) and onsets[following][0] <= probe:
            got = onsets[following][1]
            following += 1
        expected = probe.astimezone(truth).utcoffset()
        if expected != got:
            raise InternalError(
                f"the VTIMEZONE made for {name} gives offset {got} at "
                f"{probe:%Y-%m-%d %H:%M:%S}Z where zoneinfo gives {expected}; no calendar was "
                "written. Please report it with the zone name and the tzdata version."
            )


def verified_onsets(name: str, first_year: int, last_year: int) -> Onsets:
    """Return our VTIMEZONE of *name* for those years as read back, once checked (see above).

    The same code and zone data give the same onsets and the same verdict, so a caller may keep
    them and hand them back to :func:`check_instants` in a later process instead of checking the
    zone again.
    """
    return _zone_reader(name, first_year, last_year).onsets


def check_instants(
    name: str,
    first_year: int,
    last_year: int,
    moments: list[datetime],
    *,
    onsets: Onsets | None = None,
) -> None:
    """Check every wall clock written with TZID=*name* reads back as the intended instant.

    *onsets* are the zone's :func:`verified_onsets` for those years, if the caller kept them.
    """
    reading = _zone_reader(name, first_year, last_year) if onsets is None else _ZoneReading(onsets)
    for moment in moments:
        written = writable(moment)
        if zones.is_utc(_tz(written)):
            continue
        if reading.offset(moment.astimezone(UTC)) != moment.utcoffset():
            raise InternalError(
                f"{moment.isoformat()} would read back at another offset through the "
                f"VTIMEZONE of {name}; no calendar was written"
            )


def zones_used(home: str | None, timings: Iterable[Timing]) -> dict[str, list[datetime]]:
    """Map each zone written as a TZID (and *home*) to its instants, sorted by zone name."""
    instants: dict[str, list[datetime]] = {} if home is None else {home: []}
    for timing in timings:
        for moment in (timing.start, timing.end):
            if isinstance(moment, datetime):
                written = _tz(writable(moment))
                if not zones.is_utc(written):
                    instants.setdefault(written.key, []).append(moment)
    return dict(sorted(instants.items()))


def _tz(moment: datetime) -> ZoneInfo:
    tz = moment.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz
    return ZoneInfo("UTC")


def writable(moment: datetime) -> datetime:
    """Return *moment* as it is written: in its own zone, or in UTC if its wall clock repeats.

    RFC 5545 §3.3.5 reads a wall clock that happens twice (clocks falling back) as the first
    occurrence, but clients disagree: ical.js (Thunderbird) takes the second. A UTC instant is
    read the same way by all of them, so both readings of a repeated hour are written in UTC.
    """
    if moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return moment
