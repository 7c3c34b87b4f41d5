"""Calendars: the only package that imports :mod:`icalendar`, and it never writes a line by hand.

icalendar makes every content line (name, encoded parameters, value), and lines end in CRLF;
TEXT values are escaped by :class:`~seoulcal.ics.components.Text`. Lines are folded at 75 octets,
on character boundaries, exactly where icalendar folds them, by :mod:`~seoulcal.ics.folding`
(icalendar's loop over each character was a large share of a member's calendars; the tests
hold the two to the same octets). The modules:

* :mod:`~seoulcal.ics.components`: TEXT, the calendar head, an event's VEVENT (and the
  member-invariant rule);
* :mod:`~seoulcal.ics.vtimezone`: VTIMEZONEs, read back independently and checked;
* :mod:`~seoulcal.ics.feed`: METHOD:PUBLISH calendars, and :class:`CalendarWriter` for many;
* :mod:`~seoulcal.ics.fingerprint`: what subscribers see of an event, as a digest;
* :mod:`~seoulcal.ics.folding`: icalendar's content lines, folded as icalendar folds them.

What the calendars guarantee, by the requirement ids of ``shared/research/clients.md``:

* one VCALENDAR with VERSION, PRODID, CALSCALE and ``METHOD:PUBLISH``; NAME and X-WR-CALNAME,
  DESCRIPTION and X-WR-CALDESC, ``REFRESH-INTERVAL;VALUE=DURATION`` and X-PUBLISHED-TTL (R-CAL-*);
* no ATTENDEE in a feed; ORGANIZER only when the trip's organizer has a public address (R-CAL-01);
* timed events carry ``TZID=<IANA name>`` (or UTC ``Z``), never floating; every TZID has a
  VTIMEZONE in the yearly-rule form Outlook reads, derived from zoneinfo and checked against it at
  every instant the calendar uses (R-TZ-01…06);
* whole days as ``VALUE=DATE`` with an exclusive end (R-AD-01);
* UIDs from the trip and event ids only, the same in every member's calendar (R-UID-01/02);
* DTSTAMP and LAST-MODIFIED from the revision, never from the clock, so the same trip gives the
  same bytes on every run and machine; no property with an empty text.
"""

from __future__ import annotations

__all__ = [
    "PRODID",
    "REFRESH",
    "CalendarWriter",
    "event_calendar",
    "fingerprint",
    "size_warning",
    "trip_calendar",
    "trip_ics",
]

from seoulcal.ics.components import PRODID, REFRESH
from seoulcal.ics.feed import (
    CalendarWriter,
    event_calendar,
    size_warning,
    trip_calendar,
    trip_ics,
)
from seoulcal.ics.fingerprint import fingerprint
