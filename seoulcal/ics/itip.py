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
"""

from __future__ import annotations

__all__ = ["ITIP_METHODS", "invitation_calendar", "invitation_ics"]

import functools
from typing import TYPE_CHECKING, Literal

import icalendar

from seoulcal.errors import InternalError, Problem, TripError
from seoulcal.ics.components import calendar_head, vevent
from seoulcal.ics.folding import component_bytes
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
    language = attendee.language if lang is None else lang
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
    guest = icalendar.vCalAddress(f"mailto:{attendee.email}")
    guest.params["CN"] = attendee.name.pick(language)
    guest.params["CUTYPE"] = "INDIVIDUAL"
    guest.params["ROLE"] = "REQ-PARTICIPANT"
    guest.params["PARTSTAT"] = "NEEDS-ACTION"
    guest.params["RSVP"] = "TRUE" if rsvp else "FALSE"
    component.add("attendee", guest)
    return language, zones, component


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
