"""``seoulcal invite`` on the command line, against a real SMTP server."""

from __future__ import annotations

import email
from email import policy

import pytest
from notify_helpers import write_trip

from seoulcal import cli

PASSWORD = "correct horse battery"  # noqa: S105 - the test server's password


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trip_file(tmp_path, invite_data):
    return write_trip(tmp_path / "trip.toml", invite_data)


def test_outbox_then_nothing_more(capsys, tmp_path, trip_file):
    state, outbox = tmp_path / "sent.json", tmp_path / "out"
    code, out, err = run(
        capsys, "invite", "--trip", str(trip_file), "--state", str(state), "--outbox", str(outbox)
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"{state}: 9 sent, 0 failed, 1 members skipped"
    assert "home    0     0          no email  0" in out
    assert sorted(p.name for p in (outbox / "mayor").iterdir()) == [
        "ces-visit.0.request.eml",
        "flight.0.request.eml",
        "seoul-pavilion-opening.0.request.eml",
        "sphere.0.request.eml",
    ]
    code, out, _ = run(
        capsys, "invite", "--trip", str(trip_file), "--state", str(state), "--outbox", str(outbox)
    )
    assert code == 0
    assert out.splitlines()[0] == f"{state}: 0 sent, 0 failed, 1 members skipped"
    assert "mayor   0     4          -         0" in out


def test_dry_run_changes_nothing(capsys, tmp_path, trip_file):
    state, outbox = tmp_path / "sent.json", tmp_path / "out"
    code, out, _ = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(state)),
        *("--outbox", str(outbox), "--dry-run", "--member", "press"),
    )
    assert code == 0
    assert out.splitlines()[0] == f"{state}: dry run, nothing sent or written; 2 owed"
    assert "press   seoul-pavilion-opening  REQUEST  0         new" in out
    assert not state.exists()
    assert not outbox.exists()


def test_the_organizer_email_is_required(capsys, tmp_path, invite_data):
    del invite_data["organizer"]["email"]
    trip = write_trip(tmp_path / "trip.toml", invite_data)
    code, out, err = run(
        capsys, "invite", "--trip", str(trip), "--state", str(tmp_path / "s.json"), "--outbox", "o"
    )
    assert code == 2
    assert out == ""
    assert f"{trip}: invalid trip: organizer.email: invitations need the organizer's address" in err
    assert not (tmp_path / "s.json").exists()


def test_smtp_with_a_password_file(capsys, tmp_path, trip_file, smtp_server):
    sink = smtp_server(user="office", password=PASSWORD)
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(tmp_path / "s.json")),
        *("--smtp", f"127.0.0.1:{sink.port}", "--user", "office", "--password-file", str(secret)),
        *("--member", "aide", "--base-url", "https://trip.example/ces/"),
    )
    assert (code, err) == (0, "")
    received = sink.received()
    assert len(received) == 3
    message = email.message_from_bytes(received[0].data, policy=policy.default)
    assert "https://trip.example/ces/m/" in message.get_body(("plain",)).get_content()


def test_smtp_with_the_password_in_the_environment(
    capsys, tmp_path, trip_file, smtp_server, monkeypatch
):
    sink = smtp_server(user="office", password=PASSWORD)
    monkeypatch.setenv("SEOULCAL_SMTP_PASSWORD", PASSWORD)
    code, _, _ = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(tmp_path / "s.json")),
        *("--smtp", f"127.0.0.1:{sink.port}", "--user", "office", "--member", "press"),
    )
    assert code == 0
    assert len(sink.received()) == 2


def test_a_user_without_a_password(capsys, tmp_path, trip_file, monkeypatch):
    monkeypatch.delenv("SEOULCAL_SMTP_PASSWORD", raising=False)
    code, _, err = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(tmp_path / "s.json")),
        *("--smtp", "127.0.0.1:1", "--user", "office"),
    )
    assert code == 2
    assert (
        "--user office: no password; give --password-file FILE or set $SEOULCAL_SMTP_PASSWORD"
        in err
    )


def test_no_password_option_on_the_command_line(capsys, tmp_path, trip_file):
    with pytest.raises(SystemExit) as raised:
        cli.main(["invite", "--state", "s.json", "--smtp", "h", "--password", "x"])
    assert raised.value.code == 2


def test_a_refused_recipient_exits_2_and_a_rerun_completes(
    capsys, tmp_path, trip_file, smtp_server
):
    state = tmp_path / "s.json"
    refusing = smtp_server(rcpt={"press@news.example": 550})
    code, out, _ = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(state)),
        *("--smtp", f"127.0.0.1:{refusing.port}"),
    )
    assert code == 2
    assert out.splitlines()[0] == f"{state}: 7 sent, 2 failed, 1 members skipped"
    assert "not delivered (still owed; run again to retry):" in out
    assert "press sphere REQUEST: the SMTP server 127.0.0.1" in out
    assert "(550 recipient refused (test fault))" in out
    healthy = smtp_server()
    code, out, _ = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(state)),
        *("--smtp", f"127.0.0.1:{healthy.port}"),
    )
    assert code == 0
    assert [item.recipients for item in healthy.received()] == [["press@news.example"]] * 2


def test_no_server(capsys, tmp_path, trip_file, smtp_server):
    sink = smtp_server()
    sink.stop()
    code, out, err = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(tmp_path / "s.json")),
        *("--smtp", f"127.0.0.1:{sink.port}"),
    )
    assert code == 2
    assert "seoulcal: stopped: cannot connect to the SMTP server" in err
    assert "not tried" in out


def test_starttls_with_the_systems_authorities(
    capsys, trip_file, smtp_server, certificate, monkeypatch
):
    cert, key = certificate
    sink = smtp_server(tls_cert=str(cert), tls_key=str(key))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    code, _, err = run(
        capsys,
        *("invite", "--trip", str(trip_file), "--state", str(trip_file.parent / "s.json")),
        *("--smtp", f"localhost:{sink.port}", "--starttls", "--member", "press"),
    )
    assert (code, err) == (0, "")
    assert len(sink.received()) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--smtp", "host:port"], "--smtp host:port: give HOST or HOST:PORT"),
        (["--outbox", "o", "--starttls"], "--starttls, --ssl and --user go with --smtp"),
        (["--outbox", "o", "--from", "not an address"], "the sender (From) 'not an address'"),
        (["--outbox", "o", "--member", "nobody"], "no member 'nobody'"),
    ],
)
def test_bad_options(capsys, tmp_path, trip_file, argv, message):
    code, _, err = run(
        capsys, "invite", "--trip", str(trip_file), "--state", str(tmp_path / "s.json"), *argv
    )
    assert code == 2
    assert message in err


def test_smtp_or_outbox_is_required(capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["invite", "--state", "s.json"])
    assert raised.value.code == 2
    assert "one of the arguments --smtp --outbox is required" in capsys.readouterr().err
