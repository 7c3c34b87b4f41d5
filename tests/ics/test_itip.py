"""iTIP calendars: the bytes of an invitation are its calendar's own, whatever came before."""

from __future__ import annotations

import pytest

import seoulcal
from seoulcal.ics.itip import invitation_calendar, invitation_ics


@pytest.fixture(scope="module")
def trip():
    data = seoulcal.ces2024().model_dump(mode="json")
    data["organizer"]["email"] = "office@seoul.example"
    for member in data["members"]:
        member["email"] = f"{member['id']}@seoul.example"
    return seoulcal.Trip.model_validate(data)


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("lang", [None, "ko", "en"])
def test_the_bytes_are_the_calendars_to_ical(trip, method, lang):
    zones = set()
    for member in trip.members:
        for number, event in enumerate(trip.events_for(member)):
            revision = seoulcal.Revision(number % 3, trip.revised)
            options = {"method": method, "attendee": member, "lang": lang, "rsvp": number % 2 == 0}
            page = f"https://example.org/m/{member.id}/" if number % 2 else None
            calendar = invitation_calendar(trip, event, revision, page=page, **options)
            data = invitation_ics(trip, event, revision, page=page, **options)
            assert data == calendar.to_ical(), (member.id, event.id)
            zones.add(tuple(str(part["TZID"]) for part in calendar.walk("VTIMEZONE")))
    assert len(zones) > 1  # events in one zone and in two (the flights), rendered once each
