"""Hypothesis strategies that build random but valid trips, for property-based tests.

Import them from a test module as ``from strategies import trips`` (see the note at the end of this
docstring). The main entry points:

* :func:`trips` -- a whole :class:`~seoulcal.Trip`: venues, members and events in one to three
  zones, all three kinds of event time, texts full of Korean, emoji and characters iCalendar must
  escape;
* :func:`line_texts` / :func:`paragraph_texts` -- raw strings for :class:`~seoulcal.Text` and
  :class:`~seoulcal.LongText` fields (:func:`texts` / :func:`long_texts` build the models);
* :func:`zone_names` -- IANA zones that seoulcal accepts, with the awkward ones weighted up;
* :func:`wall_clocks` / :func:`zoned_moments` -- naive wall clocks (often next to a change of
  offset) and the aware datetimes seoulcal accepts for them;
* :func:`control_characters` -- characters no calendar can carry, which seoulcal must refuse;
* :func:`edge_trip` -- one fixed trip holding the known hard cases, for ``@example``.

Times of day are whole seconds: iCalendar has none smaller, and seoulcal refuses fractions.

Importing: ``tests/`` is not a package. pytest's default import mode (``prepend``) puts the
directory of each test module and of ``conftest.py`` (the first directory up that has no
``__init__.py``, here ``tests/``) at the front of ``sys.path`` before importing it, so
``from strategies import ...`` works when pytest runs from the repository root, with no
``sys.path`` edits (``ics_rules`` is imported the same way). It would stop working under
``--import-mode=importlib``; ``pythonpath = ["tests"]`` in pytest's settings would then fix it.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import strategies as st
from icalendar.timezone.tzid import is_utc as icalendar_is_utc

from seoulcal import (
    ApproximateTime,
    DayPart,
    DaysTime,
    Event,
    ExactTime,
    LongText,
    Member,
    Organizer,
    Source,
    Text,
    Trip,
    Venue,
    zones,
)

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

__all__ = [
    "AVOID_KNOWN_BUGS",
    "COMPONENT_DELIMITERS",
    "CONTROL_CHARACTERS",
    "DST_EDGE_ZONES",
    "FOLD_EDGE",
    "LANGUAGES",
    "NAMED_ZONES",
    "EdgeTime",
    "accepted_zone_names",
    "approximate_times",
    "as_input",
    "control_characters",
    "days_times",
    "dst_edge_spans",
    "dst_edge_times",
    "dst_edge_walls",
    "edge_points",
    "edge_trip",
    "event_times",
    "exact_times",
    "kind_of_wall",
    "languages",
    "line_texts",
    "long_texts",
    "offset_changes",
    "paragraph_texts",
    "rfc9557",
    "texts",
    "trips",
    "wall_clocks",
    "years",
    "zone_names",
    "zoned_moments",
]

AVOID_KNOWN_BUGS = True
"""Keep random data away from the seoulcal bugs that ``test_properties.py`` pins as xfail.

With ``True``:

* zones never include those icalendar takes for UTC, such as Africa/Abidjan (their times are
  written as UTC, without TZID: ``test_zone_equal_to_utc_keeps_its_tzid``).

(Two more such bugs, pytz's rounded local mean time taken for a choice and Morocco's flag-only
change of 2018, are fixed; their tests are kept in ``test_properties.py``.)

