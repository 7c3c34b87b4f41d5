"""A state's document: the JSON of its file, made with or without the text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import seoulcal
from seoulcal.errors import PublishError
from seoulcal.identity import event_uid
from seoulcal.publish.revisions import archive, revise
from seoulcal.publish.state import parse_state, state_bytes, state_document


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


def withdrawn_states(trip):
    """The public state and a member's, each with a withdrawn entry (the sphere visit removed)."""
    member = trip.member("mayor")
    later = trip.model_copy(
        update={
            "revised": trip.revised + timedelta(days=1),
            "events": tuple(event for event in trip.events if event.id != "sphere-visit"),
        }
    )
    before = revised(trip, keep_data=True).entries
    public = revised(later, previous=before, keep_data=True)
    theirs = revise(  # a member's state keeps no event data: the public state's is archived
        later,
        member,
        [(event_uid(later, event), event) for event in later.events_for(member)],
        revised(trip, member).entries,
        archive(later, before),
        fingerprint=lambda event: f"{event.id}/{event.status}",
        retention=timedelta(days=30),
    )
    return later, [public.entries, theirs.entries]


def test_a_state_reads_back_as_the_entries_it_was_written_from():
    trip, states = withdrawn_states(seoulcal.ces2024())
    for entries in states:
        assert any(entry.state == "withdrawn" for entry in entries.values())
        assert parse_state(state_bytes(trip, entries), trip, where="s") == entries


def test_members_entries_of_the_same_event_are_one_object():
    # Read from a thousand members' states, each shared event's entry is made once.
    trip = seoulcal.ces2024()
    mayor, aide = (revised(trip, trip.member(name)).entries for name in ("mayor", "aide"))
    first, second = (
        parse_state(state_bytes(trip, entries), trip, where=name)
        for name, entries in (("mayor", mayor), ("aide", aide))
    )
    shared = set(first) & set(second)
    assert shared
    assert all(first[uid] is second[uid] for uid in shared)


def _damage(document, change):
    events = document["events"]
    item = next(item for item in events.values() if item["state"] == "withdrawn")
    change(item)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda item: item.update(state="gone"), "ValueError: state 'gone'"),
        (lambda item: item.update(sequence=[1]), "TypeError"),
        (lambda item: item.update(sequence="x"), "ValueError"),
        (lambda item: item.update(id={"a": 1}), "TypeError: id {'a': 1} is not a string"),
        (lambda item: item.update(fingerprint=7), "TypeError: fingerprint 7 is not a string"),
        (lambda item: item.update(withdrawn=None), "TypeError"),
        (lambda item: item.update(modified="yesterday"), "ValueError"),
        (lambda item: item.pop("fingerprint"), "KeyError: 'fingerprint'"),
    ],
)
@pytest.mark.parametrize("which", ["public", "member"])
def test_a_damaged_entry_is_an_error_that_names_the_state(change, error, which):
    trip, states = withdrawn_states(seoulcal.ces2024())
    entries = states[0 if which == "public" else 1]
    raw = _damage(state_document(trip, entries), change)
    with pytest.raises(PublishError, match=r"^site/s: the revision state is damaged") as caught:
        parse_state(raw, trip, where="site/s")
    assert f"({error}" in str(caught.value)


def test_a_damaged_entry_is_found_after_the_same_entry_was_read_whole():
    # The entries read are shared: one seen whole before must not vouch for a damaged one that
    # shares its other fields.
    trip, states = withdrawn_states(seoulcal.ces2024())
    document = state_document(trip, states[1])
    assert parse_state(json.dumps(document).encode(), trip, where="s")
    for change in (
        lambda item: item.update(state="gone"),
        lambda item: item.update(sequence="x"),
        lambda item: item.update(modified="yesterday"),
        lambda item: item.update(withdrawn=None),
    ):
        raw = _damage(json.loads(json.dumps(document)), change)
        with pytest.raises(PublishError, match="revision state is damaged"):
            parse_state(raw, trip, where="s")


def test_a_sequence_of_another_json_type_reads_as_the_number_it_equals():
    # As before entries were shared: true, 1.0 and "1" read as the int 1, whichever came first.
    trip, states = withdrawn_states(seoulcal.ces2024())
    document = state_document(trip, states[1])
    assert parse_state(json.dumps(document).encode(), trip, where="s")
    for bad in (True, 1.0, "1"):
        damaged = json.loads(json.dumps(document))
        item = next(item for item in damaged["events"].values() if item["sequence"] == 1)
        item["sequence"] = bad
        found = parse_state(json.dumps(damaged).encode(), trip, where="s")
        again = next(entry for entry in found.values() if entry.event_id == item["id"])
        assert again.sequence == 1
        assert type(again.sequence) is int
