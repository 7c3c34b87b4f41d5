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

import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from urllib.parse import urlsplit
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
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)

# BaseModel's metaclass (pydantic exports it from no public module): _Checked extends it.
from pydantic._internal._model_construction import ModelMetaclass

from seoulcal import zones
from seoulcal.errors import NotFoundError, Problem, TripError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    import icalendar
    from pydantic_core import ErrorDetails

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


# --- texts: the one rule (docs/trip-file.md, "Texts") ---------------------------------------------
#
# Every text is NFC-normalised, so that the same words typed two ways (an accent as its own
# character, or as a letter and a combining mark) give the same bytes everywhere. Line breaks are
# "\n": "\r\n", "\r" and the Unicode separators U+2028 and U+2029 become one in a long text,
# and are refused in a one-line text. C0 and C1 control characters but tab (U+0000-U+001F and
# U+007F-U+009F, U+0085 included) and lone surrogates are refused in any text; so is a leading
# U+FEFF (a byte
# order mark, which readers drop). One-line texts lose leading and trailing white space (spaces,
# tabs, no-break and ideographic spaces), which some clients drop and others keep. A text that
# holds an iCalendar component delimiter (BEGIN:V..., END:V..., in any case) is refused: nobody
# writes one by accident, and some readers split events at it wherever it stands. Lengths are
# limited (MAX_LINE, MAX_PARAGRAPH), so a feed stays within what clients accept.

MAX_LINE = 1_000
"""The most characters a one-line text (a title, a name, a place) may have."""

MAX_PARAGRAPH = 20_000
"""The most characters a long text (a description, an address, a quote) may have."""

_FORBIDDEN_IN_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_FORBIDDEN_IN_PARAGRAPH = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
_DELIMITER = re.compile(
    r"(?:BEGIN|END):(?:V|STANDARD|DAYLIGHT|AVAILABLE|PARTICIPANT|X-)[\w-]*", re.IGNORECASE
)


def _clean_text(value: str, *, multiline: bool) -> str:
    """Apply the rule for texts: normalise, trim one-line texts, refuse what no client reads."""
    limit = MAX_PARAGRAPH if multiline else MAX_LINE
    if len(value) > limit:
        kind = "a long text" if multiline else "a one-line text"
        raise ValueError(
            f"is {len(value):,} characters long; {kind} may have at most {limit:,} "
            "(calendar clients refuse feeds over about 1 MB); shorten it"
        )
    if multiline:
        value = _LINE_BREAKS.sub("\n", value)
    found = (_FORBIDDEN_IN_PARAGRAPH if multiline else _FORBIDDEN_IN_LINE).search(value)
    if found is not None:
        char, index = found.group(), found.start()
        if char in "\n\r\u2028\u2029":
            name = "a line break" if char in "\n\r" else f"line separator U+{ord(char):04X}"
            raise ValueError(
                f"must be a single line (found {name} at position {index}); "
                "put longer text in the description"
            )
        if unicodedata.category(char) == "Cs":
            raise ValueError(
                f"lone surrogate U+{ord(char):04X} at position {index} is not valid Unicode text"
            )
        raise ValueError(
            f"control character U+{ord(char):04X} at position {index} cannot appear in a "
            "calendar (RFC 5545 §3.3.11); remove it"
        )
    value = unicodedata.normalize("NFC", value)
    if not multiline:
        value = value.strip()
    if value.startswith("\ufeff"):
        raise ValueError(
            "starts with U+FEFF (a byte order mark), which calendar software drops; remove it"
        )
    delimiter = _DELIMITER.search(value)
    if delimiter is not None:
        raise ValueError(
            f"holds {delimiter.group()!r} at position {delimiter.start()}, which calendar "
            "software can take for the start or end of an event (an iCalendar component "
            "delimiter); write it differently, for example with a space after the colon"
        )
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _line(value: str) -> str:
    return _clean_text(value, multiline=False)


def _paragraph(value: str) -> str:
    return _clean_text(value, multiline=True)


Line = Annotated[
    str, AfterValidator(_line), WithJsonSchema({"type": "string", "maxLength": MAX_LINE})
]
Paragraph = Annotated[
    str, AfterValidator(_paragraph), WithJsonSchema({"type": "string", "maxLength": MAX_PARAGRAPH})
]


def _email(value: str) -> str:
    if not _EMAIL_RE.match(value) or _DELIMITER.search(value):
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


