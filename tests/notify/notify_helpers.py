"""Data and helpers of the invitation tests (a module of its own: conftest is not importable)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

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
