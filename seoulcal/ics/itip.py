"""iTIP objects (RFC 5546) for one recipient: a REQUEST or a CANCEL of one event.

The VEVENT is the feed's own (the same UID, SEQUENCE, LAST-MODIFIED, times, VTIMEZONEs and
texts), plus what an invitation needs and a feed must never carry:

* ORGANIZER, a bare ``mailto:`` of the organizer's address with its CN (Gmail merges updates only
  when it is a bare address aligned with the sender);
* exactly one ATTENDEE, the recipient, with CN, ``CUTYPE=INDIVIDUAL``, ``ROLE=REQ-PARTICIPANT``,
  ``PARTSTAT=NEEDS-ACTION`` and RSVP (Gmail shows an invitation, not "Add to calendar", only to
  an ATTENDEE).

A CANCEL carries the event as the feed shows a withdrawn one: ``STATUS:CANCELLED``, the title
marked cancelled, at its raised SEQUENCE. Per-recipient calendars are built here, apart from the
feed's writer and its caches, which rely on a VEVENT being the same in every feed.

A send of a thousand members' invitations renders the same event for every member who attends
it: :class:`InvitationWriter` renders each event's invitation once per method and language, and
puts in each recipient's own lines (the ATTENDEE, and the page address where the calendar links
one), each rendered by icalendar. Its bytes are :func:`invitation_ics`'s (the tests hold it to
the calendar's ``to_ical()``).
"""

from __future__ import annotations

__all__ = ["ITIP_METHODS", "InvitationWriter", "invitation_calendar", "invitation_ics"]

import functools
from typing import TYPE_CHECKING, Literal

import icalendar

from seoulcal.errors import InternalError, Problem, TripError
from seoulcal.ics.components import PAGE_MARK, PAGE_SAFE, calendar_head, property_name, vevent
from seoulcal.ics.folding import component_bytes, fold
from seoulcal.ics.vtimezone import check_instants, vtimezone, zones_used

if TYPE_CHECKING:
    from seoulcal.identity import Revision
    from seoulcal.model import Event, Language, Member, Trip

ITIP_METHODS = ("REQUEST", "CANCEL")
Method = Literal["REQUEST", "CANCEL"]


def invitation_calendar(  # noqa: PLR0913 - one event, one recipient, one method
    trip: Trip,
    event: Event,
    revision: Revision,
    *,
    method: Method,
    attendee: Member,
    lang: Language | None = None,
    rsvp: bool = False,
    page: str | None = None,
) -> icalendar.Calendar:
    """Return the iTIP *method* calendar of *event* at *revision* for *attendee* alone.

    *lang* defaults to the attendee's language; *rsvp* asks the attendee's client to answer the
    organizer (seoulcal reads no answers, so the default asks for none); *page* is the attendee's
    own page, linked as the member's feed links it. The event's reminders, if the trip gives it
    any, are DISPLAY VALARMs, as in one-event downloads (Outlook keeps an invitation's reminders).
    """
    language, zones, component = _parts(
        trip, event, revision, method=method, attendee=attendee, lang=lang, rsvp=rsvp, page=page
    )
    calendar = calendar_head(language, method)
    for key, first, last in zones:
        calendar.add_component(vtimezone(key, first, last))
    calendar.add_component(component)
    return calendar


def _parts(  # noqa: PLR0913 - as invitation_calendar
    trip: Trip,
    event: Event,
    revision: Revision,
    *,
    method: Method,
    attendee: Member,
    lang: Language | None,
    rsvp: bool,
    page: str | None,
) -> tuple[Language, list[tuple[str, int, int]], icalendar.Event]:
    """Return what an invitation calendar holds: its language, its zones and its VEVENT.

    Each zone (name, first and last year) is checked for the event's instants.
    """
    language, organizer = _checked(trip, method=method, attendee=attendee, lang=lang)
    shown = event if method == "REQUEST" else event.model_copy(update={"status": "cancelled"})
    timing = trip.timing(shown)
    years = {moment.year for moment in (timing.start, timing.end)}
    first, last = min(years), max(years)
    # The VTIMEZONEs a feed holding this event has: the trip's zone and the event's own.
    zones = []
    for key, moments in zones_used(trip.zone, [timing]).items():
        check_instants(key, first, last, moments)
        zones.append((key, first, last))
    # The feed's own VEVENT, then what only this recipient's copy carries.
    component = vevent(trip, shown, revision, timing, language, page=page, alarms=True)
    component.pop("ORGANIZER", None)
    address = icalendar.vCalAddress(f"mailto:{organizer}")
    address.params["CN"] = trip.organizer.name.pick(language)
    component.add("organizer", address)
    component.add("attendee", _guest(attendee, language, rsvp=rsvp))
    return language, zones, component