# --- who reads a message ------------------------------------------------------------------------
#
# A trip file's author reads TOML spellings (`start = "2024-01-09T11:00[America/Los_Angeles]"`),
# a Python caller Python ones (`datetime(..., tzinfo=ZoneInfo(...))`). parse_trip validates with
# the context {"audience": "toml"}; without it, messages are for Python.

Audience = Literal["toml", "python"]


def _audience(info: ValidationInfo | None) -> Audience:
    context = info.context if info is not None else None
    if isinstance(context, dict) and context.get("audience") == "toml":
        return "toml"
    return "python"


def _toml(value: object) -> str:  # noqa: PLR0911 - one spelling per kind of TOML value
    """Spell *value* as a trip file would (the TOML value it came from)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        return "[…]"
    if isinstance(value, dict):
        return "{…}"
    return repr(value)


_EXAMPLE = "2024-01-09T11:00[America/Los_Angeles]"


def _not_a_moment(value: object, audience: Audience) -> ValueError:  # noqa: PLR0911 - one per kind
    """Explain why *value* (not a string, not an aware datetime) is no date and time."""
    if audience == "toml":
        if isinstance(value, datetime):
            wall = value.replace(tzinfo=None).isoformat(timespec="minutes")
            if value.tzinfo is None:
                return ValueError(
                    f"{value.isoformat()} is naive: a TOML local date-time has no zone; write the "
                    f'time as a string with its zone, such as "{wall}[America/Los_Angeles]"'
                )
            return ValueError(
                f"{value.isoformat()} has an offset but no zone, and an offset is not a place; "
                "write the time as a string with the zone of its place, such as "
                f'"{wall}[America/Los_Angeles]"'
            )
        if isinstance(value, date):
            return ValueError(
                f"{value.isoformat()} is a date without a time of day; write a date and time as "
                f'a string, such as "{value.isoformat()}T11:00[America/Los_Angeles]" '
                f"(or use time = {{ first = {value.isoformat()} }} for a whole day)"
            )
        if isinstance(value, time):
            return ValueError(
                f"{value.isoformat()} is a time of day without a date; write a date and time as "
                f'a string, such as "{_EXAMPLE}"'
            )
        return ValueError(
            f'{_toml(value)} is not a date and time; write it as a string such as "{_EXAMPLE}"'
        )
    if isinstance(value, date) and not isinstance(value, datetime):
        return ValueError(
            f"{value!r} is a date, not a datetime; pass an aware datetime such as "
            "datetime(2024, 1, 9, 11, tzinfo=ZoneInfo('America/Los_Angeles')), "
            "or DaysTime(first=...) for whole days"
        )
    return ValueError(
        f"{value!r} is not a date and time; pass an aware datetime, or a string such as "
        f"'{_EXAMPLE}'"
    )


def _zoned(value: object, info: ValidationInfo) -> datetime:
    audience = _audience(info)
    moment = _aware(value, audience)
    if moment.microsecond:
        fix = (
            "write the time without it"
            if audience == "toml"
            else "pass it without (for example .replace(microsecond=0))"
        )
        raise ValueError(
            f"{moment.isoformat()} has a fraction of a second; calendars keep whole seconds, "
            f"so {fix}"
        )
    return moment


def _aware(value: object, audience: Audience) -> datetime:
    if isinstance(value, str):
        return zones.parse_zoned(value)
    if isinstance(value, datetime):
        tz = value.tzinfo
        if audience == "toml" and isinstance(tz, timezone) and value.utcoffset() != timedelta(0):
            raise _not_a_moment(value, audience)  # TOML's offset date-time
        if audience == "toml" and (tz is None or value.utcoffset() is None):
            raise _not_a_moment(value, audience)  # TOML's local date-time
        if isinstance(tz, timezone) and value.utcoffset() == timedelta(0):
            value = value.replace(tzinfo=UTC)  # TOML's "...Z" arrives as a fixed zero offset
        return zones.normalize_datetime(value)
    raise _not_a_moment(value, audience)


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


_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})")


def _utc(value: object, info: ValidationInfo) -> datetime:
    """Read an instant: "...Z", an offset (an offset fixes an instant), or a wall clock and zone."""
    audience = _audience(info)
    moment: datetime
    if isinstance(value, str) and _INSTANT.fullmatch(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip().replace(" ", "T"))
        except ValueError as error:
            raise ValueError(f"{value!r} is not a date and time ({error})") from None
    elif isinstance(value, datetime) and isinstance(value.tzinfo, timezone):
        moment = value  # TOML's offset date-time, or datetime.UTC
    elif isinstance(value, datetime | date) and not (
        isinstance(value, datetime) and value.utcoffset() is not None
    ):
        stamp = value.isoformat() if isinstance(value, datetime) else f"{value}T00:00:00"
        if audience == "toml":
            raise ValueError(
                f"{_toml(value)} is not an instant: give it in UTC or with its offset, "
                f"such as revised = {stamp[:19]}Z"
            )
        raise ValueError(
            f"{value!r} is not an instant; pass an aware datetime, such as "
            "datetime(2024, 1, 8, 2, 15, tzinfo=datetime.UTC)"
        )
    else:
        moment = _aware(value, audience)
    zones.check_year(moment.date())  # before any arithmetic: year 1 has no day before it
    instant = moment.astimezone(UTC).replace(microsecond=0)  # calendars stamp whole seconds
    zones.check_year(instant.date())
    return instant


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(value: object, info: ValidationInfo) -> date:
    audience = _audience(info)
    if isinstance(value, datetime):
        if audience == "toml":
            raise ValueError(
                f"{value.isoformat()} is a date and time; a day is a date without quotes, "
                f"such as {value.date().isoformat()}"
            )
        raise ValueError(  # noqa: TRY004 - pydantic reports ValueError, not TypeError, as invalid
            f"{value!r} is a datetime; pass a datetime.date, such as {value.date()!r}"
        )
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            value = date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a date ({error})") from None
    if not isinstance(value, date):
        if audience == "toml":
            raise ValueError(f"{_toml(value)} is not a date; write one without quotes: 2024-01-09")
        raise ValueError(  # noqa: TRY004 - pydantic reports ValueError, not TypeError, as invalid
            f"{value!r} is not a date; pass a datetime.date, such as date(2024, 1, 9)"
        )
    zones.check_year(value)
    return value


Day = Annotated[
    date,
    PlainValidator(_day),
    PlainSerializer(date.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2024-01-09"]}),
]
"""A calendar day, from :data:`~seoulcal.zones.FIRST_YEAR` to :data:`~seoulcal.zones.LAST_YEAR`."""


UtcDatetime = Annotated[
    datetime,
    PlainValidator(_utc),
    PlainSerializer(_zoned_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "description": (
                "An instant: in UTC ('2024-01-08T02:15:00Z'), with an offset "
                "('2024-01-08T11:15:00+09:00'), or a wall clock and its zone."
            ),
            "examples": ["2024-01-08T02:15:00Z"],
        }
    ),
]


def _unknown_language(language: object) -> NotFoundError:
    return NotFoundError(f"unknown language {language!r}; seoulcal's texts are in 'ko' and 'en'")


def _check_language(language: object) -> None:
    if language not in ("ko", "en"):
        raise _unknown_language(language)


class _Checked(ModelMetaclass):
    """Make a model built directly (``ExactTime(...)``) raise :class:`TripError`, as a trip does.

    Only the call of the class is wrapped: models built inside another model's validation are
    reported by that model, all problems together.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401, N805 - a metaclass's call
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as error:
            raise TripError(_problems(error, kwargs, "python")) from None


