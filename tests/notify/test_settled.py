"""A rerun that owes nothing, answered from the record a settled run left (notify/settled.py)."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys

import pytest
from notify_helpers import write_trip

import seoulcal.notify.run
import seoulcal.tripfile
from seoulcal import cli
from seoulcal.notify.invitations import InvitationStateFile
from seoulcal.notify.settled import (
    SETTLED_FORMAT,
    Settled,
    journal_path,
    read_settled,
    settled_path,
    write_settled,
)

SECRET = "a-secret-of-at-least-sixteen-bytes"  # noqa: S105 - the test's page-link secret


@pytest.fixture
def trip_file(tmp_path, invite_data):
    return write_trip(tmp_path / "trip.toml", invite_data)


@pytest.fixture
def full_runs(monkeypatch):
    """Count the runs done in full (planned from a loaded trip), as a list of their calls."""
    calls = []
    real = seoulcal.notify.run.invite

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(seoulcal.notify.run, "invite", counted)
    return calls


def invite(capsys, trip, state, *extra):
    code = cli.main(["invite", "--trip", str(trip), "--state", str(state), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def outbox(tmp_path):
    return ("--outbox", str(tmp_path / "out"))


def files(folder):
    """Every file under *folder* with its bytes and modification time."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_send_leaves_a_record_and_the_rerun_is_answered_from_it(
    capsys, tmp_path, trip_file, full_runs
):
    state = tmp_path / "sent.json"
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert code == 0
    assert out.splitlines()[0] == f"{state}: 9 sent, 0 failed, 1 members skipped"
    assert settled_path(state).exists()
    assert not journal_path(state).exists()
    assert len(full_runs) == 1
    before = files(tmp_path)

    answered = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert len(full_runs) == 1  # answered from the record
    assert files(tmp_path) == before  # nothing written, not even the record

    settled_path(state).unlink()
    in_full = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert len(full_runs) == 2
    assert answered == in_full  # the same exit code, stdout and stderr, byte for byte
    assert in_full[1].splitlines()[0] == f"{state}: 0 sent, 0 failed, 1 members skipped"
    assert "mayor   0     4          -         0" in in_full[1]
    assert "home    0     0          no email  0" in in_full[1]
    # The rerun in full owed nothing and left the state as it was: it kept the record again.
    assert {p: d for p, d in files(tmp_path).items() if p != settled_path(state)} == {
        p: d for p, d in before.items() if p != settled_path(state)
    }
    assert settled_path(state).read_bytes() == before[settled_path(state)][0]


def test_the_answer_loads_neither_the_trip_nor_its_libraries(tmp_path, trip_file):
    state = tmp_path / "sent.json"
    argv = ["invite", "--trip", str(trip_file), "--state", str(state), *outbox(tmp_path)]
    script = (
        "import sys\n"
        "from seoulcal import cli\n"
        f"code = cli.main({argv!r})\n"
        "loaded = [m for m in ('pydantic', 'icalendar', 'seoulcal.model') if m in sys.modules]\n"
        "sys.stderr.write(repr(loaded))\n"
        "sys.exit(code)\n"
    )

    def run():
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr

    first_out, first_loaded = run()
    assert first_loaded == "['pydantic', 'icalendar', 'seoulcal.model']"
    out, loaded = run()
    assert loaded == "[]"
    assert out.splitlines()[0] == f"{state}: 0 sent, 0 failed, 1 members skipped"
    assert first_out.splitlines()[0] == f"{state}: 9 sent, 0 failed, 1 members skipped"


def test_the_warnings_are_given_again(capsys, tmp_path, invite_data, full_runs):
    trip = write_trip(tmp_path / "trip.toml", invite_data)
    state = tmp_path / "sent.json"
    assert invite(capsys, trip, state, *outbox(tmp_path))[0] == 0
    fewer = copy.deepcopy(invite_data)
    fewer["members"] = [m for m in fewer["members"] if m["id"] != "press"]
    for event in fewer["events"]:
        event["attendees"] = [a for a in event["attendees"] if a != "press"]
    write_trip(trip, fewer)
    in_full = invite(capsys, trip, state, *outbox(tmp_path))
    assert "member 'press' is no longer in the trip" in in_full[2], in_full
    assert len(full_runs) == 2
    answered = invite(capsys, trip, state, *outbox(tmp_path))
    assert len(full_runs) == 2
    assert answered == in_full


