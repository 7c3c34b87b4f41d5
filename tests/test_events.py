"""Richer events: reminders, links and contacts, daily items, stays (issue: richer events)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from ics_rules import parse, violations
from test_clients import PARSERS, read

import seoulcal
from seoulcal.publish import build_site, member_token
from seoulcal.tripfile import parse_trip

LA = ZoneInfo("America/Los_Angeles")
SECRET = b"richer-events-secret-0123456789"
BASE = "https://trips.example.org/t/"

TRIP = """
id = "rich"
zone = "America/Los_Angeles"
home_zone = "Asia/Seoul"
revised = "2024-03-01T00:00:00Z"
reminders = ["-PT30M"]
name = { ko = "시험 출장", en = "Test trip" }
organizer = { name = { ko = "서울시", en = "Seoul" } }

[[venues]]
id = "hall"
zone = "America/Los_Angeles"
name = { ko = "홀", en = "Hall" }
contact = { name = { ko = "안내 데스크", en = "Front desk" }, phone = "+1 702-555-0100" }

[[venues]]
id = "hotel"
zone = "America/Los_Angeles"
name = { ko = "호텔", en = "Hotel" }

[[members]]
id = "lead"
name = { ko = "단장", en = "Lead" }
role = { ko = "단장", en = "Lead" }
email = "lead.private@example.org"

[[members]]
id = "phone"
name = { ko = "휴대폰", en = "Phone" }
role = { ko = "수행", en = "Aide" }
reminders_in_feed = true

[[events]]
id = "briefing"
title = { ko = "아침 브리핑", en = "Morning briefing" }
time = { start = "2024-03-08T07:30[America/Los_Angeles]", end = "2024-03-08T08:00[America/Los_Angeles]" }
repeat = { until = 2024-03-12, skip = [2024-03-11] }
venue = "hall"
links = [
  { label = { ko = "서울 상황실 화상 연결", en = "Video call to the Seoul situation room" }, url = "https://meet.example.org/seoul-room", kind = "video" },
  { label = { ko = "브리핑 자료", en = "Briefing notes" }, url = "https://docs.example.org/briefing", kind = "document" },
]
contact = { name = { ko = "현지 조정관", en = "On-site coordinator" }, phone = "+1 702-555-0199" }

[[events]]
id = "briefing-20240310"
title = { ko = "아침 브리핑 (늦게)", en = "Morning briefing (late)" }
time = { start = "2024-03-10T09:00[America/Los_Angeles]", end = "2024-03-10T09:30[America/Los_Angeles]" }
venue = "hall"

[[events]]
id = "flight"
title = { ko = "비행", en = "Flight" }
time = { start = "2024-03-12T22:50[America/Los_Angeles]", end = "2024-03-14T05:00[Asia/Seoul]" }
reminders = ["-PT3H", "-PT1H"]

[[events]]
id = "quiet"
title = { ko = "자유 시간", en = "Free time" }
time = { start = "2024-03-09T15:00[America/Los_Angeles]", end = "2024-03-09T16:00[America/Los_Angeles]" }
reminders = []

[[events]]
id = "expo"
title = { ko = "전시", en = "Expo" }
time = { first = 2024-03-09 }

