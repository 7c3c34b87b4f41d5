"""iTIP calendars: the bytes of an invitation are its calendar's own, whatever came before."""

from __future__ import annotations

import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import texts

import seoulcal
from seoulcal.errors import TripError
from seoulcal.ics import itip
from seoulcal.ics.components import vevent
from seoulcal.ics.itip import InvitationWriter, invitation_calendar, invitation_ics


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


REVISION = seoulcal.Revision(2, datetime(2024, 1, 5, 9, 30, tzinfo=UTC))
PAGES = (
    None,
    "https://example.org/m/abc/",  # the same length for every member, as a site's are
    "https://example.org/trip/m/" + "x" * 27 + "/",  # long enough to move the folds
    "http://127.0.0.1:8000/m/a-b_c~d/index.html?x=1&y=(2)",
)
UNSAFE_PAGES = (  # escaped in the description, or not ASCII: rendered whole
    "https://example.org/m/a,b;c/",
    "https://example.org/m/서울/",
)


def _options(trip):
    """Every member's invitations to their events, with the options varied from one to the next."""
    for member in trip.members:
        for number, event in enumerate(trip.events_for(member)):
            revision = seoulcal.Revision(number % 3, trip.revised)
            yield event, revision, {"attendee": member, "rsvp": number % 2 == 0}


@pytest.mark.parametrize("page", [*PAGES, *UNSAFE_PAGES])
def test_the_writer_writes_the_calendars_to_ical(trip, page):
    writer = InvitationWriter(trip)  # one writer for both methods and every language, twice over
    count = 0
    for _ in range(2):
        for method in ("REQUEST", "CANCEL"):
            for lang in (None, "ko", "en"):
                for event, revision, options in _options(trip):
                    calendar = invitation_calendar(
                        trip, event, revision, method=method, lang=lang, page=page, **options
                    )
                    data = writer.render(
                        event, revision, method=method, lang=lang, page=page, **options
                    )
                    assert data == calendar.to_ical(), (method, lang, options["attendee"].id)
                    count += 1
    assert count > 100


def test_the_writer_renders_an_event_once_for_all_its_recipients(trip, monkeypatch):
    rendered = []

    def counted(*args, **kwargs):
        rendered.append(args[1].id)
        return vevent(*args, **kwargs)

    monkeypatch.setattr(itip, "vevent", counted)
    writer = InvitationWriter(trip)
    invitations = list(_options(trip))
    for event, _, options in invitations:
        page = f"https://example.org/m/{options['attendee'].id:>12}/".replace(" ", "-")
        writer.render(event, REVISION, method="REQUEST", page=page, **options)
    events = {event.id for event, _, _ in invitations}
    languages = {member.language for member in trip.members}
    assert len(invitations) > len(events)
    assert len(rendered) <= len(events) * len(languages)
    assert set(rendered) == events


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(texts(), min_size=2, max_size=2),
    page=st.text(
        alphabet=string.ascii_letters + string.digits + "-_~.:/?#[]@!$&'()*+=%", max_size=90
    ),
    method=st.sampled_from(["REQUEST", "CANCEL"]),
    rsvp=st.booleans(),
)
def test_any_recipient_gets_the_calendars_to_ical(trip, names, page, method, rsvp):
    data = trip.model_dump(mode="json")
    for member, name in zip(data["members"], names, strict=False):
        member["name"] = name.model_dump(mode="json")
    data["members"][1]["email"] = data["members"][0]["email"]  # one mailbox, two names
    named = seoulcal.Trip.model_validate(data)
    writer = InvitationWriter(named)
    link = "https://example.org/" + page
    for member in named.members[:2]:
        for event in named.events_for(member)[:3]:
            options = {"method": method, "attendee": member, "rsvp": rsvp}
            for where in (None, link):
                calendar = invitation_calendar(named, event, REVISION, page=where, **options)
                written = writer.render(event, REVISION, page=where, **options)
                assert written == calendar.to_ical()


def test_the_writer_refuses_what_invitation_ics_refuses(trip):
    event = trip.events[0]
    member = trip.members[0]
    writer = InvitationWriter(trip)
    with pytest.raises(ValueError, match="method 'PUBLISH'"):
        writer.render(event, REVISION, method="PUBLISH", attendee=member)  # type: ignore[arg-type]
    unreachable = member.model_copy(update={"email": None})
    with pytest.raises(TripError, match="an invitation needs the address") as found:
        writer.render(event, REVISION, method="REQUEST", attendee=unreachable)
    with pytest.raises(TripError) as expected:
        invitation_ics(trip, event, REVISION, method="REQUEST", attendee=unreachable)
    assert str(found.value) == str(expected.value)
    data = trip.model_dump(mode="json")
    data["organizer"]["email"] = None
    anonymous = seoulcal.Trip.model_validate(data)
    with pytest.raises(TripError, match=r"organizer\.email"):
        InvitationWriter(anonymous).render(
            anonymous.events[0], REVISION, method="REQUEST", attendee=anonymous.members[0]
        )
