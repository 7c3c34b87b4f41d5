"""The VTIMEZONE check: a reading that disagrees with zoneinfo anywhere in range is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from seoulcal.errors import InternalError
from seoulcal.ics import vtimezone
from seoulcal.ics.vtimezone import _verify, _zone_reader, _ZoneReading


@pytest.mark.parametrize("name", ["America/Los_Angeles", "Asia/Seoul", "Europe/Dublin"])
def test_our_reading_agrees_with_zoneinfo(name):
    reading = _zone_reader(name, 2023, 2025)
    _verify(reading, name, 2023, 2025)
    assert vtimezone.vtimezone(name, 2023, 2025).to_ical().startswith(b"BEGIN:VTIMEZONE")


@pytest.mark.parametrize("shift", [timedelta(hours=-1), timedelta(seconds=1), timedelta(days=3)])
@pytest.mark.parametrize("which", [2, 5, 7])  # changes inside 2023-2025
def test_a_change_at_the_wrong_moment_is_caught(shift, which):
    reading = _zone_reader("America/Los_Angeles", 2023, 2025)
    onsets = list(reading.onsets)
    onset, offset = onsets[which]
    onsets[which] = (onset + shift, offset)
    with pytest.raises(InternalError, match="VTIMEZONE made for America/Los_Angeles"):
        _verify(_ZoneReading(tuple(onsets)), "America/Los_Angeles", 2023, 2025)


def test_a_wrong_offset_or_a_missing_change_is_caught():
    reading = _zone_reader("America/Los_Angeles", 2023, 2025)
    onsets = list(reading.onsets)
    onset, offset = onsets[2]
    wrong = (*onsets[:2], (onset, offset + timedelta(minutes=30)), *onsets[3:])
    with pytest.raises(InternalError):
        _verify(_ZoneReading(wrong), "America/Los_Angeles", 2023, 2025)
    with pytest.raises(InternalError):
        _verify(_ZoneReading((*onsets[:2], *onsets[3:])), "America/Los_Angeles", 2023, 2025)
