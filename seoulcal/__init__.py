"""seoulcal: a delegation's itinerary as calendars that are correct in every client.

Load a trip, then export the whole delegation's calendar or one member's::

    import seoulcal

    trip = seoulcal.ces2024()                      # or seoulcal.load_trip("trip.toml")
    ics = trip.to_ics(member="aide", lang="en")    # bytes, ready to save or serve
"""

import importlib
from typing import TYPE_CHECKING

from seoulcal.errors import (
    ExportError,
    NotFoundError,
    Problem,
    PublishError,
    SeoulcalError,
    TripError,
)

if TYPE_CHECKING:
    from seoulcal.export import (
        CalendarWriter,
        event_calendar,
        trip_calendar,
        trip_ics,
    )
    from seoulcal.identity import Revision, event_uid
    from seoulcal.model import (
        DAY_PART_WINDOWS,
        EVERYONE,
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
        Timing,
        Trip,
        Venue,
    )
    from seoulcal.paper import itinerary_pdf, member_pdf
    from seoulcal.publish import BuildReport, build_site
    from seoulcal.tripfile import ces2024, load_trip, parse_trip, trip_schema

# The rest of the API is imported when first used (PEP 562), so that a command pays only for
# what it uses: `seoulcal export` never loads the publishing modules.
_LAZY = {
    "seoulcal.export": (
        "CalendarWriter",
        "event_calendar",
        "trip_calendar",
        "trip_ics",
    ),
    "seoulcal.identity": ("Revision", "event_uid"),
    "seoulcal.model": (
        "DAY_PART_WINDOWS",
        "EVERYONE",
        "ApproximateTime",
        "DayPart",
        "DaysTime",
        "Event",
        "ExactTime",
        "LongText",
        "Member",
        "Organizer",
        "Source",
        "Text",
        "Timing",
        "Trip",
        "Venue",
    ),
    "seoulcal.paper": ("itinerary_pdf", "member_pdf"),
    "seoulcal.publish": ("BuildReport", "build_site"),
    "seoulcal.tripfile": ("ces2024", "load_trip", "parse_trip", "trip_schema"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'seoulcal' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public API with the module's own names."""
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"

__all__ = [
    "DAY_PART_WINDOWS",
    "EVERYONE",
    "ApproximateTime",
    "BuildReport",
    "CalendarWriter",
    "DayPart",
    "DaysTime",
    "Event",
    "ExactTime",
    "ExportError",
    "LongText",
    "Member",
    "NotFoundError",
    "Organizer",
    "Problem",
    "PublishError",
    "Revision",
    "SeoulcalError",
    "Source",
    "Text",
    "Timing",
    "Trip",
    "TripError",
    "Venue",
    "__version__",
    "build_site",
    "ces2024",
    "event_calendar",
    "event_uid",
    "itinerary_pdf",
    "load_trip",
    "member_pdf",
    "parse_trip",
    "trip_calendar",
    "trip_ics",
    "trip_schema",
]
