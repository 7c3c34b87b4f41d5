"""A state's document: the JSON of its file, made with or without the text."""

from __future__ import annotations

import json
from datetime import timedelta

import seoulcal
from seoulcal.identity import event_uid
from seoulcal.publish.revisions import archive, revise
from seoulcal.publish.state import state_bytes, state_document


def revised(trip, member=None, previous=None, **options):
    return revise(
        trip,
        member,
        [(event_uid(trip, event), event) for event in trip.events_for(member)],
        previous or {},
        archive(trip, previous or {}),
        fingerprint=lambda event: f"{event.id}/{event.status}",
        retention=timedelta(days=30),
        **options,
    )


def test_the_document_is_the_files_json():
    trip = seoulcal.ces2024()
    public = revised(trip, keep_data=True)
    later = trip.model_copy(
        update={
            "revised": trip.revised + timedelta(days=1),
            "events": tuple(event for event in trip.events if event.id != "sphere-visit"),
        }
    )
    withdrawn = revised(later, previous=public.entries, keep_data=True)  # a cancelled entry
    assert withdrawn.newly_withdrawn == ["sphere-visit"]
    states = [public.entries, withdrawn.entries, {}]
    states += [revised(trip, member).entries for member in trip.members]
    for entries in states:
        assert state_document(trip, entries) == json.loads(state_bytes(trip, entries))


def test_the_document_shares_nothing_with_the_entries():
    trip = seoulcal.ces2024()
    entries = revised(trip, keep_data=True).entries
    before = state_bytes(trip, entries)
    document = state_document(trip, entries)
    for data in document["events"].values():
        data["event"]["title"]["en"] = "changed"
    assert state_bytes(trip, entries) == before
