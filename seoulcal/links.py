"""Links that open a calendar client: subscribe to a feed, or add one event.

Pure functions from URLs, texts and times to URLs; nothing here reads a trip or the clock. Each
builder follows a requirement of ``shared/research/clients.md`` §8:

* :func:`google_subscribe_url`: ``calendar.google.com/calendar/r?cid=…`` with the whole feed URL
  percent-encoded (R-LINK-01); :data:`GOOGLE_ADD_BY_URL` is the fallback page;
* :func:`outlook_subscribe_url`: ``…/calendar/0/addfromweb?url=…&name=…`` on Outlook.com or
  Microsoft 365 (R-LINK-02);
* :func:`webcal_url`: the same address with the ``webcal`` scheme, for Apple and Thunderbird
  (R-LINK-03);
* :func:`google_event_url`: the ``action=TEMPLATE`` link, UTC ``Z`` times, ``ctz`` only on timed
  events, an exclusive end for whole days (R-LINK-04);
* :func:`outlook_event_url`: the ``deeplink/compose`` link, UTC ``Z`` times, ``allday=true`` with
  plain dates and an exclusive end for whole days (R-LINK-05).

Every value is percent-encoded as UTF-8 with nothing left unencoded (``/`` and ``:`` included), and
no link is longer than :data:`MAX_LINK_LENGTH`: long details are shortened, never the title.
:func:`iri` writes a link for a UTF-8 page, where a browser reads the same link from a third of
the bytes a percent-encoded Korean text takes.
"""

from __future__ import annotations

__all__ = [
    "GOOGLE_ADD_BY_URL",
    "MAX_LINK_LENGTH",
    "OUTLOOK_HOSTS",
    "OutlookHost",
    "google_event_url",
    "google_subscribe_url",
    "iri",
    "iri_query_value",
    "outlook_event_url",
    "outlook_subscribe_url",
    "query_value",
    "webcal_url",
]

import functools
import re
from datetime import UTC, date, datetime
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

MAX_LINK_LENGTH = 2000
"""The longest link built; older browsers and some clients cut links beyond about 2,000 chars."""

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
GOOGLE_TEMPLATE = "https://calendar.google.com/calendar/render"
GOOGLE_ADD_BY_URL = "https://calendar.google.com/calendar/u/0/r/settings/addbyurl"
"""Google's "From URL" settings page: the fallback when the ``cid`` link is refused."""

OutlookHost = Literal["outlook.com", "microsoft365"]
OUTLOOK_HOSTS: dict[OutlookHost, str] = {
    "outlook.com": "https://outlook.live.com",
    "microsoft365": "https://outlook.office.com",
}
"""Outlook on the web: personal accounts, and work or school accounts."""

_ELLIPSIS = "…"


def _query(pairs: list[tuple[str, str]], *, iri: bool = False) -> str:
    quoted = _iri_quoted if iri else _quoted
    return "&".join(f"{key}={quoted(value)}" for key, value in pairs)


def query_value(value: str) -> str:
    """Return *value* as these links put it in a query: percent-encoded, no character kept."""
    return _quoted(value)


@functools.lru_cache(maxsize=256)  # each feed's URL and name, each event's texts: several links
def _quoted(value: str) -> str:
    return quote(value, safe="")


_ENCODED_RUN = re.compile("(?:%[89A-F][0-9A-F])+")
"""A run of percent-encoded bytes outside ASCII (uppercase hex, as :func:`quote` writes them)."""
_ENCODED_CHARACTER = re.compile("%[C-F][0-9A-F](?:%[89AB][0-9A-F]){1,3}")
"""One character's two to four UTF-8 bytes, percent-encoded: for runs that are not UTF-8."""


def iri(url: str) -> str:
    """Return *url* with the non-ASCII characters it percent-encodes written as themselves.

    The form of a link for the ``href`` of a UTF-8 page: an IRI (RFC 3987 §3.2), and a valid URL
    string in the WHATWG URL standard, which a browser percent-encodes back as UTF-8 to the very
    same *url* before it sends it. A Hangul syllable takes 3 bytes instead of 9. Only characters
    that are plainly visible are written out: no control, bidi mark, space, private or
    unassigned code point (what :meth:`str.isprintable` refuses), and no ASCII (``%26`` stays
    ``%26``). The host and everything that is not valid UTF-8 stay as they are.
    """
    if "%" not in url:
        return url
    start = url.find("//") + 2 if "//" in url else 0
    ends = [at for at in (url.find(mark, start) for mark in "/?#") if at != -1]
    end = min(ends) if ends else len(url)  # after the host, which browsers read otherwise (IDNA)
    return url[:end] + _ENCODED_RUN.sub(_written, url[end:])