def settle(capsys, tmp_path, trip_file, *extra):
    state = tmp_path / "sent.json"
    code, _, _ = invite(capsys, trip_file, state, *outbox(tmp_path), *extra)
    assert code == 0
    assert settled_path(state).exists()
    return state


def test_a_changed_trip_is_planned_in_full(capsys, tmp_path, invite_data, full_runs):
    trip = write_trip(tmp_path / "trip.toml", invite_data)
    state = settle(capsys, tmp_path, trip)
    invite_data["events"][2]["time"] = {"day": "2024-01-11", "part": "evening"}
    write_trip(trip, invite_data)
    code, out, _ = invite(capsys, trip, state, *outbox(tmp_path))
    assert code == 0
    assert len(full_runs) == 2
    assert out.splitlines()[0] == f"{state}: 2 sent, 0 failed, 1 members skipped"  # the move
    assert invite(capsys, trip, state, *outbox(tmp_path)) == invite(
        capsys, trip, state, *outbox(tmp_path)
    )
    assert len(full_runs) == 2  # the send settled again: both reruns answered from the record


@pytest.mark.parametrize(
    "options",
    [
        ("--member", "mayor"),
        ("--member", "aide", "--member", "mayor"),
        ("--from", "someone@seoul.example"),
        ("--base-url", "https://trip.example.org/"),
    ],
)
def test_other_options_are_planned_in_full(capsys, tmp_path, trip_file, full_runs, options):
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    links = ("--secret-file", str(secret)) if "--base-url" in options else ()
    state = settle(capsys, tmp_path, trip_file)
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path), *options, *links)
    assert code == 0
    assert " 0 sent, 0 failed" in out.splitlines()[0]
    assert len(full_runs) == 2
    # That run kept a record of its own inputs, which answers it now
    assert invite(capsys, trip_file, state, *outbox(tmp_path), *options, *links) == (code, out, "")
    assert len(full_runs) == 2


def test_another_secret_is_planned_in_full(capsys, tmp_path, trip_file, full_runs):
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    links = ("--base-url", "https://trip.example.org/", "--secret-file", str(secret))
    state = settle(capsys, tmp_path, trip_file, *links)
    secret.write_text(SECRET + "-rotated", encoding="utf-8")
    assert invite(capsys, trip_file, state, *outbox(tmp_path), *links)[0] == 0
    assert len(full_runs) == 2


def test_the_options_are_still_checked(capsys, tmp_path, trip_file, full_runs):
    state = settle(capsys, tmp_path, trip_file)
    code, out, err = invite(capsys, trip_file, state, "--outbox", "o", "--starttls")
    assert (code, out) == (2, "")
    assert "--starttls, --ssl and --user go with --smtp" in err
    secret = tmp_path / "missing-secret"
    code, out, err = invite(
        capsys,
        trip_file,
        state,
        *outbox(tmp_path),
        *("--base-url", "https://trip.example.org/", "--secret-file", str(secret)),
    )
    assert (code, out) == (2, "")
    assert "missing-secret: cannot read it" in err


def test_a_secret_changed_during_the_run_keeps_no_record(
    capsys, tmp_path, trip_file, full_runs, monkeypatch
):
    # The run digests its inputs before it loads the trip and reads the secret again for the
    # links: an edit in between must not leave a record of the old inputs beside the new links.
    state = tmp_path / "sent.json"
    secret = tmp_path / "secret"
    secret.write_text(SECRET, encoding="utf-8")
    links = ("--base-url", "https://trip.example.org/", "--secret-file", str(secret))
    real = seoulcal.tripfile.start_loading

    def edited_meanwhile(*args, **kwargs):
        secret.write_text(SECRET + "-new", encoding="utf-8")
        return real(*args, **kwargs)

    monkeypatch.setattr(seoulcal.tripfile, "start_loading", edited_meanwhile)
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path), *links)
    assert (code, out.splitlines()[0]) == (0, f"{state}: 9 sent, 0 failed, 1 members skipped")
    assert not settled_path(state).exists()
    monkeypatch.setattr(seoulcal.tripfile, "start_loading", real)
    secret.write_text(SECRET, encoding="utf-8")  # the secret as it was digested
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path), *links)
    assert len(full_runs) == 2  # no record answered for it: the links changed back
    assert code == 0


