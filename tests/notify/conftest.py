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

import seoulcal

SINK = Path(__file__).resolve().parent / "smtp_sink.py"

INVITE_TRIP: dict[str, Any] = {
    "id": "invite",
    "zone": "America/Los_Angeles",
    "home_zone": "Asia/Seoul",
    "revised": "2024-01-01T00:00:00Z",
    "name": {"ko": "초대 출장", "en": "Invite trip"},
    "organizer": {
        "name": {"ko": "서울시 국제교류과", "en": "Seoul International Relations"},
        "email": "office@seoul.example",
    },
    "venues": [
        {
            "id": "hall",
            "zone": "America/Los_Angeles",
            "name": {"ko": "유레카파크", "en": "Eureka Park"},
            "address": {"ko": "201 Sands Ave, Las Vegas", "en": "201 Sands Ave, Las Vegas"},
            "latitude": 36.1215,
            "longitude": -115.1651,
        }
    ],
    "members": [
        {
            "id": "mayor",
            "name": {"ko": "시장", "en": "Mayor"},
            "role": {"ko": "시장", "en": "Mayor"},
            "email": "mayor@seoul.example",
            "groups": ["core"],
        },
        {
            "id": "aide",
            "name": {"ko": "수행비서", "en": "Aide"},
            "role": {"ko": "수행", "en": "Aide"},
            "email": "aide@seoul.example",
            "language": "en",
            "groups": ["core"],
        },
        {
            "id": "press",
            "name": {"ko": "기자단", "en": "Press"},
            "role": {"ko": "취재", "en": "Press"},
            "email": "press@news.example",
        },
        {
            "id": "home",
            "name": {"ko": "상황실", "en": "Duty office"},
            "role": {"ko": "본청", "en": "Home"},
        },
    ],
    "events": [
        {
            "id": "seoul-pavilion-opening",
            "title": {"ko": "CES 2024 서울관 개관식", "en": "Opening of the Seoul Pavilion"},
            "time": {
                "start": "2024-01-09T11:00[America/Los_Angeles]",
                "end": "2024-01-09T12:00[America/Los_Angeles]",
            },
            "venue": "hall",
            "attendees": ["everyone"],
            "source": {"document": "보도자료", "quote": "1.9.(화) 오전 11시 개관식에 참석한다."},
        },
        {
            "id": "ces-visit",
            "title": {"ko": "CES 참관", "en": "CES visit"},
            "time": {"first": "2024-01-09", "last": "2024-01-10"},
            "attendees": ["core"],
        },
        {
            "id": "sphere",
            "title": {"ko": "스피어 방문", "en": "Sphere visit"},
            "time": {"day": "2024-01-10", "part": "evening"},
            "venue": "hall",
            "attendees": ["mayor", "press"],
        },
        {
            "id": "flight",
            "title": {"ko": "귀국 항공편", "en": "Flight home"},
            "time": {
                "start": "2024-01-12T00:30[America/Los_Angeles]",
                "end": "2024-01-13T05:00[Asia/Seoul]",
            },
            "attendees": ["core"],
        },
    ],
}


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


def toml_value(value: Any) -> str:
    """Write *value* (JSON-like data) as a TOML value: inline tables and arrays, one line."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are TOML basic strings
    return repr(value)


def write_trip(path: Path, data: dict[str, Any]) -> Path:
    """Write the trip *data* as a TOML trip file at *path*."""
    path.write_text(
        "".join(f"{key} = {toml_value(value)}\n" for key, value in data.items()), encoding="utf-8"
    )
    return path
