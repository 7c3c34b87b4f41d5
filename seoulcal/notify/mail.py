"""Where composed messages go: a :class:`Mailer` protocol, SMTP, and a folder of ``.eml`` files.

A mailer takes one :class:`Mail` at a time (one message, one envelope recipient) and either
accepts it or raises :class:`SendError` (a :class:`~seoulcal.errors.DeliveryError`). The error
says whether the failure is *temporary* (an SMTP 4xx: try again later) and whether it is *fatal*
to the session (the server cannot be reached, refuses the login or the sender: nothing more can
go through it). Any other failure concerns that message alone, and the caller goes on.

* :class:`SmtpMailer` keeps one connection for many messages. A connection that drops is opened
  again, at most *reconnects* times in a row without a message getting through.
* :class:`OutboxMailer` writes each message as ``DIR/<member>/<name>.eml``, atomically, so staff
  can review them and open them in Thunderbird or Outlook.
* A caller's own sender (an API, a queue) fits the same protocol: ``send`` and ``close``.
"""

from __future__ import annotations

__all__ = [
    "Mail",
    "Mailer",
    "OutboxMailer",
    "SendError",
    "SmtpMailer",
    "check_address",
]

import contextlib
import functools
import os
import re
import smtplib
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, Self

from seoulcal.errors import DeliveryError

if TYPE_CHECKING:
    from email.message import EmailMessage
    from types import TracebackType

Security = Literal["none", "starttls", "ssl"]

# What an envelope address may be: an ASCII local part and domain, no space, no control
# character, no angle bracket, comma or quote (any of which could add a recipient or a header).
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,126}[a-z0-9])?$")
_DEFAULT_PORTS: dict[Security, int] = {"none": 25, "starttls": 587, "ssl": 465}


class SendError(DeliveryError):
    """A message was not delivered.

    *temporary* is true for a failure the server says may pass (SMTP 4xx); *fatal* is true when
    nothing more can be sent in this session (no connection, login or sender refused).
    """

    def __init__(
        self, message: str, *, temporary: bool = False, fatal: bool = False, code: int | None = None
    ) -> None:
        """Describe the failure; *code* is the SMTP reply code, if the server gave one."""
        super().__init__(message)
        self.temporary = temporary
        self.fatal = fatal
        self.code = code


def check_address(value: str, what: str, *, fatal: bool = True) -> str:
    """Return *value* if it is one plain e-mail address; else raise :class:`SendError`.

    *what* names the address in the message (``the organizer's email``, ``the sender``);
    *fatal* says whether nothing else can be sent without it (a sender) or only this message.
    """
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value) or ".." in value:
        raise SendError(
            f"{what} {value!r} is not one plain e-mail address like 'office@example.org' "
            "(ASCII, no name, no spaces, no line breaks)",
            fatal=fatal,
        )
    if not _parses_as_itself(value):  # pragma: no cover - the pattern admits only plain addresses
        raise SendError(f"{what} {value!r} is not a plain e-mail address", fatal=fatal)
    return value


@functools.lru_cache(maxsize=4096)
def _parses_as_itself(value: str) -> bool:
    """Whether the standard library reads *value* back as the same address.

    Kept for each address: every message checks its sender and recipient again.
    """
    return Address(addr_spec=value).addr_spec == value


@dataclass(frozen=True, slots=True)
class Mail:
    """One message ready to go: its envelope and its content."""

    sender: str
    """The envelope sender (SMTP ``MAIL FROM``), a plain address."""
    recipient: str
    """The one envelope recipient (SMTP ``RCPT TO``), a plain address."""
    message: EmailMessage
    folder: str
    """Where an outbox keeps it: the member's id."""
    name: str
    """Its file name in the outbox, without ``.eml``: the same for the same message, every run."""

    def __post_init__(self) -> None:
        """Check the envelope and the outbox names."""
        check_address(self.sender, "the sender")
        check_address(self.recipient, "the recipient")
        for what, value in (("folder", self.folder), ("name", self.name)):
            if not _NAME.fullmatch(value):
                raise ValueError(f"{what} {value!r}: lower-case letters, digits, dots, hyphens")

    def as_bytes(self) -> bytes:
        """Return the message as it goes on the wire: CRLF line ends, ASCII headers."""
        return self.message.as_bytes(policy=self.message.policy.clone(linesep="\r\n"))


class Mailer(Protocol):
    """Anything that can take messages one by one (SMTP, a folder, the caller's own system)."""

    def send(self, mail: Mail) -> None:
        """Deliver *mail*, or raise :class:`SendError`; return only once it is accepted."""

    def close(self) -> None:
        """Release what the mailer holds (a connection); it may be used again after."""


