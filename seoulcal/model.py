"""The trip model: a delegation's itinerary as validated, immutable data.

A :class:`Trip` holds :class:`Venue`, :class:`Member` and :class:`Event` items. Every model is a
frozen pydantic model that rejects unknown fields. Texts are bilingual (:class:`Text` for one line,
:class:`LongText` for paragraphs), Korean and English.

An event's time is one of three kinds:

* :class:`ExactTime`: an aware start and end, possibly in different zones (a flight);
* :class:`DaysTime`: whole days, with an *inclusive* last day;
* :class:`ApproximateTime`: a day plus a part of the day, for items a source dates but does not
  time. It is placed on the timeline in the zone where it happens, using the windows in
  :data:`DAY_PART_WINDOWS`, and every output marks it as approximate.

This module knows nothing of iCalendar; :meth:`Trip.to_calendar` hands the trip to
:mod:`seoulcal.export`.
"""

from __future__ import annotations

__all__ = [
    "DAY_PART_WINDOWS",
    "EVERYONE",
    "ApproximateTime",
    "DayPart",
    "DaysTime",
    "Event",
    "EventTime",
    "ExactTime",
    "Language",
    "LongText",
    "Member",
    "Organizer",
    "Source",
    "Status",
    "Text",
    "Timing",
    "Trip",
    "Venue",
]

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)

from seoulcal import zones
from seoulcal.errors import NotFoundError, Problem, TripError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import icalendar

Language = Literal["ko", "en"]
"""The languages a trip's texts come in."""

LANGUAGES: tuple[Language, ...] = ("ko", "en")
"""Every :data:`Language`, in the order calendars and sites are made."""

EVERYONE = "everyone"
"""The group every member belongs to; an event's default attendees."""

_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_ID_RE = re.compile(_ID_PATTERN)
_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\".]+(?:\.[^@\s<>\".]+)+$")


# --- field types -------------------------------------------------------------------------------


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(
            f"id {value!r} must be lower-case letters, digits and inner hyphens (at most 64), "
            "for example 'seoul-pavilion-opening'"
        )
    return value


Id = Annotated[str, AfterValidator(_check_id), Field(pattern=_ID_PATTERN)]
"""A stable identifier: lower-case letters, digits and inner hyphens."""