Set it to ``False`` to let the properties find them again.
"""

LANGUAGES = ("ko", "en")

NAMED_ZONES = (
    "America/Los_Angeles",
    "Asia/Seoul",
    "Australia/Lord_Howe",  # daylight saving of 30 minutes
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
    "Europe/Dublin",  # negative daylight saving in tzdata: winter is the "daylight" time
    "Africa/Casablanca",  # irregular changes around Ramadan, negative daylight saving
)
"""Zones that tests must always be able to reach; :func:`zone_names` draws them half the time."""

FOLD_EDGE = "a" * 62 + "\n" + "•tail"
"""A line break (escaped to two octets) and a three-byte bullet around where content lines fold."""

CONTROL_CHARACTERS = tuple(
    chr(code) for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
)
"""The ASCII control characters RFC 5545 forbids in text (all but tab, line feed, return)."""


# --- zones and years -----------------------------------------------------------------------------


@cache
def accepted_zone_names() -> tuple[str, ...]:
    """Return every zone name in the zoneinfo database that seoulcal accepts, sorted.

    With :data:`AVOID_KNOWN_BUGS`, places that icalendar takes for UTC are left out.
    """
    accepted = []
    for name in sorted(available_timezones()):
        try:
            tz = zones.zone(name)
        except ValueError:
            continue
        if AVOID_KNOWN_BUGS and tz.key != "UTC" and icalendar_is_utc(tz):
            continue
        accepted.append(name)
    return tuple(accepted)


def zone_names() -> SearchStrategy[str]:
    """Draw an accepted IANA zone: one of :data:`NAMED_ZONES` half the time, else any."""
    return st.one_of(st.sampled_from(NAMED_ZONES), st.sampled_from(accepted_zone_names()))


def years() -> SearchStrategy[int]:
    """Draw a year in which trips happen."""
    return st.integers(min_value=2000, max_value=2037)


def languages() -> SearchStrategy[str]:
    """Draw a calendar language."""
    return st.sampled_from(LANGUAGES)


@cache
def offset_changes(name: str, year: int) -> tuple[datetime, ...]:
    """Return the UTC instants (to the minute) where zone *name* changes offset in *year*."""
    tz = ZoneInfo(name)
    found = []
    here = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = here.astimezone(tz).utcoffset()
    while here < end:
        there = here + timedelta(hours=1)
        after = there.astimezone(tz).utcoffset()
        if after != before:
            low, high = here, there
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append(high)
        before, here = after, there
    return tuple(found)


# --- texts ---------------------------------------------------------------------------------------

_HANGUL_SYLLABLES = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
# A leading consonant, a vowel and maybe a trailing consonant: one syllable written with
# conjoining jamo (what macOS file names and some keyboards produce, NFD).
_CONJOINING_SYLLABLES = st.builds(
    lambda lead, vowel, tail: lead + vowel + tail,
    st.characters(min_codepoint=0x1100, max_codepoint=0x1112),
    st.characters(min_codepoint=0x1161, max_codepoint=0x1175),
    st.one_of(st.just(""), st.characters(min_codepoint=0x11A8, max_codepoint=0x11C2)),
)
_EMOJI = st.sampled_from(
    (
        "😀",
        "🎉",
        "👩\u200d👩\u200d👧",  # family: a ZWJ sequence
        "👨\u200d💻",
        "🏳\ufe0f\u200d🌈",
        "🇰🇷",  # flags: regional indicator pairs
        "🇺🇸",
        "🇯🇵",
        "👍🏽",  # skin tone modifier
        "1\ufe0f\u20e3",  # keycap
        "❤\ufe0f",
    )
)
_COMBINING = st.builds(
    lambda base, marks: base + "".join(marks),
    st.sampled_from("aeoAEOnc가ㅎ"),
    st.lists(st.characters(min_codepoint=0x0300, max_codepoint=0x036F), min_size=1, max_size=3),
)
_SPECIALS = st.sampled_from(
    (",", ";", "\\", ":", '"', "\t", " ", "'", "^", "=", "•", "\\n", "\\,", "\\;", "%2C", "\\N")
)
_OTHER_SCRIPTS = st.sampled_from(
    (
        "漢字",
        "カタカナ",
        "مرحبا",
        "שלום",
        "Ελλάδα",
        "Ünïcødé",
        "\u00a0",  # no-break space
        "\u3000",  # ideographic space
        "\u200b",  # zero-width space
        "\ufeff",  # zero-width no-break space (a BOM in the middle of a text)
        "\u2060",  # word joiner
        "\u00ad",  # soft hyphen
    )
)
_WORDS = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
_LINE_INJECTIONS = st.sampled_from(
    (
        # The delimiters themselves (BEGIN:V..., END:V...) are refused: see DELIMITERS.
        "END VEVENT",
        "BEGIN: VEVENT",
        "END;VCALENDAR",
        "BEGIN: VTIMEZONE",
        "DTSTART:19700101T000000Z",
        ";TZID=Evil/Zone:",
        'X-TITLE="a:b";',
    )
)
_BREAKS = st.sampled_from(("\n", "\r\n", "\r", "\n\n", "\u2028", "\u2029"))
_PARAGRAPH_INJECTIONS = st.sampled_from(
    (
        "\r\nEND VEVENT\r\nBEGIN VEVENT\r\n",
        "\nEND;VCALENDAR\n",
        "\rBEGIN-VCALENDAR\r",
        "\r\n ",  # a line break and a space: looks like a fold
        "\n\tDTSTART:20000101T000000Z",
    )
)

_LINE_ATOMS = st.one_of(
    _WORDS,
    _HANGUL_SYLLABLES,
    _CONJOINING_SYLLABLES,
    _EMOJI,
    _COMBINING,
    _SPECIALS,
    _OTHER_SCRIPTS,
    _LINE_INJECTIONS,
)
_PARAGRAPH_ATOMS = st.one_of(_LINE_ATOMS, _BREAKS, _PARAGRAPH_INJECTIONS)

_MAX_TEXT = 300

COMPONENT_DELIMITERS = (
    "END:VEVENT",
    "BEGIN:VEVENT",
    "BEGIN:VCALENDAR",
    "END:VCALENDAR",
    "BEGIN:VTIMEZONE",
    "end:vevent",
    "Begin:VAlarm",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "BEGIN:X-APPLE-THING",
    "end:vtodo",
)
"""iCalendar component delimiters, in any case: seoulcal refuses a text that holds one."""

# The rule as the trip-file reference states it, written out again here rather than imported.
_DELIMITER = re.compile(
    r"(?:begin|end):(?:v|standard|daylight|available|participant|x-)", re.IGNORECASE
)


def _finish(text: str) -> str:
    # seoulcal refuses a text that starts with U+FEFF (a byte order mark, which readers drop),
    # also once a one-line text is trimmed.
    return re.sub(r"^[\s\ufeff]+", "", text[:_MAX_TEXT])


def _non_blank(text: str) -> bool:
    return bool(text.strip())


def _fold_edge(atoms: SearchStrategy[str]) -> SearchStrategy[str]:
    """Put an interesting atom 40 to 80 bytes in, so that it meets the 75-octet fold."""
    padding = st.one_of(
        st.integers(min_value=40, max_value=80).map(lambda n: "a" * n),
        st.integers(min_value=13, max_value=27).map(lambda n: "가" * n),  # 3 bytes each
    )
    tail = st.lists(atoms, max_size=3).map("".join)
    return st.builds(lambda pad, atom, rest: pad + atom + rest, padding, atoms, tail)


def _no_delimiter(text: str) -> bool:
    # Atoms can meet and spell one ("END" + ":" + "Vx"); seoulcal refuses those texts.
    return _DELIMITER.search(text) is None


def _text_from(atoms: SearchStrategy[str], *, max_atoms: int) -> SearchStrategy[str]:
    joined = st.lists(atoms, min_size=1, max_size=max_atoms).map("".join)
    return (
        st.one_of(joined, _fold_edge(atoms)).map(_finish).filter(_non_blank).filter(_no_delimiter)
    )


def line_texts(*, max_atoms: int = 40) -> SearchStrategy[str]:
    """Draw a one-line text of 1 to 300 characters, for titles and names."""
    return _text_from(_LINE_ATOMS, max_atoms=max_atoms)


def paragraph_texts(*, max_atoms: int = 60) -> SearchStrategy[str]:
    r"""Draw a text of one or more lines (``\n``, ``\r\n`` and ``\r`` breaks), 1 to 300 characters."""
    return st.one_of(st.just(FOLD_EDGE), _text_from(_PARAGRAPH_ATOMS, max_atoms=max_atoms))


def texts(*, max_atoms: int = 40) -> SearchStrategy[Text]:
    """Draw a one-line :class:`Text` in Korean and English."""
    return st.builds(Text, ko=line_texts(max_atoms=max_atoms), en=line_texts(max_atoms=max_atoms))


def long_texts(*, max_atoms: int = 60) -> SearchStrategy[LongText]:
    """Draw a :class:`LongText` in Korean and English."""
    strategy = paragraph_texts(max_atoms=max_atoms)
    return st.builds(LongText, ko=strategy, en=strategy)


def control_characters() -> SearchStrategy[str]:
    """Draw one character that seoulcal must refuse in any text."""
    return st.sampled_from(CONTROL_CHARACTERS)


# --- wall clocks and times -----------------------------------------------------------------------


def kind_of_wall(wall: datetime, tz: ZoneInfo) -> str:
    """Classify a naive wall clock in *tz* as ``"gap"``, ``"ambiguous"`` or ``"plain"``."""
    readings = [wall.replace(tzinfo=tz, fold=fold) for fold in (0, 1)]
    exists = [
        reading.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall for reading in readings
    ]
    if not any(exists):
        return "gap"
    if readings[0].utcoffset() != readings[1].utcoffset():
        return "ambiguous"
    return "plain"


@st.composite
def wall_clocks(draw: DrawFn, name: str, year: int) -> datetime:
    """Draw a naive wall clock in *year*, next to one of zone *name*'s changes half the time."""
    changes = offset_changes(name, year) if name != "UTC" else ()
    if changes and draw(st.booleans()):
        change = draw(st.sampled_from(changes))
        local = change.astimezone(ZoneInfo(name)).replace(tzinfo=None)
        wall = local + timedelta(minutes=draw(st.integers(min_value=-150, max_value=150)))
    else:
        wall = draw(
            st.datetimes(min_value=datetime(year, 1, 1), max_value=datetime(year, 12, 31, 23, 59))
        )
    seconds = draw(st.sampled_from((0, 0, 0, 30, wall.second)))
    return wall.replace(second=seconds, microsecond=0)