class _Model(BaseModel, metaclass=_Checked):
    # defer_build: a model's validator is made when it is first used, not when the module is
    # imported. Validating a trip makes one for the whole tree at once, instead of one for each of
    # the 17 models and then the tree again: every command starts faster, and validates the same.
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=False, defer_build=True
    )

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:  # noqa: ANN401 - as pydantic's
        """Validate *obj* as pydantic does, raising :class:`TripError` for invalid input.

        A ``context`` of ``{"audience": "toml"}`` words the problems for a trip file's author.
        """
        try:
            return super().model_validate(obj, **options)
        except ValidationError as error:
            context = options.get("context")
            audience: Audience = (
                "toml"
                if isinstance(context, dict) and context.get("audience") == "toml"
                else "python"
            )
            raise TripError(_problems(error, obj, audience)) from None


# --- texts --------------------------------------------------------------------------------------


class _Bilingual(_Model):
    ko: str
    en: str

    def pick(self, language: Language) -> str:
        """Return the text in *language*."""
        if language == "ko":
            return self.ko
        if language == "en":
            return self.en
        raise _unknown_language(language)


class Text(_Bilingual):
    """A one-line text in Korean and English (a title, a name)."""

    ko: Line
    en: Line


class LongText(_Bilingual):
    """A text of one or more paragraphs in Korean and English."""

    ko: Paragraph
    en: Paragraph


# --- reminders, links, contacts ---------------------------------------------------------------

_DURATION = re.compile(
    r"([+-]?)P(?:(\d+)W|(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)"
)
MAX_REMINDER = timedelta(days=28)
"""The earliest a reminder may come before its event."""