def test_a_run_loads_the_table_bytes_it_digested(
    capsys, tmp_path, invite_data, full_runs, monkeypatch
):
    # As a build does (tests/test_cli.py): a roster edited while the run starts is not what it
    # plans from, so the record it keeps names the bytes it planned from.
    listed = write_trip(tmp_path / "listed.toml", invite_data)
    roster = tmp_path / "roster.csv"
    assert cli.main(["members", "--trip", str(listed), "--format", "csv", "-o", str(roster)]) == 0
    invite_data["members"] = "roster.csv"
    trip_file = write_trip(tmp_path / "trip.toml", invite_data)
    before = roster.read_bytes()
    real = seoulcal.tripfile.start_loading

    def edited_meanwhile(*args, **kwargs):
        roster.write_bytes(before.replace(b"mayor@", b"the-mayor@"))
        return real(*args, **kwargs)

    monkeypatch.setattr(seoulcal.tripfile, "start_loading", edited_meanwhile)
    state = tmp_path / "sent.json"
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert (code, out.splitlines()[0]) == (0, f"{state}: 9 sent, 0 failed, 1 members skipped")
    assert b"the-mayor@" not in state.read_bytes()  # planned from the roster it digested
    monkeypatch.setattr(seoulcal.tripfile, "start_loading", real)
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert len(full_runs) == 2  # the edited roster is a change: planned in full
    assert out.splitlines()[0] == f"{state}: 4 sent, 0 failed, 1 members skipped"  # new address
    roster.write_bytes(before)
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert len(full_runs) == 3  # the record names the edited roster now
    assert out.splitlines()[0] == f"{state}: 4 sent, 0 failed, 1 members skipped"


@pytest.mark.parametrize(
    "damage",
    ["state bytes", "state gone", "journal", "record garbage", "record format", "record rows"],
)
def test_anything_else_is_planned_in_full(capsys, tmp_path, trip_file, full_runs, damage):
    state = settle(capsys, tmp_path, trip_file)
    record = settled_path(state)
    if damage == "state bytes":  # the same JSON, other bytes: the record names the old ones
        state.write_bytes(state.read_bytes().replace(b"\n", b"\n "))
    elif damage == "state gone":
        state.unlink()
    elif damage == "journal":  # one that extends these bytes (a run stopped before its close)
        extends = hashlib.sha256(state.read_bytes()).hexdigest()
        journal_path(state).write_bytes(json.dumps({"extends": extends}).encode() + b"\n")
    elif damage == "record garbage":
        record.write_bytes(b"\x00not json")
    else:
        data = json.loads(record.read_bytes())
        if damage == "record format":
            data["format"] = "seoulcal-invitations-settled/0"
        else:
            data["members"][0][1] = -1
        record.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path))
    assert code == 0
    assert len(full_runs) == 2
    sent = 9 if damage == "state gone" else 0
    assert out.splitlines()[0] == f"{state}: {sent} sent, 0 failed, 1 members skipped"


def test_a_run_with_failures_keeps_no_record(capsys, tmp_path, trip_file, smtp_server, full_runs):
    state = tmp_path / "s.json"
    refusing = smtp_server(rcpt={"press@news.example": 550})
    code, _, _ = invite(capsys, trip_file, state, "--smtp", f"127.0.0.1:{refusing.port}")
    assert code == 2
    assert not settled_path(state).exists()
    healthy = smtp_server()
    code, _, _ = invite(capsys, trip_file, state, "--smtp", f"127.0.0.1:{healthy.port}")
    assert code == 0
    assert len(healthy.received()) == 2
    assert settled_path(state).exists()
    code, out, _ = invite(capsys, trip_file, state, "--smtp", f"127.0.0.1:{healthy.port}")
    assert (code, len(full_runs), len(healthy.received())) == (0, 2, 2)
    assert out.splitlines()[0] == f"{state}: 0 sent, 0 failed, 1 members skipped"


def test_a_dry_run_neither_reads_nor_keeps_a_record(capsys, tmp_path, trip_file, full_runs):
    state = tmp_path / "sent.json"
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path), "--dry-run")
    assert code == 0
    assert not settled_path(state).exists()
    state = settle(capsys, tmp_path, trip_file)
    code, out, _ = invite(capsys, trip_file, state, *outbox(tmp_path), "--dry-run")
    assert out.splitlines()[0] == f"{state}: dry run, nothing sent or written; 0 owed"
    assert len(full_runs) == 3


def test_a_library_run_without_a_source_keeps_none(tmp_path, invite_trip):
    from seoulcal.notify.mail import OutboxMailer  # noqa: PLC0415 - only here

    state = tmp_path / "sent.json"
    seoulcal.notify.run.invite(invite_trip, InvitationStateFile(state), OutboxMailer(tmp_path))
    assert state.exists()
    assert not settled_path(state).exists()


