"""Time zones: names, wall clocks, and the yearly rules clients need.

Inside seoulcal every zone is a :class:`zoneinfo.ZoneInfo`. Callers may hand in ``pytz`` zones and
``pytz``-made datetimes; they are converted here, by zone *name* and wall clock, so a ``pytz`` zone
passed as ``tzinfo=`` (which carries the zone's local mean time, -07:53 for Los Angeles) never leaks
its offset into a calendar.

This module also derives a zone's transitions from the zoneinfo database and describes them as
yearly rules (:func:`observances`), which the export module writes as VTIMEZONE components in the
rule-based form Outlook reads.
"""

from __future__ import annotations

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "UTC",
    "Observance",
    "check_year",
    "is_utc",
    "normalize_datetime",
    "observances",
    "parse_zoned",
    "resolve_wall_time",
    "wall_exists",
    "zone",
    "zone_name",
]

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FIRST_YEAR = 1970
"""The first year seoulcal accepts a date or time in (the zoneinfo database is reliable from it)."""

LAST_YEAR = 2099
"""The last year seoulcal accepts a date or time in (every client reads four-digit years to it)."""

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "Universal"})

# Names that are valid zoneinfo keys but are not places: abbreviations and POSIX-style or
# fixed-offset zones (Google and Outlook reinterpret or reject them, clients.md R-TZ-03), and the
# system database's extra trees and files that are not IANA names.
_NOT_A_PLACE = re.compile(
    r"^(?:Etc/.*|GMT.*|UCT|UTC|Universal|Zulu|Greenwich|[A-Z]{3,5}|[A-Z]{3}\d[A-Z]{3}|Factory"
    r"|posix/.*|right/.*|posixrules|localtime)$"
)


def _suggest(name: str) -> str:
    """Return a hint naming real zones spelled like *name*, or an empty string.

    Only the city part is compared, within the same region, so that a shared "America/" does not
    make an unrelated city look close.
    """
    import difflib  # noqa: PLC0415 - only an error needs it; it slows every start-up

    region, _, city = name.rpartition("/")
    tails: dict[str, list[str]] = {}
    for key in available_timezones():
        key_region, _, key_city = key.rpartition("/")
        if key_region.lower() == region.lower():
            tails.setdefault(key_city.lower(), []).append(key)
    close = difflib.get_close_matches(city.lower(), sorted(tails), n=3, cutoff=0.75)
    found = sorted(key for tail in close for key in tails[tail])
    return f" (did you mean {', '.join(repr(k) for k in found)}?)" if found else ""


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone called *name*, or raise :class:`ValueError` saying how to fix it.

    Abbreviations and fixed offsets (``PST``, ``KST``, ``GMT+9``, ``Etc/GMT-9``) are refused: they
    are not places, and clients treat them inconsistently. ``UTC`` is accepted.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a time zone name is required, for example 'America/Los_Angeles'")
    if name != name.strip() or name.startswith("/"):
        raise ValueError(f"time zone {name!r} has stray characters; write the bare IANA name")
    if name in _UTC_NAMES:
        return ZoneInfo("UTC")
    if _NOT_A_PLACE.match(name):
        raise ValueError(
            f"time zone {name!r} is an abbreviation or a fixed offset, not a place; "
            "use an IANA name such as 'America/Los_Angeles' or 'Asia/Seoul'"
        )
    try:
        # ZoneInfo refuses paths and reads only the zoneinfo database; listing the database
        # (available_timezones) costs tens of milliseconds, so it is left to the error hint.
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise ValueError(
        f"unknown time zone {name!r}{_suggest(name)}; use an IANA name. Zones are named "
        "after one large city: Las Vegas, for example, is in 'America/Los_Angeles'"
    )


def is_utc(tz: tzinfo) -> bool:
    """Tell whether *tz* is UTC itself (not merely a zone at offset zero)."""
    if tz is UTC:
        return True
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return isinstance(key, str) and key in _UTC_NAMES


