"""The calendar export's former home, kept so that ``seoulcal.export`` still imports.

The code lives in :mod:`seoulcal.ics`; this module re-exports its public names.
"""

from __future__ import annotations

__all__ = [
    "PRODID",
    "REFRESH",
    "CalendarWriter",
    "Revision",
    "calendar_name",
    "event_calendar",
    "event_uid",
    "trip_calendar",
    "trip_ics",
    "vtimezone",
]

from seoulcal.ics import (
    PRODID,
    REFRESH,
    CalendarWriter,
    event_calendar,
    trip_calendar,
    trip_ics,
)
from seoulcal.ics.vtimezone import vtimezone
from seoulcal.identity import Revision, event_uid
from seoulcal.wording import calendar_name