# What no calendar text may hold: ASCII control characters but tab (line breaks are allowed where
# the text may have several lines), and lone surrogates. One search finds the first of them.
_FORBIDDEN_IN_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_FORBIDDEN_IN_PARAGRAPH = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _clean_text(value: str, *, multiline: bool) -> str:
    """Normalise line breaks and refuse what no calendar can carry."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith("\ufeff"):
        raise ValueError(
            "starts with U+FEFF (a byte order mark), which calendar software drops; remove it"
        )
    found = (_FORBIDDEN_IN_PARAGRAPH if multiline else _FORBIDDEN_IN_LINE).search(value)
    if found is not None:
        char, index = found.group(), found.start()
        if char == "\n":
            raise ValueError(
                "must be a single line (found a line break); put longer text in the description"
            )
        if unicodedata.category(char) == "Cs":
            raise ValueError(
                f"lone surrogate U+{ord(char):04X} at position {index} is not valid Unicode text"
            )
        raise ValueError(
            f"control character U+{ord(char):04X} at position {index} cannot appear in a "
            "calendar (RFC 5545 §3.3.11); remove it"
        )
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _line(value: str) -> str:
    return _clean_text(value, multiline=False)


def _paragraph(value: str) -> str:
    return _clean_text(value, multiline=True)


Line = Annotated[str, AfterValidator(_line)]
Paragraph = Annotated[str, AfterValidator(_paragraph)]


def _email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise ValueError(f"{value!r} is not an email address like 'office@example.org'")
    return value


Email = Annotated[str, AfterValidator(_email)]


def _zone_name(value: str) -> str:
    return zones.zone(value).key


ZoneName = Annotated[
    str,
    AfterValidator(_zone_name),
    WithJsonSchema(
        {
            "type": "string",
            "description": "An IANA time zone name.",
            "examples": ["America/Los_Angeles", "Asia/Seoul"],
        }
    ),
]
"""An IANA zone name, checked against the zoneinfo database."""


def _zoned(value: object) -> datetime:
    moment = _aware(value)
    if moment.microsecond:
        raise ValueError(
            f"{moment.isoformat()} has a fraction of a second; calendars keep whole seconds, "
            "so give the time without it (for example .replace(microsecond=0))"
        )
    return moment


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        return zones.parse_zoned(value)
    if isinstance(value, datetime):
        tz = value.tzinfo
        if isinstance(tz, timezone) and value.utcoffset() == timedelta(0):
            return value.replace(tzinfo=UTC)  # TOML's "...Z" arrives as a fixed zero offset
        return zones.normalize_datetime(value)
    raise ValueError(
        f"{value!r} is not a date and time; write it like '2024-01-09T11:00[America/Los_Angeles]'"
    )


def _zoned_text(value: datetime) -> str:
    name = zones.zone_name(value.tzinfo) or "UTC"
    if name == "UTC":
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat(timespec='seconds')}[{name}]"


ZonedDatetime = Annotated[
    datetime,
    PlainValidator(_zoned),
    PlainSerializer(_zoned_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "description": (
                "A wall clock and its IANA zone (RFC 9557), such as "
                "'2024-01-09T11:00[America/Los_Angeles]'. An offset before the bracket chooses "
                "between the two readings of a time that happens twice; 'Z' alone means UTC."
            ),
            "pattern": (
                r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?"
                r"((Z|[+-]\d{2}:?\d{2})?\[[^\]]+\]|Z)$"
            ),
            "examples": [
                "2024-01-09T11:00[America/Los_Angeles]",
                "2024-11-03T01:30-07:00[America/Los_Angeles]",
            ],
        }
    ),
]
"""An aware datetime in an IANA zone (or UTC); ``pytz`` zones are accepted and converted."""


def _utc(value: object) -> datetime:
    # Calendars write stamps to the second; a revision time from datetime.now() is kept so.
    return _aware(value).astimezone(UTC).replace(microsecond=0)


UtcDatetime = Annotated[
    datetime,
    PlainValidator(_utc),
    PlainSerializer(_zoned_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "description": "An instant, such as '2024-01-08T02:15:00Z'.",
            "examples": ["2024-01-08T02:15:00Z"],
        }
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


# --- texts --------------------------------------------------------------------------------------


class _Bilingual(_Model):
    ko: str
    en: str

    def pick(self, language: Language) -> str:
        """Return the text in *language*."""
        return self.ko if language == "ko" else self.en


class Text(_Bilingual):
    """A one-line text in Korean and English (a title, a name)."""

    ko: Line
    en: Line


class LongText(_Bilingual):
    """A text of one or more paragraphs in Korean and English."""

    ko: Paragraph
    en: Paragraph


# --- items --------------------------------------------------------------------------------------


class Source(_Model):
    """Where an item comes from: a document and the sentence in it."""

    document: Line
    """The source document, for example the press release's title or file name."""

    quote: Paragraph
    """The sentence the item comes from, verbatim, in the document's language."""

    url: Line | None = None
    """A public address of the document, if it has one."""


class Organizer(_Model):
    """Who publishes the trip's calendars."""

    name: Text
    email: Email | None = None
    """A public contact address. When set, calendars carry it as ORGANIZER (see docs)."""


class Venue(_Model):
    """A place where events happen."""

    id: Id
    name: Text
    zone: ZoneName
    """The IANA zone of the place; times at the venue are shown in it."""
    address: LongText | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    assumptions: tuple[Text, ...] = ()
    """What about this venue is assumed rather than known from the source."""

    @model_validator(mode="after")
    def _both_coordinates(self) -> Venue:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class Member(_Model):
    """A delegation member, who gets a calendar of their own."""

    id: Id
    name: Text
    role: Text
    email: Email | None = None
    """Private: never written into a calendar or a public page."""
    language: Language = "ko"
    """The language of this member's own calendar and page."""
    groups: tuple[Id, ...] = ()
    illustrative: bool = False
    """True for placeholder roles that stand in for a real roster."""


class DayPart(StrEnum):
    """A part of the day, for items that are dated but not timed."""

    MORNING = "morning"
    LUNCH = "lunch"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ALL_DAY = "all_day"


DAY_PART_WINDOWS: dict[DayPart, tuple[time, time]] = {
    DayPart.MORNING: (time(9), time(12)),
    DayPart.LUNCH: (time(12), time(14)),
    DayPart.AFTERNOON: (time(14), time(18)),
    DayPart.EVENING: (time(18), time(21)),
    DayPart.ALL_DAY: (time(9), time(18)),
}
"""The local window each part of the day is shown as (start, end), in the event's zone."""