def _reminder(value: object, info: ValidationInfo) -> timedelta:
    """Read a reminder: an RFC 5545 duration before the start, such as ``-PT30M``."""
    audience = _audience(info)
    example = '"-PT30M"' if audience == "toml" else "'-PT30M' or timedelta(minutes=-30)"
    if isinstance(value, timedelta):
        delta = value
    elif isinstance(value, str) and (found := _DURATION.fullmatch(value.strip())):
        sign, weeks, days, hours, minutes, seconds = (found.group(i) for i in range(1, 7))
        delta = timedelta(
            weeks=int(weeks or 0),
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes or 0),
            seconds=int(seconds or 0),
        )
        delta = -delta if sign == "-" else delta
    else:
        shown = _toml(value) if audience == "toml" else repr(value)
        raise ValueError(
            f"{shown} is not a reminder; give an RFC 5545 duration before the start, such as "
            f"{example} (30 minutes before) or '-PT3H'"
        )
    if delta > timedelta(0):
        raise ValueError(
            f"{_duration_text(delta)} is after the start, and Outlook refuses an alarm after the "
            f"start; give a duration before it, with a minus sign, such as {example}"
        )
    if delta < -MAX_REMINDER or delta.microseconds:
        raise ValueError(
            f"{_duration_text(delta)}: give whole seconds, at most {MAX_REMINDER.days} days before"
        )
    return delta


def _duration_text(delta: timedelta) -> str:
    """Spell *delta* as an RFC 5545 duration (``-PT30M``, ``-P1DT2H``)."""
    sign = "-" if delta < timedelta(0) else ""
    total = abs(int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{text or 'T0S'}"


Reminder = Annotated[
    timedelta,
    PlainValidator(_reminder),
    PlainSerializer(_duration_text, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "description": "An RFC 5545 duration before the start, such as '-PT30M' or '-PT3H'.",
            "pattern": r"^-?P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$",
            "examples": ["-PT30M", "-PT3H", "-P1D"],
        }
    ),
]
"""How long before an event's start its reminder comes (zero or negative)."""

_URL = re.compile(r"https?://[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")


def _web_address(value: str) -> str:
    parts = urlsplit(value) if _URL.fullmatch(value) else None
    if parts is None or not parts.hostname or parts.username or parts.password:
        raise ValueError(
            f"{value!r} is not a web address; give an absolute https:// (or http://) address "
            "such as 'https://example.org/briefing', with no user name or password"
        )
    return value


WebAddress = Annotated[
    str, AfterValidator(_web_address), WithJsonSchema({"type": "string", "format": "uri"})
]
"""An absolute http(s) address."""

_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{2,30}[0-9)](?: ?(?:ext\.?|x) ?[0-9]{1,6})?")


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a telephone number; write digits with an optional '+', spaces, "
            "hyphens, dots or brackets, such as '+1 702-892-0711'"
        )
    return value


Phone = Annotated[str, AfterValidator(_phone)]


class Link(_Model):
    """A link an event offers: a registration page, a briefing document, a video call."""

    label: Text
    url: WebAddress
    kind: Literal["page", "document", "video"] = "page"
    """A ``video`` link is also written as the event's CONFERENCE (RFC 7986)."""


class Contact(_Model):
    """A public contact for an event or a venue (an on-site desk). Never a member's own address."""

    name: Text | None = None
    phone: Phone | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if self.phone is None and self.email is None:
            raise ValueError("give a phone, an email, or both")
        return self


