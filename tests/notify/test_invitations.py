"""The invitation planner (pure) and the state file."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

import seoulcal
from seoulcal.identity import Revision
from seoulcal.notify.invitations import (
    Due,
    InvitationState,
    InvitationStateFile,
    Sent,
    StateError,
    address_digest,
    journal_path,
    parse_state,
    plan_invitations,
    read_state,
    same_state,
    state_bytes,
)


def dues_of(trip, *, sequence=None, fingerprint=None, withdrawn=()):
    """Every member's events at sequence 0 (or *sequence*[event id]), plus withdrawn ones."""
    sequence = sequence or {}
    fingerprint = fingerprint or {}
    found = {}
    for member in trip.members:
        items = [
            Due(
                seoulcal.event_uid(trip, event),
                event,
                Revision(sequence.get(event.id, 0), trip.revised),
                fingerprint.get(event.id, "f0"),
            )
            for event in trip.events_for(member)
        ]
        for member_id, event in withdrawn:
            if member_id == member.id:
                items.append(
                    Due(
                        seoulcal.event_uid(trip, event),
                        event,
                        Revision(sequence.get(event.id, 1), trip.revised),
                        "gone",
                        live=False,
                    )
                )
        found[member.id] = items
    return found


def sent_all(state, plan):
    for item in plan.invitations:
        state = state.record(item)
    return state


def summary(plan):
    return sorted((i.member.id, i.event.id, i.method, i.kind, i.reason) for i in plan.invitations)


def test_first_plan_invites_every_member_with_an_address_to_their_events(invite_trip):
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    assert plan.skipped == ("home",)
    assert plan.members == ("mayor", "aide", "press", "home")
    expected = sorted(
        (member.id, event.id, "REQUEST", "invitation", "new")
        for member in invite_trip.members
        if member.email
        for event in invite_trip.events_for(member)
    )
    assert summary(plan) == expected
    assert plan.warnings == ()


def test_nothing_is_owed_once_sent(invite_trip):
    dues = dues_of(invite_trip)
    first = plan_invitations(invite_trip, InvitationState("invite"), dues)
    state = sent_all(InvitationState("invite"), first)
    again = plan_invitations(invite_trip, state, dues)
    assert again.invitations == ()
    assert again.unchanged == {"mayor": 4, "aide": 3, "press": 2}


def test_a_changed_event_is_sent_again_to_its_attendees_only(invite_trip):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    moved = dues_of(invite_trip, sequence={"sphere": 1}, fingerprint={"sphere": "f1"})
    plan = plan_invitations(invite_trip, state, moved)
    assert summary(plan) == [
        ("mayor", "sphere", "REQUEST", "change", "changed"),
        ("press", "sphere", "REQUEST", "change", "changed"),
    ]
    assert {item.revision.sequence for item in plan.invitations} == {1}


def test_a_withdrawn_event_is_cancelled_for_those_who_had_it(invite_trip):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    sphere = next(e for e in invite_trip.events if e.id == "sphere")
    # The press is taken off the event (it stays in the trip); the aide never had it.
    dues = dues_of(invite_trip, withdrawn=[("press", sphere), ("aide", sphere)])
    dues["press"] = [d for d in dues["press"] if d.live is False or d.event.id != "sphere"]
    plan = plan_invitations(invite_trip, state, dues)
    assert summary(plan) == [("press", "sphere", "CANCEL", "cancellation", "taken-off")]
    assert plan.invitations[0].revision.sequence == 1
    state = sent_all(state, plan)
    assert plan_invitations(invite_trip, state, dues).invitations == ()


def test_a_removed_event_is_cancelled(invite_trip, invite_data):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    invite_data["events"] = [e for e in invite_data["events"] if e["id"] != "flight"]
    smaller = seoulcal.Trip.model_validate(invite_data)
    flight = next(e for e in invite_trip.events if e.id == "flight")
    dues = dues_of(smaller, withdrawn=[("mayor", flight), ("aide", flight)])
    plan = plan_invitations(smaller, state, dues)
    assert summary(plan) == [
        ("aide", "flight", "CANCEL", "cancellation", "removed"),
        ("mayor", "flight", "CANCEL", "cancellation", "removed"),
    ]