@st.composite
def zoned_moments(draw: DrawFn, name: str, year: int) -> datetime:
    """Draw an aware datetime in zone *name* (``"UTC"`` gives :data:`datetime.UTC`).

    Wall clocks in a gap are moved past it (as zoneinfo reads them); for a wall clock that happens
    twice either reading is drawn, the second one carrying ``fold=1``.
    """
    wall = draw(wall_clocks(name, year))
    if name == "UTC":
        return wall.replace(tzinfo=UTC)
    tz = ZoneInfo(name)
    kind = kind_of_wall(wall, tz)
    if kind == "gap":
        return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    fold = draw(st.sampled_from((0, 1))) if kind == "ambiguous" else 0
    return wall.replace(tzinfo=tz, fold=fold)


def rfc9557(moment: datetime) -> str:
    """Write *moment* as seoulcal's trip files do: wall clock, offset, ``[zone]``."""
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    wall = moment.replace(tzinfo=None).isoformat(timespec="seconds")
    return f"{wall}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}[{moment.tzinfo}]"


@st.composite
def as_input(draw: DrawFn, moment: datetime) -> datetime | str:
    """Draw a way to hand *moment* to seoulcal: the datetime, or RFC 9557 text.

    A ``ZoneInfo`` datetime at the first reading of an ambiguous wall clock is no choice at all for
    seoulcal (``fold=0`` is the default), so that one always goes as text with its offset.
    """
    tz = moment.tzinfo
    if not isinstance(tz, ZoneInfo):
        return moment if draw(st.booleans()) else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    first_of_two = moment.fold == 0 and moment.utcoffset() != moment.replace(fold=1).utcoffset()
    if first_of_two or draw(st.booleans()):
        return rfc9557(moment)
    return moment