def _checked(
    trip: Trip, *, method: Method, attendee: Member, lang: Language | None
) -> tuple[Language, str]:
    """Return the invitation's language and the organizer's address; refuse what cannot be sent."""
    if method not in ITIP_METHODS:
        raise ValueError(f"method {method!r}: give 'REQUEST' or 'CANCEL'")
    organizer = trip.organizer.email
    if organizer is None:
        raise TripError(
            [Problem("organizer.email", "invitations need the organizer's address; add it")]
        )
    if attendee.email is None:
        raise TripError(
            [Problem(f'members "{attendee.id}" → email', "an invitation needs the address")]
        )
    return (attendee.language if lang is None else lang), organizer


def _guest(attendee: Member, language: Language, *, rsvp: bool) -> icalendar.vCalAddress:
    """Return the recipient as the invitation's one ATTENDEE (checked before: it has an address)."""
    guest = icalendar.vCalAddress(f"mailto:{attendee.email}")
    guest.params["CN"] = attendee.name.pick(language)
    guest.params["CUTYPE"] = "INDIVIDUAL"
    guest.params["ROLE"] = "REQ-PARTICIPANT"
    guest.params["PARTSTAT"] = "NEEDS-ACTION"
    guest.params["RSVP"] = "TRUE" if rsvp else "FALSE"
    return guest


def invitation_ics(  # noqa: PLR0913 - as invitation_calendar
    trip: Trip,
    event: Event,
    revision: Revision,
    *,
    method: Method,
    attendee: Member,
    lang: Language | None = None,
    rsvp: bool = False,
    page: str | None = None,
) -> bytes:
    """Return :func:`invitation_calendar` as bytes (UTF-8, CRLF, folded).

    Its properties and VTIMEZONEs are the same in every invitation of a language and method
    and of a zone and years: each is rendered once (icalendar's lines, as the calendar's own
    ``to_ical()`` joins them) and only the VEVENT is rendered for each recipient.
    """
    language, zones, component = _parts(
        trip, event, revision, method=method, attendee=attendee, lang=lang, rsvp=rsvp, page=page
    )
    parts = [_head(language, method), *(_zone(*zone) for zone in zones)]
    parts.append(component_bytes(component))
    parts.append(_END)
    return b"".join(parts)


_END = b"END:VCALENDAR\r\n"


@functools.lru_cache(maxsize=8)
def _head(lang: Language, method: Method) -> bytes:
    """Return the lines of ``calendar_head(lang, method)`` up to its END (rendered once)."""
    data = component_bytes(calendar_head(lang, method))
    if not data.endswith(_END):  # pragma: no cover - icalendar ends a calendar with its END
        raise InternalError("a calendar that does not end with END:VCALENDAR")
    return data[: -len(_END)]


@functools.lru_cache(maxsize=64)
def _zone(key: str, first: int, last: int) -> bytes:
    """Return the VTIMEZONE of zone *key* for those years, rendered once."""
    return component_bytes(vtimezone(key, first, last))


_LINE_END = b"\r\n"


class _Template:
    """One event's invitation in one method and language, its recipient's lines left open.

    *pieces* alternate the bytes that every recipient's calendar shares (the head, the zones,
    the VEVENT's other lines, folded) with the recipient's lines: ``None`` for the ATTENDEE, a
    line with the page's placeholder for each line that holds the page address.
    """

    __slots__ = ("pieces",)

    def __init__(self, pieces: list[bytes | str | None]) -> None:
        self.pieces = pieces

    def fill(self, page: str | None, attendee: bytes) -> bytes:
        """Return the calendar with the recipient's ATTENDEE line (folded) and *page* put in."""
        parts = []
        for piece in self.pieces:
            if piece is None:
                parts.append(attendee)
            elif isinstance(piece, str):  # a line holding the page (never without a page)
                parts.append(fold(piece.replace(PAGE_MARK, page or "")) + _LINE_END)
            else:
                parts.append(piece)
        return b"".join(parts)