[[events]]
id = "stay"
title = { ko = "호텔 숙박", en = "Hotel stay" }
time = { check_in = "2024-03-08T15:00[America/Los_Angeles]", check_out = "2024-03-12T11:00[America/Los_Angeles]" }
venue = "hotel"
"""


@pytest.fixture(scope="module")
def trip():
    return parse_trip(TRIP, source="rich.toml")


def vevent(data: bytes, uid: str):
    return next(e for e in parse(data).walk("VEVENT") if e.one("UID").value == uid)


def uid(trip, event_id):
    return seoulcal.event_uid(trip, next(e for e in trip.events if e.id == event_id))


# --- daily items --------------------------------------------------------------------------------


def test_a_daily_item_is_one_event_a_day_at_the_same_wall_clock(trip):
    days = [e for e in trip.events if e.id.startswith("briefing-")]
    assert [e.id for e in days] == [
        "briefing-20240308",
        "briefing-20240309",
        "briefing-20240312",
        "briefing-20240310",  # listed by the trip: it replaces that morning
    ]
    for event in days[:3]:
        timing = trip.timing(event)
        assert timing.start.astimezone(LA).strftime("%H:%M") == "07:30"
        assert timing.end - timing.start == timedelta(minutes=30)
    # 10 March 2024 is when clocks spring forward in Las Vegas: PST before, PDT after.
    assert trip.timing(days[0]).start.utcoffset() == timedelta(hours=-8)
    assert trip.timing(days[2]).start.utcoffset() == timedelta(hours=-7)
    assert len({seoulcal.event_uid(trip, e) for e in days}) == 4
    assert all(e.repeat is None for e in trip.events)


@pytest.mark.parametrize("parser", PARSERS)
def test_every_client_reads_the_daily_item_at_0730_across_the_change_of_clocks(
    parser, trip, tmp_path
):
    read_calendar = read(parser, trip.to_ics(lang="en"), tmp_path)
    found = {
        e.uid: e for e in read_calendar.events if e.summary and e.summary.startswith("Morning")
    }
    assert len(found) == 4
    for day, utc_hour in (("20240308", 15), ("20240309", 15), ("20240312", 14)):
        event = found[uid(trip, f"briefing-{day}")]
        assert event.start_local == f"{day[:4]}-{day[4:6]}-{day[6:]}T07:30:00"
        assert event.start == datetime(2024, 3, int(day[6:]), utc_hour, 30, tzinfo=UTC)
        assert event.start_in["America/Los_Angeles"].endswith("T07:30:00")


def test_a_repeat_refuses_a_day_whose_wall_clock_does_not_exist():
    text = TRIP.replace(
        'time = { start = "2024-03-08T07:30[America/Los_Angeles]", end = "2024-03-08T08:00[America/Los_Angeles]" }',
        'time = { start = "2024-03-08T02:30[America/Los_Angeles]", end = "2024-03-08T03:00[America/Los_Angeles]" }',
    )
    with pytest.raises(seoulcal.TripError) as caught:
        parse_trip(text, source="rich.toml")
    message = str(caught.value)
    assert 'events[0] "briefing" → repeat' in message
    assert "on 2024-03-10 the start 02:30 does not exist in America/Los_Angeles" in message


def test_a_repeat_until_before_its_first_day_is_refused():
    text = TRIP.replace("until = 2024-03-12", "until = 2024-03-01")
    with pytest.raises(seoulcal.TripError, match=r"repeat\.until: 2024-03-01 is before the first"):
        parse_trip(text, source="rich.toml")


# --- stays ----------------------------------------------------------------------------------------


def test_a_stay_is_two_short_markers_that_block_no_time(trip):
    data = trip.to_ics(lang="en")
    check_in = vevent(data, uid(trip, "stay-check-in"))
    check_out = vevent(data, uid(trip, "stay-check-out"))
    assert check_in.one("SUMMARY").value == "Check-in · Hotel stay"
    assert check_out.one("SUMMARY").value == "Check-out · Hotel stay"
    for marker in (check_in, check_out):
        assert marker.one("TRANSP").value == "TRANSPARENT"
    assert check_in.one("DTSTART").value == "20240308T150000"
    assert check_in.one("DTEND").value == "20240308T153000"
    assert check_out.one("DTSTART").value == "20240312T110000"
    ko = trip.to_ics(lang="ko")
    assert vevent(ko, uid(trip, "stay-check-in")).one("SUMMARY").value == "체크인 · 호텔 숙박"
    busy = vevent(data, uid(trip, "flight"))
    assert busy.one("TRANSP").value == "OPAQUE"


def test_a_check_out_before_the_check_in_is_refused():
    text = TRIP.replace('check_out = "2024-03-12T11:00', 'check_out = "2024-03-07T11:00')
    with pytest.raises(seoulcal.TripError, match=r"check-out .* is not after check-in"):
        parse_trip(text, source="rich.toml")


# --- reminders --------------------------------------------------------------------------------------


def alarms(data: bytes, event_uid: str) -> list[str]:
    event = vevent(data, event_uid)
    return [alarm.one("TRIGGER").value for alarm in event.walk("VALARM")]


def test_exported_files_carry_reminders_last_in_each_event(trip):
    data = trip.to_ics(lang="en")
    assert violations(data) == []
    assert alarms(data, uid(trip, "briefing-20240308")) == ["-PT30M"]
    assert alarms(data, uid(trip, "flight")) == ["-PT3H", "-PT1H"]  # earliest first
    assert alarms(data, uid(trip, "quiet")) == []  # turned off for this event
    assert alarms(data, uid(trip, "expo")) == ["-PT6H"]  # whole day: 18:00 the day before
    text = data.decode()
    for block in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, flags=re.DOTALL):
        if "BEGIN:VALARM" in block:  # nothing of the event after its alarms
            assert re.search(r"END:VALARM\r\nEND:VEVENT\r\n$", block)
            tail = block[block.index("BEGIN:VALARM") :]
            assert set(re.findall(r"^([A-Z-]+)[:;]", tail, flags=re.MULTILINE)) <= {
                "BEGIN",
                "ACTION",
                "DESCRIPTION",
                "TRIGGER",
                "END",
            }
    alarm = vevent(data, uid(trip, "flight")).walk("VALARM")[0]
    assert alarm.one("ACTION").value == "DISPLAY"
    assert alarm.one("DESCRIPTION").value == "Reminder: Flight"
    ko = trip.to_ics(lang="ko")
    assert (
        vevent(ko, uid(trip, "flight")).walk("VALARM")[0].one("DESCRIPTION").value == "알림: 비행"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"PT30M"', "is after the start"),
        ('"-30M"', "is not a reminder"),
        ('"-PT"', "is not a reminder"),
        ("30", "is not a reminder"),
        ('"-P40D"', "at most 28 days before"),
    ],
)
def test_a_reminder_must_be_a_duration_before_the_start(value, message):
    text = TRIP.replace('reminders = ["-PT30M"]', f"reminders = [{value}]", 1)
    with pytest.raises(seoulcal.TripError, match=message) as caught:
        parse_trip(text, source="rich.toml")
    assert "reminders[0]" in str(caught.value)


def test_python_callers_give_reminders_as_timedeltas(trip):
    event = seoulcal.Event(
        id="call",
        title=seoulcal.Text(ko="통화", en="Call"),
        time=seoulcal.ExactTime(
            start=datetime(2024, 3, 9, 10, tzinfo=LA), end=datetime(2024, 3, 9, 11, tzinfo=LA)
        ),
        reminders=[timedelta(minutes=-10), "-PT1H"],
    )
    assert event.reminders == (timedelta(minutes=-10), timedelta(hours=-1))
    assert event.model_dump(mode="json")["reminders"] == ["-PT10M", "-PT1H"]


def test_subscribed_feeds_carry_no_reminders_unless_the_member_asks(trip, tmp_path):
    root = tmp_path / "site"
    build_site(trip, root, base_url=BASE, secret=SECRET)
    public = (root / "rich.en.ics").read_bytes()
    assert b"BEGIN:VALARM" not in public
    lead = (root / f"m/{member_token(SECRET, trip, 'lead')}/rich.ko.ics").read_bytes()
    assert b"BEGIN:VALARM" not in lead
    phone = (root / f"m/{member_token(SECRET, trip, 'phone')}/rich.en.ics").read_bytes()
    assert alarms(phone, uid(trip, "flight")) == ["-PT3H", "-PT1H"]
    one = (root / "events/flight.en.ics").read_bytes()  # a download: Outlook needs the alarm
    assert alarms(one, uid(trip, "flight")) == ["-PT3H", "-PT1H"]


# --- links and contacts ----------------------------------------------------------------------------


def test_every_event_links_its_page_in_url_and_as_the_last_line(trip, tmp_path):
    root = tmp_path / "site"
    build_site(trip, root, base_url=BASE, secret=SECRET)
    token = member_token(SECRET, trip, "lead")
    for path, page in (
        ("rich.ko.ics", f"{BASE}index.html"),
        ("rich.en.ics", f"{BASE}index.en.html"),
        (f"m/{token}/rich.ko.ics", f"{BASE}m/{token}/"),
    ):
        data = (root / path).read_bytes()
        assert violations(data) == []
        for event in parse(data).walk("VEVENT"):
            event_id = next(
                e.id for e in trip.events if seoulcal.event_uid(trip, e) == event.one("UID").value
            )
            link = f"{page}#event-{event_id}"
            assert event.one("URL").value == link
            description = event.one("DESCRIPTION").value
            assert description.endswith(link), description[-120:]
            assert description.replace("\\n", "\n").splitlines()[-1].endswith(link)


def test_links_and_contacts_reach_the_description_and_a_video_call_is_a_conference(trip):
    data = trip.to_ics(lang="en")
    event = vevent(data, uid(trip, "briefing-20240308"))
    description = event.one("DESCRIPTION").value.replace("\\n", "\n").replace("\\,", ",")
    assert (
        "Video call to the Seoul situation room (video call): https://meet.example.org/seoul-room"
        in description
    )
    assert "Briefing notes: https://docs.example.org/briefing" in description
    assert "Contact: On-site coordinator, +1 702-555-0199" in description
    assert "Place: Hall\nFront desk, +1 702-555-0100" in description
    conference = event.one("CONFERENCE")
    assert conference.value == "https://meet.example.org/seoul-room"
    assert conference.params["FEATURE"] == ["VIDEO"]
    assert conference.params["VALUE"] == ["URI"]
    assert conference.params["LABEL"] == ["Video call to the Seoul situation room"]
    assert len(event.all("CONFERENCE")) == 1  # the document is no conference


def test_a_contact_is_never_a_members_own_address():
    text = TRIP.replace('phone = "+1 702-555-0199" }', 'email = "LEAD.private@example.org" }')
    with pytest.raises(seoulcal.TripError, match="a member's own address"):
        parse_trip(text, source="rich.toml")


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ('url = "ftp://x.org/a"', "is not a web address"),
        ('url = "https://user:pw@x.org/"', "is not a web address"),
        ('url = "https://x.org/a b"', "is not a web address"),
    ],
)
def test_a_link_must_be_a_web_address(fragment, message):
    text = TRIP.replace('url = "https://docs.example.org/briefing"', fragment)
    with pytest.raises(seoulcal.TripError, match=message):
        parse_trip(text, source="rich.toml")


def test_a_contact_needs_a_phone_or_an_email():
    text = TRIP.replace(', phone = "+1 702-555-0199" }', " }")
    with pytest.raises(seoulcal.TripError, match="give a phone, an email, or both"):
        parse_trip(text, source="rich.toml")
