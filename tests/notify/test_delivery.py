"""A run through a real SMTP server with faults on the server's side, then a rerun.

Whatever fails, a rerun sends exactly what is still owed: every revision reaches every member
exactly once across the runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import seoulcal
from seoulcal.ics.itip import invitation_ics
from seoulcal.identity import Revision
from seoulcal.notify.invitations import Due, InvitationStateFile, plan_invitations, send_invitations
from seoulcal.notify.mail import OutboxMailer, SmtpMailer

WHEN = datetime(2024, 1, 8, 3, 0, tzinfo=UTC)


def dues_of(trip):
    return {
        member.id: [
            Due(seoulcal.event_uid(trip, event), event, Revision(0, trip.revised), "f0")
            for event in trip.events_for(member)
        ]
        for member in trip.members
    }


def run(trip, store, mailer, **options):
    def calendar(item):
        return invitation_ics(
            trip, item.event, item.revision, method=item.method, attendee=item.member
        )

    state = store.load(trip)
    plan = plan_invitations(trip, state, dues_of(trip))
    return send_invitations(
        plan, mailer, state, calendar=calendar, save=store.save, clock=lambda: WHEN, **options
    )


def delivered(*sinks):
    """(recipient, UID line, SEQUENCE line) of every message the servers accepted."""
    found = []
    for sink in sinks:
        for item in sink.received():
            message = item.message
            part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
            text = part.get_payload(decode=True).decode()
            uid = next(line for line in text.split("\r\n") if line.startswith("UID:"))
            seq = next(line for line in text.split("\r\n") if line.startswith("SEQUENCE:"))
            found.append((tuple(item.recipients), uid, seq))
    return found


def everything(trip):
    return sorted(
        ((member.email,), f"UID:{seoulcal.event_uid(trip, event)}", "SEQUENCE:0")
        for member in trip.members
        if member.email
        for event in trip.events_for(member)
    )


def mailer(sink):
    return SmtpMailer(sink.host, sink.port, backoff=0, timeout=20)


def test_a_run_sends_everything_once_and_saves_after_each_message(
    invite_trip, smtp_server, tmp_path
):
    sink = smtp_server()
    store = InvitationStateFile(tmp_path / "sent.json")
    smtp = mailer(sink)
    report = run(invite_trip, store, smtp)
    assert report.ok
    assert sorted(delivered(sink)) == everything(invite_trip)
    assert store.saves == len(report.sent) == 9
    assert smtp.connections == 1
    assert [(m.member_id, m.sent, m.unchanged, m.skipped, m.failed) for m in report.members] == [
        ("mayor", 4, 0, False, 0),
        ("aide", 3, 0, False, 0),
        ("press", 2, 0, False, 0),
        ("home", 0, 0, True, 0),
    ]
    again = run(invite_trip, store, mailer(sink))
    assert again.sent == ()
    assert [(m.member_id, m.unchanged) for m in again.members][:3] == [
        ("mayor", 4),
        ("aide", 3),
        ("press", 2),
    ]
    assert len(sink.received()) == 9


def test_dropped_connections(invite_trip, smtp_server, tmp_path):
    sink = smtp_server(drop_after=2)
    smtp = mailer(sink)
    report = run(invite_trip, InvitationStateFile(tmp_path / "sent.json"), smtp)
    assert report.ok
    assert sorted(delivered(sink)) == everything(invite_trip)
    assert smtp.connections == 5


@pytest.mark.parametrize(
    "faults",
    [
        {"rcpt": {"press@news.example": 550}},
        {"rcpt": {"press@news.example": 450}},
        {"data": {"aide@seoul.example": 451}},
        {"data": {"aide@seoul.example": 554}},
    ],
    ids=["rcpt-550", "rcpt-450", "data-451", "data-554"],
)
def test_a_refused_member_is_reported_the_rest_go_on_and_a_rerun_completes(
    invite_trip, smtp_server, tmp_path, faults
):
    store = InvitationStateFile(tmp_path / "sent.json")
    faulty = smtp_server(**faults)
    report = run(invite_trip, store, mailer(faulty))
    refused = next(iter(next(iter(faults.values()))))
    code = next(iter(next(iter(faults.values())).values()))
    assert not report.ok
    assert report.stopped is None
    assert {f.invitation.address for f in report.failures} == {refused}
    assert all(f.temporary is (code < 500) for f in report.failures)
    assert all(f"({code} " in f.reason for f in report.failures)
    assert {r.member_id: r.failed for r in report.members}[refused.split("@")[0]] == len(
        report.failures
    )
    assert all(item.recipients != [refused] for item in faulty.received())
    healthy = smtp_server()
    rerun = run(invite_trip, store, mailer(healthy))
    assert rerun.ok
    assert {item.address for item in rerun.sent} == {refused}
    assert sorted(delivered(faulty, healthy)) == everything(invite_trip)


def test_a_fatal_failure_stops_the_run_and_a_rerun_completes(invite_trip, smtp_server, tmp_path):
    store = InvitationStateFile(tmp_path / "sent.json")
    refusing = smtp_server(mail=553)
    report = run(invite_trip, store, mailer(refusing))
    assert report.stopped is not None
    assert "refused the sender" in report.stopped
    assert len(report.failures) == 9
    assert [f.attempted for f in report.failures] == [True] + [False] * 8
    assert store.saves == 0
    healthy = smtp_server()
    assert run(invite_trip, store, mailer(healthy)).ok
    assert sorted(delivered(healthy)) == everything(invite_trip)


def test_no_server_stops_the_run(invite_trip, smtp_server, tmp_path):
    sink = smtp_server()
    sink.stop()
    report = run(invite_trip, InvitationStateFile(tmp_path / "sent.json"), mailer(sink))
    assert "cannot connect" in (report.stopped or "")
    assert report.sent == ()


class Interrupted:
    """A caller's mailer that is interrupted (Ctrl-C) at its *n*-th message."""

    def __init__(self, inner, n):
        self.inner, self.n, self.count = inner, n, 0

    def send(self, mail):
        self.count += 1
        if self.count == self.n:
            raise KeyboardInterrupt
        self.inner.send(mail)

    def close(self):
        self.inner.close()