class ExactTime(_Model):
    """A start and an end instant, each in its own zone."""

    kind: Literal["exact"] = "exact"
    start: ZonedDatetime
    end: ZonedDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> ExactTime:
        if self.end <= self.start:
            raise ValueError(
                f"end {_zoned_text(self.end)} is not after start {_zoned_text(self.start)} "
                f"(as instants: {self.end.astimezone(UTC):%Y-%m-%d %H:%M}Z vs "
                f"{self.start.astimezone(UTC):%Y-%m-%d %H:%M}Z); give an end after the start"
            )
        return self


class DaysTime(_Model):
    """One or more whole days; ``last`` is inclusive and defaults to ``first``."""

    kind: Literal["days"] = "days"
    first: date
    last: date | None = None

    @model_validator(mode="after")
    def _last_not_before_first(self) -> DaysTime:
        if self.last is not None and self.last < self.first:
            raise ValueError(
                f"last day {self.last} is before first day {self.first}; "
                "'last' is the final day itself (inclusive)"
            )
        return self

    @property
    def last_day(self) -> date:
        """The final day, inclusive."""
        return self.last or self.first


class ApproximateTime(_Model):
    """A day and a part of it, placed with :data:`DAY_PART_WINDOWS` in its zone."""

    kind: Literal["approximate"] = "approximate"
    day: date
    part: DayPart
    zone: ZoneName | None = None
    """The zone of the window; defaults to the venue's zone, then the trip's."""


def _time_kind(value: Any) -> str | None:  # noqa: ANN401 - pydantic hands raw input of any type
    if isinstance(value, BaseModel):
        return getattr(value, "kind", None)
    if isinstance(value, dict):
        if "kind" in value:
            return str(value["kind"])
        for key, kind in (("start", "exact"), ("first", "days"), ("part", "approximate")):
            if key in value:
                return kind
    return None


EventTime = Annotated[
    Annotated[ExactTime, Tag("exact")]
    | Annotated[DaysTime, Tag("days")]
    | Annotated[ApproximateTime, Tag("approximate")],
    Discriminator(
        _time_kind,
        custom_error_type="time_kind",
        custom_error_message=(
            "give 'start' and 'end' (exact), 'first' and maybe 'last' (days), "
            "or 'day' and 'part' (approximate)"
        ),
    ),
]
"""When an event happens: exact, whole days, or approximate."""

Status = Literal["confirmed", "tentative", "cancelled"]


class Event(_Model):
    """One item of the itinerary."""

    id: Id
    """Stable across edits: calendars derive the event's UID from it."""
    title: Text
    time: EventTime
    description: LongText | None = None
    venue: Id | None = None
    """The id of a venue of the trip."""
    attendees: tuple[Id, ...] = (EVERYONE,)
    """Member ids or group names; ``everyone`` means every member."""
    categories: tuple[Text, ...] = ()
    status: Status = "confirmed"
    source: Source | None = None
    assumptions: tuple[Text, ...] = ()
    """What about this event is assumed rather than known from the source."""


@dataclass(frozen=True, slots=True)
class _TripIndex:
    members_source: tuple[Member, ...]
    venues_source: tuple[Venue, ...]
    members: dict[str, Member]
    venues: dict[str, Venue]
    names: dict[str, frozenset[str]]
    """Per member id: the names that make an event theirs (everyone, their id, their groups)."""


@dataclass(frozen=True, slots=True)
class Timing:
    """An event's time resolved against its trip: what calendars and agendas show.

    For whole days, ``start`` and ``end`` are dates and ``end`` is exclusive. Otherwise they are
    aware datetimes; ``approximate`` then names the part of the day when the time is a window.
    """

    start: datetime | date
    end: datetime | date
    zone: ZoneInfo
    """The zone the event is shown in at its place (the start's zone)."""
    approximate: DayPart | None = None

    @property
    def all_day(self) -> bool:
        """Tell whether the event is whole days."""
        return not isinstance(self.start, datetime)

    @property
    def sort_key(self) -> datetime:
        """The start as a UTC instant (whole days start at midnight in :attr:`zone`)."""
        if isinstance(self.start, datetime):
            return self.start.astimezone(UTC)
        return datetime.combine(self.start, time(), self.zone).astimezone(UTC)


# --- the trip -----------------------------------------------------------------------------------


