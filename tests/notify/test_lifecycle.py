"""The life of a trip's invitations, through a real SMTP server, read by real parsers.

First send, a rerun (nothing), an event moved (a REQUEST with SEQUENCE + 1 to exactly its
attendees), an event removed (CANCEL), a member taken off an event (CANCEL to them alone), a
changed address (the current invitations at the new address), an event cancelled. Every
message's calendar part is read by ical.js, vobject and allenporter's ``ical`` at the instants the
model intends, and its ORGANIZER and ATTENDEE by vobject.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
import test_clients as clients
import vobject

import seoulcal
from seoulcal.notify.invitations import InvitationStateFile
from seoulcal.notify.mail import SmtpMailer
from seoulcal.notify.run import invite

WHEN = datetime(2024, 1, 8, 3, 0, tzinfo=UTC)


def calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0].get_param("method"), parts[0].get_payload(decode=True)


class Inbox:
    """What a server received since the last look, as (recipient, event id, method, sequence)."""

    def __init__(self, sink, trip):
        self.sink, self.seen = sink, 0
        self.uids = {seoulcal.event_uid(trip, e): e.id for e in trip.events}

    def new(self):
        found = []
        received = self.sink.received()
        for item in received[self.seen :]:
            method, data = calendar_part(item.message)
            parsed = vobject.readOne(data.decode())
            assert parsed.method.value == method
            event = parsed.vevent
            found.append(
                (
                    item.recipients[0],
                    self.uids[event.uid.value],
                    method,
                    int(event.sequence.value),
                )
            )
        self.seen = len(received)
        return sorted(found)


def run(trip, store, sink, **options):
    mailer = SmtpMailer(sink.host, sink.port, backoff=0, timeout=20)
    result = invite(trip, store, mailer, clock=lambda: WHEN, **options)
    assert result.report is not None
    assert result.report.ok, result.report.failures
    return result


def everyone(trip, sequence=0):
    return sorted(
        (member.email, event.id, "REQUEST", sequence)
        for member in trip.members
        if member.email
        for event in trip.events_for(member)
    )


def test_the_lifecycle(invite_data, smtp_server, tmp_path):
    sink = smtp_server()
    store = InvitationStateFile(tmp_path / "sent.json")
    trip = seoulcal.Trip.model_validate(invite_data)
    inbox = Inbox(sink, trip)

    first = run(trip, store, sink)
    assert inbox.new() == everyone(trip)
    assert first.plan.skipped == ("home",)

    run(trip, store, sink)
    assert inbox.new() == []

    moved = copy.deepcopy(invite_data)
    moved["revised"] = "2024-01-02T00:00:00Z"
    moved["events"][2]["time"] = {"day": "2024-01-11", "part": "morning"}  # sphere
    trip = seoulcal.Trip.model_validate(moved)
    run(trip, store, sink)
    assert inbox.new() == [
        ("mayor@seoul.example", "sphere", "REQUEST", 1),
        ("press@news.example", "sphere", "REQUEST", 1),
    ]

    removed = copy.deepcopy(moved)
    removed["revised"] = "2024-01-03T00:00:00Z"
    removed["events"] = [e for e in removed["events"] if e["id"] != "flight"]
    trip = seoulcal.Trip.model_validate(removed)
    run(trip, store, sink)
    assert inbox.new() == [
        ("aide@seoul.example", "flight", "CANCEL", 1),
        ("mayor@seoul.example", "flight", "CANCEL", 1),
    ]
    run(trip, store, sink)
    assert inbox.new() == []

    taken_off = copy.deepcopy(removed)
    taken_off["revised"] = "2024-01-04T00:00:00Z"
    taken_off["events"][2]["attendees"] = ["mayor"]  # the press is taken off the sphere visit
    trip = seoulcal.Trip.model_validate(taken_off)
    run(trip, store, sink)
    assert inbox.new() == [("press@news.example", "sphere", "CANCEL", 2)]

    readdressed = copy.deepcopy(taken_off)
    readdressed["revised"] = "2024-01-05T00:00:00Z"
    readdressed["members"][1]["email"] = "aide@new.example"
    trip = seoulcal.Trip.model_validate(readdressed)
    run(trip, store, sink)
    assert inbox.new() == [
        ("aide@new.example", "ces-visit", "REQUEST", 0),
        ("aide@new.example", "seoul-pavilion-opening", "REQUEST", 0),
    ]

    cancelled = copy.deepcopy(readdressed)
    cancelled["revised"] = "2024-01-06T00:00:00Z"
    cancelled["events"][0]["status"] = "cancelled"
    trip = seoulcal.Trip.model_validate(cancelled)
    run(trip, store, sink)
    assert inbox.new() == [
        ("aide@new.example", "seoul-pavilion-opening", "CANCEL", 1),
        ("mayor@seoul.example", "seoul-pavilion-opening", "CANCEL", 1),
        ("press@news.example", "seoul-pavilion-opening", "CANCEL", 1),
    ]
    run(trip, store, sink)
    assert inbox.new() == []


def test_the_sequence_is_the_sites(invite_data, smtp_server, tmp_path):
    """After the same edits, an invitation and the member's feed carry the same revision."""
    sink = smtp_server()
    store = InvitationStateFile(tmp_path / "sent.json")
    site = tmp_path / "site"
    inbox = Inbox(sink, seoulcal.Trip.model_validate(invite_data))
    versions = []
    data = copy.deepcopy(invite_data)
    versions.append(copy.deepcopy(data))
    data["revised"] = "2024-01-02T00:00:00Z"
    data["events"][0]["title"]["en"] = "Opening of the Seoul Pavilion (moved)"
    versions.append(copy.deepcopy(data))
    data["revised"] = "2024-01-03T00:00:00Z"
    data["events"][0]["time"]["start"] = "2024-01-09T10:00[America/Los_Angeles]"
    versions.append(copy.deepcopy(data))
    for version in versions:
        trip = seoulcal.Trip.model_validate(version)
        report = seoulcal.build_site(trip, site, base_url="https://trip.example/", secret=None)
        run(trip, store, sink)
    got = {(to, event): seq for to, event, _, seq in inbox.new()}
    assert got[("aide@seoul.example", "seoul-pavilion-opening")] == 2
    aide = next(m for m in report.members if m.member_id == "aide")
    feed = (
        site / aide.page_url.removeprefix("https://trip.example/") / "invite.en.ics"
    ).read_bytes()
    calendar = vobject.readOne(feed.decode())
    sequences = {event.uid.value: int(event.sequence.value) for event in calendar.vevent_list}
    uid = seoulcal.event_uid(trip, trip.events[0])
    assert sequences[uid] == 2


