"""What subscribers see of an event, as a digest: it tells a publisher when to raise SEQUENCE.

The fingerprint hashes the event's VEVENT component, rendered by icalendar in both languages at
a fixed revision (so that the revision itself does not count), with its reminders and without a
page (the page a calendar links to follows the base URL and the member, not the itinerary).
It comes from the component, never from cutting a calendar's text, so no text inside an event
can move its boundaries. The digest
is the one the site's state files have always held (``seoulcal-state/1``): sites built by earlier
releases rebuild without raising the SEQUENCE of events that did not change.

A build takes it from :meth:`CalendarWriter.fingerprint <seoulcal.ics.CalendarWriter.fingerprint>`,
which makes the same VEVENTs from the lines the event's calendars use (one render for both); this
function, which renders the component itself, is the definition it is held to.
"""

from __future__ import annotations

__all__ = ["FINGERPRINT_REVISION", "fingerprint"]

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from seoulcal.ics.components import vevent
from seoulcal.ics.folding import component_bytes
from seoulcal.identity import Revision
from seoulcal.model import LANGUAGES

if TYPE_CHECKING:
    from seoulcal.model import Event, Trip

FINGERPRINT_REVISION = Revision(0, datetime(2000, 1, 1, tzinfo=UTC))
"""The revision every fingerprint is rendered at."""


def fingerprint(trip: Trip, event: Event) -> str:
    """Return the digest of *event* as *trip*'s calendars show it, in every language."""
    timing = trip.timing(event)
    digest = hashlib.sha256()
    for lang in LANGUAGES:
        component = vevent(trip, event, FINGERPRINT_REVISION, timing, lang, alarms=True)
        digest.update(component_bytes(component))
        digest.update(b"\0")
    return digest.hexdigest()