class InvitationWriter:
    """Write many invitations of one trip: each event rendered once per method and language.

    :meth:`render` returns :func:`invitation_ics`'s bytes. Every recipient of an event's
    invitation gets the same calendar but for the ATTENDEE line and the address of their own
    page (in URL and in the description's last line). So the calendar is rendered by icalendar
    once, with a placeholder for the page, and for each recipient icalendar renders the
    ATTENDEE line alone (once per address, name and RSVP) and the page goes in the placeholder's
    place, then those lines are folded (:func:`~seoulcal.ics.folding.fold`). Properties are
    written in icalendar's order, which depends on their names only; the template is checked to
    hold one ATTENDEE line, and a page that escaping would change (not
    :data:`~seoulcal.ics.components.PAGE_SAFE`) is rendered whole instead. The events are keyed
    by identity and kept alive while the writer lives: one writer for one send
    (``seoulcal.notify.run.invite`` makes one per run).
    """

    def __init__(self, trip: Trip) -> None:
        """Prepare to write invitations to *trip*'s events (the trip they are rendered with)."""
        self.trip = trip
        self._templates: dict[tuple[int, Revision, Method, Language, bool], _Template | None] = {}
        """Each event's template by method, language and whether it links a page (see render)."""
        self._attendees: dict[tuple[str, str, bool], bytes] = {}
        self._keep: list[Event] = []  # keeps the id()-keyed events alive while cached

    def render(  # noqa: PLR0913 - as invitation_ics
        self,
        event: Event,
        revision: Revision,
        *,
        method: Method,
        attendee: Member,
        lang: Language | None = None,
        rsvp: bool = False,
        page: str | None = None,
    ) -> bytes:
        """Return ``invitation_ics(trip, event, revision, ...)`` for these arguments."""
        language, _ = _checked(self.trip, method=method, attendee=attendee, lang=lang)
        if page is None or PAGE_SAFE.fullmatch(page):
            key = (id(event), revision, method, language, page is not None)
            if key not in self._templates:
                self._keep.append(event)
                self._templates[key] = self._template(
                    event, revision, method=method, attendee=attendee, language=language, page=page
                )
            template = self._templates[key]
            if template is not None:
                return template.fill(page, self._attendee(attendee, language, rsvp=rsvp))
        # A page that escaping would change, or lines not as the class says: rendered whole.
        return invitation_ics(
            self.trip,
            event,
            revision,
            method=method,
            attendee=attendee,
            lang=lang,
            rsvp=rsvp,
            page=page,
        )

    def _template(  # noqa: PLR0913 - the invitation's inputs but the recipient's lines
        self,
        event: Event,
        revision: Revision,
        *,
        method: Method,
        attendee: Member,
        language: Language,
        page: str | None,
    ) -> _Template | None:
        """Return the template of *event*'s invitation (``None``: it cannot be made one)."""
        _, zones, component = _parts(
            self.trip,
            event,
            revision,
            method=method,
            attendee=attendee,
            lang=language,
            rsvp=False,
            page=None if page is None else PAGE_MARK,
        )
        lines = [str(line) for line in component.content_lines(sorted=True) if line]
        attendees = [index for index, line in enumerate(lines) if property_name(line) == "ATTENDEE"]
        if len(attendees) != 1 or (page is None and any(PAGE_MARK in line for line in lines)):
            return None
        pieces: list[bytes | str | None] = [
            b"".join([_head(language, method), *(_zone(*zone) for zone in zones)])
        ]
        for index, line in enumerate(lines):
            if index == attendees[0]:
                pieces.append(None)
            elif PAGE_MARK in line:
                pieces.append(line)
            elif type(pieces[-1]) is bytes:  # shared lines joined into one piece
                pieces[-1] += fold(line) + _LINE_END
            else:
                pieces.append(fold(line) + _LINE_END)
        pieces.append(_END)
        return _Template(pieces)

    def _attendee(self, attendee: Member, language: Language, *, rsvp: bool) -> bytes:
        """Return the recipient's ATTENDEE line, folded (rendered once per address, name, RSVP)."""
        name = attendee.name.pick(language)
        key = (attendee.email or "", name, rsvp)
        found = self._attendees.get(key)
        if found is None:
            component = icalendar.Event()
            component.add("attendee", _guest(attendee, language, rsvp=rsvp))
            (line,) = (
                str(line)
                for line in component.content_lines()
                if property_name(str(line)) == "ATTENDEE"
            )
            found = self._attendees[key] = fold(line) + _LINE_END
        return found