def zone_name(tz: tzinfo | None) -> str | None:
    """Return the IANA name behind a ``zoneinfo`` or ``pytz`` zone, or ``None`` if it has none."""
    if tz is None:
        return None
    if is_utc(tz):
        return "UTC"
    for attribute in ("key", "zone"):  # zoneinfo.ZoneInfo.key, pytz's BaseTzInfo.zone
        value = getattr(tz, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def check_year(day: date) -> None:
    """Refuse a day outside :data:`FIRST_YEAR` to :data:`LAST_YEAR` with a :class:`ValueError`."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(
            f"year {day.year} is outside the years seoulcal supports, {FIRST_YEAR} to {LAST_YEAR} "
            "(calendar clients and time-zone data do not cover it); give a date in that range"
        )


def wall_exists(wall: datetime, tz: ZoneInfo) -> bool:
    """Tell whether the naive wall clock *wall* happens in zone *tz* (false inside a gap)."""
    return _round_trips(wall.replace(tzinfo=tz, fold=0)) or _round_trips(
        wall.replace(tzinfo=tz, fold=1)
    )


def resolve_wall_time(wall: datetime, tz: ZoneInfo, *, offset: timedelta | None = None) -> datetime:
    """Place the naive wall clock *wall* in zone *tz*, refusing gaps and unresolved overlaps.

    *offset*, when given, chooses between the two readings of a wall clock that happens twice
    (when clocks fall back); it must be one of the zone's offsets at that wall clock.

    Raises :class:`ValueError` for a wall clock that does not exist (clocks sprang forward over
    it), for an ambiguous one without *offset*, and for an *offset* the zone never has there.
    """
    if wall.tzinfo is not None:
        raise ValueError("internal: resolve_wall_time takes a naive wall clock")
    check_year(wall.date())
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    offsets = (first.utcoffset(), second.utcoffset())
    text = f"{wall.isoformat(timespec='minutes')} in {tz.key}"
    if _round_trips(first) is False and _round_trips(second) is False:
        raise ValueError(
            f"{text} does not exist: clocks spring forward over it; give a time outside the gap "
            f"(the offset changes from {_fmt(offsets[0])} to {_fmt(offsets[1])})"
        )
    if offsets[0] != offsets[1]:
        if offset is None:
            raise ValueError(
                f"{text} happens twice (clocks fall back); say which by giving the offset, "
                f"'{wall.isoformat(timespec='minutes')}{_fmt(offsets[0], colon=True)}[{tz.key}]' "
                f"(first) or '{wall.isoformat(timespec='minutes')}"
                f"{_fmt(offsets[1], colon=True)}[{tz.key}]' (second)"
            )
        if offset == offsets[0]:
            return first
        if offset == offsets[1]:
            return second
    elif offset is None or offset == offsets[0]:
        return first
    raise ValueError(
        f"offset {_fmt(offset, colon=True)} does not match {text}, which is "
        f"{' or '.join(sorted({_fmt(o, colon=True) for o in offsets}))}"
    )


def _round_trips(dt: datetime) -> bool:
    """Tell whether an aware wall clock survives a trip through UTC (false inside a gap)."""
    back = dt.astimezone(UTC).astimezone(dt.tzinfo)
    return back.replace(tzinfo=None) == dt.replace(tzinfo=None)


def _fmt(offset: timedelta | None, *, colon: bool = False) -> str:
    """Format an offset as ``-0800`` (or ``-08:00`` with *colon*)."""
    if offset is None:
        return "?"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    sep = ":" if colon else ""
    return f"{sign}{minutes // 60:02d}{sep}{minutes % 60:02d}"


_ZONED = re.compile(
    r"^(?P<wall>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?"
    r"(?:\[(?P<zone>[^\]]+)\])?$"
)


def parse_zoned(text: str) -> datetime:
    """Parse ``2024-01-09T11:00[America/Los_Angeles]`` (RFC 9557) into an aware datetime.

    The optional offset before the bracket (``2024-11-03T01:30-07:00[America/Los_Angeles]``)
    chooses between the two readings of a wall clock that happens twice. ``...Z`` alone is a UTC
    instant. A wall clock with neither offset nor zone is refused as naive; one with an offset but
    no zone is refused too, because an offset is not a place.
    """
    match = _ZONED.match(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r} is not a date and time; write it like "
            "'2024-01-09T11:00[America/Los_Angeles]'"
        )
    try:
        wall = datetime.fromisoformat(match["wall"].replace(" ", "T"))
    except ValueError as error:
        raise ValueError(
            f"{text!r} is not a date and time ({error}); write it like "
            "'2024-01-09T11:00[America/Los_Angeles]'"
        ) from None
    raw_offset, zone_text = match["offset"], match["zone"]
    offset = None
    if raw_offset is not None:
        offset = (
            timedelta(0)
            if raw_offset == "Z"
            else datetime.strptime(raw_offset.replace(":", ""), "%z").utcoffset()
        )
    if zone_text is None:
        if raw_offset == "Z":
            check_year(wall.date())
            return wall.replace(tzinfo=UTC)
        if offset is not None:
            raise ValueError(
                f"{text!r} has an offset but no zone; an offset is not a place. Add the zone: "
                f"'{match['wall']}{raw_offset}[America/Los_Angeles]'"
            )
        raise ValueError(
            f"{text!r} is a naive date and time; add its zone, for example "
            f"'{match['wall']}[America/Los_Angeles]'"
        )
    tz = zone(zone_text)
    if tz.key == "UTC":
        check_year(wall.date())
        return wall.replace(tzinfo=UTC)
    return resolve_wall_time(wall, tz, offset=offset)


def normalize_datetime(value: datetime) -> datetime:
    """Return *value* with its zone as a :class:`ZoneInfo` (or :data:`UTC`), checked.

    Accepts ``zoneinfo`` and ``pytz`` zones. For a ``pytz`` zone the wall clock is kept and the
    offset recomputed from the zone name, so a zone passed as ``tzinfo=`` (which carries local mean
    time, such as -07:53) is read as the wall clock the caller meant; the offset of a datetime
    made with ``pytz``'s ``localize`` still chooses between the readings of an ambiguous time.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{value.isoformat()} is naive (no time zone); attach one, for example "
            "datetime(..., tzinfo=ZoneInfo('America/Los_Angeles'))"
        )
    tz = value.tzinfo
    if is_utc(tz):
        check_year(value.date())
        return value.replace(tzinfo=UTC)
    name = zone_name(tz)
    if name is None:
        raise ValueError(
            f"{value.isoformat()} has a fixed offset (UTC{_fmt(value.utcoffset(), colon=True)}), "
            "not a place; use an IANA zone such as tzinfo=ZoneInfo('America/Los_Angeles'), "
            "or datetime.UTC"
        )
    target = zone(name)
    wall = value.replace(tzinfo=None)
    if isinstance(tz, ZoneInfo):
        # A ZoneInfo datetime's fold is 0 unless someone set it, so an ambiguous wall clock is an
        # unmade choice, except when fold=1 was set on purpose.
        chosen = value.utcoffset() if value.fold == 1 else None
        try:
            return resolve_wall_time(wall, target, offset=chosen)
        except ValueError as error:
            if chosen is None and "happens twice" in str(error):
                raise ValueError(
                    f"{error}; from Python, the datetime with fold=1 is the second reading"
                ) from None
            raise
    # pytz: localize() records the chosen offset. A zone passed as tzinfo= carries the zone's
    # first period (local mean time, rounded to the minute, so it can equal a real reading, as
    # -07:00 for Denver): that is no choice at all.
    given = None if _is_raw_pytz(tz) else value.utcoffset()
    readings = {wall.replace(tzinfo=target, fold=f).utcoffset() for f in (0, 1)}
    return resolve_wall_time(wall, target, offset=given if given in readings else None)