def test_a_cancelled_event_is_cancelled(invite_trip, invite_data):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    invite_data["events"][1]["status"] = "cancelled"
    trip = seoulcal.Trip.model_validate(invite_data)
    plan = plan_invitations(trip, state, dues_of(trip, sequence={"ces-visit": 1}))
    assert summary(plan) == [
        ("aide", "ces-visit", "CANCEL", "cancellation", "cancelled"),
        ("mayor", "ces-visit", "CANCEL", "cancellation", "cancelled"),
    ]


def test_an_event_never_sent_is_not_cancelled(invite_trip, invite_data):
    invite_data["events"][1]["status"] = "cancelled"
    trip = seoulcal.Trip.model_validate(invite_data)
    plan = plan_invitations(trip, InvitationState("invite"), dues_of(trip))
    assert "ces-visit" not in {item.event.id for item in plan.invitations}


def test_an_event_back_after_a_cancel_is_a_new_invitation(invite_trip):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    sphere = next(e for e in invite_trip.events if e.id == "sphere")
    dues = dues_of(invite_trip, withdrawn=[("press", sphere)])
    dues["press"] = [d for d in dues["press"] if d.live is False or d.event.id != "sphere"]
    state = sent_all(state, plan_invitations(invite_trip, state, dues))
    back = dues_of(invite_trip, sequence={"sphere": 2}, fingerprint={"sphere": "f2"})
    plan = plan_invitations(invite_trip, state, back)
    assert ("press", "sphere", "REQUEST", "invitation", "new") in summary(plan)


def test_a_changed_address_gets_the_current_invitations_only(invite_trip, invite_data):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    invite_data["members"][2]["email"] = "press@other.example"
    trip = seoulcal.Trip.model_validate(invite_data)
    sphere = next(e for e in trip.events if e.id == "sphere")
    dues = dues_of(trip, withdrawn=[("press", sphere)])
    dues["press"] = [d for d in dues["press"] if d.live is False or d.event.id != "sphere"]
    plan = plan_invitations(trip, state, dues)
    assert summary(plan) == [
        ("press", "seoul-pavilion-opening", "REQUEST", "invitation", "address")
    ]
    assert plan.invitations[0].address == "press@other.example"


def test_a_sequence_not_above_what_was_sent_is_raised(invite_trip):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    plan = plan_invitations(invite_trip, state, dues_of(invite_trip, fingerprint={"sphere": "f9"}))
    assert {(i.event.id, i.revision.sequence) for i in plan.invitations} == {("sphere", 1)}
    assert all(
        i.revision.modified == invite_trip.revised + timedelta(seconds=1) for i in plan.invitations
    )


def test_a_language_change_resends(invite_trip, invite_data):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    invite_data["members"][0]["language"] = "en"
    trip = seoulcal.Trip.model_validate(invite_data)
    plan = plan_invitations(trip, state, dues_of(trip))
    assert {i.member.id for i in plan.invitations} == {"mayor"}


def test_some_members_only(invite_trip):
    plan = plan_invitations(
        invite_trip, InvitationState("invite"), dues_of(invite_trip), members=["press", "home"]
    )
    assert {i.member.id for i in plan.invitations} == {"press"}
    assert plan.skipped == ("home",)
    with pytest.raises(seoulcal.NotFoundError, match="no member 'nobody'"):
        plan_invitations(invite_trip, InvitationState("invite"), {}, members=["nobody"])


