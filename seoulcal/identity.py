"""How calendars know an event across files and builds: its stable id and its revision.

A subscriber's calendar matches events by id and keeps the newest revision, so both must come
from the trip alone: the id from the trip and event ids (the same in every member's calendar and
every build), the revision from the trip's own clock (never the wall clock). The export writes
them (as UID, SEQUENCE, LAST-MODIFIED and DTSTAMP); publishing keeps them from build to build.
Neither needs a calendar library, so a rebuild that finds nothing new never loads one.
"""

from __future__ import annotations

__all__ = ["Revision", "event_uid"]

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from seoulcal.model import Event, Trip

_UID_NAMESPACE = uuid.UUID("5b6c0f2e-3d0a-5c52-9a53-2f1c7c0ad001")


@dataclass(frozen=True, slots=True)
class Revision:
    """An event's revision as subscribers see it: SEQUENCE and LAST-MODIFIED (also DTSTAMP)."""

    sequence: int
    modified: datetime

    def __post_init__(self) -> None:
        """Check the revision can be written."""
        if self.sequence < 0:
            raise ValueError(f"sequence {self.sequence} must be 0 or more")
        if self.modified.tzinfo is None:
            raise ValueError("modified must be an aware datetime")


def event_uid(trip: Trip, event: Event) -> str:
    """Return *event*'s UID: a UUID derived from the trip and event ids, and nothing else."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"{trip.id}/{event.id}"))