class SmtpMailer:
    """Send through an SMTP server, one connection for many messages.

    *security* is ``"none"``, ``"starttls"`` (upgrade the connection before logging in) or
    ``"ssl"`` (TLS from the start, usually port 465). *username* and *password* log in when given
    (never pass a password on a command line: read it from a file or the environment). A dropped
    connection is opened again, at most *reconnects* times in a row, *backoff* seconds times the
    attempt apart. Use it as a context manager, or call :meth:`close` when done.
    """

    def __init__(  # noqa: PLR0913 - the settings of an SMTP session
        self,
        host: str,
        port: int | None = None,
        *,
        security: Security = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
        reconnects: int = 3,
        backoff: float = 1.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        """Prepare to connect to *host* (the port defaults to 25, 587 or 465 by *security*)."""
        if security not in _DEFAULT_PORTS:
            raise ValueError(f"security {security!r}: give 'none', 'starttls' or 'ssl'")
        if (username is None) != (password is None):
            raise ValueError("give both a user name and a password, or neither")
        if reconnects < 0:
            raise ValueError(f"reconnects {reconnects} must be 0 or more")
        self.host = host
        self.port = _DEFAULT_PORTS[security] if port is None else port
        self.security: Security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._reconnects = reconnects
        self._backoff = backoff
        self._context = ssl_context
        self._local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0
        """How many connections this mailer has opened."""

    def __enter__(self) -> Self:
        """Return the mailer; it connects when the first message goes."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connection."""
        self.close()

    @property
    def _where(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    def _context_for(self) -> ssl.SSLContext:
        return self._context if self._context is not None else ssl.create_default_context()

    def _open(self) -> smtplib.SMTP:
        """Connect, upgrade and log in; raise a fatal :class:`SendError` if that fails."""
        smtp: smtplib.SMTP
        try:
            if self.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self._timeout,
                    context=self._context_for(),
                    local_hostname=self._local_hostname,
                )
            else:
                smtp = smtplib.SMTP(
                    self.host, self.port, timeout=self._timeout, local_hostname=self._local_hostname
                )
        except (OSError, smtplib.SMTPException) as error:
            raise SendError(
                f"cannot connect to the {self._where}: {_reason(error)}", fatal=True
            ) from None
        self.connections += 1
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=self._context_for())
                smtp.ehlo()
            if self._username is not None and self._password is not None:
                _login(smtp, self._username, self._password)
        except smtplib.SMTPNotSupportedError as error:
            _quietly_close(smtp)
            wanted = "STARTTLS" if self.security == "starttls" else "login (AUTH)"
            raise SendError(
                f"the {self._where} does not offer {wanted}: {_reason(error)}", fatal=True
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            _quietly_close(smtp)
            raise SendError(
                f"the {self._where} refused the user name or password "
                f"({error.smtp_code} {_text(error.smtp_error)})",
                fatal=True,
                code=error.smtp_code,
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            _quietly_close(smtp)
            raise SendError(
                f"the {self._where} failed while opening the session: {_reason(error)}",
                fatal=True,
            ) from None
        return smtp

    def send(self, mail: Mail) -> None:
        """Send *mail*; reconnect if the connection dropped before the server took it."""
        data = mail.as_bytes()
        failures = 0
        while True:
            if self._smtp is None:
                self._smtp = self._open()
            smtp = self._smtp
            try:
                smtp.sendmail(mail.sender, [mail.recipient], data)
            except smtplib.SMTPRecipientsRefused as error:
                self._forget_if_closed()
                code, reply = error.recipients.get(mail.recipient, (0, b""))
                raise SendError(
                    f"the {self._where} refused the recipient ({code} {_text(reply)})",
                    temporary=_temporary(code),
                    code=code,
                ) from None
            except smtplib.SMTPSenderRefused as error:
                self._forget_if_closed()
                temporary = _temporary(error.smtp_code)
                raise SendError(
                    f"the {self._where} refused the sender {error.sender!r} "
                    f"({error.smtp_code} {_text(error.smtp_error)})",
                    temporary=temporary,
                    fatal=not temporary,
                    code=error.smtp_code,
                ) from None
            except smtplib.SMTPResponseException as error:
                self._forget_if_closed()
                raise SendError(
                    f"the {self._where} refused the message "
                    f"({error.smtp_code} {_text(error.smtp_error)})",
                    temporary=_temporary(error.smtp_code),
                    code=error.smtp_code,
                ) from None
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                # After the replies above: smtplib's errors are OSErrors too. The connection
                # went before the server took the message, so it is sent again.
                self._drop()
                failures += 1
                if failures > self._reconnects:
                    raise SendError(
                        f"the {self._where} dropped the connection {failures} times in a row "
                        f"({_reason(error)}); gave up",
                        temporary=True,
                        fatal=True,
                    ) from None
                time.sleep(self._backoff * failures)
                continue
            return

    def _forget_if_closed(self) -> None:
        """Drop the session object if smtplib closed it (after a 421, say)."""
        if self._smtp is not None and self._smtp.sock is None:
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
            self._smtp = None

    def close(self) -> None:
        """Say QUIT and close the connection, if one is open."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            _quietly_close(smtp)


class OutboxMailer:
    """Write each message to ``DIR/<member>/<name>.eml`` instead of sending it.

    Each file is written beside its final name, flushed and renamed into place, so a file is
    whole or absent. The same message always gets the same name.
    """

    def __init__(self, directory: str | Path) -> None:
        """Write into *directory* (created if missing)."""
        self.directory = Path(directory)
        self.written: list[Path] = []
        """The files written, in order."""

    def send(self, mail: Mail) -> None:
        """Write *mail* as a file; raise a fatal :class:`SendError` if the folder fails."""
        folder = self.directory / mail.folder
        target = folder / f"{mail.name}.eml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{mail.name}.", dir=folder)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(mail.as_bytes())
                    stream.flush()
                    os.fsync(stream.fileno())
                Path(temporary).chmod(0o600)
                Path(temporary).replace(target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise SendError(
                f"{target}: cannot write the message: {error.strerror or error}", fatal=True
            ) from None
        self.written.append(target)

    def close(self) -> None:
        """Nothing to release."""


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in with one mechanism the server offers (smtplib's ``login`` tries each in turn)."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    for mechanism in ("CRAM-MD5", "PLAIN", "LOGIN"):
        if mechanism in offered:
            smtp.user, smtp.password = username, password
            method = "auth_" + mechanism.lower().replace("-", "_")
            smtp.auth(mechanism, getattr(smtp, method), initial_response_ok=mechanism == "PLAIN")
            return
    raise smtplib.SMTPNotSupportedError("no supported authentication method offered")


def _temporary(code: int) -> bool:
    return 400 <= code < 500


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()
