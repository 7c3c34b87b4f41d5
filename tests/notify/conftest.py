"""Fixtures of the invitation tests: a real SMTP server, and a trip whose members have addresses."""

from __future__ import annotations

import copy
import email
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from notify_helpers import INVITE_TRIP

import seoulcal

SINK = Path(__file__).resolve().parent / "smtp_sink.py"


@pytest.fixture
def invite_data() -> dict[str, Any]:
    """A fresh copy of the invitation trip's data, to vary in a test."""
    return copy.deepcopy(INVITE_TRIP)


@pytest.fixture
def invite_trip(invite_data) -> seoulcal.Trip:
    return seoulcal.Trip.model_validate(invite_data)


@dataclass
class Received:
    """One message the server accepted."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    """A running aiosmtpd server (a subprocess), its port and what it accepted."""

    host: str
    port: int
    spool: Path
    process: subprocess.Popen[str]

    def received(self) -> list[Received]:
        found = []
        for envelope in sorted(self.spool.glob("*.json")):
            head = json.loads(envelope.read_text(encoding="utf-8"))
            data = envelope.with_suffix(".eml").read_bytes()
            found.append(Received(head["from"], head["to"], data))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.fixture
def smtp_server(tmp_path):
    """Start real SMTP servers on 127.0.0.1: ``smtp_server(**faults)`` (see smtp_sink.py)."""
    started: list[SmtpSink] = []

    def start(spool: Path | None = None, **faults: Any) -> SmtpSink:
        folder = spool or tmp_path / f"spool-{len(started)}"
        folder.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [sys.executable, str(SINK), "--spool", str(folder), "--faults", json.dumps(faults)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip().isdigit(), f"the SMTP server did not start: {line!r}"
        sink = SmtpSink("127.0.0.1", int(line), folder, process)
        started.append(sink)
        return sink

    yield start
    for sink in started:
        sink.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (made with the openssl command)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