def test_a_member_gone_from_the_trip_is_warned_about(invite_trip, invite_data):
    state = sent_all(
        InvitationState("invite"),
        plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip)),
    )
    invite_data["members"] = [m for m in invite_data["members"] if m["id"] != "press"]
    for event in invite_data["events"]:
        event["attendees"] = [a for a in event["attendees"] if a != "press"]
    trip = seoulcal.Trip.model_validate(invite_data)
    plan = plan_invitations(trip, state, dues_of(trip))
    assert plan.invitations == ()
    warning = (
        "member 'press' is no longer in the trip, so their address is unknown: cancel their "
        "invitations by hand"
    )
    assert plan.warnings == (warning,)


def test_the_planner_does_not_change_its_inputs(invite_trip):
    state = InvitationState("invite")
    dues = dues_of(invite_trip)
    before = (state_bytes(state), repr(dues))
    plan_invitations(invite_trip, state, dues)
    assert (state_bytes(state), repr(dues)) == before


# --- the state file -----------------------------------------------------------------------------


def test_state_round_trip(invite_trip, tmp_path):
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    state = sent_all(InvitationState("invite"), plan).with_history({"mayor": {"x": 1}})
    store = InvitationStateFile(tmp_path / "sent.json")
    store.save(state)
    again = store.load(invite_trip)
    assert again == state
    assert state_bytes(again) == (tmp_path / "sent.json").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["sent.json"]


def _journaled(invite_trip, tmp_path):
    """A state file written whole, then every invitation of a plan saved one by one."""
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    store = InvitationStateFile(tmp_path / "sent.json")
    state = InvitationState("invite").with_history({"mayor": {"x": 1}})
    store.save(state)
    states = [state]
    for item in plan.invitations:
        state = state.record(item)
        store.save(state)
        states.append(state)
    return store, states


def test_each_message_is_a_journal_line_and_the_file_is_written_whole_at_close(
    invite_trip, tmp_path
):
    store, states = _journaled(invite_trip, tmp_path)
    assert len(states) > 3
    whole = (tmp_path / "sent.json").read_bytes()
    assert whole == state_bytes(states[0])  # only the first save wrote the file
    lines = journal_path(tmp_path / "sent.json").read_bytes().splitlines()
    assert len(lines) == 1 + len(states) - 1  # which file it extends, then one per message
    assert store.saves == len(states)
    # a reader (another process, or a rerun after a crash) sees every message
    assert read_state(tmp_path / "sent.json", invite_trip) == states[-1]
    store.close()
    assert (tmp_path / "sent.json").read_bytes() == state_bytes(states[-1])
    assert [p.name for p in tmp_path.iterdir()] == ["sent.json"]
    assert read_state(tmp_path / "sent.json", invite_trip) == states[-1]


def test_a_message_cut_off_while_journaled_is_not_recorded(invite_trip, tmp_path):
    _, states = _journaled(invite_trip, tmp_path)
    journal = journal_path(tmp_path / "sent.json")
    data = journal.read_bytes()
    journal.write_bytes(data[: data.rstrip(b"\n").rfind(b"\n") + 1] + b'{"member": "may')
    assert read_state(tmp_path / "sent.json", invite_trip) == states[-2]


def test_a_journal_from_before_the_file_was_written_whole_is_ignored(invite_trip, tmp_path):
    store, states = _journaled(invite_trip, tmp_path)
    journal = journal_path(tmp_path / "sent.json")
    stale = journal.read_bytes()
    later = states[-2].with_history({"mayor": {"x": 2}})  # not only messages: written whole
    store.save(later)
    assert not journal.exists()
    journal.write_bytes(stale)  # as if the process stopped before removing it
    assert read_state(tmp_path / "sent.json", invite_trip) == later
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    latest = later.record(plan.invitations[-1])
    assert latest != later
    store.save(latest)  # a new journal, in place of the stale one
    assert read_state(tmp_path / "sent.json", invite_trip) == latest