def iri_query_value(value: str) -> str:
    """Return :func:`query_value` of *value* as :func:`iri` writes it in a link."""
    pieces = _PIECES
    return "".join([pieces.get(char) or _piece(char) for char in value])


_iri_quoted = functools.lru_cache(maxsize=256)(iri_query_value)
""":func:`iri_query_value` for the add-event links, which give each text of an event thrice."""


_PIECES: dict[str, str] = {}
"""Each character met as :func:`iri_query_value` writes it (a few thousand at most for Korean)."""


def _piece(char: str) -> str:
    piece = char if not char.isascii() and char.isprintable() else quote(char, safe="")
    _PIECES[char] = piece
    return piece


def _written(match: re.Match[str]) -> str:
    """Write a run of percent-encoded UTF-8 as its characters, those :func:`iri` writes out."""
    encoded = match.group()
    try:
        text = bytes.fromhex(encoded.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return _ENCODED_CHARACTER.sub(_character, encoded)
    if text.isprintable():
        return text
    return "".join([char if char.isprintable() else quote(char, safe="") for char in text])


def _character(match: re.Match[str]) -> str:
    encoded = match.group()
    try:
        char = bytes.fromhex(encoded.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return encoded
    return char if len(char) == 1 and char.isprintable() else encoded


@functools.lru_cache(maxsize=64)  # a page checks each feed's URL once per link it makes
def _check_feed_url(feed_url: str) -> None:
    parts = urlsplit(feed_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"feed URL {feed_url!r} must be an absolute http(s) URL")
    if parts.username or parts.password or parts.fragment:
        raise ValueError(
            f"feed URL {feed_url!r} must carry no user name, password or #fragment "
            "(clients cannot send them; R-HTTP-03)"
        )


def webcal_url(feed_url: str) -> str:
    """Return *feed_url* with the ``webcal`` scheme: the subscribe link Apple and Thunderbird open.

    Only the scheme changes (R-LINK-03).
    """
    _check_feed_url(feed_url)
    return urlunsplit(("webcal", *urlsplit(feed_url)[1:]))


def google_subscribe_url(feed_url: str, *, scheme: Literal["https", "webcal"] = "https") -> str:
    """Return Google Calendar's subscribe link for *feed_url* (R-LINK-01).

    The ``cid`` value is the whole feed URL, percent-encoded; *scheme* ``webcal`` sends the webcal
    form instead (reports disagree on which Google accepts; ``https`` is the default).
    """
    _check_feed_url(feed_url)
    target = webcal_url(feed_url) if scheme == "webcal" else feed_url
    return f"{GOOGLE_SUBSCRIBE}?{_query([('cid', target)])}"


def outlook_subscribe_url(feed_url: str, name: str, *, host: OutlookHost = "outlook.com") -> str:
    """Return the Outlook on the web subscribe link for *feed_url*, named *name* (R-LINK-02)."""
    _check_feed_url(feed_url)
    base = OUTLOOK_HOSTS[host]
    return f"{base}/calendar/0/addfromweb?{_query([('url', feed_url), ('name', name)])}"


def _span(
    start: datetime | date, end: datetime | date
) -> tuple[bool, datetime | date, datetime | date]:
    """Check a span and tell whether it is whole days (dates, exclusive end) or timed (aware)."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("timed events need aware start and end times")
        if end.astimezone(UTC) <= start.astimezone(UTC):  # as instants, whatever the fold
            raise ValueError(f"end {end.isoformat()} is not after start {start.isoformat()}")
        return False, start, end
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise TypeError("give both start and end as datetimes, or both as dates")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start}: whole days use an exclusive end")
    return True, start, end


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
"""The characters :func:`urllib.parse.quote` leaves as they are with ``safe=''``."""


def _quoted_length(char: str) -> int:
    """Return the length of ``quote(char, safe='')``: 1, or 3 per UTF-8 byte."""
    return 1 if char in _UNRESERVED else 3 * len(char.encode("utf-8"))


def _fit(build: _Builder, details: str, *, iri: bool = False) -> str:
    """Build the link, shortening *details* until the link fits :data:`MAX_LINK_LENGTH`.

    Shortened details are the longest ``details[:n].rstrip() + "…"`` whose link fits. Its quoted
    length is the sum of its characters' quoted lengths, so one pass finds the prefix that fits
    (the end of the cut may then run on over white space, which ``rstrip`` takes away again).
    The length is always the percent-encoded link's, the one a browser sends; with *iri* the
    link is returned as :func:`iri` writes it.
    """
    link = build(details)
    if len(link) <= MAX_LINK_LENGTH:
        return build.iri(details) if iri else link
    budget = MAX_LINK_LENGTH - build.length_with(quote(_ELLIPSIS, safe=""))
    cut = 0
    if budget >= 0:
        used = 0
        for char in details:
            used += _quoted_length(char)
            if used > budget:
                break
            cut += 1
        while cut < len(details) and details[cut].isspace():
            cut += 1
    shortened = details[:cut].rstrip() + _ELLIPSIS if cut else ""
    link = build(shortened)
    if len(link) > MAX_LINK_LENGTH:
        raise ValueError(
            f"the link is {len(link)} characters even without details; shorten the title"
        )
    return build.iri(shortened) if iri else link


class _Builder:
    """A link with everything fixed but the details, for :func:`_fit`.

    The fixed pairs are percent-encoded once, however many details are tried.
    """

    def __init__(
        self, base: str, head: list[tuple[str, str]], key: str, tail: list[tuple[str, str]]
    ) -> None:
        self.base, self.key = base, key
        self.pairs = head, tail
        self.head, self.tail = _query(head), _query(tail)

    def _join(self, quoted: str | None, head: str, tail: str) -> str:
        pairs = [head, None if quoted is None else f"{self.key}={quoted}", tail]
        return f"{self.base}?{'&'.join(part for part in pairs if part)}"

    def __call__(self, details: str) -> str:
        return self._join(_quoted(details) if details else None, self.head, self.tail)

    def iri(self, details: str) -> str:
        """Return the link with *details* as :func:`iri` writes it."""
        head, tail = (_query(pairs, iri=True) for pairs in self.pairs)
        return self._join(_iri_quoted(details) if details else None, head, tail)

    def length_with(self, quoted: str) -> int:
        """Return the length of the link whose details, already percent-encoded, are *quoted*."""
        return len(self._join(quoted, self.head, self.tail))


def google_event_url(  # noqa: PLR0913 - the template's own parameters
    title: str,
    start: datetime | date,
    end: datetime | date,
    *,
    details: str = "",
    location: str = "",
    zone: str | None = None,
    iri: bool = False,
) -> str:
    """Return Google Calendar's "add event" link (R-LINK-04).

    Timed events (aware datetimes) are written as UTC ``…Z`` instants, with ``ctz`` set to the IANA
    *zone* the event is shown in, if given. Whole days are dates with an exclusive *end* and never
    carry ``ctz`` (it breaks Google Calendar on Android). With *iri*, the link is written as
    :func:`iri` writes it (the same link to a browser).
    """
    all_day, start, end = _span(start, end)
    if all_day:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    else:
        assert isinstance(start, datetime)  # noqa: S101 - _span checked the kinds
        assert isinstance(end, datetime)  # noqa: S101 - same as above
        dates = f"{start.astimezone(UTC):%Y%m%dT%H%M%SZ}/{end.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    head = [("action", "TEMPLATE"), ("text", title), ("dates", dates)]
    tail = [("location", location)] if location else []
    if zone is not None and not all_day:
        tail.append(("ctz", ZoneInfo(zone).key))
    return _fit(_Builder(GOOGLE_TEMPLATE, head, "details", tail), details, iri=iri)


def outlook_event_url(  # noqa: PLR0913 - the template's own parameters
    title: str,
    start: datetime | date,
    end: datetime | date,
    *,
    details: str = "",
    location: str = "",
    host: OutlookHost = "outlook.com",
    iri: bool = False,
) -> str:
    """Return Outlook on the web's "add event" link (R-LINK-05).

    Timed events are written ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (Outlook refuses offsets and reads
    times without ``Z`` as the viewer's). Whole days are ``YYYY-MM-DD`` with ``allday=true`` and an
    exclusive *end*, as in the calendars. With *iri*, as :func:`google_event_url`.
    """
    all_day, start, end = _span(start, end)
    if all_day:
        first, last = f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"
    else:
        assert isinstance(start, datetime)  # noqa: S101 - _span checked the kinds
        assert isinstance(end, datetime)  # noqa: S101 - same as above
        first = f"{start.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
        last = f"{end.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    head = [
        ("path", "/calendar/action/compose"),
        ("rru", "addevent"),
        ("startdt", first),
        ("enddt", last),
    ]
    if all_day:
        head.append(("allday", "true"))
    head.append(("subject", title))
    tail = [("location", location)] if location else []
    base = f"{OUTLOOK_HOSTS[host]}/calendar/0/deeplink/compose"
    return _fit(_Builder(base, head, "body", tail), details, iri=iri)
