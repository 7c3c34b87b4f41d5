"""One invitation message: one event, one recipient, in the layout CalConnect tested.

The layout (CalConnect iMIP best practices; RFC 6047)::

    multipart/mixed
      multipart/alternative
        text/plain                                        the event, in the member's language
        text/html                                         the same
        text/calendar; charset=utf-8; method=REQUEST      the iTIP object
      application/ics  (attachment invite.ics)            the same bytes

The MIME ``method`` is the calendar's METHOD, in upper case, and is written unquoted exactly like
that (Python's email package would quote it). Every header is built by the standard library from
parts that cannot hold a line break: names and titles are flattened to one line, and addresses
must be plain addresses (:func:`~seoulcal.notify.mail.check_address`), so no text of a trip can
add a header or a recipient. The message names only its recipient: no other member's address or
name appears in it.
"""

from __future__ import annotations

__all__ = [
    "ATTACHMENT",
    "BOUNDARIES",
    "POLICY",
    "compose",
    "require_organizer",
    "subject",
    "text_body",
]

import base64
import functools
import html
import re
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from seoulcal import wording, zones
from seoulcal.agenda import span_text
from seoulcal.errors import Problem, TripError
from seoulcal.notify.mail import Mail, check_address

if TYPE_CHECKING:
    from collections.abc import Callable

    from seoulcal.model import Event, Language, Timing, Trip
    from seoulcal.notify.invitations import Invitation

ATTACHMENT = "invite.ics"
BOUNDARIES = ("=_seoulcal_mixed", "=_seoulcal_alternative")
"""The boundaries of the multipart/mixed part and of the multipart/alternative inside it.

The same in every message: a boundary must not occur in the parts it separates (RFC 2046
§5.1.1), and "=_" cannot occur in base64 or quoted-printable text, the only encodings of the
parts; neither boundary is the beginning of the other. They were once made from each message's
Message-ID, which made each message's two Content-Type headers new text that the standard library
parsed and folded again: about 40 % of composing a message and nearly half of writing its
bytes (issue 14).
"""
_MESSAGE_IDS = uuid.UUID("9f5a3c61-0d3e-5b7e-8c2a-6f1d2e3b4a50")
_VERBATIM = frozenset(
    {
        "text/calendar; charset=utf-8; method=REQUEST",
        "text/calendar; charset=utf-8; method=CANCEL",
        f'application/ics; name="{ATTACHMENT}"',
    }
)


class _Verbatim(EmailPolicy):
    """The SMTP policy (CRLF, 7-bit), keeping the calendar parts' Content-Type as written."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:  # noqa: ANN401 - as the base
        """Keep our fixed calendar content types verbatim; parse every other header."""
        if name.lower() == "content-type" and isinstance(value, str) and value in _VERBATIM:
            return (name, value)
        return super().header_store_parse(name, value)


class _Registry(HeaderRegistry):
    """The standard library's header registry, making each header's class once.

    It makes a new class every time it is asked for one: for every header set (to look up how
    many a message may have) and every header parsed, a quarter of a message's time once the
    headers themselves were kept (issue 14). The classes are the same as its own.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def map_to_type(self, name: str, cls: type[BaseHeader]) -> None:
        """Register *cls* for *name*, as the base does (the classes made so far are forgotten)."""
        super().map_to_type(name, cls)
        self._made.clear()

    def __getitem__(self, name: str) -> type[BaseHeader]:
        """Return the header class for *name* (made once for each name)."""
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


_HEADERS_KEPT = 4096
"""How many parsed headers :class:`_Policy` keeps (then it starts again: a send is not bounded)."""
_parsed: dict[tuple[object, ...], tuple[str, Any]] = {}
"""Parsed headers by what they were made from (see :meth:`_Policy.header_store_parse`)."""
_folded: dict[tuple[object, ...], tuple[object, bytes]] = {}
"""The wire bytes of parsed headers by header (its id) and policy, with the header itself."""


def _kept(key: tuple[object, ...], make: Callable[[], tuple[str, Any]]) -> tuple[str, Any]:
    """Return what *key* names in :data:`_parsed`, made by *make* and kept if it is not there."""
    found = _parsed.get(key)
    if found is None:
        found = make()
        if len(_parsed) >= _HEADERS_KEPT:
            _parsed.clear()
            _folded.clear()
        _parsed[key] = found
    return found