def test_the_file_is_written_whole_when_the_journal_is_as_long_as_it(invite_data, tmp_path):
    invite_data["members"] += [  # in the core group: each is owed three invitations
        {
            "id": f"staff{n}",
            "name": {"ko": f"직원 {n}", "en": f"Staff {n}"},
            "role": {"ko": "수행", "en": "Staff"},
            "email": f"staff{n}@seoul.example",
            "groups": ["core"],
        }
        for n in range(8)
    ]
    invite_trip = seoulcal.Trip.model_validate(invite_data)
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    assert len(plan.invitations) >= 31
    path = tmp_path / "sent.json"
    store = InvitationStateFile(path)
    store.JOURNAL_LINES = 2  # this store only: a journal takes at least two messages
    state = InvitationState("invite").with_history({"mayor": {"x": 1}})
    store.save(state)  # written whole, with no record yet
    whole = []
    for number, item in enumerate(plan.invitations, start=1):
        state = state.record(item)
        before = path.read_bytes()
        store.save(state)
        if path.read_bytes() != before:
            whole.append(number)
            assert not journal_path(path).exists()
            assert path.read_bytes() == state_bytes(state)
        assert state_bytes(read_state(path, invite_trip)) == state_bytes(state)  # all kept
    # Written whole when the journal would outgrow the file (at least two messages): at 3 (the
    # file held none), then 7 (it held 3), 15 (7), 31 (15), ...: as often as the records double.
    assert whole == [n for n in (3, 7, 15, 31, 63, 127, 255) if n <= len(plan.invitations)]


def test_a_save_journals_exactly_what_the_state_adds_however_it_was_made(invite_trip, tmp_path):
    """A state that record() made from the saved one, or any other: the same outcome on disk."""
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    items = plan.invitations
    for seed in range(12):
        chooser = random.Random(seed)
        path = tmp_path / f"sent-{seed}.json"
        store = InvitationStateFile(path)
        saved = InvitationState("invite").with_history({"mayor": {"x": seed}})
        store.save(saved)
        made = [saved]
        for _ in range(40):
            step = chooser.choice(["record", "record", "again", "older", "history", "copy"])
            if step == "record":  # the next message, from the state saved last
                state = saved.record(chooser.choice(items))
            elif step == "again":  # a record the saved state holds already: nothing to add
                state = saved.record(chooser.choice(items)).record(chooser.choice(items))
            elif step == "older":  # from a state saved before the last one: not only additions
                state = chooser.choice(made).record(chooser.choice(items))
            elif step == "history":
                state = saved.with_history({"mayor": {"x": chooser.random()}})
            else:  # the same records in other objects: compared, nothing to add
                state = InvitationState(
                    saved.trip_id,
                    {member: dict(records) for member, records in saved.sent.items()},
                    saved.history,
                    saved.archive,
                )
            journal = journal_path(path)
            lines = journal.read_bytes().count(b"\n") if journal.exists() else 0
            store.save(state)
            added = [
                (member, uid)
                for member, records in state.sent.items()
                for uid, sent in records.items()
                if saved.of(member).get(uid) != sent
            ]
            more = state.history is not saved.history or any(
                uid not in state.of(member)
                for member, records in saved.sent.items()
                for uid in records
            )
            if more:  # not only messages added: the file is written whole, the journal gone
                assert not journal.exists()
                assert path.read_bytes() == state_bytes(state)
            elif journal.exists():  # a line for each record added (and the first names the file)
                now = journal.read_bytes().count(b"\n")
                assert now == (lines or 1) + len(added)
            else:
                assert not added
            assert state_bytes(read_state(path, invite_trip)) == state_bytes(state)
            saved = state
            made.append(state)


