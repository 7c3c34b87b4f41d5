"""Shared fixtures: the built-in trip and a small trip to vary."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import seoulcal

SMALL_TRIP: dict[str, Any] = {
    "id": "small",
    "zone": "America/Los_Angeles",
    "home_zone": "Asia/Seoul",
    "revised": "2024-01-01T00:00:00Z",
    "name": {"ko": "작은 출장", "en": "Small trip"},
    "organizer": {"name": {"ko": "서울시", "en": "Seoul"}},
    "venues": [
        {
            "id": "hall",
            "zone": "America/Los_Angeles",
            "name": {"ko": "홀", "en": "Hall"},
            "address": {"ko": "주소, 1", "en": "Address, 1"},
            "latitude": 36.1,
            "longitude": -115.1,
        }
    ],
    "members": [
        {
            "id": "lead",
            "name": {"ko": "단장", "en": "Lead"},
            "role": {"ko": "단장", "en": "Lead"},
            "groups": ["team"],
        },
        {
            "id": "home",
            "name": {"ko": "본청", "en": "Home"},
            "role": {"ko": "본청", "en": "Home"},
            "email": "home@example.org",
        },
    ],
    "events": [
        {
            "id": "opening",
            "title": {"ko": "개막", "en": "Opening"},
            "time": {
                "start": "2024-01-09T11:00[America/Los_Angeles]",
                "end": "2024-01-09T12:00[America/Los_Angeles]",
            },
            "venue": "hall",
            "attendees": ["team"],
        },
        {
            "id": "days",
            "title": {"ko": "전시", "en": "Show"},
            "time": {"first": "2024-01-09", "last": "2024-01-10"},
        },
        {
            "id": "later",
            "title": {"ko": "오후 일정", "en": "Afternoon"},
            "time": {"day": "2024-01-11", "part": "afternoon"},
            "venue": "hall",
            "attendees": ["lead", "home"],
        },
    ],
}


@pytest.fixture(scope="session")
def ces() -> seoulcal.Trip:
    """The built-in CES 2024 trip."""
    return seoulcal.ces2024()


@pytest.fixture
def small() -> dict[str, Any]:
    """A fresh copy of a small valid trip's data, to vary in a test."""
    return copy.deepcopy(SMALL_TRIP)