def test_an_interrupted_run_loses_nothing(invite_trip, smtp_server, tmp_path):
    sink = smtp_server()
    store = InvitationStateFile(tmp_path / "sent.json")
    with pytest.raises(KeyboardInterrupt):
        run(invite_trip, store, Interrupted(mailer(sink), 4))
    assert len(sink.received()) == 3
    assert store.saves == 3
    rerun = run(invite_trip, store, mailer(sink))
    assert len(rerun.sent) == 6
    assert sorted(delivered(sink)) == everything(invite_trip)


def test_progress_is_reported_after_each_message(invite_trip, smtp_server, tmp_path):
    sink = smtp_server(rcpt={"press@news.example": 550})
    seen = []
    run(
        invite_trip,
        InvitationStateFile(tmp_path / "sent.json"),
        mailer(sink),
        progress=lambda n, total, item, error: seen.append((n, total, item.member.id, error)),
    )
    assert [(n, total) for n, total, _, _ in seen] == [(n, 9) for n in range(1, 10)]
    assert all((error is None) is (member != "press") for _, _, member, error in seen)


def test_the_outbox(invite_trip, tmp_path):
    store = InvitationStateFile(tmp_path / "sent.json")
    outbox = OutboxMailer(tmp_path / "out")
    assert run(invite_trip, store, outbox).ok
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in outbox.written)
    assert names == sorted(
        f"{member.id}/{event.id}.0.request.eml"
        for member in invite_trip.members
        if member.email
        for event in invite_trip.events_for(member)
    )
    again = OutboxMailer(tmp_path / "out")
    assert run(invite_trip, store, again).sent == ()
    assert again.written == []
