"""The .ics export: golden bytes, client rules, identity, time zones and policy."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ics_rules import parse, unescape, violations
from strategies import trips

import seoulcal
from seoulcal import Revision, Trip, export, zones
from seoulcal.ics import feed as ics_feed
from seoulcal.ics import fingerprint, size_warning
from seoulcal.ics import vtimezone as vtimezones
from seoulcal.ics.components import vevent
from seoulcal.ics.fingerprint import FINGERPRINT_REVISION
from seoulcal.ics.folding import component_bytes

GOLDEN = Path(__file__).parent.parent / "golden"
UPDATE = os.environ.get("SEOULCAL_UPDATE_GOLDEN") == "1"
CASES = [
    ("ces2024-ko.ics", None, "ko"),
    ("ces2024-en.ics", None, "en"),
    ("ces2024-aide-ko.ics", "aide", "ko"),
    ("ces2024-local-coordinator-en.ics", "local-coordinator", "en"),
]


# --- golden files --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "member", "lang"), CASES)
def test_golden_files_match_byte_for_byte(ces, name, member, lang):
    data = ces.to_ics(member=member, lang=lang)
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(data)
    assert path.exists(), f"missing {path}; run with SEOULCAL_UPDATE_GOLDEN=1 once and review it"
    assert data == path.read_bytes()


def test_output_does_not_depend_on_the_machine_zone_or_clock(tmp_path):
    # Each run happens at a different wall-clock time and under another TZ; the bytes must not move.
    script = "import sys, seoulcal; sys.stdout.buffer.write(seoulcal.ces2024().to_ics())"
    outputs = set()
    for zone in ("UTC", "Asia/Seoul", "America/New_York", "Pacific/Kiritimati"):
        env = {**os.environ, "TZ": zone}
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, check=True, cwd=tmp_path
        )
        outputs.add(result.stdout)
    assert outputs == {(GOLDEN / "ces2024-ko.ics").read_bytes()}


def test_the_writer_joins_exactly_what_icalendar_writes(ces):
    writer = seoulcal.CalendarWriter(ces, revisions={"sphere-visit": Revision(2, ces.revised)})
    gone = ces.events[3].model_copy(update={"id": "gone", "status": "cancelled"})
    extra = [(gone, Revision(1, datetime(2024, 1, 9, tzinfo=UTC)))]
    for member in (None, *ces.members):
        for lang in ("ko", "en"):
            expected = seoulcal.trip_calendar(
                ces,
                member=member,
                lang=lang,
                revisions={"sphere-visit": Revision(2, ces.revised)},
                extra_events=extra,
            ).to_ical()
            assert writer.calendar(member, lang, extra_events=extra) == expected


@pytest.mark.parametrize("page", [None, "https://trips.example.org/ces2024/index.en.html"])
def test_the_writer_writes_one_event_files_as_icalendar_does(ces, small, page):
    for trip in (ces, seoulcal.Trip.model_validate(small)):
        writer = seoulcal.CalendarWriter(trip)
        for event in trip.events:
            for lang in ("ko", "en"):
                for revision in (
                    Revision(0, trip.revised),
                    Revision(3, datetime(2031, 5, 1, tzinfo=UTC)),
                ):
                    expected = seoulcal.event_calendar(
                        trip, event, lang=lang, revision=revision, page=page
                    ).to_ical()
                    got = writer.event_file(event, lang, revision=revision, page=page)
                    assert got == expected, (event.id, lang, revision)
        # and interleaved with member calendars, sharing the writer's caches
        assert (
            writer.calendar(trip.members[0], "en")
            == seoulcal.trip_calendar(trip, member=trip.members[0], lang="en").to_ical()
        )


def test_input_order_does_not_change_the_bytes(ces):
    shuffled = list(ces.events)
    random.Random(7).shuffle(shuffled)
    venues = list(reversed(ces.venues))
    other = ces.model_copy(update={"events": tuple(shuffled), "venues": tuple(venues)})
    assert other.to_ics() == ces.to_ics()


# --- client rules (shared/research/clients.md) ---------------------------------------------------


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_calendar_of_the_built_in_trip_passes_the_client_rules(ces, lang):
    for member in (None, *ces.members):
        data = ces.to_ics(member=member, lang=lang)
        assert violations(data) == [], member and member.id


def test_one_event_files_pass_the_rules_for_single_downloads(ces):
    for event in ces.events:
        data = seoulcal.event_calendar(ces, event, lang="ko").to_ical()
        assert violations(data, feed=False) == []
        assert data.count(b"BEGIN:VEVENT") == 1


def test_calendar_properties(ces):
    root = parse(ces.to_ics(lang="en"))
    assert root.one("METHOD").value == "PUBLISH"
    assert root.one("CALSCALE").value == "GREGORIAN"
    assert unescape(root.one("X-WR-CALNAME").value) == "Mayor of Seoul at CES 2024 (Las Vegas)"
    assert root.one("REFRESH-INTERVAL").value == "PT1H"
    assert root.one("X-PUBLISHED-TTL").value == "PT1H"
    assert root.one("X-WR-TIMEZONE").value == "America/Los_Angeles"
    member = parse(ces.to_ics(member="aide", lang="ko"))
    assert unescape(member.one("X-WR-CALNAME").value).endswith("· 수행비서 (예시)")


# --- members and identity ------------------------------------------------------------------------


def uids(data: bytes) -> dict[str, str]:
    """Map SUMMARY → UID."""
    root = parse(data)
    return {
        unescape(event.one("SUMMARY").value): event.one("UID").value
        for event in root.walk("VEVENT")
    }


def test_a_member_calendar_holds_exactly_the_events_they_attend(ces):
    for member in ces.members:
        root = parse(ces.to_ics(member=member))
        got = {event.one("UID").value for event in root.walk("VEVENT")}
        want = {seoulcal.event_uid(ces, e) for e in ces.events if ces.attends(member, e)}
        assert got == want, member.id
    home = parse(ces.to_ics(member="situation-room"))
    assert len(home.walk("VEVENT")) == 3


def test_the_same_event_has_the_same_uid_in_every_calendar(ces):
    whole = set(uids(ces.to_ics()).values())
    for member in ces.members:
        for lang in ("ko", "en"):
            assert set(uids(ces.to_ics(member=member, lang=lang)).values()) <= whole


def test_uids_survive_edits_of_title_and_time(small):
    before = Trip.model_validate(small)
    small["events"][0]["title"] = {"ko": "바뀐 제목", "en": "New title"}
    small["events"][0]["time"]["start"] = "2024-01-09T10:00[America/Los_Angeles]"
    after = Trip.model_validate(small)
    assert seoulcal.event_uid(before, before.events[0]) == seoulcal.event_uid(
        after, after.events[0]
    )


def test_uids_carry_no_personal_data(ces):
    data = ces.to_ics()
    private = [m.id for m in ces.members] + [m.name.en for m in ces.members]
    for uid in uids(data).values():
        for word in private:
            assert word.lower() not in uid.lower()


def test_member_emails_never_reach_a_calendar(small):
    trip = Trip.model_validate(small)
    for member in (None, *trip.members):
        for lang in ("ko", "en"):
            assert b"home@example.org" not in trip.to_ics(member=member, lang=lang)


# --- the METHOD / ORGANIZER policy ---------------------------------------------------------------


def test_without_a_public_address_there_is_no_organizer(small):
    data = Trip.model_validate(small).to_ics()
    assert b"ORGANIZER" not in data
    assert b"ATTENDEE" not in data
    assert b"METHOD:PUBLISH\r\n" in data


def test_with_a_public_address_every_event_names_the_organizer(small):
    small["organizer"]["email"] = "intl@example.org"
    data = Trip.model_validate(small).to_ics(lang="en")
    root = parse(data)
    for event in root.walk("VEVENT"):
        line = event.one("ORGANIZER")
        assert line.value == "mailto:intl@example.org"
        assert line.params["CN"] == ["Seoul"]
    assert b"ATTENDEE" not in data
    assert violations(data) == []


# --- time ----------------------------------------------------------------------------------------


def event_lines(data: bytes, summary_start: str):
    for event in parse(data).walk("VEVENT"):
        if unescape(event.one("SUMMARY").value).startswith(summary_start):
            return event
    raise AssertionError(summary_start)


def test_timed_events_carry_their_zone(ces):
    event = event_lines(ces.to_ics(lang="en"), "Opening of the Seoul Pavilion")
    start = event.one("DTSTART")
    assert start.params["TZID"] == ["America/Los_Angeles"]
    assert start.value == "20240109T110000"
    assert event.one("DTEND").value == "20240109T120000"


def test_a_flight_starts_in_one_zone_and_ends_in_another(ces):
    event = event_lines(ces.to_ics(lang="en"), "Departure from Las Vegas")
    assert event.one("DTSTART").params["TZID"] == ["America/Los_Angeles"]
    assert event.one("DTSTART").value == "20240112T225000"
    assert event.one("DTEND").params["TZID"] == ["Asia/Seoul"]
    assert event.one("DTEND").value == "20240114T050000"


def test_whole_days_have_an_exclusive_end(ces):
    event = event_lines(ces.to_ics(lang="en"), "CES 2024 visit")
    assert event.one("DTSTART").value == "20240109"
    assert event.one("DTEND").value == "20240111"  # 9 and 10 January, inclusive
    assert event.one("X-MICROSOFT-CDO-ALLDAYEVENT").value == "TRUE"
    assert event.one("TRANSP").value == "TRANSPARENT"


def test_approximate_events_are_timed_windows_marked_as_approximate(ces):
    data = ces.to_ics(lang="en")
    event = event_lines(data, "Meeting with MLB")
    assert unescape(event.one("SUMMARY").value).endswith("(afternoon, time to be confirmed)")
    assert event.one("DTSTART").params["TZID"] == ["America/Los_Angeles"]
    assert (event.one("DTSTART").value, event.one("DTEND").value) == (
        "20240109T140000",
        "20240109T180000",
    )
    description = unescape(event.one("DESCRIPTION").value)
    assert "exact time not fixed" in description
    assert "Shown as 14:00–18:00 America/Los_Angeles time" in description
    korean = event_lines(ces.to_ics(lang="ko"), "MLB 국제사업총괄")
    assert unescape(korean.one("SUMMARY").value).endswith("(오후 중, 시각 미정)")


def test_every_event_quotes_its_source_and_its_assumptions(ces):
    data = ces.to_ics(lang="en")
    for event in parse(data).walk("VEVENT"):
        description = unescape(event.one("DESCRIPTION").value)
        assert "Source: 서울시 보도자료 (2024. 1. 8.)\n«" in description
    opening = unescape(event_lines(data, "Opening of the Seoul").one("DESCRIPTION").value)
    assert "Assumed (not in the source):\n- The end time is not in the release" in opening


def test_both_readings_of_a_repeated_wall_clock_are_written_in_utc(small):
    small["events"][0]["time"] = {
        "start": "2024-11-03T01:30-08:00[America/Los_Angeles]",
        "end": "2024-11-03T02:30[America/Los_Angeles]",
    }
    small["events"][1]["time"] = {
        "start": "2024-11-03T01:15-07:00[America/Los_Angeles]",
        "end": "2024-11-03T01:45-07:00[America/Los_Angeles]",
    }
    data = Trip.model_validate(small).to_ics(lang="en")
    second = event_lines(data, "Opening")
    assert second.one("DTSTART").value == "20241103T093000Z"  # 01:30 PST
    first = event_lines(data, "Show")
    assert first.one("DTSTART").value == "20241103T081500Z"  # 01:15 PDT, the first reading
    assert first.one("DTEND").value == "20241103T084500Z"
    assert violations(data) == []


def test_cancelled_events_are_marked(small):
    small["events"][0]["status"] = "cancelled"
    event = event_lines(Trip.model_validate(small).to_ics(lang="en"), "[Cancelled] Opening")
    assert event.one("STATUS").value == "CANCELLED"


def test_revisions_set_sequence_and_stamps(small):
    trip = Trip.model_validate(small)
    moment = datetime(2024, 1, 5, 3, 4, 5, tzinfo=UTC)
    data = seoulcal.trip_ics(trip, revisions={"opening": Revision(3, moment)}, lang="en")
    opening = event_lines(data, "Opening")
    assert opening.one("SEQUENCE").value == "3"
    assert opening.one("LAST-MODIFIED").value == "20240105T030405Z"
    assert opening.one("DTSTAMP").value == "20240105T030405Z"
    other = event_lines(data, "Show")
    assert other.one("SEQUENCE").value == "0"
    assert other.one("DTSTAMP").value == "20240101T000000Z"
    with pytest.raises(ValueError, match="0 or more"):
        Revision(-1, moment)


def test_a_member_with_no_events_still_gets_a_valid_calendar(small):
    small["members"].append(
        {
            "id": "idle",
            "name": {"ko": "가", "en": "A"},
            "role": {"ko": "가", "en": "A"},
            "groups": ["x"],
        }
    )
    small["events"][1]["attendees"] = ["team"]
    trip = Trip.model_validate(small)
    data = trip.to_ics(member="idle")
    assert b"BEGIN:VEVENT" not in data
    assert b"BEGIN:VTIMEZONE" in data  # a calendar needs at least one component
    assert violations(data) == []


# --- VTIMEZONE -----------------------------------------------------------------------------------


def test_los_angeles_has_one_standard_and_one_daylight_rule(ces):
    root = parse(ces.to_ics())
    zone = next(z for z in root.walk("VTIMEZONE") if z.one("TZID").value == "America/Los_Angeles")
    parts = {part.name: part for part in zone.children}
    assert sorted(parts) == ["DAYLIGHT", "STANDARD"]
    assert parts["DAYLIGHT"].one("RRULE").value == "FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"
    assert (
        parts["DAYLIGHT"].one("TZOFFSETFROM").value,
        parts["DAYLIGHT"].one("TZOFFSETTO").value,
    ) == (
        "-0800",
        "-0700",
    )
    assert parts["STANDARD"].one("RRULE").value == "FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"
    assert parts["STANDARD"].one("DTSTART").value.endswith("T020000")


def test_seoul_is_a_single_standard_observance(ces):
    root = parse(ces.to_ics())
    zone = next(z for z in root.walk("VTIMEZONE") if z.one("TZID").value == "Asia/Seoul")
    [part] = zone.children
    assert part.name == "STANDARD"
    assert part.one("TZOFFSETFROM").value == part.one("TZOFFSETTO").value == "+0900"
    assert not part.all("RRULE")


TRICKY_ZONES = [
    "America/Los_Angeles",
    "Asia/Seoul",
    "Europe/Berlin",
    "Europe/Dublin",  # negative DST in tzdata
    "Australia/Sydney",  # southern hemisphere
    "Australia/Lord_Howe",  # 30-minute DST
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30 with DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # irregular (Ramadan) changes
    "America/Sao_Paulo",  # abolished DST in 2019
    "Asia/Tehran",  # abolished DST in 2022, date-based rules before
    "America/Santiago",
    "Pacific/Apia",  # abolished DST in 2021
    "Europe/Kyiv",
    "Antarctica/Troll",  # +00 / +02
]


@pytest.mark.parametrize("name", TRICKY_ZONES)
@pytest.mark.parametrize(("first", "last"), [(2018, 2023), (2024, 2024), (2035, 2037)])
def test_vtimezone_agrees_with_zoneinfo(name, first, last):
    component = export.vtimezone(name, first, last)
    calendar = icalendar.Calendar()
    calendar.add_component(component)
    text = calendar.to_ical()
    assert b"RDATE" not in text
    parsed = next(iter(icalendar.Calendar.from_ical(text).walk("VTIMEZONE")))
    reader = parsed.to_tz(lookup_tzid=False)
    truth = ZoneInfo(name)
    moment = datetime(first, 1, 1, tzinfo=UTC)
    while moment < datetime(last + 1, 1, 1, tzinfo=UTC):
        assert moment.astimezone(reader).utcoffset() == moment.astimezone(truth).utcoffset(), moment
        moment += timedelta(hours=5)


def test_every_zone_in_the_database_gets_a_correct_vtimezone():
    # One year each keeps this quick; export checks the same way before writing anything.
    names = []
    for name in sorted(zones.available_timezones()):
        try:
            zones.zone(name)
        except ValueError:
            continue
        names.append(name)
    assert len(names) > 300
    for name in names:
        export.vtimezone(name, 2024, 2024)  # raises ExportError on any disagreement


def test_a_wrong_vtimezone_stops_the_export(small, monkeypatch):
    trip = Trip.model_validate(small)
    real = zones.observances

    def shifted(name, first, last, *, closely=False):
        return tuple(
            part.__class__(
                part.daylight,
                part.start,
                part.offset_from,
                part.offset_to + timedelta(hours=1),
                part.name,
                part.month,
                part.week,
                part.weekday,
                part.until,
            )
            for part in real(name, first, last, closely=closely)
        )

    vtimezones._zone_reader.cache_clear()
    monkeypatch.setattr(zones, "observances", shifted)
    try:
        with pytest.raises(
            seoulcal.InternalError, match=r"a bug in seoulcal.*the VTIMEZONE made for"
        ):
            trip.to_ics()
    finally:
        vtimezones._zone_reader.cache_clear()


def test_text_cannot_break_the_structure(small):
    # The component delimiters themselves are refused by the model (test_model.py); what is left
    # of an attack (line breaks, a property name at a line start) is escaped.
    attack = "x\r\nEND VEVENT\r\nBEGIN;VEVENT\r\nUID:evil\r\n DTSTART:20000101T000000Z"
    small["events"][0]["description"] = {"ko": attack, "en": attack}
    small["venues"][0]["address"] = {"ko": 'a"b;c,d:e\\f', "en": "a\nb"}
    data = Trip.model_validate(small).to_ics()
    assert len(parse(data).walk("VEVENT")) == 3
    assert violations(data) == []
    assert re.search(rb"^UID:evil", data, re.MULTILINE) is None


def test_a_backslash_before_n_stays_a_backslash(small):
    # icalendar's own vText would turn the two characters \N into a line break.
    small["events"][0]["title"] = {"ko": "C:\\Nodes; a,b", "en": "C:\\Nodes\\n"}
    trip = Trip.model_validate(small)
    for lang, expected in (("ko", "C:\\Nodes; a,b"), ("en", "C:\\Nodes\\n")):
        data = trip.to_ics(lang=lang)
        event = event_lines(data, expected[:3])
        assert unescape(event.one("SUMMARY").value) == expected
        parsed = icalendar.Calendar.from_ical(data)
        titles = [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")]
        assert expected in titles
    assert b"SUMMARY;LANGUAGE=en:C:\\\\Nodes\\\\n\r\n" in trip.to_ics(lang="en")


def test_categories_are_escaped_the_same_way(small):
    small["events"][0]["categories"] = [{"ko": "a,b", "en": "x\\Ny"}]
    data = Trip.model_validate(small).to_ics(lang="en")
    assert b"CATEGORIES:x\\\\Ny\r\n" in data
    assert violations(data) == []


def test_an_event_with_nothing_to_describe_has_no_empty_description(small):
    small["events"][0].pop("description", None)
    small["events"][0].pop("venue", None)
    small["events"][0].pop("source", None)
    trip = Trip.model_validate(small)
    data = trip.to_ics()
    assert re.search(rb"^DESCRIPTION[;:][^\r\n]*:\r\n", data, re.MULTILINE) is None
    assert violations(data) == []
    uid = seoulcal.event_uid(trip, trip.events[0])
    first = next(e for e in parse(data).walk("VEVENT") if e.one("UID").value == uid)
    assert first.all("DESCRIPTION") == []


def test_the_fingerprint_comes_from_the_component_not_from_cut_text(ces):
    # Built without validation: the model refuses such text, the fingerprint must not rely on it.
    event = ces.events[2]
    tail = {"ko": "앞\r\nEND:VEVENT\r\n뒤 하나", "en": "before\r\nEND:VEVENT\r\nafter one"}
    other = {"ko": "앞\r\nEND:VEVENT\r\n뒤 둘", "en": "before\r\nEND:VEVENT\r\nafter two"}
    one = event.model_copy(update={"description": seoulcal.LongText.model_construct(**tail)})
    two = event.model_copy(update={"description": seoulcal.LongText.model_construct(**other)})
    assert fingerprint(ces, one) != fingerprint(ces, two)
    assert fingerprint(ces, event) == fingerprint(ces, event.model_copy())


def test_a_feed_too_large_for_clients_is_reported(ces, tmp_path):
    text = "긴 설명 " * 400
    long = seoulcal.LongText(ko=text, en=text)
    many = tuple(
        ces.events[2].model_copy(update={"id": f"copy-{index}", "description": long})
        for index in range(300)
    )
    big = ces.model_copy(update={"events": (*ces.events, *many)})
    assert size_warning("x", big.to_ics()) is not None
    assert size_warning("x", ces.to_ics()) is None
    report = seoulcal.build_site(big, tmp_path / "site", secret=b"s" * 32)
    assert any("the public calendar ces2024.ko.ics is" in w for w in report.warnings)
    assert any("over the 1,000,000 that Google Calendar" in w for w in report.warnings)


@pytest.mark.parametrize("alarms", [False, True])
def test_the_writer_joins_what_icalendar_writes_for_every_page_address(ces, alarms):
    # Member calendars link every event to the member's page: the writer renders each event once
    # per address length and fills the address in; any fold must fall where icalendar puts it.
    writer = seoulcal.CalendarWriter(ces)
    pages = [
        f"https://trips.example.org/ces2024/m/{'Ab9_-' * 6}/",
        *(f"https://x.example/{'p' * length}/" for length in range(0, 75, 7)),
        "https://x.example/a,b/",  # a comma is escaped in the description: rendered directly
    ]
    for member in ces.members:
        chosen = [(event, Revision(0, ces.revised)) for event in ces.events_for(member)]
        for lang in ("ko", "en"):
            for page in pages:
                expected = ics_feed.feed_calendar(
                    ces, member, lang, chosen, page=page, alarms=alarms
                ).to_ical()
                got = writer.render(member, lang, chosen, page=page, alarms=alarms)
                assert got == expected, (member.id, lang, page)


@pytest.mark.parametrize("alarms", [False, True])
def test_calendars_that_share_their_events_still_get_their_own_bytes(ces, alarms):
    # A build hands every member the same revision objects, so members who attend the same
    # events share one body (zones, events, end) that each page address is filled into.
    writer = seoulcal.CalendarWriter(ces)
    revisions = {event.id: Revision(i % 3, ces.revised) for i, event in enumerate(ces.events)}
    for member in (*ces.members, *ces.members):  # every body used again
        chosen = [(event, revisions[event.id]) for event in ces.events_for(member)]
        for token in ("Ab9_-" * 6, "zZ0~." * 6):
            page = f"https://trips.example.org/ces2024/m/{token}/"
            for lang in ("ko", "en"):
                expected = ics_feed.feed_calendar(
                    ces, member, lang, chosen, page=page, alarms=alarms
                ).to_ical()
                got = writer.render(member, lang, chosen, page=page, alarms=alarms)
                assert got == expected, (member.id, lang, page)


def test_a_writer_takes_zones_another_made_and_still_checks_every_instant(monkeypatch):
    trip = seoulcal.ces2024()
    chosen = [(event, Revision(0, trip.revised)) for event in trip.events_for()]
    first = ics_feed.CalendarWriter(trip)
    expected = first.render(None, "en", chosen)
    zones_made = first.zones_rendered()
    assert [key for key, *_ in zones_made] == ["America/Los_Angeles", "Asia/Seoul"]
    made = []
    vtimezone = ics_feed.vtimezone
    monkeypatch.setattr(ics_feed, "vtimezone", lambda *a: made.append(a) or vtimezone(*a))
    second = ics_feed.CalendarWriter(trip)
    for zone in zones_made:
        second.adopt_zone(*zone)
    assert second.render(None, "en", chosen) == expected
    assert made == []  # neither made nor checked again
    assert second.zones_rendered() == zones_made
    # Onsets an hour off (say, kept from other zone data) fail the instants' own check.
    wrong = ics_feed.CalendarWriter(trip)
    for key, first_year, last_year, data, onsets in zones_made:
        shifted = tuple((onset, offset + timedelta(hours=1)) for onset, offset in onsets)
        wrong.adopt_zone(key, first_year, last_year, data, shifted)
    with pytest.raises(seoulcal.InternalError, match="would read back at another offset"):
        wrong.render(None, "en", chosen)


# --- one render per event and language ------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    trip=trips(),
    first=st.integers(min_value=0, max_value=3),
    then=st.integers(min_value=0, max_value=12),
    hours=st.integers(min_value=-10_000, max_value=10_000),
    page=st.sampled_from([None, "https://trips.example.org/ces2024/m/abc/index.html"]),
)
def test_an_event_rendered_once_gives_every_revision_and_page_as_icalendar_does(
    trip, first, then, hours, page
):
    # The writer renders an event's lines once per language (its fingerprint's, or its first
    # calendar's) and makes every other revision, and the calendar without a page, from them.
    start = Revision(first, datetime(2024, 1, 9, 19, 0, 30, tzinfo=UTC))
    later = Revision(then, start.modified + timedelta(hours=hours, seconds=7))
    writer = ics_feed.CalendarWriter(trip)
    for event in trip.events:
        assert writer.fingerprint(event) == fingerprint(trip, event)
        timing = trip.timing(event)
        for lang in ("ko", "en"):
            writer._marked_lines(event, start, timing, lang)
            for revision in (later, start, FINGERPRINT_REVISION):
                for alarms in (False, True):
                    made = writer._event(event, revision, timing, lang, page=page, alarms=alarms)
                    component = vevent(
                        trip, event, revision, timing, lang, page=page, alarms=alarms
                    )
                    assert made == component_bytes(component), (event.id, lang, revision, page)


def test_the_fingerprint_renders_each_event_once_per_language_for_every_calendar(monkeypatch):
    trip = seoulcal.ces2024()
    revisions = {event.id: Revision(2, trip.revised) for event in trip.events}
    page = "https://trips.example.org/ces2024/index.html"
    expected = {
        lang: ics_feed.CalendarWriter(trip, revisions=revisions).calendar(None, lang, page=page)
        for lang in ("ko", "en")
    }
    exported = {lang: trip.to_ics(lang=lang) for lang in ("ko", "en")}  # no page, revision 0
    rendered = []
    real = ics_feed.vevent
    monkeypatch.setattr(
        ics_feed,
        "vevent",
        lambda *args, **kwargs: rendered.append(args[1].id) or real(*args, **kwargs),
    )
    writer = ics_feed.CalendarWriter(trip)
    for event in trip.events:
        writer.fingerprint(event)
    assert sorted(rendered) == sorted(event.id for event in trip.events for _ in ("ko", "en"))
    chosen = [(event, revisions[event.id]) for event in trip.events_for()]
    for lang, ics in expected.items():
        assert writer.render(None, lang, chosen, page=page, alarms=True) == ics
        assert writer.calendar(None, lang) == exported[lang]
    assert len(rendered) == 2 * len(trip.events)  # the calendars took the fingerprints' lines