# --- the record itself --------------------------------------------------------------------------


def test_write_then_read(tmp_path):
    state = tmp_path / "s.json"
    state.write_bytes(b'{"format": "x"}\n')
    settled = Settled((("mayor", 4, False), ("home", 0, True)), ("a warning", "그리고 한국어"))
    write_settled(state, "digest", hashlib.sha256(state.read_bytes()).hexdigest(), settled)
    assert read_settled(state, "digest") == settled
    assert read_settled(state, "other digest") is None
    assert json.loads(settled_path(state).read_bytes())["format"] == SETTLED_FORMAT
    assert settled_path(state).stat().st_mode & 0o777 == 0o600  # as the state: its owner's
    assert sorted(p.name for p in tmp_path.iterdir()) == [".s.json.settled", "s.json"]


@pytest.mark.parametrize(
    "members",
    [
        "mayor",
        [["mayor", 4]],
        [["mayor", 4, False, 1]],
        [[1, 4, False]],
        [["mayor", 4.0, False]],
        [["mayor", True, False]],
        [["mayor", -1, False]],
        [["mayor", 4, "no"]],
    ],
)
def test_a_record_that_is_not_one_is_ignored(tmp_path, members):
    state = tmp_path / "s.json"
    state.write_bytes(b"{}")
    settled_path(state).write_text(
        json.dumps(
            {
                "format": SETTLED_FORMAT,
                "members": members,
                "source": "digest",
                "state": hashlib.sha256(b"{}").hexdigest(),
                "warnings": [],
            }
        ),
        encoding="utf-8",
    )
    assert read_settled(state, "digest") is None


def test_the_store_settles_only_what_it_read(tmp_path, invite_trip):
    state = tmp_path / "s.json"
    store = InvitationStateFile(state)
    empty = Settled(())
    store.load(invite_trip)
    assert not store.settle("digest", empty)  # no file: nothing to name
    store.save(store.load(invite_trip))
    assert not store.settle("digest", empty)  # saved since it read
    loaded = store.load(invite_trip)
    assert store.settle("digest", empty)
    assert read_settled(state, "digest") == empty
    journal = journal_path(state)
    for stale in (json.dumps({"extends": "other bytes"}).encode() + b"\n", b"", b'{"ext'):
        journal.write_bytes(stale)  # left from before the file was written whole, or begun only
        assert store.load(invite_trip) == loaded  # ignored by the state's reader
        assert read_settled(state, "digest") == empty  # so the record still vouches
    extends = hashlib.sha256(state.read_bytes()).hexdigest()
    for counted in (json.dumps({"extends": extends}).encode() + b"\n", b"not json\n"):
        journal.write_bytes(counted)  # adds to these bytes, or may (the full run says)
        assert read_settled(state, "digest") is None


@pytest.mark.parametrize("damage", ["unreadable", "history"])
def test_a_state_changed_under_the_run_keeps_no_record_and_the_report(
    tmp_path, invite_trip, damage
):
    from dataclasses import replace  # noqa: PLC0415 - only here

    from seoulcal.notify.invitations import StateError  # noqa: PLC0415 - only here
    from seoulcal.notify.mail import OutboxMailer  # noqa: PLC0415 - only here

    class Tampered(InvitationStateFile):
        """A store whose file is damaged by someone else once the run has written it."""

        loads = 0

        def load(self, trip):
            self.loads += 1
            state = super().load(trip)
            if self.loads == 1:
                return state
            if damage == "unreadable":
                raise StateError(f"{self.path}: the invitation state is damaged (by a test)")
            # It parses, but a member's revision history does not: the replanning refuses it.
            return replace(state, history={"mayor": {"format": "seoulcal-state/0"}})

    state = tmp_path / "sent.json"
    run = seoulcal.notify.run.invite(
        invite_trip, Tampered(state), OutboxMailer(tmp_path / "out"), source="digest"
    )
    assert run.report is not None
    assert run.report.ok
    assert len(run.report.sent) == 9
    assert not settled_path(state).exists()
    # The same run with a store that reads back what it wrote keeps the record.
    again = tmp_path / "again.json"
    seoulcal.notify.run.invite(
        invite_trip, InvitationStateFile(again), OutboxMailer(tmp_path / "out2"), source="digest"
    )
    assert read_settled(again, "digest") is not None
