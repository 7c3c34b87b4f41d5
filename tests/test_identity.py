"""Event identity: UIDs from ids alone, revisions that can be written, no calendar library."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest

import seoulcal
from seoulcal import export
from seoulcal.identity import Revision, event_uid


def test_a_uid_is_a_name_based_uuid_of_the_trip_and_event_ids(ces):
    event = next(item for item in ces.events if item.id == "sphere-visit")
    uid = event_uid(ces, event)
    assert uuid.UUID(uid).version == 5
    # Pinned: a UID that changes between releases duplicates the event in every subscriber's
    # calendar, so this value must never move.
    assert uid == "828c525f-d7da-5d2c-85ca-065d8c083d76"


def test_uids_differ_between_events_and_between_trips(ces):
    uids = {event_uid(ces, event) for event in ces.events}
    assert len(uids) == len(ces.events)
    other = ces.model_copy(update={"id": "ces2025"})
    assert uids.isdisjoint(event_uid(other, event) for event in other.events)


def test_the_export_writes_these_uids(ces):
    data = ces.to_ics().decode("utf-8").replace("\r\n ", "")
    for event in ces.events:
        assert f"\r\nUID:{event_uid(ces, event)}\r\n" in data


@pytest.mark.parametrize(
    ("sequence", "modified", "message"),
    [
        (-1, datetime(2024, 1, 1, tzinfo=UTC), "0 or more"),
        (0, datetime(2024, 1, 1), "aware"),
    ],
)
def test_a_revision_that_cannot_be_written_is_refused(sequence, modified, message):
    with pytest.raises(ValueError, match=message):
        Revision(sequence, modified)


def test_the_public_names_are_these():
    assert seoulcal.Revision is Revision
    assert seoulcal.event_uid is event_uid
    assert export.Revision is Revision
    assert export.event_uid is event_uid


def test_identity_loads_no_calendar_library():
    script = "import sys, seoulcal.identity; print('icalendar' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