@pytest.mark.parametrize("parser", clients.PARSERS)
def test_every_calendar_part_reads_as_intended(invite_trip, smtp_server, tmp_path, parser):
    sink = smtp_server()
    run(invite_trip, InvitationStateFile(tmp_path / "sent.json"), sink)
    received = sink.received()
    assert len(received) == 9
    for item in received:
        method, data = calendar_part(item.message)
        assert method == "REQUEST"
        read = clients.read(parser, data, tmp_path)
        assert len(read.events) == 1
        parsed = read.events[0]
        event = next(
            e for e in invite_trip.events if seoulcal.event_uid(invite_trip, e) == parsed.uid
        )
        member = next(m for m in invite_trip.members if m.email == item.recipients[0])
        problems = clients._time_mismatches(parsed, invite_trip, event)
        problems += clients._differs(
            "SUMMARY",
            parsed.summary,
            clients.expected_summary(event, invite_trip.timing(event), member.language),
        )
        problems += clients._differs("SEQUENCE", parsed.sequence, 0)
        assert problems == [], (parser, event.id, member.id)


def test_the_organizer_and_the_one_attendee(invite_trip, smtp_server, tmp_path):
    sink = smtp_server()
    run(invite_trip, InvitationStateFile(tmp_path / "sent.json"), sink)
    for item in sink.received():
        _, data = calendar_part(item.message)
        event = vobject.readOne(data.decode()).vevent
        assert event.organizer.value == "mailto:office@seoul.example"
        member = next(m for m in invite_trip.members if m.email == item.recipients[0])
        assert event.organizer.params["CN"] == [invite_trip.organizer.name.pick(member.language)]
        attendees = event.contents["attendee"]
        assert len(attendees) == 1
        attendee = attendees[0]
        assert attendee.value == f"mailto:{item.recipients[0]}"
        assert attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
        assert attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
        assert attendee.params["RSVP"] == ["FALSE"]
        assert attendee.params["CN"] == [member.name.pick(member.language)]