class _Policy(_Verbatim):
    """:class:`_Verbatim`, parsing and folding each repeated header once.

    Most headers of a send repeat from message to message: the sender, each recipient, each
    event's subject, the parts' content types and encodings. The standard library parses a
    header when it is set (and a part's Content-Type each time it is read) and folds the parse
    tree when the message is written: about half of the 5.6 ms a message took to compose and
    write (issue 14). So each header is parsed once per text it is made from (a parsed header
    is never changed after it is made: the library replaces headers, it does not edit them),
    and folded once per policy; the bytes are the library's own, as if nothing were kept.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:  # noqa: ANN401 - as the base
        """Return what :class:`_Verbatim` stores for the header, made once for each text."""
        if type(value) is str:
            key: tuple[object, ...] = (self.header_factory, name, value)
        elif type(value) is Address:  # equal addresses make equal headers
            key = (self.header_factory, name, value.display_name, value.username, value.domain)
        else:
            return super().header_store_parse(name, value)
        return _kept(key, lambda: super(_Policy, self).header_store_parse(name, value))

    def header_fetch_parse(self, name: str, value: Any) -> Any:  # noqa: ANN401 - as the base
        """Return the parsed header of a header kept as written (parsed once for each text)."""
        if type(value) is not str:
            return super().header_fetch_parse(name, value)
        key = (self.header_factory, name, value, "fetched")
        return _kept(key, lambda: (name, super(_Policy, self).header_fetch_parse(name, value)))[1]

    def fold_binary(self, name: str, value: Any) -> bytes:  # noqa: ANN401 - as the base
        """Return the header's wire bytes, folded once for each parsed header and policy."""
        if type(value) is str:  # kept as written: nothing to parse or refold
            return super().fold_binary(name, value)
        key = (id(value), name, type(self), *sorted(vars(self).items()))
        folded = _folded.get(key)
        if folded is not None and folded[0] is value:  # the id is the header's while it is kept
            return folded[1]
        data = super().fold_binary(name, value)
        if len(_folded) < _HEADERS_KEPT * 4:  # several policies: clones with other line ends
            _folded[key] = (value, data)
        return data


POLICY = _Policy(linesep="\r\n", cte_type="7bit", header_factory=_Registry())
"""The policy invitation messages are written with."""


@functools.lru_cache(maxsize=4096)  # names and titles repeat from message to message
def _one_line(text: str) -> str:
    """Return *text* on one line: every control, line or paragraph separator becomes a space."""
    cleaned = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp", "Cs"} else char for char in text
    )
    return re.sub(r"\s+", " ", cleaned).strip()


def require_organizer(trip: Trip) -> str:
    """Return the organizer's address; a :class:`TripError` naming ``organizer.email`` if none."""
    email = trip.organizer.email
    if email is None:
        raise TripError(
            [
                Problem(
                    "organizer.email",
                    "invitations need the organizer's address (it is the ORGANIZER of every "
                    "invitation and the From of every message); add email = "
                    '"office@example.org" under [organizer]',
                )
            ]
        )
    return check_address(email, "the trip's organizer.email")


