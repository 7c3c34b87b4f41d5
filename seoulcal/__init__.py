"""seoulcal: a delegation's itinerary as calendars that are correct in every client.

Load a trip, then export the whole delegation's calendar or one member's::

    import seoulcal

    trip = seoulcal.ces2024()                      # or seoulcal.load_trip("trip.toml")
    ics = trip.to_ics(member="aide", lang="en")    # bytes, ready to save or serve
"""

from seoulcal.errors import (
    ExportError,
    NotFoundError,
    Problem,
    PublishError,
    SeoulcalError,
    TripError,
)
from seoulcal.export import (
    CalendarWriter,
    Revision,
    event_calendar,
    event_uid,
    trip_calendar,
    trip_ics,
)
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
from seoulcal.publish import BuildReport, build_site
from seoulcal.tripfile import ces2024, load_trip, parse_trip, trip_schema

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
    "load_trip",
    "parse_trip",
    "trip_calendar",
    "trip_ics",
    "trip_schema",
]
