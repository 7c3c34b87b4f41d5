"""A whole run of invitations with a state file: revise, plan, send (``seoulcal invite``).

The revisions come from the site's own policy (:mod:`seoulcal.publish.revisions`), run over a
history kept in the invitation state in the site's ``seoulcal-state/1`` form: a trip-wide audience
that keeps each event's data (as the site's public state does) and one audience per member
seeded from it (as the site's member calendars are). So an invitation carries the SEQUENCE a
member's feed would carry after the same edits of the trip.

A run told its inputs' digest (``source``) keeps, when it leaves nothing owed, the record of
:mod:`seoulcal.notify.settled`, from which the command line answers the next run with the same
inputs without loading the trip.
"""

from __future__ import annotations

__all__ = ["RETENTION", "InvitationRun", "Revised", "invite", "revise_invitations"]

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from seoulcal.errors import PublishError
from seoulcal.identity import event_uid
from seoulcal.notify.compose import require_organizer
from seoulcal.notify.invitations import (
    Due,
    InvitationPlan,
    InvitationReport,
    StateError,
    plan_invitations,
    same_state,
    send_invitations,
)
from seoulcal.notify.mail import check_address
from seoulcal.notify.settled import Settled
from seoulcal.publish.revisions import archive, revise, with_archived_venues
from seoulcal.publish.state import parse_state, state_document

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from seoulcal.model import Event, Member, Trip
    from seoulcal.notify.invitations import Invitation, InvitationState, InvitationStateFile
    from seoulcal.notify.mail import Mailer
    from seoulcal.publish.state import Entry

RETENTION = timedelta(days=30)
"""How long a withdrawn event stays in the history as cancelled: the site's default."""


@dataclass(frozen=True, slots=True)
class Revised:
    """Each member's events with their revisions, and the history to keep for next time."""

    trip: Trip
    """The trip to render with: the trip, plus the venues only withdrawn events still name."""
    dues: dict[str, list[Due]]
    history: dict[str, Any]
    archive: Any


def _entries(document: object, trip: Trip, where: str) -> dict[str, Entry]:
    if document is None:
        return {}
    try:
        return parse_state(json.dumps(document).encode(), trip, where=where)
    except PublishError as error:
        raise StateError(
            f"{where}: the revision history in the invitation state is damaged ({error})"
        ) from None


def revise_invitations(
    trip: Trip,
    state: InvitationState,
    *,
    fingerprint: Callable[[Trip, Event], str],
    members: Iterable[Member],
    retention: timedelta = RETENTION,
) -> Revised:
    """Return *members*' events with their revisions now, from the history in *state*.

    *fingerprint* hashes what clients see of an event
    (:func:`seoulcal.ics.fingerprint.fingerprint`).
    """
    previous = _entries(state.archive, trip, "the invitation state's archive")
    archived = archive(trip, previous)
    trip = with_archived_venues(trip, archived)
    shown = trip

    known: dict[int, str] = {}
    kept: list[Event] = []  # alive while their identities key *known*

    def digest(event: Event) -> str:
        """Fingerprint each event once, not once per member that has it."""
        found = known.get(id(event))
        if found is None:
            kept.append(event)
            found = known[id(event)] = fingerprint(shown, event)
        return found

    uids = {event.id: event_uid(trip, event) for event in trip.events}
    public = revise(
        trip,
        None,
        [(uids[event.id], event) for event in trip.events_for()],
        previous,
        archived,
        fingerprint=digest,
        retention=retention,
        keep_data=True,
    )
    dues: dict[str, list[Due]] = {}
    history: dict[str, Any] = {}
    for member in members:
        audience = revise(
            trip,
            member,
            [(uids[event.id], event) for event in trip.events_for(member)],
            _entries(state.history.get(member.id), trip, f"the history of member {member.id!r}"),
            archived,
            fingerprint=digest,
            seed=public.entries,
            retention=retention,
        )
        dues[member.id] = [
            Due(
                uid,
                event,
                audience.revisions[uid],
                audience.entries[uid].fingerprint,
                live=uid in audience.live,
            )
            for events in (audience.live, audience.withdrawn)
            for uid, event in events.items()
        ]
        history[member.id] = state_document(trip, audience.entries)
    return Revised(trip, dues, history, state_document(trip, public.entries))