class Repeat(_Model):
    """An item that happens every day until a last day: expanded into one event per day."""

    every: Literal["day"] = "day"
    until: Day
    """The last day it happens (inclusive), in the event's own zone."""
    skip: tuple[Day, ...] = ()
    """Days it does not happen (a removed day is published as cancelled)."""


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
    latitude: Annotated[float, Field(ge=-90, le=90, strict=True, allow_inf_nan=False)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180, strict=True, allow_inf_nan=False)] | None = (
        None
    )
    assumptions: tuple[Text, ...] = ()
    """What about this venue is assumed rather than known from the source."""
    contact: Contact | None = None
    """A public contact at this venue (a front desk)."""

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
    """Private: never written into a feed or a page; only into this member's own invitations."""
    language: Language = "ko"
    """The language of this member's own calendar and page."""
    groups: tuple[Id, ...] = ()
    illustrative: Annotated[bool, Field(strict=True)] = False
    """True for placeholder roles that stand in for a real roster."""
    reminders_in_feed: Annotated[bool, Field(strict=True)] = False
    """Put reminders in this member's subscribed calendars too (Apple, Thunderbird, ICSx⁵)."""


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
        # As instants: Python compares two datetimes that share a tzinfo by wall clock, ignoring
        # fold, so 01:10 PST comes "before" 01:30 PDT on the night clocks fall back.
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise ValueError(
                f"end {_zoned_text(self.end)} is not after start {_zoned_text(self.start)} "
                f"(as instants: {self.end.astimezone(UTC):%Y-%m-%d %H:%M}Z vs "
                f"{self.start.astimezone(UTC):%Y-%m-%d %H:%M}Z); give an end after the start"
            )
        return self

    def _key(self) -> tuple[datetime, str | None, datetime, str | None]:
        return (
            self.start.astimezone(UTC),
            zones.zone_name(self.start.tzinfo),
            self.end.astimezone(UTC),
            zones.zone_name(self.end.tzinfo),
        )

    def __eq__(self, other: object) -> bool:
        """Compare as instants in their zones (two readings of one wall clock differ)."""
        if isinstance(other, ExactTime):
            return self._key() == other._key()
        return NotImplemented

    def __hash__(self) -> int:
        """Hash as :meth:`__eq__` compares."""
        return hash(self._key())


class DaysTime(_Model):
    """One or more whole days; ``last`` is inclusive and defaults to ``first``."""

    kind: Literal["days"] = "days"
    first: Day
    last: Day | None = None

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
    day: Day
    part: DayPart
    zone: ZoneName | None = None
    """The zone of the window; defaults to the venue's zone, then the trip's."""

    @model_validator(mode="after")
    def _window_exists(self) -> ApproximateTime:
        if self.zone is not None:
            problem = self.missing_in(zones.zone(self.zone))
            if problem is not None:
                raise ValueError(problem)
        return self

    def missing_in(self, tz: ZoneInfo) -> str | None:
        """Say why the window does not exist in *tz* (a day or hour clocks skip), or ``None``."""
        begin, finish = DAY_PART_WINDOWS[self.part]
        for clock in (begin, finish):
            wall = datetime.combine(self.day, clock)
            if not zones.wall_exists(wall, tz):
                return (
                    f"the {self.part.value} window ({begin:%H:%M}–{finish:%H:%M}) of {self.day} "
                    f"does not exist in {tz.key}: clocks skip {wall:%Y-%m-%dT%H:%M} there; "
                    "give another day or part of the day, or an exact time"
                )
        return None


STAY_MARKER = timedelta(minutes=30)
"""How long a stay's check-in and check-out markers last (they never make anyone busy)."""


class StayTime(_Model):
    """Nights at a place: a check-in and a check-out, shown as two short markers."""

    kind: Literal["stay"] = "stay"
    check_in: ZonedDatetime
    check_out: ZonedDatetime

    @model_validator(mode="after")
    def _out_after_in(self) -> StayTime:
        if self.check_out.astimezone(UTC) <= self.check_in.astimezone(UTC):
            raise ValueError(
                f"check-out {_zoned_text(self.check_out)} is not after check-in "
                f"{_zoned_text(self.check_in)}; give a check-out after the check-in"
            )
        return self


def _time_kind(value: Any) -> str | None:  # noqa: ANN401 - pydantic hands raw input of any type
    if isinstance(value, BaseModel):
        return getattr(value, "kind", None)
    if isinstance(value, dict):
        if "kind" in value:
            return str(value["kind"])
        for key, kind in (
            ("start", "exact"),
            ("first", "days"),
            ("part", "approximate"),
            ("check_in", "stay"),
        ):
            if key in value:
                return kind
    return None