@st.composite
def exact_times(draw: DrawFn, palette: tuple[str, ...], year: int) -> ExactTime:
    """Draw an exact time; sometimes a flight, whose end is in another zone (or UTC)."""
    start = draw(zoned_moments(draw(st.sampled_from((*palette, "UTC"))), year))
    length = timedelta(minutes=draw(st.integers(min_value=1, max_value=3 * 24 * 60)))
    end_zone = draw(st.sampled_from((*palette, "UTC")))
    instant = start.astimezone(UTC) + length
    end = instant if end_zone == "UTC" else instant.astimezone(ZoneInfo(end_zone))
    return ExactTime(start=draw(as_input(start)), end=draw(as_input(end)))


@st.composite
def days_times(draw: DrawFn, year: int) -> DaysTime:
    """Draw whole days; ``last`` is inclusive and often left out."""
    first = draw(st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31)))
    span = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10)))
    return DaysTime(first=first, last=None if span is None else first + timedelta(days=span))


@st.composite
def approximate_times(draw: DrawFn, palette: tuple[str, ...], year: int) -> ApproximateTime:
    """Draw a day and a part of it, in its own zone or (``None``) its venue's or trip's."""
    return ApproximateTime(
        day=draw(st.dates(min_value=date(year, 1, 1), max_value=date(year, 12, 31))),
        part=draw(st.sampled_from(DayPart)),
        zone=draw(st.one_of(st.none(), st.sampled_from(palette))),
    )


