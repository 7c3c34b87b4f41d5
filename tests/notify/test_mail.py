"""The mailers against a real SMTP server (aiosmtpd on 127.0.0.1) and a real folder."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest

from seoulcal.notify.mail import Mail, OutboxMailer, SendError, SmtpMailer, check_address

SECRET = "correct horse"  # noqa: S105 - the test server's password
WRONG = "wrong"


def mail(number: int, recipient: str = "mayor@seoul.example") -> Mail:
    message = EmailMessage()
    message["From"] = "office@seoul.example"
    message["To"] = "mayor@seoul.example"
    message["Subject"] = f"test {number}"
    message.set_content(f"message {number}\n")
    return Mail("office@seoul.example", recipient, message, folder="mayor", name=f"m{number}")


def subjects(sink) -> list[str]:
    return [str(item.message["Subject"]) for item in sink.received()]


def test_one_connection_carries_many_messages(smtp_server):
    sink = smtp_server()
    with SmtpMailer(sink.host, sink.port) as mailer:
        for number in range(5):
            mailer.send(mail(number))
        assert mailer.connections == 1
    assert subjects(sink) == [f"test {n}" for n in range(5)]
    assert all(item.recipients == ["mayor@seoul.example"] for item in sink.received())
    assert all(item.sender == "office@seoul.example" for item in sink.received())


def test_the_wire_bytes_have_crlf_line_ends(smtp_server):
    sink = smtp_server()
    with SmtpMailer(sink.host, sink.port) as mailer:
        mailer.send(mail(1))
    data = sink.received()[0].data
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_a_dropped_connection_is_opened_again(smtp_server):
    sink = smtp_server(drop_after=2)
    with SmtpMailer(sink.host, sink.port, backoff=0) as mailer:
        for number in range(7):
            mailer.send(mail(number))
        assert mailer.connections == 4  # 2 + 2 + 2 + 1 messages
    assert subjects(sink) == [f"test {n}" for n in range(7)]


def test_reconnects_are_bounded(smtp_server):
    sink = smtp_server(drop_after=0)  # every connection drops before its first message
    mailer = SmtpMailer(sink.host, sink.port, backoff=0, reconnects=2)
    with pytest.raises(SendError, match="dropped the connection 3 times in a row") as raised:
        mailer.send(mail(1))
    assert raised.value.fatal
    assert mailer.connections == 3
    assert sink.received() == []


@pytest.mark.parametrize(("code", "temporary"), [(450, True), (550, False)])
def test_a_refused_recipient_is_reported_and_the_session_goes_on(smtp_server, code, temporary):
    sink = smtp_server(rcpt={"press@news.example": code})
    with SmtpMailer(sink.host, sink.port) as mailer:
        mailer.send(mail(1))
        with pytest.raises(SendError, match=f"refused the recipient \\({code} ") as raised:
            mailer.send(mail(2, "press@news.example"))
        assert raised.value.temporary is temporary
        assert not raised.value.fatal
        assert raised.value.code == code
        mailer.send(mail(3))
        assert mailer.connections == 1
    assert subjects(sink) == ["test 1", "test 3"]


@pytest.mark.parametrize(("code", "temporary"), [(451, True), (554, False)])
def test_a_refused_message_is_reported(smtp_server, code, temporary):
    sink = smtp_server(data={"press@news.example": code})
    with SmtpMailer(sink.host, sink.port) as mailer:
        with pytest.raises(SendError, match=f"refused the message \\({code} ") as raised:
            mailer.send(mail(2, "press@news.example"))
        assert raised.value.temporary is temporary
        assert not raised.value.fatal
        mailer.send(mail(3))
    assert subjects(sink) == ["test 3"]


def test_a_refused_sender_stops_the_session(smtp_server):
    sink = smtp_server(mail=553)
    with (
        SmtpMailer(sink.host, sink.port) as mailer,
        pytest.raises(
            SendError, match=r"refused the sender 'office@seoul.example' \(553"
        ) as raised,
    ):
        mailer.send(mail(1))
    assert raised.value.fatal
    assert not raised.value.temporary


def test_a_temporarily_refused_sender_is_not_fatal(smtp_server):
    sink = smtp_server(mail=451)
    with SmtpMailer(sink.host, sink.port) as mailer, pytest.raises(SendError) as raised:
        mailer.send(mail(1))
    assert raised.value.temporary
    assert not raised.value.fatal


def test_no_server_is_a_fatal_error(smtp_server):
    sink = smtp_server()
    sink.stop()
    with pytest.raises(
        SendError, match=r"cannot connect to the SMTP server 127\.0\.0\.1"
    ) as raised:
        SmtpMailer(sink.host, sink.port).send(mail(1))
    assert raised.value.fatal


def test_login(smtp_server):
    sink = smtp_server(user="office", password=SECRET)
    with SmtpMailer(sink.host, sink.port, username="office", password=SECRET) as mailer:
        mailer.send(mail(1))
    assert subjects(sink) == ["test 1"]


def test_a_wrong_password_is_fatal_and_not_repeated(smtp_server):
    sink = smtp_server(user="office", password=SECRET)
    mailer = SmtpMailer(sink.host, sink.port, username="office", password=WRONG)
    with pytest.raises(SendError, match="refused the user name or password") as raised:
        mailer.send(mail(1))
    assert raised.value.fatal
    assert WRONG not in str(raised.value)
    assert sink.received() == []


def test_a_server_that_requires_login(smtp_server):
    sink = smtp_server(user="office", password=SECRET)
    with SmtpMailer(sink.host, sink.port) as mailer, pytest.raises(SendError) as raised:
        mailer.send(mail(1))
    assert raised.value.code == 530
    assert sink.received() == []


def trusting(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_starttls(smtp_server, certificate):
    cert, key = certificate
    sink = smtp_server(tls_cert=str(cert), tls_key=str(key), user="office", password=SECRET)
    with SmtpMailer(
        "localhost",
        sink.port,
        security="starttls",
        username="office",
        password=SECRET,
        ssl_context=trusting(certificate),
    ) as mailer:
        mailer.send(mail(1))
    assert subjects(sink) == ["test 1"]


def test_implicit_tls(smtp_server, certificate):
    cert, key = certificate
    sink = smtp_server(tls_cert=str(cert), tls_key=str(key), implicit_tls=True)
    with SmtpMailer(
        "localhost", sink.port, security="ssl", ssl_context=trusting(certificate)
    ) as mailer:
        mailer.send(mail(1))
    assert subjects(sink) == ["test 1"]


def test_an_untrusted_certificate_is_refused(smtp_server, certificate):
    cert, key = certificate
    sink = smtp_server(tls_cert=str(cert), tls_key=str(key), implicit_tls=True)
    with pytest.raises(SendError, match="cannot connect") as raised:
        SmtpMailer("localhost", sink.port, security="ssl").send(mail(1))
    assert raised.value.fatal
    assert sink.received() == []


def test_starttls_not_offered(smtp_server):
    sink = smtp_server()
    with pytest.raises(SendError, match="does not offer STARTTLS") as raised:
        SmtpMailer(sink.host, sink.port, security="starttls").send(mail(1))
    assert raised.value.fatal
    assert sink.received() == []


def test_default_ports():
    assert SmtpMailer("mail.example").port == 25
    assert SmtpMailer("mail.example", security="starttls").port == 587
    assert SmtpMailer("mail.example", security="ssl").port == 465


def test_user_without_password_is_refused():
    with pytest.raises(ValueError, match="both a user name and a password"):
        SmtpMailer("mail.example", username="office")


# --- the outbox ---------------------------------------------------------------------------------


def test_outbox_writes_one_file_per_message_in_the_members_folder(tmp_path):
    outbox = OutboxMailer(tmp_path / "out")
    outbox.send(mail(1))
    outbox.send(mail(2))
    files = sorted(p.relative_to(tmp_path / "out").as_posix() for p in outbox.directory.rglob("*"))
    assert files == ["mayor", "mayor/m1.eml", "mayor/m2.eml"]
    assert (tmp_path / "out/mayor/m1.eml").read_bytes() == mail(1).as_bytes()
    assert (tmp_path / "out/mayor/m1.eml").stat().st_mode & 0o777 == 0o600


def test_outbox_replaces_a_file_whole(tmp_path):
    outbox = OutboxMailer(tmp_path)
    outbox.send(mail(1))
    outbox.send(mail(1))
    assert [p.name for p in (tmp_path / "mayor").iterdir()] == ["m1.eml"]  # no temporary left


def test_outbox_in_a_file_is_a_fatal_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SendError, match="cannot write the message") as raised:
        OutboxMailer(blocker).send(mail(1))
    assert raised.value.fatal


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "mayor@seoul.example\r\nBcc: all@seoul.example",
        "mayor@seoul.example, all@seoul.example",
        "Mayor <mayor@seoul.example>",
        "mayor@seoul.example\n",
        "mayor @seoul.example",
        "mayor@localhost",
        "mayor..x@seoul.example",
        "시장@seoul.example",
        "",
    ],
)
def test_an_address_that_is_not_one_is_refused(address):
    with pytest.raises(SendError, match="is not one plain e-mail address"):
        check_address(address, "the test address")
    with pytest.raises(SendError):
        mail(1, address)


def test_a_plain_address_passes():
    assert (
        check_address("o'brien+trip@mail.seoul.example", "x") == "o'brien+trip@mail.seoul.example"
    )