def compose(  # noqa: PLR0913 - one message, everything it shows
    trip: Trip,
    invitation: Invitation,
    calendar: bytes,
    *,
    sender: str | None = None,
    page_url: str | None = None,
    date: datetime,
) -> Mail:
    """Return the message of *invitation*, carrying the iTIP object *calendar*.

    *trip* is the trip the event is rendered with (for an event that left the trip, one that
    still holds its venue). *sender* is the From address (the organizer's by default); *page_url*
    the member's own page; *date* the Date header (an aware datetime).
    """
    organizer = require_organizer(trip)
    from_address = organizer if sender is None else check_address(sender, "the sender (From)")
    recipient = check_address(
        invitation.address, f"the email of member {invitation.member.id!r}", fatal=False
    )
    lang = invitation.member.language
    org_name = _one_line(trip.organizer.name.pick(lang))

    message = EmailMessage(policy=POLICY)
    message["From"] = Address(display_name=org_name, addr_spec=from_address)
    message["To"] = Address(
        display_name=_one_line(invitation.member.name.pick(lang)), addr_spec=recipient
    )
    if from_address != organizer:
        message["Reply-To"] = Address(display_name=org_name, addr_spec=organizer)
    title = subject(trip, invitation)
    message["Subject"] = title
    message["Date"] = format_datetime(date)
    message["Message-ID"] = _message_id(invitation, from_address)
    message["MIME-Version"] = "1.0"

    rows, footer = _lines(trip, invitation, page_url), _footer(trip, invitation)  # both bodies
    plain = _text_body(rows, footer)
    rich = _html_body(lang, rows, footer, title=title, page_url=page_url)
    message.set_content(plain, cte=_encoding(plain))
    message.add_alternative(rich, subtype="html", cte=_encoding(rich))
    inline = EmailMessage(policy=POLICY)
    inline["Content-Type"] = f"text/calendar; charset=utf-8; method={invitation.method}"
    inline["Content-Transfer-Encoding"] = "base64"
    inline.set_payload(base64.encodebytes(calendar).decode("ascii"))
    message.attach(inline)
    message.make_mixed()
    attachment = EmailMessage(policy=POLICY)
    attachment["Content-Type"] = f'application/ics; name="{ATTACHMENT}"'
    attachment["Content-Disposition"] = f'attachment; filename="{ATTACHMENT}"'
    attachment["Content-Transfer-Encoding"] = "base64"
    attachment.set_payload(base64.encodebytes(calendar).decode("ascii"))
    message.attach(attachment)
    # Fixed boundaries, not random: the same message, the same bytes (see BOUNDARIES).
    message.set_boundary(BOUNDARIES[0])
    alternative = message.get_payload(0)
    if isinstance(alternative, EmailMessage):  # make_mixed put it there
        alternative.set_boundary(BOUNDARIES[1])
    message["Content-Language"] = lang  # after the parts: building them moves Content-* headers
    return Mail(
        sender=from_address,
        recipient=recipient,
        message=message,
        folder=invitation.member.id,
        name=invitation.name,
    )


def _encoding(text: str) -> str:
    """Return the transfer encoding of a text part: never raw, so no line can be a boundary."""
    return "quoted-printable" if text.isascii() else "base64"


def _message_id(invitation: Invitation, sender: str) -> str:
    """Return a Message-ID that is the same for the same message (servers may drop repeats)."""
    key = "/".join(
        (
            invitation.uid,
            invitation.member.id,
            str(invitation.revision.sequence),
            invitation.method,
            invitation.address_digest,
        )
    )
    return f"<{uuid.uuid5(_MESSAGE_IDS, key)}@{sender.rpartition('@')[2]}>"


# --- what the message says ----------------------------------------------------------------------


def subject(trip: Trip, invitation: Invitation) -> str:
    """Return the subject: what kind of message, the title, and when at the place.

    For example ``변경: CES 2024 서울관 개관식 — 1월 9일(화) 11:00 PST``.
    """
    lang = invitation.member.language
    word = wording.invitation_word(invitation.kind, lang)
    title = _one_line(invitation.event.title.pick(lang))
    return _one_line(f"{word}: {title} — {_subject_when(trip.timing(invitation.event), lang)}")


def _subject_when(timing: Timing, lang: Language) -> str:
    if not isinstance(timing.start, datetime):
        first = timing.start
        last = _last_day(timing)
        if last == first:
            return wording.mail_day(first, lang)
        return f"{wording.mail_day(first, lang)}–{wording.mail_day(last, lang)}"
    start = timing.start.astimezone(timing.zone)
    day = wording.mail_day(start.date(), lang)
    if timing.approximate is not None:
        return f"{day} {wording.part_name(timing.approximate, lang)}"
    return f"{day} {start:%H:%M} {start.tzname()}"


def _last_day(timing: Timing) -> date:
    end = timing.end
    day = end if not isinstance(end, datetime) else end.date()
    return day - timedelta(days=1)


def _title(event: Event, timing: Timing, lang: Language) -> str:
    return wording.event_title(event, timing, lang, tentative=True)


def _when(timing: Timing, home: str | None, lang: Language) -> str:
    """Return when, at the place (each end in its own zone), or in the zone *home*."""
    if not isinstance(timing.start, datetime) or not isinstance(timing.end, datetime):
        first, last = timing.start, _last_day(timing)
        whole = wording.label("all-day", lang)
        if last == first:
            return f"{wording.day_text(first, lang)} {whole}"
        return f"{wording.day_text(first, lang)} – {wording.day_text(last, lang)} {whole}"
    if home is not None:
        zone = zones.zone(home)
        text = span_text(timing.start.astimezone(zone), timing.end.astimezone(zone), lang)
    else:
        text = span_text(timing.start.astimezone(timing.zone), timing.end, lang)
    return text if timing.approximate is None else f"≈ {text}"