def event_times(
    palette: tuple[str, ...], year: int
) -> SearchStrategy[ExactTime | DaysTime | ApproximateTime]:
    """Draw any of the three kinds of event time."""
    return st.one_of(exact_times(palette, year), days_times(year), approximate_times(palette, year))


# --- daylight-saving edges in many zones --------------------------------------------------------

DST_EDGE_ZONES: dict[str, tuple[int, int]] = {
    "America/Los_Angeles": (1970, 2037),
    "Asia/Seoul": (1987, 1988),  # the only years of daylight saving since 1970 (the Olympics)
    "Europe/London": (1972, 2037),
    "Europe/Dublin": (1972, 2037),  # negative daylight saving in tzdata
    "Australia/Lord_Howe": (1981, 2037),  # a change of 30 minutes
    "Pacific/Chatham": (1990, 2037),  # +12:45 / +13:45
    "America/St_Johns": (1970, 2037),  # -03:30 / -02:30; changes at 00:01 until 2011
    "Africa/Casablanca": (2008, 2037),  # irregular changes around Ramadan
    "Pacific/Apia": (2010, 2021),  # daylight saving, and a whole day skipped on 2011-12-30
    "America/Santiago": (1970, 2037),  # changes at midnight, some years none
}
"""Zones whose changes of offset the DST-edge strategies land on, each with the years to draw."""


def _edges(name: str, change: datetime) -> tuple[datetime, timedelta]:
    """Return the wall clock where a change begins (in the old offset) and its size."""
    tz = ZoneInfo(name)
    before = (change - timedelta(minutes=1)).astimezone(tz).utcoffset()
    after = change.astimezone(tz).utcoffset()
    assert before is not None
    assert after is not None
    return (change + before).replace(tzinfo=None), after - before


@st.composite
def dst_edge_walls(draw: DrawFn, name: str | None = None) -> tuple[str, datetime]:
    """Draw a zone of :data:`DST_EDGE_ZONES` and a naive wall clock at one of its changes.

    The wall clock is the first minute of a skipped or repeated hour (or day), one in its
    middle, its last minute, the minutes either side, or anything up to three hours away, so
    that gaps, both readings of a repeated wall clock and the plain times around them all come.
    """
    name = name or draw(st.sampled_from(sorted(DST_EDGE_ZONES)), label="zone")
    first, last = DST_EDGE_ZONES[name]
    year = draw(st.integers(min_value=first, max_value=last), label="year")
    changes = offset_changes(name, year)
    if not changes:
        wall = draw(
            st.datetimes(min_value=datetime(year, 1, 1), max_value=datetime(year, 12, 31, 23, 59))
        ).replace(second=0, microsecond=0)
        return name, wall
    change = draw(st.sampled_from(changes), label="change")
    start, _ = _edges(name, change)
    minute = timedelta(minutes=1)
    near = st.integers(min_value=-180, max_value=180).map(lambda m: start + m * minute)
    wall = draw(st.one_of(st.sampled_from(edge_points(name, change)), near), label="wall")
    return name, wall.replace(second=0, microsecond=0)


def edge_points(name: str, change: datetime) -> tuple[datetime, ...]:
    """Return the wall clocks around the change at UTC instant *change* in zone *name*.

    The first minute of the skipped or repeated wall clocks, their middle, their last minute, and
    the minutes just outside them.
    """
    start, size = _edges(name, change)
    span = abs(size)
    low = start if size > timedelta(0) else start - span  # the wall clocks skipped or repeated
    minute = timedelta(minutes=1)
    middle = (low + span / 2).replace(second=0, microsecond=0)
    return (low - minute, low, middle, low + span - minute, low + span, low + span + minute)