@dataclass(frozen=True, slots=True)
class InvitationRun:
    """What a run planned, and what it sent (``None`` for a dry run)."""

    plan: InvitationPlan
    report: InvitationReport | None


def invite(  # noqa: PLR0913 - a run's options, each with its default
    trip: Trip,
    store: InvitationStateFile,
    mailer: Mailer | None,
    *,
    members: Sequence[str] | None = None,
    sender: str | None = None,
    page_url: Callable[[Member], str | None] | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int, Invitation, str | None], None] | None = None,
    clock: Callable[[], datetime] | None = None,
    retention: timedelta = RETENTION,
    source: str | None = None,
) -> InvitationRun:
    """Send each member what they are owed, recording it in *store* (see the module docstring).

    *mailer* may be ``None`` for a dry run, which plans and changes nothing.

    *source* is the :func:`~seoulcal.publish.record.invitations_digest` of the raw inputs *trip*
    was loaded from and of this run's options (the caller vouches for it, as the command line
    does). With it, a run that leaves nothing owed keeps a record beside the state
    (:mod:`seoulcal.notify.settled`) from which a rerun with the same inputs is answered without
    loading anything. After a run that sent or revised, that takes planning once more, from the
    file as written: what a rerun would find.
    """
    from seoulcal.ics.fingerprint import fingerprint  # noqa: PLC0415 - loads icalendar
    from seoulcal.ics.itip import InvitationWriter  # noqa: PLC0415 - loads icalendar

    require_organizer(trip)
    if sender is not None:
        check_address(sender, "the sender (From)")
    chosen = list(trip.members) if members is None else [trip.member(name) for name in members]

    def planned(state: InvitationState) -> tuple[Revised, InvitationPlan, InvitationState]:
        """Return the revisions, the plan and the revised state, from *state*."""
        revised = revise_invitations(
            trip,
            state,
            fingerprint=fingerprint,
            members=[member for member in chosen if member.email is not None],
            retention=retention,
        )
        plan = plan_invitations(
            revised.trip,
            state,
            revised.dues,
            # All members (None): the plan then warns of members gone from the trip too.
            members=None if members is None else [member.id for member in chosen],
        )
        return revised, plan, state.with_history(revised.history, revised.archive)

    state = store.load(trip)
    revised, plan, revised_state = planned(state)
    if dry_run or mailer is None:
        return InvitationRun(plan, None)
    unchanged = same_state(revised_state, state)
    if not unchanged:
        store.save(revised_state)  # before sending: a rerun revises from where this run started
    state = revised_state

    writer = InvitationWriter(revised.trip)  # each event rendered once for all its recipients

    def calendar(item: Invitation) -> bytes:
        return writer.render(
            item.event,
            item.revision,
            method=item.method,
            attendee=item.member,
            page=None if page_url is None else page_url(item.member),
        )

    try:
        report = send_invitations(
            plan,
            mailer,
            state,
            calendar=calendar,
            save=store.save,
            sender=sender,
            page_url=page_url,
            clock=clock,
            progress=progress,
        )
    finally:
        store.close()  # the journal of this run's messages folded into the file
    if source is not None and report.ok:
        # A run that changed the state plans again, from the file as it left it: as a rerun.
        after = plan if unchanged and not plan.invitations else _replanned(store, trip, planned)
        if after is not None and not after.invitations:
            store.settle(source, _settled(after))
    return InvitationRun(plan, report)


def _replanned(
    store: InvitationStateFile,
    trip: Trip,
    planned: Callable[[InvitationState], tuple[Revised, InvitationPlan, InvitationState]],
) -> InvitationPlan | None:
    """Return what a rerun would plan from *store* now; ``None`` if it would revise the state.

    ``None`` also if the state cannot be read back (changed under this run): the next run, in
    full, reports it.
    """
    try:
        state = store.load(trip)
        _, plan, revised = planned(state)  # a history damaged under this run raises here
    except StateError:
        return None
    return plan if same_state(revised, state) else None


def _settled(plan: InvitationPlan) -> Settled:
    """Return what a run owing nothing reports: each member's events unchanged, the warnings."""
    return Settled(
        tuple(
            (member_id, plan.unchanged.get(member_id, 0), member_id in plan.skipped)
            for member_id in plan.members
        ),
        plan.warnings,
    )
