"""Which revision each audience is owed: R-UPD-01/02 as pure functions, with no file in sight.

An *audience* is whoever reads one set of calendars: the public, or one member. Given the
audience's events (decided by :meth:`Trip.events_for <seoulcal.model.Trip.events_for>`), the state
its calendars were last published with, and a fingerprint of what clients see of an event,
:func:`revise` says what the calendars hold now and at which revision:

* an event whose fingerprint is unchanged keeps its revision, so its bytes stay identical;
* a changed event gets SEQUENCE + 1 and LAST-MODIFIED ``max(trip.revised, previous + 1 s)``;
* an event new to the audience starts from *seed* (a member's calendars start from the public
  revision of the same bytes), else at SEQUENCE 0 and ``trip.revised``;
* an event that left the audience (removed from the trip, or the member no longer attends it)
  stays as ``STATUS:CANCELLED`` with a raised SEQUENCE until the itinerary's ``revised`` time is
  *retention* past the moment it was withdrawn; then it is dropped, and a tombstone keeps its last
  SEQUENCE in case it comes back.

Nothing comes from the clock, and nothing here renders or writes: the fingerprint arrives as a
callable, so a publisher with nothing new to render never loads a calendar library. The site
(:mod:`seoulcal.publish`) and invitations use the same functions, so they never disagree about
which revision of an event is current.
"""

from __future__ import annotations

__all__ = ["Archived", "Audience", "archive", "bump", "revise", "with_archived_venues"]

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from seoulcal.errors import TripError
from seoulcal.identity import Revision, event_uid
from seoulcal.model import Event, Venue
from seoulcal.publish.state import Entry, EntryState, member_entry, public_event_data

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime

    from seoulcal.model import Member, Trip

_ONE_SECOND = timedelta(seconds=1)


@functools.lru_cache(maxsize=4096)
def _revision(sequence: int, modified: datetime) -> Revision:
    """Return the :class:`Revision` of a state's entry: one object per revision, not per member.

    A thousand members' states hold the same few revisions; sharing one object saves building
    (and checking) a copy per member and event, and makes the writer's cache look-ups by
    identity.
    """
    return Revision(sequence, modified)


@dataclass(frozen=True, slots=True)
class Archived:
    """The last known data of a UID: from the trip, or from the previous public state."""

    event: Event
    venue: Venue | None
    cancelled: Event
    """The same event with ``status = "cancelled"``: what a calendar shows once it is withdrawn."""


@dataclass(slots=True)
class Audience:
    """The calendars of one audience (the public, or one member), revised."""

    member: Member | None
    live: dict[str, Event] = field(default_factory=dict)
    """The events the audience has, by UID, in time order."""
    withdrawn: dict[str, Event] = field(default_factory=dict)
    """Events the audience no longer has, kept as cancelled (their ``cancelled`` copies)."""
    revisions: dict[str, Revision] = field(default_factory=dict)
    """The revision of every live and withdrawn event, by UID."""
    entries: dict[str, Entry] = field(default_factory=dict)
    """The new state: every UID the audience's calendars ever held."""
    revised: list[str] = field(default_factory=list)
    """Ids of events whose revision rose."""
    newly_withdrawn: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def chosen(self) -> list[tuple[Event, Revision]]:
        """Return what the audience's calendars hold: each event with its revision."""
        return [
            (event, self.revisions[uid])
            for events in (self.live, self.withdrawn)
            for uid, event in events.items()
        ]

    @property
    def settled(self) -> bool:
        """Tell whether the new state is a fixed point: revising again from it changes nothing.

        With the same inputs, live entries keep their fingerprints, so their revisions, and
        dropped entries stay tombstones; only a withdrawn entry can still move (dropped when its
        retention ends, or when the public state no longer holds its data).
        """
        return all(entry.state != "withdrawn" for entry in self.entries.values())


def _entry_of(  # noqa: PLR0913, PLR0917 - the fields of one entry
    event_id: str,
    digest: str,
    revision: Revision,
    state: EntryState,
    withdrawn: datetime | None,
    data: tuple[Event, Venue | None] | None,
) -> Entry:
    """Return the new state's entry of one UID; *data*: the event's to keep (the public state)."""
    if data is None:
        return member_entry(
            event_id, digest, revision.sequence, revision.modified, state, withdrawn
        )
    event, venue = data
    return Entry(
        event_id,
        digest,
        revision.sequence,
        revision.modified,
        state,
        withdrawn,
        public_event_data(event),
        None if venue is None else venue.model_dump(mode="json"),
    )