class Trip(_Model):
    """A delegation's trip: its venues, members and events."""

    id: Id
    name: Text
    organizer: Organizer
    zone: ZoneName
    """The zone where the trip happens (Las Vegas: America/Los_Angeles)."""
    home_zone: ZoneName
    """The zone of the office at home (Seoul: Asia/Seoul); agendas show it beside local time."""
    revised: UtcDatetime
    """When the itinerary was last revised; calendars stamp events with it, never with 'now'."""
    description: LongText | None = None
    venues: tuple[Venue, ...] = ()
    members: tuple[Member, ...] = ()
    events: tuple[Event, ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _report(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Trip:  # noqa: ANN401
        """Turn every validation failure into one :class:`TripError` that lists them all."""
        try:
            trip = handler(data)
        except ValidationError as error:
            raise TripError(_problems(error, data)) from None
        if not isinstance(trip, Trip):  # pragma: no cover - pydantic always returns the model
            raise TypeError(type(trip))
        problems = list(trip.cross_check())
        if problems:
            raise TripError(problems)
        return trip

    def cross_check(self) -> Iterator[Problem]:
        """Find duplicate ids, clashing group names and references to nothing."""
        yield from self._duplicate_ids()
        yield from self._group_clashes()
        yield from self._dangling_references()

    def _duplicate_ids(self) -> Iterator[Problem]:
        for field in ("venues", "members", "events"):
            items: Sequence[Venue | Member | Event] = getattr(self, field)
            counts = Counter(item.id for item in items)
            for index, item in enumerate(items):
                if counts[item.id] > 1:
                    yield Problem(
                        f'{field}[{index}] "{item.id}" → id',
                        f"id {item.id!r} is used by {counts[item.id]} {field}; ids must be "
                        "unique (calendars derive UIDs from them)",
                    )

    def _group_clashes(self) -> Iterator[Problem]:
        member_ids = {member.id for member in self.members}
        for index, member in enumerate(self.members):
            for group in member.groups:
                if group in member_ids or group == EVERYONE:
                    yield Problem(
                        f'members[{index}] "{member.id}" → groups',
                        f"group {group!r} is also a member id or the reserved group "
                        f"{EVERYONE!r}; rename the group",
                    )

    def _dangling_references(self) -> Iterator[Problem]:
        member_ids = {member.id for member in self.members}
        groups = {group for member in self.members for group in member.groups}
        venue_ids = {venue.id for venue in self.venues}
        known = member_ids | groups | {EVERYONE}
        for index, event in enumerate(self.events):
            where = f'events[{index}] "{event.id}"'
            if event.venue is not None and event.venue not in venue_ids:
                yield Problem(
                    f"{where} → venue",
                    f"venue {event.venue!r} is not a venue of this trip; "
                    f"known venues: {', '.join(sorted(venue_ids)) or 'none'}",
                )
            for position, name in enumerate(event.attendees):
                if name not in known:
                    yield Problem(
                        f"{where} → attendees[{position}]",
                        f"{name!r} names no member or group; known: {', '.join(sorted(known))}",
                    )

    # --- lookups ---

    @cached_property
    def _cached_index(self) -> _TripIndex:
        return _TripIndex(
            members_source=self.members,
            venues_source=self.venues,
            members={member.id: member for member in self.members},
            venues={venue.id: venue for venue in self.venues},
            names={
                member.id: frozenset({EVERYONE, member.id, *member.groups})
                for member in self.members
            },
        )

    @property
    def _index(self) -> _TripIndex:
        """Lookups by id, built once per trip (a trip is frozen).

        ``model_copy`` copies the cache along with the fields, so a copy with other members or
        venues builds its own.
        """
        index = self._cached_index
        if index.members_source is not self.members or index.venues_source is not self.venues:
            del self.__dict__["_cached_index"]
            index = self._cached_index
        return index

    def member(self, member_id: str) -> Member:
        """Return the member with id *member_id*."""
        found = self._index.members.get(member_id)
        if found is not None:
            return found
        known = ", ".join(m.id for m in self.members) or "none"
        raise NotFoundError(f"no member {member_id!r} in trip {self.id!r}; members: {known}")

    def venue(self, venue_id: str) -> Venue:
        """Return the venue with id *venue_id*."""
        found = self._index.venues.get(venue_id)
        if found is not None:
            return found
        raise NotFoundError(f"no venue {venue_id!r} in trip {self.id!r}")

    def venue_of(self, event: Event) -> Venue | None:
        """Return *event*'s venue, if it has one."""
        return None if event.venue is None else self.venue(event.venue)

    def attends(self, member: Member | str, event: Event) -> bool:
        """Tell whether *member* attends *event* (directly, by group, or as everyone)."""
        index = self._index
        who = self.member(member) if isinstance(member, str) else member
        names = index.names.get(who.id)
        if names is None or index.members.get(who.id) is not who:  # not this trip's own
            names = frozenset({EVERYONE, who.id, *who.groups})
        return not names.isdisjoint(event.attendees)

    def events_for(self, member: Member | str | None = None) -> tuple[Event, ...]:
        """Return the events *member* attends (all events for ``None``), in time order.

        This is the one place that decides which events are a member's: calendars, pages,
        publishing and invitations all take their events from it.
        """
        ordered = self._ordered_events()
        if member is None:
            return ordered
        who = self.member(member) if isinstance(member, str) else member
        return tuple(event for event in ordered if self.attends(who, event))

    def _ordered_events(self) -> tuple[Event, ...]:
        """Return every event in time order (then by id), sorted once per trip."""
        cached = self.__dict__.get("_ordered")
        if cached is None or cached[0] is not self.events or cached[1] is not self.venues:
            ordered = tuple(sorted(self.events, key=lambda e: (self.timing(e).sort_key, e.id)))
            cached = (self.events, self.venues, ordered)
            self.__dict__["_ordered"] = cached  # a cache, like _cached_index: not a field
        result: tuple[Event, ...] = cached[2]
        return result

    def timing(self, event: Event) -> Timing:
        """Resolve *event*'s time into instants (or dates) and the zone it is shown in."""
        when = event.time
        venue = self.venue_of(event)
        place_zone = zones.zone(venue.zone if venue else self.zone)
        if isinstance(when, ExactTime):
            start_zone = when.start.tzinfo
            shown = start_zone if isinstance(start_zone, ZoneInfo) else place_zone
            return Timing(when.start, when.end, shown)
        if isinstance(when, DaysTime):
            return Timing(when.first, when.last_day + timedelta(days=1), place_zone)
        tz = zones.zone(when.zone) if when.zone else place_zone
        begin, finish = DAY_PART_WINDOWS[when.part]
        return Timing(
            datetime.combine(when.day, begin, tz),
            datetime.combine(when.day, finish, tz),
            tz,
            approximate=when.part,
        )

    # --- calendars (see seoulcal.ics) ---

    def to_calendar(
        self, member: Member | str | None = None, lang: Language = "ko"
    ) -> icalendar.Calendar:
        """Return the calendar of the whole trip, or of one *member*, in *lang*."""
        from seoulcal import ics  # noqa: PLC0415 - models must not import icalendar at load

        return ics.trip_calendar(self, member=member, lang=lang)

    def to_ics(self, member: Member | str | None = None, lang: Language = "ko") -> bytes:
        """Return :meth:`to_calendar` as iCalendar bytes (UTF-8, CRLF, folded)."""
        from seoulcal import ics  # noqa: PLC0415 - models must not import icalendar at load

        return ics.trip_ics(self, member=member, lang=lang)


# --- error reporting ----------------------------------------------------------------------------

_TIME_TAGS = frozenset({"exact", "days", "approximate"})


def _problems(error: ValidationError, data: object) -> list[Problem]:
    """Describe pydantic's errors by item id and field, in the trip file's own words."""
    found: list[Problem] = []
    for detail in error.errors(include_url=False):
        where = _where(detail["loc"], data)
        message = detail["msg"]
        context = detail.get("ctx") or {}
        if detail["type"] == "value_error" and "error" in context:
            message = str(context["error"])
        elif detail["type"] == "extra_forbidden":
            message = f"unknown field {detail['loc'][-1]!r}; check its spelling in the docs"
        elif detail["type"] == "missing":
            message = "this field is required"
        found.append(Problem(where, message))
    return found


def _where(loc: tuple[int | str, ...], data: object) -> str:
    """Render a location like ``events[3] "sphere-visit" → time.end``.

    The first list item that has an id names the item; the rest of the path is its field.
    """
    head = ""
    path = ""
    node: object = data
    previous: int | str | None = None
    for step in loc:
        if previous == "time" and step in _TIME_TAGS:
            continue  # the union's tag, not a field the user wrote
        previous = step
        if isinstance(step, int):
            item = node[step] if isinstance(node, list | tuple) and 0 <= step < len(node) else None
            ident = _ident(item)
            if ident is not None and not head:
                head, path = f'{path}[{step}] "{ident}"', ""
            else:
                path += f"[{step}]"
            node = item
        else:
            path += f".{step}" if path else str(step)
            node = _child(node, step)
    if head:
        return f"{head} → {path}" if path else head
    return path


def _ident(item: object) -> str | None:
    value = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
    return value if isinstance(value, str) else None


def _child(node: object, key: str) -> object:
    if isinstance(node, dict):
        return node.get(key)
    return getattr(node, key, None)