def test_a_cancel_reads_as_cancelled(invite_data, smtp_server, tmp_path):
    sink = smtp_server()
    store = InvitationStateFile(tmp_path / "sent.json")
    run(seoulcal.Trip.model_validate(invite_data), store, sink)
    invite_data["revised"] = "2024-01-02T00:00:00Z"
    invite_data["events"] = [e for e in invite_data["events"] if e["id"] != "ces-visit"]
    trip = seoulcal.Trip.model_validate(invite_data)
    before = len(sink.received())
    run(trip, store, sink)
    for item in sink.received()[before:]:
        method, data = calendar_part(item.message)
        assert method == "CANCEL"
        read = clients.read("vobject", data, tmp_path)
        assert read.events[0].status == "CANCELLED"
        assert read.events[0].sequence == 1
        assert read.events[0].start == date(2024, 1, 9)
        assert read.events[0].summary.startswith("[")


class OwnSystem:
    """A caller's own mail system, as docs/invitations.md shows one: it keeps what it is given."""

    def __init__(self, refuse=()):
        self.sent, self.refuse, self.closed = [], set(refuse), 0

    def send(self, mail):
        if mail.recipient in self.refuse:
            raise seoulcal.SendError("the API said no", temporary=True)
        self.sent.append((mail.recipient, mail.as_bytes()))

    def close(self):
        self.closed += 1


def test_a_script_plans_then_sends_through_its_own_system(invite_trip, tmp_path):
    store = seoulcal.InvitationStateFile(tmp_path / "sent.json")
    planned = seoulcal.invite(invite_trip, store, None, dry_run=True)
    assert planned.report is None
    assert len(planned.plan.invitations) == 9
    assert not store.path.exists()
    own = OwnSystem(refuse={"press@news.example"})
    run = seoulcal.invite(invite_trip, store, own, clock=lambda: WHEN)
    assert run.report is not None
    assert (len(own.sent), len(run.report.failures), own.closed) == (7, 2, 1)
    assert all(f.temporary and f.reason == "the API said no" for f in run.report.failures)
    again = seoulcal.invite(invite_trip, store, OwnSystem(), clock=lambda: WHEN)
    assert again.report is not None
    assert [i.address for i in again.report.sent] == ["press@news.example"] * 2


def test_reminders_and_the_members_page_are_in_the_invitation(invite_data, smtp_server, tmp_path):
    invite_data["reminders"] = ["-PT30M"]
    invite_data["events"][3]["reminders"] = ["-PT3H"]  # the flight
    trip = seoulcal.Trip.model_validate(invite_data)
    sink = smtp_server()
    pages = {member.id: f"https://trip.example/m/{member.id}/" for member in trip.members}
    run(trip, InvitationStateFile(tmp_path / "sent.json"), sink, page_url=lambda m: pages[m.id])
    seen = set()
    for item in sink.received():
        _, data = calendar_part(item.message)
        event = vobject.readOne(data.decode()).vevent
        member = next(m for m in trip.members if m.email == item.recipients[0])
        triggers = [alarm.trigger.value for alarm in event.contents.get("valarm", [])]
        seen.add((event.summary.value, tuple(str(t) for t in triggers)))
        assert event.url.value.startswith(pages[member.id] + "#event-")
    assert ("Flight home", ("-1 day, 21:00:00",)) in seen
    assert ("Opening of the Seoul Pavilion", ("-1 day, 23:30:00",)) in seen