@dataclass(frozen=True, slots=True)
class EdgeTime:
    """A time as a trip file would give it, and what seoulcal must make of it."""

    given: str | datetime
    """What is handed to seoulcal: RFC 9557 text, or an aware datetime."""
    zone: str
    wall: datetime
    instant: datetime | None
    """The UTC instant it means, or ``None`` for a wall clock that does not exist."""


@st.composite
def dst_edge_times(draw: DrawFn, name: str | None = None) -> EdgeTime:
    """Draw a time at a change of offset (see :func:`dst_edge_walls`) and how to give it.

    A wall clock in a gap is given as it is (seoulcal must refuse it); one that happens twice is
    given with the offset of one reading, or as a ``ZoneInfo`` datetime with ``fold=1`` for the
    second; a plain one with or without its offset.
    """
    name, wall = draw(dst_edge_walls(name))
    tz = ZoneInfo(name)
    kind = kind_of_wall(wall, tz)
    text = f"{wall.isoformat(timespec='minutes')}[{name}]"
    if kind == "gap":
        return EdgeTime(text, name, wall, None)
    fold = draw(st.sampled_from((0, 1)), label="reading") if kind == "ambiguous" else 0
    moment = wall.replace(tzinfo=tz, fold=fold)
    if kind == "ambiguous" and fold == 1 and draw(st.booleans(), label="as datetime"):
        given: str | datetime = moment
    elif kind == "ambiguous" or draw(st.booleans(), label="with offset"):
        given = rfc9557(moment)
    else:
        given = text
    return EdgeTime(given, name, wall, moment.astimezone(UTC))


@st.composite
def dst_edge_spans(draw: DrawFn) -> tuple[EdgeTime, EdgeTime]:
    """Draw a start and an end at changes of offset, often in one zone and minutes apart.

    Half the time the end is the start's wall clock moved by up to three hours in the same zone,
    so that an end at a later wall clock but an earlier instant (and the reverse) comes often;
    else the end is another edge time, in any zone of :data:`DST_EDGE_ZONES`.
    """
    start = draw(dst_edge_times(), label="start")
    if draw(st.booleans(), label="same zone"):
        tz = ZoneInfo(start.zone)
        wall = start.wall + timedelta(minutes=draw(st.integers(-180, 180), label="minutes"))
        kind = kind_of_wall(wall, tz)
        text = f"{wall.isoformat(timespec='minutes')}[{start.zone}]"
        if kind == "gap":
            return start, EdgeTime(text, start.zone, wall, None)
        fold = draw(st.sampled_from((0, 1)), label="end reading") if kind == "ambiguous" else 0
        moment = wall.replace(tzinfo=tz, fold=fold)
        given = rfc9557(moment) if kind == "ambiguous" else text
        return start, EdgeTime(given, start.zone, wall, moment.astimezone(UTC))
    return start, draw(dst_edge_times(), label="end")


# --- trips ---------------------------------------------------------------------------------------


def _id(prefix: str) -> SearchStrategy[str]:
    """Draw an item id; the prefix keeps ids of venues, members, groups and events apart."""
    suffix = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?\Z")
    return suffix.map(lambda s: f"{prefix}-{s}")


def _ids(prefix: str, *, max_size: int, min_size: int = 0) -> SearchStrategy[list[str]]:
    return st.lists(_id(prefix), min_size=min_size, max_size=max_size, unique=True)


def _emails() -> SearchStrategy[str | None]:
    return st.one_of(st.none(), st.sampled_from(("office@example.org", "a.b+c@example.co.kr")))


@st.composite
def _venue(draw: DrawFn, venue_id: str, palette: tuple[str, ...]) -> Venue:
    place = draw(
        st.one_of(
            st.none(),
            st.tuples(
                st.floats(min_value=-90, max_value=90, allow_nan=False),
                st.floats(min_value=-180, max_value=180, allow_nan=False),
            ),
        )
    )
    return Venue(
        id=venue_id,
        name=draw(texts()),
        zone=draw(st.sampled_from(palette)),
        address=draw(st.one_of(st.none(), long_texts())),
        latitude=None if place is None else place[0],
        longitude=None if place is None else place[1],
        assumptions=tuple(draw(st.lists(texts(max_atoms=8), max_size=2))),
    )