def bump(previous: Entry, trip: Trip) -> Revision:
    """Return the revision after *previous* for a change in *trip*: SEQUENCE + 1, a later stamp.

    Shared as :func:`_revision`'s are: when an event most members attend changes, a thousand
    members' states bump it to the same revision, and members who attend the same events then
    share one calendar body (the writer keys bodies by the revisions' identity).
    """
    return _revision(previous.sequence + 1, max(trip.revised, previous.modified + _ONE_SECOND))


def archive(trip: Trip, previous: Mapping[str, Entry]) -> dict[str, Archived]:
    """Return the last known data of every UID: the trip's own, then the previous state's.

    An entry written by another version that no longer validates is left out: that event is
    dropped, not re-rendered from data this version cannot read. Entries of the trip's own
    events are not read at all: the trip's data replaces them.
    """
    current = {event_uid(trip, event): event for event in trip.events}
    found: dict[str, Archived] = {}
    for uid, entry in previous.items():
        if entry.event is None or uid in current:
            continue
        try:
            event = Event.model_validate(entry.event)
            venue = None if entry.venue is None else Venue.model_validate(entry.venue)
        except (ValidationError, TripError):
            continue
        found[uid] = Archived(event, venue, event.model_copy(update={"status": "cancelled"}))
    for uid, event in current.items():
        found[uid] = Archived(
            event, trip.venue_of(event), event.model_copy(update={"status": "cancelled"})
        )
    return found


def with_archived_venues(trip: Trip, archived: Mapping[str, Archived]) -> Trip:
    """Return *trip* with the venues that only withdrawn events still name, as they were.

    A cancelled event is shown at its old place, even when the trip no longer lists that venue.
    """
    known = {venue.id for venue in trip.venues}
    missing = {
        a.venue.id: a.venue for a in archived.values() if a.venue and a.venue.id not in known
    }
    if not missing:
        return trip
    return trip.model_copy(update={"venues": (*trip.venues, *missing.values())})


def revise(  # noqa: C901, PLR0912, PLR0913 - one pass over the cases of R-UPD-01/02
    trip: Trip,
    member: Member | None,
    events: Sequence[tuple[str, Event]],
    previous: Mapping[str, Entry],
    archived: Mapping[str, Archived],
    *,
    fingerprint: Callable[[Event], str],
    seed: Mapping[str, Entry] | None = None,
    retention: timedelta,
    keep_data: bool = False,
) -> Audience:
    """Revise one audience's calendars: see the module's docstring.

    *events* are the audience's events in time order, with their UIDs. *previous* is the state
    its calendars were last published with; *archived* the last known data of every UID (see
    :func:`archive`). *seed* gives revisions to start from for UIDs this audience has never
    published. *keep_data* stores each event's public data in the entries (the public state).
    """
    audience = Audience(member=member, live=dict(events))
    tombstones: dict[str, Entry] = {}
    for uid, prior in previous.items():
        if uid in audience.live:
            continue
        source = archived.get(uid)
        expired = (
            prior.state == "withdrawn"
            and prior.withdrawn is not None
            and trip.revised >= prior.withdrawn + retention
        )
        if prior.state == "dropped" or source is None or expired:
            if prior.state != "dropped":
                audience.dropped.append(prior.event_id)
            tombstones[uid] = Entry(
                prior.event_id, prior.fingerprint, prior.sequence, prior.modified, "dropped"
            )
            continue
        audience.withdrawn[uid] = source.cancelled

    for uid in (*audience.live, *audience.withdrawn):
        event = audience.live.get(uid) or audience.withdrawn[uid]
        digest = fingerprint(event)
        before = previous.get(uid)
        start = seed.get(uid) if seed is not None else None
        if before is not None and before.state != "dropped" and before.fingerprint == digest:
            revision = _revision(before.sequence, before.modified)
        elif before is not None:
            revision = bump(before, trip)
            audience.revised.append(before.event_id)
        elif start is not None and start.fingerprint == digest:
            revision = _revision(start.sequence, start.modified)
        else:
            revision = _revision(0, trip.revised)
        audience.revisions[uid] = revision
        withdrawn_at: datetime | None = None
        state: EntryState = "live"
        data: tuple[Event, Venue | None] | None = None
        if uid in audience.withdrawn:
            state = "withdrawn"
            if before is not None and before.state == "withdrawn" and before.withdrawn:
                withdrawn_at = before.withdrawn
            else:
                withdrawn_at = trip.revised
                audience.newly_withdrawn.append(event.id)
            kept = archived.get(uid)
            data = None if kept is None else (kept.event, kept.venue)
        elif keep_data:
            data = (event, trip.venue_of(event))
        audience.entries[uid] = _entry_of(
            event.id, digest, revision, state, withdrawn_at, data if keep_data else None
        )
    for uid, tombstone in tombstones.items():
        audience.entries.setdefault(uid, tombstone)
    return audience
