"""A real SMTP server for the tests (aiosmtpd), with faults injected on the server's side.

InvitationRun as a script on 127.0.0.1; it prints its port on the first line of stdout, then keeps every
accepted message as ``SPOOL/<n>.json`` (envelope) and ``SPOOL/<n>.eml`` (the bytes received),
until SIGTERM. The faults come as JSON (``--faults``):

* ``drop_after``: on each connection, after this many accepted messages, close the connection
  when the client starts the next one (at ``MAIL FROM``);
* ``rcpt``: address → reply code (``450`` or ``550``, say) to refuse that recipient with;
* ``data``: address → reply code given at the end of ``DATA`` for messages to that address;
* ``mail``: reply code for every ``MAIL FROM``;
* ``user``/``password``: require this login (AUTH PLAIN/LOGIN, allowed without TLS);
* ``tls_cert``/``tls_key``: offer STARTTLS with this certificate; ``implicit_tls``: TLS from
  the start instead.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, spool: Path, faults: dict[str, Any]) -> None:
        self.spool = spool
        self.faults = faults
        self.count = 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd's hook names
        accepted = getattr(session, "seoulcal_accepted", 0)
        drop_after = self.faults.get("drop_after")
        if drop_after is not None and accepted >= drop_after:
            server.transport.close()
            return "421 closing (test fault)"
        code = self.faults.get("mail")
        if code is not None:
            return f"{code} sender refused (test fault)"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, _server, _session, envelope, address, _rcpt_options):  # noqa: N802 - aiosmtpd's hook names
        code = self.faults.get("rcpt", {}).get(address)
        if code is not None:
            return f"{code} recipient refused (test fault)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, session, envelope):  # noqa: N802 - aiosmtpd's hook names
        for address in envelope.rcpt_tos:
            code = self.faults.get("data", {}).get(address)
            if code is not None:
                return f"{code} message refused (test fault)"
        with self.lock:
            self.count += 1
            number = self.count
        stem = self.spool / f"{number:05d}"
        stem.with_suffix(".eml").write_bytes(envelope.original_content)
        stem.with_suffix(".json").write_text(
            json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos}), encoding="utf-8"
        )
        session.seoulcal_accepted = getattr(session, "seoulcal_accepted", 0) + 1
        return "250 accepted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", required=True)
    parser.add_argument("--faults", default="{}")
    args = parser.parse_args()
    faults = json.loads(args.faults)
    handler = Handler(Path(args.spool), faults)
    options: dict[str, Any] = {}
    if "user" in faults:
        expected = LoginPassword(faults["user"].encode(), faults["password"].encode())

        def authenticator(server, session, envelope, mechanism, data):
            return AuthResult(success=data == expected, handled=False)

        options.update(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    context = None
    if "tls_cert" in faults:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(faults["tls_cert"], faults["tls_key"])
    implicit = bool(faults.get("implicit_tls"))
    if context is not None and not implicit:
        options["tls_context"] = context
    with socket.socket() as probe:  # aiosmtpd's readiness check needs a known port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        ssl_context=context if implicit else None,
        server_hostname="localhost",
        **options,
    )
    controller.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