def test_a_large_state_is_written_in_pieces_with_the_bytes_of_one_json_document(
    invite_trip, tmp_path
):
    """Megabytes of records: the file holds json.dumps(indent=1) of itself, whole characters."""
    moment = datetime(2024, 1, 9, 19, 0, tzinfo=UTC)
    sent = {
        f"단원-{member}": {
            f"uid-{member}-{event}": Sent(
                f"행사-{event}", event % 3, "REQUEST", f"{member:032x}", f"{event:032x}", moment
            )
            for event in range(60)
        }
        for member in range(250)
    }
    state = InvitationState("invite", sent, {"단원-0": {"format": "x", "이력": "가" * 5000}})
    data = state_bytes(state)
    assert len(data) > 3 * 2**20  # several pieces
    text = data.decode()
    assert text == json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    assert parse_state(json.loads(text)) == state
    store = InvitationStateFile(tmp_path / "sent.json")
    store.save(state)
    assert (tmp_path / "sent.json").read_bytes() == data
    # A message more goes to the journal, which names the file's bytes (digested piece by
    # piece): a reader takes the file and the journal both.
    extra = Sent("행사-x", 0, "REQUEST", "d" * 32, "a" * 32, moment)
    more = InvitationState(
        "invite", {**sent, "단원-1": {**sent["단원-1"], "uid-x": extra}}, state.history
    )
    store.save(more)
    assert journal_path(tmp_path / "sent.json").exists()
    assert state_bytes(read_state(tmp_path / "sent.json", invite_trip)) == state_bytes(more)


def test_a_damaged_journal_is_an_error_that_names_it(invite_trip, tmp_path):
    _journaled(invite_trip, tmp_path)
    journal = journal_path(tmp_path / "sent.json")
    lines = journal.read_bytes().splitlines()
    lines[2] = b'{"member": "mayor", "uid": 3}'
    journal.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(StateError, match="journal is damaged"):
        read_state(tmp_path / "sent.json", invite_trip)


def test_state_holds_no_address_and_no_name(invite_trip):
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    text = state_bytes(sent_all(InvitationState("invite"), plan)).decode()
    for member in invite_trip.members:
        assert member.name.ko not in text
        assert member.name.en not in text
        if member.email:
            assert member.email not in text
            assert member.email.split("@")[1] not in text
            assert address_digest(invite_trip, member.email) in text


def test_a_missing_state_is_empty(invite_trip, tmp_path):
    assert read_state(tmp_path / "none.json", invite_trip) == InvitationState("invite")


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"[]",
        json.dumps({"format": "seoulcal-state/1", "trip": "invite", "members": {}}).encode(),
        json.dumps(
            {
                "format": "seoulcal-invitations/1",
                "trip": "invite",
                "members": {"mayor": {"sent": {"u": {"method": "PUBLISH"}}}},
            }
        ).encode(),
    ],
)
def test_a_damaged_state_is_refused(invite_trip, tmp_path, content):
    path = tmp_path / "sent.json"
    path.write_bytes(content)
    with pytest.raises(StateError, match=f"{path}: the invitation state is damaged"):
        read_state(path, invite_trip)


def test_another_trips_state_is_refused(invite_trip, tmp_path):
    path = tmp_path / "sent.json"
    path.write_bytes(state_bytes(InvitationState("other")))
    with pytest.raises(StateError, match="holds the invitations of trip 'other', not 'invite'"):
        read_state(path, invite_trip)


def test_parse_state_reads_what_state_bytes_writes(invite_trip):
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    state = sent_all(InvitationState("invite"), plan)
    assert parse_state(json.loads(state_bytes(state))) == state


def test_same_state_says_whether_the_files_bytes_are_the_same(invite_trip):
    plan = plan_invitations(invite_trip, InvitationState("invite"), dues_of(invite_trip))
    sent = sent_all(InvitationState("invite"), plan)
    history = {"events": {"u": {"id": "e", "sequence": 1}}, "format": 1, "trip": "invite"}
    variants = [
        InvitationState("invite"),
        InvitationState("other"),
        sent,
        sent_all(InvitationState("invite"), plan),  # equal, made apart
        sent.with_history({"mayor": history}),
        sent.with_history({"mayor": {**history, "format": 2}}),
        sent.with_history({}, {"events": {}, "note": "한국어"}),
        sent.with_history({}, {"events": {}, "note": "한국어 "}),
    ]
    for one in variants:
        for other in variants:
            same = state_bytes(one) == state_bytes(other)
            assert same_state(one, other) is same