def _lines(trip: Trip, invitation: Invitation, page_url: str | None) -> list[tuple[str, str]]:
    """Return the body as (label, text) pairs; an empty label is a paragraph of its own."""
    lang = invitation.member.language
    event = invitation.event
    timing = trip.timing(event)
    lead_key: str = invitation.reason if invitation.kind == "cancellation" else invitation.kind
    trip_name = trip.name.pick(lang)
    rows: list[tuple[str, str]] = [
        ("", wording.invitation_word(f"lead.{lead_key}", lang, trip=trip_name)),
        ("", _title(event, timing, lang)),
        (wording.invitation_word("at-place", lang), _when(timing, None, lang)),
    ]
    if timing.all_day is False:
        rows.append(
            (
                wording.invitation_word(
                    "at-home", lang, home=wording.home_name(trip.home_zone, lang)
                ),
                _when(timing, trip.home_zone, lang),
            )
        )
    if timing.approximate is not None:
        rows.append((wording.label("time", lang), wording.approximate_note(timing, lang)))
    rows.extend(_about(trip, event, lang))
    if page_url is not None:
        rows.append((wording.invitation_word("page", lang), page_url))
    return rows


def _about(trip: Trip, event: Event, lang: Language) -> list[tuple[str, str]]:
    """Return the place, description, source and assumptions of *event*, as body rows."""
    rows: list[tuple[str, str]] = []
    venue = trip.venue_of(event)
    if venue is not None:
        place = venue.name.pick(lang)
        if venue.address is not None:
            place = f"{place}\n{venue.address.pick(lang)}"
        rows.append((wording.label("place", lang), place))
    if event.description is not None:
        rows.append(("", event.description.pick(lang)))
    if event.source is not None:
        source = f"{event.source.document}\n«{event.source.quote}»"
        if event.source.url:
            source = f"{source}\n{event.source.url}"
        rows.append((wording.label("source", lang), source))
    assumed = [*event.assumptions, *(venue.assumptions if venue else ())]
    if assumed:
        rows.append(
            (wording.label("assumed", lang), "\n".join(f"- {n.pick(lang)}" for n in assumed))
        )
    return rows


def _footer(trip: Trip, invitation: Invitation) -> list[str]:
    lang = invitation.member.language
    organizer = trip.organizer.name.pick(lang)
    return [
        wording.invitation_word("attachment", lang),
        wording.invitation_word("footer", lang, organizer=organizer),
    ]


def text_body(trip: Trip, invitation: Invitation, page_url: str | None = None) -> str:
    """Return the plain-text body of *invitation*'s message."""
    return _text_body(_lines(trip, invitation, page_url), _footer(trip, invitation))


def _text_body(rows: list[tuple[str, str]], footer: list[str]) -> str:
    """Return the plain-text body of the message with *rows* (see :func:`_lines`) and *footer*."""
    blocks = []
    for label, text in rows:
        if not label:
            blocks.append(text)
        elif "\n" in text:
            blocks.append(f"{label}:\n{text}")
        else:
            blocks.append(f"{label}: {text}")
    blocks.append("-- \n" + "\n".join(footer))
    return "\n\n".join(blocks) + "\n"


def _html_body(
    lang: Language,
    rows: list[tuple[str, str]],
    footer: list[str],
    *,
    title: str,
    page_url: str | None,
) -> str:
    """Return the HTML body in *lang* of the message with *rows*, *footer* and subject *title*."""

    def escape(text: str) -> str:
        return html.escape(text).replace("\n", "<br>\n")

    parts = []
    for index, (label, text) in enumerate(rows):
        if index == 1:
            parts.append(f"<h1>{escape(text)}</h1>")
        elif not label:
            parts.append(f"<p>{escape(text)}</p>")
        elif text == page_url:
            link = html.escape(text, quote=True)
            parts.append(f'<p><strong>{escape(label)}</strong>: <a href="{link}">{link}</a></p>')
        else:
            parts.append(f"<p><strong>{escape(label)}</strong>: {escape(text)}</p>")
    small = "<br>\n".join(html.escape(line) for line in footer)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        + "\n".join(parts)
        + f"\n<hr>\n<p><small>{small}</small></p>\n</body>\n</html>\n"
    )
