"""The revision policy (R-UPD-01/02) as pure functions: no site, no file, no calendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import seoulcal
from seoulcal.identity import Revision, event_uid
from seoulcal.publish.revisions import archive, bump, revise
from seoulcal.publish.state import Entry

RETENTION = timedelta(days=30)


@pytest.fixture
def trip():
    return seoulcal.ces2024()


def fingerprints(changed=()):
    """A fingerprint that says which events changed: by id and status, plus a mark."""
    return lambda event: f"{event.id}/{event.status}/{'new' if event.id in changed else 'old'}"


def events_of(trip, member=None):
    return [(event_uid(trip, event), event) for event in trip.events_for(member)]


def first(trip, member=None, **options):
    return revise(
        trip,
        member,
        events_of(trip, member),
        {},
        archive(trip, {}),
        fingerprint=options.pop("fingerprint", fingerprints()),
        retention=RETENTION,
        **options,
    )


def later(trip, days):
    return trip.model_copy(update={"revised": trip.revised + timedelta(days=days)})


def without(trip, event_id):
    return trip.model_copy(update={"events": tuple(e for e in trip.events if e.id != event_id)})


def test_a_first_build_starts_every_event_at_sequence_zero(trip):
    audience = first(trip)
    assert list(audience.live) == [uid for uid, _ in events_of(trip)]
    assert set(audience.revisions.values()) == {Revision(0, trip.revised)}
    assert audience.revised == audience.newly_withdrawn == audience.dropped == []
    assert audience.settled


def test_an_unchanged_event_keeps_its_revision_and_a_changed_one_is_bumped(trip):
    before = first(trip)
    after = later(trip, 1)
    audience = revise(
        after,
        None,
        events_of(after),
        before.entries,
        archive(after, before.entries),
        fingerprint=fingerprints(changed={"sphere-visit"}),
        retention=RETENTION,
    )
    sphere = event_uid(trip, next(e for e in trip.events if e.id == "sphere-visit"))
    assert audience.revised == ["sphere-visit"]
    assert audience.revisions[sphere] == Revision(1, after.revised)
    others = {uid: rev for uid, rev in audience.revisions.items() if uid != sphere}
    assert set(others.values()) == {Revision(0, trip.revised)}


def test_last_modified_always_rises_even_when_revised_does_not(trip):
    entry = Entry("x", "f", 3, trip.revised + timedelta(hours=5), "live")
    assert bump(entry, trip) == Revision(4, trip.revised + timedelta(hours=5, seconds=1))
    assert bump(entry, later(trip, 1)) == Revision(4, trip.revised + timedelta(days=1))


def test_a_removed_event_is_cancelled_then_dropped_after_the_retention(trip):
    public = first(trip, keep_data=True)
    gone = without(later(trip, 1), "sphere-visit")
    cancelled = revise(
        gone,
        None,
        events_of(gone),
        public.entries,
        archive(gone, public.entries),
        fingerprint=fingerprints(),
        retention=RETENTION,
        keep_data=True,
    )
    uid = event_uid(trip, next(e for e in trip.events if e.id == "sphere-visit"))
    assert cancelled.newly_withdrawn == ["sphere-visit"]
    assert cancelled.withdrawn[uid].status == "cancelled"
    assert cancelled.revisions[uid].sequence == 1  # the cancellation is a new revision
    assert cancelled.entries[uid].withdrawn == gone.revised
    assert not cancelled.settled

    again = later(gone, 29)
    still = revise(
        again,
        None,
        events_of(again),
        cancelled.entries,
        archive(again, cancelled.entries),
        fingerprint=fingerprints(),
        retention=RETENTION,
        keep_data=True,
    )
    assert uid in still.withdrawn
    assert still.revisions[uid] == cancelled.revisions[uid]  # unchanged while it waits
    assert still.newly_withdrawn == []

    expired = later(gone, 30)
    dropped = revise(
        expired,
        None,
        events_of(expired),
        still.entries,
        archive(expired, still.entries),
        fingerprint=fingerprints(),
        retention=RETENTION,
        keep_data=True,
    )
    assert dropped.dropped == ["sphere-visit"]
    assert uid not in dropped.withdrawn
    tombstone = dropped.entries[uid]
    assert (tombstone.state, tombstone.sequence) == ("dropped", 1)
    assert dropped.settled


def test_an_event_that_comes_back_continues_its_sequence(trip):
    tombstone = {
        event_uid(trip, trip.events[0]): Entry(
            trip.events[0].id, "gone", 4, datetime(2024, 1, 1, tzinfo=UTC), "dropped"
        )
    }
    audience = revise(
        trip,
        None,
        events_of(trip),
        tombstone,
        archive(trip, tombstone),
        fingerprint=fingerprints(),
        retention=RETENTION,
    )
    assert audience.revisions[event_uid(trip, trip.events[0])].sequence == 5


def test_a_member_taken_off_an_event_gets_it_cancelled_alone(trip):
    aide = trip.member("aide")
    mine = first(trip, aide)
    kept = [(uid, event) for uid, event in events_of(trip, aide) if event.id != "mlb-meeting"]
    assert len(kept) == len(mine.live) - 1
    audience = revise(
        later(trip, 1),
        aide,
        kept,
        mine.entries,
        archive(trip, {}),
        fingerprint=fingerprints(),
        retention=RETENTION,
    )
    assert audience.newly_withdrawn == ["mlb-meeting"]
    assert [event.id for event in audience.withdrawn.values()] == ["mlb-meeting"]


def test_a_member_starts_from_the_public_revision_of_the_same_bytes(trip):
    public = first(trip)
    bumped = {
        uid: Entry(e.event_id, e.fingerprint, 7, e.modified, "live")
        for uid, e in public.entries.items()
    }
    mine = first(trip, trip.member("aide"), seed=bumped)
    assert {rev.sequence for rev in mine.revisions.values()} == {7}
    other = first(trip, trip.member("aide"), seed=bumped, fingerprint=fingerprints({"mlb-meeting"}))
    assert [
        r.sequence for uid, r in other.revisions.items() if other.live[uid].id == "mlb-meeting"
    ] == [0]


def test_entries_name_no_member(trip):
    public = first(trip, keep_data=True)
    for entry in public.entries.values():
        assert entry.event is not None
        assert entry.event["attendees"] == ["everyone"]
    mine = first(trip, trip.member("aide"))
    assert all(entry.event is None for entry in mine.entries.values())


def test_archive_takes_the_trips_own_events_and_the_last_known_data_of_withdrawn_ones(trip):
    """The trip's events come from the trip, whatever the previous state holds of them."""
    public = first(trip, keep_data=True)
    kept, gone = trip.events[0], trip.events[1]
    renamed = kept.model_copy(update={"title": kept.title.model_copy(update={"en": "Renamed"})})
    now = without(trip, gone.id).model_copy(
        update={"events": (renamed, *(e for e in trip.events[2:]))}
    )
    found = archive(now, public.entries)
    assert set(found) == {event_uid(trip, event) for event in trip.events}
    assert found[event_uid(trip, kept)].event is renamed
    # Read back from the public state, which keeps no attendee list.
    assert found[event_uid(trip, gone)].event == gone.model_copy(
        update={"attendees": ("everyone",)}
    )
    assert found[event_uid(trip, gone)].cancelled.status == "cancelled"
    assert found[event_uid(trip, gone)].venue == trip.venue_of(gone)


def test_members_owed_the_same_revision_share_one_object(trip):
    # The writer keys a calendar's body by its revisions' identity: members who attend the same
    # events share one body only while their revisions are one object, also after a bump.
    mayor, other = (m for m in trip.members if m.id in ("mayor", "aide"))
    assert {e.id for e in trip.events_for(mayor)} & {e.id for e in trip.events_for(other)}
    after = later(trip, 1)
    revised = [
        revise(
            after,
            member,
            events_of(after, member),
            first(trip, member).entries,
            archive(after, {}),
            fingerprint=fingerprints(changed={"sphere-visit"}),
            retention=RETENTION,
        )
        for member in (mayor, other)
    ]
    shared = set(revised[0].revisions) & set(revised[1].revisions)
    sphere = event_uid(trip, next(e for e in trip.events if e.id == "sphere-visit"))
    assert sphere in shared
    assert revised[0].revisions[sphere] == Revision(1, after.revised)
    for uid in shared:
        assert revised[0].revisions[uid] is revised[1].revisions[uid]
        assert revised[0].entries[uid] is revised[1].entries[uid]  # a member's: no event data
