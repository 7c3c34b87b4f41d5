"""seoulcal: a delegation's itinerary as calendars that are correct in every client.

Load a trip, then export the whole delegation's calendar or one member's::

    import seoulcal

    trip = seoulcal.ces2024()                      # or seoulcal.load_trip("trip.toml")
    ics = trip.to_ics(member="aide", lang="en")    # bytes, ready to save or serve
"""

import importlib
from typing import TYPE_CHECKING

from seoulcal.errors import (
    DeliveryError,
    ExportError,
    InternalError,
    NotFoundError,
    Problem,
    PublishError,
    SeoulcalError,
    TripError,
)

# The public API beyond the errors, by the module that defines it: the one list of it. A name is
# imported when first used (PEP 562), so that a command pays only for what it uses: `seoulcal
# export` never loads the publishing modules, and nothing loads icalendar until a calendar is
# made. The TYPE_CHECKING imports below repeat it for type checkers, and __all__ lists it with
# the errors; tests keep all three equal.
_LAZY = {
    "seoulcal.ics": ("CalendarWriter", "event_calendar", "trip_calendar", "trip_ics"),
    "seoulcal.ics.itip": ("invitation_calendar", "invitation_ics"),
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
    "seoulcal.notify.compose": ("compose",),
    "seoulcal.notify.invitations": (
        "Due",
        "Invitation",
        "InvitationPlan",
        "InvitationReport",
        "InvitationState",
        "InvitationStateFile",
        "plan_invitations",
        "send_invitations",
    ),
    "seoulcal.notify.mail": ("Mail", "Mailer", "OutboxMailer", "SendError", "SmtpMailer"),
    "seoulcal.notify.run": ("InvitationRun", "invite"),
    "seoulcal.paper": ("itinerary_pdf", "member_pdf"),
    "seoulcal.publish": ("BuildReport", "build_site"),
    "seoulcal.tripfile": ("ces2024", "load_trip", "parse_trip", "trip_schema"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}

if TYPE_CHECKING:
    from seoulcal.ics import CalendarWriter as CalendarWriter
    from seoulcal.ics import event_calendar as event_calendar
    from seoulcal.ics import trip_calendar as trip_calendar
    from seoulcal.ics import trip_ics as trip_ics
    from seoulcal.ics.itip import invitation_calendar as invitation_calendar
    from seoulcal.ics.itip import invitation_ics as invitation_ics
    from seoulcal.identity import Revision as Revision
    from seoulcal.identity import event_uid as event_uid
    from seoulcal.model import DAY_PART_WINDOWS as DAY_PART_WINDOWS
    from seoulcal.model import EVERYONE as EVERYONE
    from seoulcal.model import ApproximateTime as ApproximateTime
    from seoulcal.model import DayPart as DayPart
    from seoulcal.model import DaysTime as DaysTime
    from seoulcal.model import Event as Event
    from seoulcal.model import ExactTime as ExactTime
    from seoulcal.model import LongText as LongText
    from seoulcal.model import Member as Member
    from seoulcal.model import Organizer as Organizer
    from seoulcal.model import Source as Source
    from seoulcal.model import Text as Text
    from seoulcal.model import Timing as Timing
    from seoulcal.model import Trip as Trip
    from seoulcal.model import Venue as Venue
    from seoulcal.notify.compose import compose as compose
    from seoulcal.notify.invitations import Due as Due
    from seoulcal.notify.invitations import Invitation as Invitation
    from seoulcal.notify.invitations import InvitationPlan as InvitationPlan
    from seoulcal.notify.invitations import InvitationReport as InvitationReport
    from seoulcal.notify.invitations import InvitationState as InvitationState
    from seoulcal.notify.invitations import InvitationStateFile as InvitationStateFile
    from seoulcal.notify.invitations import plan_invitations as plan_invitations
    from seoulcal.notify.invitations import send_invitations as send_invitations
    from seoulcal.notify.mail import Mail as Mail
    from seoulcal.notify.mail import Mailer as Mailer
    from seoulcal.notify.mail import OutboxMailer as OutboxMailer
    from seoulcal.notify.mail import SendError as SendError
    from seoulcal.notify.mail import SmtpMailer as SmtpMailer
    from seoulcal.notify.run import InvitationRun as InvitationRun
    from seoulcal.notify.run import invite as invite
    from seoulcal.paper import itinerary_pdf as itinerary_pdf
    from seoulcal.paper import member_pdf as member_pdf
    from seoulcal.publish import BuildReport as BuildReport
    from seoulcal.publish import build_site as build_site
    from seoulcal.tripfile import ces2024 as ces2024
    from seoulcal.tripfile import load_trip as load_trip
    from seoulcal.tripfile import parse_trip as parse_trip
    from seoulcal.tripfile import trip_schema as trip_schema


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
    "DeliveryError",
    "Due",
    "Event",
    "ExactTime",
    "ExportError",
    "InternalError",
    "Invitation",
    "InvitationPlan",
    "InvitationReport",
    "InvitationRun",
    "InvitationState",
    "InvitationStateFile",
    "LongText",
    "Mail",
    "Mailer",
    "Member",
    "NotFoundError",
    "Organizer",
    "OutboxMailer",
    "Problem",
    "PublishError",
    "Revision",
    "SendError",
    "SeoulcalError",
    "SmtpMailer",
    "Source",
    "Text",
    "Timing",
    "Trip",
    "TripError",
    "Venue",
    "__version__",
    "build_site",
    "ces2024",
    "compose",
    "event_calendar",
    "event_uid",
    "invitation_calendar",
    "invitation_ics",
    "invite",
    "itinerary_pdf",
    "load_trip",
    "member_pdf",
    "parse_trip",
    "plan_invitations",
    "send_invitations",
    "trip_calendar",
    "trip_ics",
    "trip_schema",
]