EventTime = Annotated[
    Annotated[ExactTime, Tag("exact")]
    | Annotated[DaysTime, Tag("days")]
    | Annotated[ApproximateTime, Tag("approximate")]
    | Annotated[StayTime, Tag("stay")],
    Discriminator(
        _time_kind,
        custom_error_type="time_kind",
        custom_error_message=(
            "give 'start' and 'end' (exact), 'first' and maybe 'last' (days), "
            "'day' and 'part' (approximate), or 'check_in' and 'check_out' (a stay)"
        ),
    ),
]
"""When an event happens: exact, whole days, approximate, or a stay."""

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
    reminders: tuple[Reminder, ...] | None = None
    """Reminders before the start, instead of the trip's; ``[]`` turns them off for this event."""
    links: tuple[Link, ...] = ()
    contact: Contact | None = None
    """A public contact for this event (an on-site coordinator's desk)."""
    repeat: Repeat | None = None
    """Happens every day until a last day: the trip holds one event per day (see docs)."""
    busy: Annotated[bool, Field(strict=True)] = True
    """False for items that should not block the time (written as TRANSP:TRANSPARENT)."""
    marker: Literal["check-in", "check-out"] | None = None
    """Set on the two events a stay becomes: its check-in and its check-out."""


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
    reminders: tuple[Reminder, ...] = ()
    """The reminders of every event that sets none (none by default)."""
    venues: tuple[Venue, ...] = ()
    members: tuple[Member, ...] = ()
    events: tuple[Event, ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _report(
        cls,
        data: Any,  # noqa: ANN401 - pydantic hands raw input of any type
        handler: ValidatorFunctionWrapHandler,
        info: ValidationInfo,
    ) -> Trip:
        """Turn every validation failure into one :class:`TripError` that lists them all."""
        try:
            trip = handler(data)
        except ValidationError as error:
            raise TripError(_problems(error, data, _audience(info))) from None
        if not isinstance(trip, Trip):  # pragma: no cover - pydantic always returns the model
            raise TypeError(type(trip))
        problems = list(trip.cross_check())
        if problems:
            raise TripError(problems)
        trip, problems = _expanded(trip)
        if problems:
            raise TripError(problems)
        return trip

    def cross_check(self) -> Iterator[Problem]:
        """Find duplicate ids, clashing group names, references to nothing, private contacts."""
        yield from self._duplicate_ids()
        yield from self._group_clashes()
        yield from self._dangling_references()
        yield from self._missing_windows()
        yield from self._private_contacts()

    def _private_contacts(self) -> Iterator[Problem]:
        """Refuse a public contact that is a member's own (private) address."""
        private = {member.email.lower() for member in self.members if member.email}
        for field in ("venues", "events"):
            items: Sequence[Venue | Event] = getattr(self, field)
            for index, item in enumerate(items):
                contact = item.contact
                if contact is not None and contact.email and contact.email.lower() in private:
                    yield Problem(
                        f'{field}[{index}] "{item.id}" → contact.email',
                        f"{contact.email!r} is a member's own address, which seoulcal never "
                        "publishes; give a desk's or an office's address",
                    )

    def reminders_of(self, event: Event) -> tuple[timedelta, ...]:
        """Return *event*'s reminders: its own, else the trip's (see :attr:`reminders`)."""
        return self.reminders if event.reminders is None else event.reminders

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

    def _missing_windows(self) -> Iterator[Problem]:
        """Find approximate times whose window clocks skip in the zone they take from the trip."""
        venues = {venue.id: venue for venue in self.venues}
        for index, event in enumerate(self.events):
            when = event.time
            if not isinstance(when, ApproximateTime) or when.zone is not None:
                continue  # an own zone was checked with the time
            venue = venues.get(event.venue) if event.venue is not None else None
            problem = when.missing_in(zones.zone(venue.zone if venue else self.zone))
            if problem is not None:
                yield Problem(f'events[{index}] "{event.id}" → time.day', problem)

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
        who = self.member(member) if isinstance(member, str) else member
        return not self._names(who).isdisjoint(event.attendees)

    def _names(self, member: Member) -> frozenset[str]:
        """Return the attendee names that mean *member*: everyone, their id and their groups."""
        index = self._index
        names = index.names.get(member.id)
        if names is None or index.members.get(member.id) is not member:  # not this trip's own
            names = frozenset({EVERYONE, member.id, *member.groups})
        return names

    def events_for(self, member: Member | str | None = None) -> tuple[Event, ...]:
        """Return the events *member* attends (all events for ``None``), in time order.

        This is the one place that decides which events are a member's: calendars, pages,
        publishing and invitations all take their events from it.
        """
        ordered = self._ordered_events()
        if member is None:
            return ordered
        who = self.member(member) if isinstance(member, str) else member
        names = self._names(who)  # once, not per event: a build asks for every member
        return tuple(event for event in ordered if not names.isdisjoint(event.attendees))

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
        if isinstance(when, StayTime):  # a trip holds its markers instead (see _expanded)
            when = ExactTime.model_construct(start=when.check_in, end=when.check_out)
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

        _check_language(lang)
        return ics.trip_calendar(self, member=member, lang=lang)

    def to_ics(self, member: Member | str | None = None, lang: Language = "ko") -> bytes:
        """Return :meth:`to_calendar` as iCalendar bytes (UTF-8, CRLF, folded)."""
        from seoulcal import ics  # noqa: PLC0415 - models must not import icalendar at load

        _check_language(lang)
        return ics.trip_ics(self, member=member, lang=lang)


# --- repeats and stays become events -------------------------------------------------------------

MAX_OCCURRENCES = 366
"""The most days one repeating item may have."""


def _expanded(trip: Trip) -> tuple[Trip, list[Problem]]:
    """Return *trip* with each repeating item and each stay replaced by the events it stands for.

    A repeat becomes one event a day, with the id ``<id>-YYYYMMDD`` (its own stable UID), at the
    same wall clock in its zone across a change of clocks; a stay becomes ``<id>-check-in`` and
    ``<id>-check-out``, short markers that block no time. An event the trip lists with one of those
    ids replaces that day or marker, so one morning can be moved alone.
    """
    if not any(e.repeat is not None or isinstance(e.time, StayTime) for e in trip.events):
        return trip, []
    listed = {event.id for event in trip.events}
    events: list[Event] = []
    problems: list[Problem] = []
    for index, event in enumerate(trip.events):
        where = f'events[{index}] "{event.id}"'
        if isinstance(event.time, StayTime):
            if event.repeat is not None:
                problems.append(Problem(f"{where} → repeat", "a stay cannot repeat; remove one"))
                continue
            for marker, moment in (
                ("check-in", event.time.check_in),
                ("check-out", event.time.check_out),
            ):
                end = (moment.astimezone(UTC) + STAY_MARKER).astimezone(moment.tzinfo)
                copy = event.model_copy(
                    update={
                        "id": f"{event.id}-{marker}",
                        "time": ExactTime.model_construct(start=moment, end=end),
                        "busy": False,
                        "marker": marker,
                    }
                )
                if copy.id not in listed:
                    events.append(copy)
        elif event.repeat is not None:
            found, wrong = _days_of(trip, event, where)
            problems.extend(wrong)
            events.extend(copy for copy in found if copy.id not in listed)
        else:
            events.append(event)
    problems.extend(_long_ids(events, trip.events))
    return trip.model_copy(update={"events": tuple(events)}), problems


def _days_of(  # noqa: C901 - one pass over the days, one refusal per kind
    trip: Trip, event: Event, where: str
) -> tuple[list[Event], list[Problem]]:
    """Expand a repeating *event* into one event a day (see :func:`_expanded`)."""
    assert event.repeat is not None  # noqa: S101 - the caller checks
    repeat = event.repeat
    when = event.time
    if isinstance(when, DaysTime):
        return [], [Problem(f"{where} → repeat", "whole days cannot repeat; give first and last")]
    venue = trip.venue_of(event)
    place = zones.zone(venue.zone if venue else trip.zone)
    if isinstance(when, ExactTime):
        start_zone = when.start.tzinfo if isinstance(when.start.tzinfo, ZoneInfo) else place
        first = when.start.date()
    else:
        assert isinstance(when, ApproximateTime)  # noqa: S101 - the union's last kinds
        start_zone = zones.zone(when.zone) if when.zone else place
        first = when.day
    count = (repeat.until - first).days + 1
    if count < 1:
        return [], [
            Problem(f"{where} → repeat.until", f"{repeat.until} is before the first day, {first}")
        ]
    if count > MAX_OCCURRENCES:
        return [], [
            Problem(
                f"{where} → repeat.until",
                f"{count} days; a repeat may have at most {MAX_OCCURRENCES}",
            )
        ]
    skipped = set(repeat.skip)
    found: list[Event] = []
    problems: list[Problem] = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        if day in skipped:
            continue
        if isinstance(when, ExactTime):
            wall = datetime.combine(day, when.start.replace(tzinfo=None).time())
            if not zones.wall_exists(wall, start_zone):
                problems.append(
                    Problem(
                        f"{where} → repeat",
                        f"on {day} the start {wall:%H:%M} does not exist in {start_zone.key} "
                        "(clocks skip it); skip that day and list it as its own event",
                    )
                )
                continue
            start = wall.replace(tzinfo=start_zone)
            if start.utcoffset() != start.replace(fold=1).utcoffset():
                problems.append(
                    Problem(
                        f"{where} → repeat",
                        f"on {day} the start {wall:%H:%M} happens twice in {start_zone.key} "
                        "(clocks fall back); skip that day and list it as its own event",
                    )
                )
                continue
            length = when.end.astimezone(UTC) - when.start.astimezone(UTC)
            end = (start.astimezone(UTC) + length).astimezone(when.end.tzinfo)
            time_: ExactTime | ApproximateTime = ExactTime.model_construct(start=start, end=end)
        else:
            assert isinstance(when, ApproximateTime)  # noqa: S101 - see above
            moved = when.model_copy(update={"day": day})
            missing = moved.missing_in(start_zone)
            if missing is not None:
                problems.append(Problem(f"{where} → repeat", missing))
                continue
            time_ = moved
        found.append(
            event.model_copy(
                update={"id": f"{event.id}-{day:%Y%m%d}", "time": time_, "repeat": None}
            )
        )
    return found, problems


def _long_ids(events: Sequence[Event], listed: Sequence[Event]) -> Iterator[Problem]:
    """Refuse ids that expansion made too long, or that clash with each other."""
    seen: set[str] = set()
    origin = {event.id: index for index, event in enumerate(listed)}
    for event in events:
        if not _ID_RE.match(event.id):
            base = event.id.rsplit("-", 1)[0] if event.marker is None else event.id
            yield Problem(
                f'events "{event.id}"',
                f"the id {event.id!r} made from {base!r} is longer than 64 characters; "
                "shorten the repeating item's or the stay's id",
            )
        elif event.id in seen and event.id not in origin:
            yield Problem(
                f'events "{event.id}"',
                f"two repeating items or stays make the id {event.id!r}; rename one of them",
            )
        seen.add(event.id)


# --- error reporting ----------------------------------------------------------------------------

_TIME_TAGS = frozenset({"exact", "days", "approximate"})


def _problems(error: ValidationError, data: object, audience: Audience) -> list[Problem]:
    """Describe pydantic's errors by item id and field, in the words of whoever wrote *data*."""
    found: list[Problem] = []
    for detail in error.errors(include_url=False):
        where = _where(detail["loc"], data)
        found.append(Problem(where, _message(detail, audience)))
    return found


_TABLES = {
    "Text": '{ ko = "…", en = "…" }',
    "LongText": '{ ko = "…", en = "…" }',
    "Source": '{ document = "…", quote = "…" }',
    "Organizer": '{ name = { ko = "…", en = "…" } }',
}


def _message(  # noqa: C901, PLR0911, PLR0912 - one plain branch per kind of error
    detail: ErrorDetails, audience: Audience
) -> str:
    """Word one pydantic error for a trip file's author (TOML) or a Python caller."""
    kind, context, given = detail["type"], detail.get("ctx") or {}, detail.get("input")
    toml = audience == "toml"
    shown = _toml(given) if toml else repr(given)
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    if kind == "extra_forbidden":
        return f"unknown field {detail['loc'][-1]!r}; check its spelling in the docs"
    if kind == "missing":
        return "this field is required"
    if kind == "string_type":
        if toml:
            return f'{shown} is not text; write text in double quotes, such as "…"'
        return f"{shown} is not a str"
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing"}:
        if toml:
            return f"{shown} is not a number; write a number without quotes, such as 36.1215"
        return f"{shown} is not a number (an int or a float)"
    if kind == "finite_number":
        return f"{shown} is not a finite number; nan and inf are not allowed here"
    if kind in {"bool_type", "bool_parsing"}:
        return (
            f"{shown} is not true or false; write true or false without quotes"
            if toml
            else f"{shown} is not a bool; pass True or False"
        )
    if kind in {"tuple_type", "list_type"}:
        return (
            f'{shown} is not a list; write a list in brackets, such as ["…"]'
            if toml
            else f"{shown} is not a tuple or a list"
        )
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        name = str(context.get("class_name", ""))
        if toml:
            example = _TABLES.get(name)
            return (
                f"{shown} is not a table; write {example}" if example else f"{shown} is not a table"
            )
        return f"{shown} is not a {name or 'dict'} (nor a dict of its fields)"
    if kind in {"literal_error", "enum"}:
        expected = str(context.get("expected", ""))
        if toml:
            expected = expected.replace("'", '"')
        return f"{shown} is not allowed; use {expected}"
    if kind in {"greater_than_equal", "less_than_equal"}:
        bound = context.get("ge", context.get("le"))
        side = "at least" if kind == "greater_than_equal" else "at most"
        bound_text = f"{bound:g}" if isinstance(bound, int | float) else str(bound)
        return f"{shown} is out of range; it must be {side} {bound_text}"
    if kind == "union_tag_invalid":
        return (
            f"kind {context.get('tag')!r} is not one of {context.get('expected_tags')}; "
            "leave 'kind' out, or write it as the docs show"
        )
    message = detail["msg"]
    return message[0].lower() + message[1:] if message else kind


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