@st.composite
def _member(draw: DrawFn, member_id: str, groups: list[str]) -> Member:
    return Member(
        id=member_id,
        name=draw(texts(max_atoms=10)),
        role=draw(texts(max_atoms=10)),
        email=draw(_emails()),
        language=draw(languages()),
        groups=tuple(draw(st.lists(st.sampled_from(groups), unique=True)) if groups else ()),
        illustrative=draw(st.booleans()),
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the events of one trip are drawn from."""

    palette: tuple[str, ...]
    year: int
    venue_ids: tuple[str, ...]
    audience: tuple[str, ...]


@st.composite
def _event(draw: DrawFn, event_id: str, plan: _Plan) -> Event:
    source = draw(
        st.one_of(
            st.none(),
            st.builds(
                Source,
                document=line_texts(max_atoms=10),
                quote=paragraph_texts(max_atoms=30),
                url=st.one_of(st.none(), st.just("https://example.org/a?b=1,2;c")),
            ),
        )
    )
    venues = st.one_of(st.none(), st.sampled_from(plan.venue_ids)) if plan.venue_ids else st.none()
    return Event(
        id=event_id,
        title=draw(texts()),
        time=draw(event_times(plan.palette, plan.year)),
        description=draw(st.one_of(st.none(), long_texts())),
        venue=draw(venues),
        attendees=tuple(draw(st.lists(st.sampled_from(plan.audience), min_size=1, unique=True))),
        categories=tuple(draw(st.lists(texts(max_atoms=6), max_size=2))),
        status=draw(st.sampled_from(("confirmed", "tentative", "cancelled"))),
        source=source,
        assumptions=tuple(draw(st.lists(texts(max_atoms=8), max_size=2))),
    )


@st.composite
def trips(draw: DrawFn, *, max_events: int = 5, max_members: int = 3, max_venues: int = 3) -> Trip:
    """Draw a valid trip.

    Its zones come from a palette of one to three zones (the first is the trip's); its events fall
    in one year drawn from :func:`years` (an event may end a few days into the next).
    """
    year = draw(years())
    palette = tuple(draw(st.lists(zone_names(), min_size=1, max_size=3, unique=True)))
    venue_ids = draw(_ids("v", max_size=max_venues))
    member_ids = draw(_ids("m", max_size=max_members))
    groups = draw(_ids("g", max_size=2))
    event_ids = draw(_ids("e", min_size=1, max_size=max_events))
    venues = tuple(draw(_venue(v, palette)) for v in venue_ids)
    members = tuple(draw(_member(m, groups)) for m in member_ids)
    audience = ("everyone", *member_ids, *sorted({g for m in members for g in m.groups}))
    plan = _Plan(palette, year, tuple(venue_ids), audience)
    events = tuple(draw(_event(e, plan)) for e in event_ids)
    revised = draw(
        st.datetimes(min_value=datetime(year - 1, 1, 1), max_value=datetime(year, 12, 31))
    )
    return Trip(
        id=draw(_id("t")),
        name=draw(texts()),
        organizer=Organizer(name=draw(texts(max_atoms=10)), email=draw(_emails())),
        zone=palette[0],
        home_zone=draw(zone_names()),
        revised=revised.replace(microsecond=0, tzinfo=UTC),
        description=draw(st.one_of(st.none(), long_texts())),
        venues=venues,
        members=members,
        events=events,
    )


def edge_trip() -> Trip:
    """Return a fixed trip with the hard cases: folds, injections, odd zones, DST edges."""
    la = ZoneInfo("America/Los_Angeles")
    # Component delimiters themselves are refused (test_model.py); their near misses are text.
    injected = Text(ko='END VEVENT 제목, 쉼표; 세미콜론 \\ "따옴표"', en="BEGIN: VCALENDAR")
    return Trip(
        id="edge",
        name=Text(ko="가" * 24 + "👩\u200d👩\u200d👧", en="a" * 62 + "•tail"),
        organizer=Organizer(
            name=Text(ko='사무국 "본부"; 서울:', en="Office"), email="o@example.org"
        ),
        zone="America/Los_Angeles",
        home_zone="Asia/Seoul",
        revised=datetime(2024, 1, 8, 2, 15, tzinfo=UTC),
        description=LongText(ko=FOLD_EDGE, en="x\r\nEND;VEVENT\r\nBEGIN :VEVENT\r\ny"),
        venues=(
            Venue(
                id="hall",
                name=Text(ko="홀 🇰🇷, 1층", en="Hall; 1F"),
                zone="America/Los_Angeles",
                address=LongText(ko="주소\r\n둘째 줄\r셋째 줄", en="a" * 62 + "\n" + "•tail"),
                latitude=36.1215,
                longitude=-115.1651,
            ),
            Venue(
                id="lord-howe", name=Text(ko="로드하우", en="Lord Howe"), zone="Australia/Lord_Howe"
            ),
            Venue(id="kathmandu", name=Text(ko="카트만두", en="Kathmandu"), zone="Asia/Kathmandu"),
            Venue(id="chatham", name=Text(ko="채텀", en="Chatham"), zone="Pacific/Chatham"),
            Venue(
                id="st-johns", name=Text(ko="세인트존스", en="St. John's"), zone="America/St_Johns"
            ),
        ),
        members=(
            Member(
                id="mayor",
                name=Text(ko="시장", en="Mayor"),
                role=Text(ko="시장", en="Mayor"),
                groups=("core",),
            ),
            Member(
                id="aide",
                name=Text(ko="비서", en="Aide"),
                role=Text(ko="비서", en="Aide"),
                language="en",
            ),
        ),
        events=(
            Event(
                id="fold",
                title=injected,
                time=ExactTime(
                    start=datetime(2024, 1, 9, 11, tzinfo=la),
                    end=datetime(2024, 1, 9, 12, tzinfo=la),
                ),
                description=LongText(ko=FOLD_EDGE, en="\u1100\u1161\u11a8 한 🇰🇷🇺🇸 e\u0301\u0308"),
                venue="hall",
            ),
            Event(
                id="flight",
                title=Text(ko="비행 ✈", en="Flight"),
                time=ExactTime(
                    start="2024-01-12T22:50[America/Los_Angeles]",
                    end="2024-01-14T05:00[Asia/Seoul]",
                ),
                attendees=("core",),
            ),
            Event(
                id="first-reading",
                title=Text(ko="첫째", en="First of two 01:30"),
                time=ExactTime(
                    start="2024-11-03T01:30-07:00[America/Los_Angeles]",
                    end="2024-11-03T01:45-07:00[America/Los_Angeles]",
                ),
            ),
            Event(
                id="second-reading",
                title=Text(ko="둘째", en="Second of two 01:30"),
                time=ExactTime(
                    start=datetime(2024, 11, 3, 1, 30, tzinfo=la, fold=1),
                    end=datetime(2024, 11, 3, 2, 30, tzinfo=la),
                ),
                attendees=("aide",),
            ),
            Event(
                id="days",
                title=Text(ko="종일", en="Days"),
                time=DaysTime(first=date(2024, 3, 9), last=date(2024, 3, 11)),
                venue="hall",
                status="cancelled",
            ),
            Event(
                id="lord-howe-dst",
                title=Text(ko="로드하우", en="Lord Howe"),
                time=ExactTime(
                    start="2024-04-07T01:45+11:00[Australia/Lord_Howe]",
                    end="2024-04-07T02:15[Australia/Lord_Howe]",
                ),
                venue="lord-howe",
            ),
            Event(
                id="kathmandu-lunch",
                title=Text(ko="점심", en="Lunch"),
                time=ApproximateTime(day=date(2024, 5, 1), part=DayPart.LUNCH),
                venue="kathmandu",
                status="tentative",
            ),
            Event(
                id="chatham-evening",
                title=Text(ko="저녁", en="Evening"),
                time=ApproximateTime(
                    day=date(2024, 9, 29), part=DayPart.EVENING, zone="Pacific/Chatham"
                ),
                venue="chatham",
            ),
            Event(
                id="st-johns-day",
                title=Text(ko="하루", en="Day"),
                time=ApproximateTime(day=date(2024, 3, 10), part=DayPart.ALL_DAY),
                venue="st-johns",
            ),
        ),
    )