def _is_raw_pytz(tz: tzinfo) -> bool:
    """Tell whether *tz* is a pytz zone as pytz.timezone() returns it, not localize()d."""
    periods = getattr(tz, "_transition_info", None)
    if not periods:
        return False
    own = (getattr(tz, "_utcoffset", None), getattr(tz, "_dst", None), getattr(tz, "_tzname", None))
    return bool(own == periods[0])


@dataclass(frozen=True, slots=True)
class Observance:
    """One period of a zone's history, possibly repeating every year.

    ``start`` is the local wall clock (in ``offset_from``) at which the period first begins.
    ``month``/``week``/``weekday`` give a yearly rule (``week`` -1 is the last such weekday of the
    month); ``until`` (UTC) ends the rule. A period with no rule begins once.
    """

    daylight: bool
    start: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str | None
    month: int | None = None
    week: int | None = None
    weekday: int | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Transition:
    at: datetime  # UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool
    name: str | None

    @property
    def local(self) -> datetime:
        """The wall clock just before the change, as the old offset shows it."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    def rules(self) -> set[tuple[int, int, int]]:
        """Return the (month, week, weekday) rules this change fits: nth, and maybe last."""
        local = self.local
        found = {(local.month, (local.day - 1) // 7 + 1, local.weekday())}
        if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
            found.add((local.month, -1, local.weekday()))
        return found

    def kind(self) -> tuple[timedelta, timedelta, bool, str | None, object]:
        return (self.offset_from, self.offset_to, self.daylight, self.name, self.local.time())


def _state(tz: ZoneInfo, instant: datetime) -> tuple[timedelta, timedelta, str | None]:
    """Return the offset, the DST amount and the abbreviation of *tz* at *instant*."""
    local = instant.astimezone(tz)
    offset, dst = local.utcoffset(), local.dst()
    assert offset is not None  # noqa: S101 - a ZoneInfo always has an offset
    return offset, dst or timedelta(0), local.tzname()


def _is_daylight(dst: timedelta, before: timedelta | None = None) -> bool:
    """Label a period DAYLIGHT the way Outlook and Google do: the higher offset of the pair.

    tzdata gives some zones negative DST (Europe/Dublin's winter, Morocco's Ramadan). Clients
    expect the summer side to be DAYLIGHT, so the period after a negative one is daylight and the
    negative one is standard.
    """
    return dst > timedelta(0) or (
        dst == timedelta(0) and before is not None and before < timedelta(0)
    )


_STEP = timedelta(days=6)
"""How far apart :func:`_transitions` looks at a zone, unless told to look closely.

No two changes of one zone since 1950 lie closer together than 6.9 days in tzdata (America/
Cambridge_Bay, October 2000), so a change there and back between two looks, which the search
would miss, does not happen; should a zone ever have one, the VTIMEZONE check sees the missing
change and the zone is described again from a look every hour (``closely``, see
:func:`seoulcal.ics.vtimezone.vtimezone`). A look a day, as before, took about four times as long
(5.5 ms against 1.3 ms for the built-in trip's two zones).
"""
_CLOSE_STEP = timedelta(hours=1)


def _transitions(
    tz: ZoneInfo, begin: datetime, end: datetime, *, closely: bool = False
) -> list[_Transition]:
    """Find every change of offset, DST flag or name between two UTC instants.

    The zone is looked at every :data:`_STEP` (every hour if *closely*), and each change found
    is then narrowed down to the second. A change that is undone before the next look is not
    seen: the caller checks the result.
    """
    found: list[_Transition] = []
    step = _CLOSE_STEP if closely else _STEP
    here = begin
    state = _state(tz, here)
    while here < end:
        there = min(here + step, end)
        new = _state(tz, there)
        if new != state:
            low, high = here, there
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if _state(tz, mid) == state:
                    low = mid
                else:
                    high = mid
            after = _state(tz, high)
            daylight = _is_daylight(after[1], state[1])
            if after[0] != state[0]:
                # A change of name or DST flag alone (Morocco, October 2018) moves no instant;
                # leaving it out keeps the VTIMEZONE to real changes, which some readers need.
                found.append(_Transition(high, state[0], after[0], daylight, after[2]))
            state = after
            here = high
            continue
        here = there
    return found


def _next_occurrence(rule: tuple[int, int, int], after_year: int) -> date:
    month, week, weekday = rule
    year = after_year + 1
    days = calendar.monthrange(year, month)[1]
    candidates = [d for d in range(1, days + 1) if date(year, month, d).weekday() == weekday]
    day = candidates[-1] if week == -1 else candidates[min(week, len(candidates)) - 1]
    return date(year, month, day)


@lru_cache(maxsize=256)
def observances(
    name: str, first_year: int, last_year: int, *, closely: bool = False
) -> tuple[Observance, ...]:
    """Describe zone *name* from 1 January of *first_year* to 31 December of *last_year*.

    Transitions come from the zoneinfo database, looked for every six days, or every hour if
    *closely* (for a zone that changes and changes back within days; see :data:`_STEP`). Runs of
    yearly changes that follow one rule (same month, nth or last weekday, wall-clock time and
    offsets) become a single observance with that rule, closed with ``until`` if the rule stops
    inside the range. Irregular changes become one-off observances. The first observance begins
    before the range, so every instant in the range is covered.
    """
    tz = zone(name)
    begin = datetime(first_year - 1, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 12, 31, tzinfo=UTC)
    changes = _transitions(tz, begin, end, closely=closely)
    if not changes:
        offset, dst, abbreviation = _state(tz, begin)
        start = datetime(first_year - 1, 1, 1)  # noqa: DTZ001 - VTIMEZONE wall clocks are naive
        return (Observance(_is_daylight(dst), start, offset, offset, abbreviation),)
    result: list[Observance] = []
    first = changes[0]
    offset, dst, abbreviation = _state(tz, begin)
    if first.at > datetime(first_year, 1, 1, tzinfo=UTC):
        # Nothing changed in the year before the range: say what holds up to the first change.
        start = datetime(first_year - 1, 1, 1)  # noqa: DTZ001 - VTIMEZONE wall clocks are naive
        result.append(Observance(_is_daylight(dst), start, offset, offset, abbreviation))
    by_kind: dict[object, list[list[_Transition]]] = {}
    for change in changes:
        runs = by_kind.setdefault(change.kind(), [])
        last_run = runs[-1] if runs else None
        if (
            last_run is not None
            and change.at.year == last_run[-1].at.year + 1
            and _common_rule([*last_run, change])
        ):
            last_run.append(change)
        else:
            runs.append([change])
    result.extend(_observance(run, end) for runs in by_kind.values() for run in runs)
    result.sort(key=lambda o: (o.start, o.daylight))
    return tuple(result)


def _common_rule(run: list[_Transition]) -> tuple[int, int, int] | None:
    common = set.intersection(*(change.rules() for change in run))
    if not common:
        return None
    # Prefer "2nd Sunday" over "last Sunday" when both fit, as Google and Outlook write it, and
    # "last Sunday" over a "5th Sunday" that some years lack.
    return max(common, key=lambda rule: {5: 0, -1: 1}.get(rule[1], 2))


def _observance(run: list[_Transition], end: datetime) -> Observance:
    head, tail = run[0], run[-1]
    common = _common_rule(run)
    if len(run) == 1 or common is None:
        return Observance(head.daylight, head.local, head.offset_from, head.offset_to, head.name)
    month, week, weekday = common
    following = _next_occurrence(common, tail.local.year)
    until = None if following > end.date() else tail.at
    return Observance(
        head.daylight,
        head.local,
        head.offset_from,
        head.offset_to,
        head.name,
        month=month,
        week=week,
        weekday=weekday,
        until=until,
    )
