"""The model refuses what clients would misread, and says where and how to fix it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import pytz

import seoulcal
from seoulcal import ExactTime, Trip, TripError

LA = ZoneInfo("America/Los_Angeles")
SEOUL = ZoneInfo("Asia/Seoul")


def refused(data: dict, *fragments: str) -> TripError:
    """Validate *data*, expect a TripError whose message holds every fragment."""
    with pytest.raises(TripError) as caught:
        Trip.model_validate(data)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return caught.value


def set_time(data: dict, index: int, **time: object) -> dict:
    data["events"][index]["time"] = time
    return data


# --- exact times ------------------------------------------------------------------------------


def test_small_trip_is_valid(small):
    trip = Trip.model_validate(small)
    assert [e.id for e in trip.events_for()] == ["days", "opening", "later"]


def test_naive_datetime_from_python_is_refused(small):
    set_time(small, 0, start=datetime(2024, 1, 9, 11), end=datetime(2024, 1, 9, 12))
    refused(small, 'events[0] "opening" → time.start', "naive", "tzinfo=ZoneInfo")


def test_naive_wall_clock_in_a_file_is_refused(small):
    set_time(small, 0, start="2024-01-09T11:00", end="2024-01-09T12:00[America/Los_Angeles]")
    refused(small, 'events[0] "opening" → time.start', "naive", "[America/Los_Angeles]")


def test_naive_toml_local_datetime_is_refused():
    text = """
id = "t"
zone = "America/Los_Angeles"
home_zone = "Asia/Seoul"
revised = "2024-01-01T00:00:00Z"
name = { ko = "가", en = "A" }
organizer = { name = { ko = "가", en = "A" } }
[[events]]
id = "e"
title = { ko = "가", en = "A" }
time = { start = 2024-01-09T11:00:00, end = 2024-01-09T12:00:00 }
"""
    with pytest.raises(TripError) as caught:
        seoulcal.parse_trip(text, source="t.toml")
    message = str(caught.value)
    assert message.startswith("t.toml: ")
    assert 'events[0] "e" → time.start' in message
    assert 'events[0] "e" → time.end' in message
    assert "naive" in message


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("America/Las_Vegas", "America/Los_Angeles"),
        ("Asia/Seol", "Asia/Seoul"),
        ("PST", "not a place"),
        ("KST", "not a place"),
        ("Etc/GMT+8", "not a place"),
        ("/America/Los_Angeles", "stray characters"),
        ("", "required"),
    ],
)
def test_unknown_or_placeless_zone_is_refused(small, name, hint):
    small["venues"][0]["zone"] = name
    refused(small, 'venues[0] "hall" → zone', hint)


def test_unknown_zone_in_a_time_is_refused(small):
    set_time(
        small,
        0,
        start="2024-01-09T11:00[America/Las_Vegas]",
        end="2024-01-09T12:00[America/Los_Angeles]",
    )
    refused(small, "time.start", "unknown time zone 'America/Las_Vegas'")


def test_wall_clock_in_a_spring_forward_gap_is_refused(small):
    set_time(
        small,
        0,
        start="2024-03-10T02:30[America/Los_Angeles]",
        end="2024-03-10T04:00[America/Los_Angeles]",
    )
    refused(small, "time.start", "does not exist", "-0800 to -0700")


def test_ambiguous_wall_clock_without_a_choice_is_refused(small):
    set_time(
        small,
        0,
        start="2024-11-03T01:30[America/Los_Angeles]",
        end="2024-11-03T03:00[America/Los_Angeles]",
    )
    refused(small, "time.start", "happens twice", "-07:00[America/Los_Angeles]", "-08:00")


@pytest.mark.parametrize(("offset", "utc_hour"), [("-07:00", 8), ("-08:00", 9)])
def test_an_offset_chooses_between_the_two_readings(small, offset, utc_hour):
    set_time(
        small,
        0,
        start=f"2024-11-03T01:30{offset}[America/Los_Angeles]",
        end="2024-11-03T03:00[America/Los_Angeles]",
    )
    trip = Trip.model_validate(small)
    start = trip.events[0].time.start
    assert start.astimezone(UTC) == datetime(2024, 11, 3, utc_hour, 30, tzinfo=UTC)
    assert start.tzinfo == LA


def test_an_offset_the_zone_never_has_is_refused(small):
    set_time(
        small,
        0,
        start="2024-01-09T11:00-05:00[America/Los_Angeles]",
        end="2024-01-09T12:00[America/Los_Angeles]",
    )
    refused(small, "time.start", "offset -05:00 does not match", "-08:00")


def test_offset_without_zone_is_refused(small):
    set_time(small, 0, start="2024-01-09T11:00-08:00", end="2024-01-09T12:00-08:00")
    refused(small, "time.start", "an offset is not a place")


def test_fixed_offset_tzinfo_is_refused(small):
    fixed = timezone(timedelta(hours=-8))
    set_time(
        small,
        0,
        start=datetime(2024, 1, 9, 11, tzinfo=fixed),
        end=datetime(2024, 1, 9, 12, tzinfo=LA),
    )
    refused(small, "time.start", "fixed offset", "ZoneInfo('America/Los_Angeles')")


def test_utc_instants_are_accepted(small):
    set_time(small, 0, start="2024-01-09T19:00Z", end=datetime(2024, 1, 9, 20, tzinfo=UTC))
    trip = Trip.model_validate(small)
    assert trip.events[0].time.start == datetime(2024, 1, 9, 19, tzinfo=UTC)


def test_end_before_start_is_refused(small):
    set_time(
        small,
        0,
        start="2024-01-09T11:00[America/Los_Angeles]",
        end="2024-01-09T10:00[America/Los_Angeles]",
    )
    refused(small, 'events[0] "opening" → time', "is not after start", "give an end after")


def test_end_equal_to_start_is_refused(small):
    moment = "2024-01-09T11:00[America/Los_Angeles]"
    set_time(small, 0, start=moment, end=moment)
    refused(small, "is not after start")


def test_a_flight_ends_at_an_earlier_wall_clock_but_a_later_instant(small):
    # Seoul 10:00 → Las Vegas 05:00 the same day: 12 hours in the air.
    set_time(
        small, 0, start="2024-01-09T10:00[Asia/Seoul]", end="2024-01-09T05:00[America/Los_Angeles]"
    )
    trip = Trip.model_validate(small)
    timing = trip.timing(trip.events[0])
    assert timing.end - timing.start == timedelta(hours=12)
    assert timing.zone == SEOUL


def test_days_with_last_before_first_are_refused(small):
    set_time(small, 1, first="2024-01-10", last="2024-01-09")
    refused(small, 'events[1] "days" → time', "inclusive")


def test_a_time_of_no_known_shape_is_refused(small):
    set_time(small, 1, when="2024-01-10")
    refused(small, 'events[1] "days" → time', "'start' and 'end' (exact)")


def test_unknown_day_part_is_refused(small):
    set_time(small, 2, day="2024-01-11", part="siesta")
    refused(small, 'events[2] "later" → time.part', "morning")


# --- pytz and zoneinfo from Python callers --------------------------------------------------------


def exact(start: datetime, end: datetime) -> seoulcal.ExactTime:
    return seoulcal.ExactTime(start=start, end=end)


def test_pytz_localized_datetime_is_accepted_as_zoneinfo():
    zone = pytz.timezone("America/Los_Angeles")
    when = exact(zone.localize(datetime(2024, 1, 9, 11)), zone.localize(datetime(2024, 1, 9, 12)))
    assert when.start == datetime(2024, 1, 9, 11, tzinfo=LA)
    assert when.start.utcoffset() == timedelta(hours=-8)
    assert isinstance(when.start.tzinfo, ZoneInfo)


def test_pytz_zone_passed_as_tzinfo_does_not_leak_local_mean_time():
    zone = pytz.timezone("America/Los_Angeles")
    raw = datetime(2024, 1, 9, 11, tzinfo=zone)
    assert raw.utcoffset() == timedelta(hours=-7, minutes=-53)  # what pytz does on its own
    when = exact(raw, datetime(2024, 1, 9, 12, tzinfo=zone))
    assert when.start.utcoffset() == timedelta(hours=-8)
    assert when.start.astimezone(SEOUL) == datetime(2024, 1, 10, 4, tzinfo=SEOUL)


def test_pytz_tzinfo_in_an_exported_calendar_has_no_lmt(small):
    zone = pytz.timezone("America/Los_Angeles")
    set_time(
        small,
        0,
        start=datetime(2024, 1, 9, 11, tzinfo=zone),
        end=datetime(2024, 1, 9, 12, tzinfo=zone),
    )
    data = Trip.model_validate(small).to_ics()
    assert b"DTSTART;TZID=America/Los_Angeles:20240109T110000\r\n" in data
    assert b"-0753" not in data
    assert b"LMT" not in data


def test_pytz_localize_with_is_dst_chooses_the_reading():
    zone = pytz.timezone("America/Los_Angeles")
    second = zone.localize(datetime(2024, 11, 3, 1, 30), is_dst=False)
    when = exact(second, zone.localize(datetime(2024, 11, 3, 3)))
    assert when.start.astimezone(UTC) == datetime(2024, 11, 3, 9, 30, tzinfo=UTC)


def test_pytz_tzinfo_at_an_ambiguous_time_is_refused():
    zone = pytz.timezone("America/Los_Angeles")
    with pytest.raises(TripError, match="happens twice"):
        exact(datetime(2024, 11, 3, 1, 30, tzinfo=zone), datetime(2024, 11, 3, 3, tzinfo=zone))


def test_zoneinfo_fold_one_chooses_the_second_reading():
    when = exact(
        datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=LA), datetime(2024, 11, 3, 3, tzinfo=LA)
    )
    assert when.start.astimezone(UTC) == datetime(2024, 11, 3, 9, 30, tzinfo=UTC)


def test_zoneinfo_fold_zero_at_an_ambiguous_time_is_refused():
    with pytest.raises(TripError, match="happens twice"):
        exact(datetime(2024, 11, 3, 1, 30, tzinfo=LA), datetime(2024, 11, 3, 3, tzinfo=LA))


# --- ids and references ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["events", "members", "venues"])
def test_duplicate_ids_are_refused(small, field):
    small[field].append(dict(small[field][0]))
    ident = small[field][0]["id"]
    refused(
        small, f'{field}[0] "{ident}" → id', f'{field}[{len(small[field]) - 1}] "{ident}"', "unique"
    )


def test_attendee_naming_nobody_is_refused(small):
    small["events"][0]["attendees"] = ["team", "ghost"]
    refused(small, 'events[0] "opening" → attendees[1]', "'ghost' names no member or group")


def test_unknown_venue_is_refused(small):
    small["events"][0]["venue"] = "nowhere"
    refused(small, 'events[0] "opening" → venue', "'nowhere' is not a venue", "hall")


def test_group_named_like_a_member_is_refused(small):
    small["members"][1]["groups"] = ["lead"]
    refused(small, 'members[1] "home" → groups', "rename the group")


def test_bad_id_is_refused(small):
    small["events"][0]["id"] = "Opening Ceremony"
    refused(small, "events[0]", "lower-case letters")


def test_unknown_field_is_refused(small):
    small["events"][0]["titel"] = {"ko": "가", "en": "A"}
    refused(small, 'events[0] "opening" → titel', "unknown field 'titel'")


def test_missing_field_is_refused(small):
    del small["events"][0]["title"]
    refused(small, 'events[0] "opening" → title', "required")


def test_every_problem_is_listed_at_once(small):
    small["events"][0]["venue"] = "nowhere"
    small["events"][1]["attendees"] = ["ghost"]
    error = Trip.model_validate  # keep the call visible below
    with pytest.raises(TripError) as caught:
        error(small)
    assert len(caught.value.problems) == 2
    assert "2 problems" in str(caught.value)


# --- texts and other fields -----------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x0b"])
def test_control_characters_are_refused(small, char):
    small["events"][0]["title"]["en"] = f"Open{char}ing"
    refused(small, 'events[0] "opening" → title.en', f"U+{ord(char):04X}", "remove it")


def test_a_line_break_in_a_title_is_refused(small):
    small["events"][0]["title"]["ko"] = "개막\n식"
    refused(small, 'events[0] "opening" → title.ko', "single line")


def test_an_empty_title_is_refused(small):
    small["events"][0]["title"]["ko"] = "   "
    refused(small, "title.ko", "must not be empty")


def test_line_breaks_in_descriptions_are_normalised(small):
    small["events"][0]["description"] = {"ko": "첫 줄\r\n둘째 줄\r셋째", "en": "a\tb"}
    trip = Trip.model_validate(small)
    assert trip.events[0].description.ko == "첫 줄\n둘째 줄\n셋째"
    assert trip.events[0].description.en == "a\tb"


def test_bad_email_is_refused(small):
    small["members"][0]["email"] = "not an address"
    refused(small, 'members[0] "lead" → email', "not an email address like")


def test_latitude_without_longitude_is_refused(small):
    del small["venues"][0]["longitude"]
    refused(small, 'venues[0] "hall"', "both latitude and longitude")


def test_latitude_out_of_range_is_refused(small):
    small["venues"][0]["latitude"] = 123
    refused(small, 'venues[0] "hall" → latitude', "it must be at most 90")


def test_models_are_frozen(ces):
    with pytest.raises(Exception, match="frozen"):
        ces.events[0].id = "other"  # type: ignore[misc]


def test_json_round_trip_keeps_the_trip(ces):
    again = Trip.model_validate(ces.model_dump(mode="json"))
    assert again == ces
    assert again.to_ics() == ces.to_ics()


def test_approximate_times_use_the_venue_zone_then_the_trip_zone(small):
    small["venues"][0]["zone"] = "Asia/Seoul"
    trip = Trip.model_validate(small)
    later = trip.timing(trip.events[2])
    assert later.approximate is seoulcal.DayPart.AFTERNOON
    assert later.start == datetime(2024, 1, 11, 14, tzinfo=SEOUL)
    assert later.end == datetime(2024, 1, 11, 18, tzinfo=SEOUL)
    del small["events"][2]["venue"]
    trip = Trip.model_validate(small)
    assert trip.timing(trip.events[2]).start == datetime(2024, 1, 11, 14, tzinfo=LA)


def test_membership_follows_ids_groups_and_everyone(small):
    trip = Trip.model_validate(small)
    assert [e.id for e in trip.events_for("lead")] == ["days", "opening", "later"]
    assert [e.id for e in trip.events_for("home")] == ["days", "later"]
    with pytest.raises(seoulcal.NotFoundError, match="no member 'ghost'"):
        trip.events_for("ghost")


def test_a_leading_byte_order_mark_is_refused(small):
    small["events"][0]["title"]["ko"] = "\ufeff개막"
    refused(small, 'events[0] "opening" → title.ko', "U+FEFF")


def test_fractions_of_a_second_are_refused_in_event_times(small):
    set_time(
        small,
        0,
        start=datetime(2024, 1, 9, 11, 0, 0, 500_000, tzinfo=LA),
        end=datetime(2024, 1, 9, 11, 0, 0, 900_000, tzinfo=LA),
    )
    refused(small, 'events[0] "opening" → time.start', "fraction of a second")


def test_a_revision_time_is_kept_to_the_second(small):
    small["revised"] = datetime(2024, 1, 1, 0, 0, 0, 123_456, tzinfo=UTC)
    assert Trip.model_validate(small).revised == datetime(2024, 1, 1, tzinfo=UTC)


def test_pytz_tzinfo_whose_rounded_lmt_equals_a_reading_still_makes_no_choice():
    # Denver's local mean time, -06:59:56, is rounded by pytz to -07:00: the same as MST.
    zone = pytz.timezone("America/Denver")
    with pytest.raises(TripError, match="happens twice"):
        exact(datetime(2024, 11, 3, 1, 30, tzinfo=zone), datetime(2024, 11, 3, 3, tzinfo=zone))


def test_lookups_follow_a_copy_with_other_venues(small):
    trip = Trip.model_validate(small)
    assert trip.venue("hall").id == "hall"  # builds the lookups
    extra = trip.venues[0].model_copy(update={"id": "annex"})
    copy = trip.model_copy(update={"venues": (*trip.venues, extra)})
    assert copy.venue("annex") is extra
    with pytest.raises(seoulcal.NotFoundError):
        trip.venue("annex")


# --- hardening (issue 8) ------------------------------------------------------------------------


def test_an_end_after_its_start_as_instants_is_accepted_across_a_fall_back():
    # 01:30 PDT is 08:30Z; 01:10 PST, the second 01:10 of the night, is 09:10Z.
    time_ = ExactTime(
        start="2024-11-03T01:30-07:00[America/Los_Angeles]",
        end="2024-11-03T01:10-08:00[America/Los_Angeles]",
    )
    assert time_.end.astimezone(UTC) - time_.start.astimezone(UTC) == timedelta(minutes=40)


def test_an_end_before_its_start_as_instants_is_refused_across_a_fall_back():
    # 01:10 PST (09:10Z) to 01:30 PDT (08:30Z): a later wall clock, an earlier instant.
    with pytest.raises(TripError, match="not after start"):
        ExactTime(
            start="2024-11-03T01:10-08:00[America/Los_Angeles]",
            end="2024-11-03T01:30-07:00[America/Los_Angeles]",
        )


def test_the_two_readings_of_one_wall_clock_are_different_times():
    first = ExactTime(
        start="2024-11-03T01:30-07:00[America/Los_Angeles]",
        end="2024-11-03T03:00[America/Los_Angeles]",
    )
    second = ExactTime(
        start="2024-11-03T01:30-08:00[America/Los_Angeles]",
        end="2024-11-03T03:00[America/Los_Angeles]",
    )
    assert first != second
    assert len({first, second}) == 2
    again = ExactTime(start="2024-11-03T08:30Z", end="2024-11-03T03:00[America/Los_Angeles]")
    assert again != first  # the same instant, but in UTC, not in Los Angeles
    again = ExactTime(start=second.start, end=second.end)  # fold=1 says which reading
    assert again == second
    assert hash(again) == hash(second)
    again = ExactTime(
        start="2024-11-03T01:30-07:00[America/Los_Angeles]",
        end="2024-11-03T03:00[America/Los_Angeles]",
    )
    assert again == first
    assert hash(again) == hash(first)


def test_an_approximate_time_on_a_day_its_zone_skips_is_refused(small):
    # Samoa crossed the date line: 2011-12-29 23:59:59 was followed by 2011-12-31 00:00.
    with pytest.raises(TripError, match="does not exist in Pacific/Apia"):
        seoulcal.ApproximateTime(day="2011-12-30", part="morning", zone="Pacific/Apia")
    small["venues"][0]["zone"] = "Pacific/Apia"
    small["events"][2]["time"] = {"day": "2011-12-30", "part": "evening"}
    refused(small, 'events[2] "later" → time.day', "does not exist in Pacific/Apia")
    small["events"][2]["time"] = {"day": "2011-12-31", "part": "evening"}
    Trip.model_validate(small)


def test_an_approximate_window_whose_edge_clocks_skip_is_refused(small):
    # Sudan moved from +02 to +03 at noon on 15 January 2000: 12:00-12:59 never happened.
    for part in ("lunch", "morning"):
        small["events"][2]["time"] = {"day": "2000-01-15", "part": part, "zone": "Africa/Khartoum"}
        refused(small, 'events[2] "later" → time', "clocks skip 2000-01-15T12:00")
    small["events"][2]["time"] = {
        "day": "2000-01-15",
        "part": "afternoon",
        "zone": "Africa/Khartoum",
    }
    Trip.model_validate(small)


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("revised", "0001-01-01T00:00:00Z", "revised"),
        ("revised", "9999-12-31T23:59:59Z", "revised"),
        ("first", "0001-01-01", 'events[1] "days" → time.first'),
        ("first", "9999-12-31", 'events[1] "days" → time.first'),
        ("start", "0001-01-01T00:00[Asia/Seoul]", 'events[0] "opening" → time.start'),
        ("start", "9999-12-31T23:00[America/Los_Angeles]", 'events[0] "opening" → time.start'),
        ("start", "0000-01-01T00:00[Asia/Seoul]", 'events[0] "opening" → time.start'),
        ("day", "1969-12-31", 'events[2] "later" → time.day'),
        ("day", "2100-01-01", 'events[2] "later" → time.day'),
    ],
)
def test_dates_outside_the_supported_years_are_refused_by_item_and_field(
    small, field, value, where
):
    if field == "revised":
        small["revised"] = value
    elif field == "first":
        small["events"][1]["time"]["first"] = value
        del small["events"][1]["time"]["last"]
    elif field == "start":
        small["events"][0]["time"]["start"] = value
    else:
        small["events"][2]["time"]["day"] = value
    message = str(refused(small, where))
    assert "1970 to 2099" in message or "not a date" in message


def test_the_edges_of_the_supported_years_are_accepted(small):
    small["revised"] = "2099-12-31T23:59:59Z"
    small["events"][0]["time"] = {
        "start": "1970-01-01T00:00[Asia/Seoul]",
        "end": "2099-12-31T23:59[Pacific/Kiritimati]",
    }
    small["events"][1]["time"] = {"first": "1970-01-01", "last": "2099-12-31"}
    trip = Trip.model_validate(small)
    assert trip.to_ics().count(b"BEGIN:VEVENT") == 3


def test_building_a_model_directly_raises_a_seoulcal_error():
    cases = [
        lambda: ExactTime(start=datetime(2024, 1, 9, 11), end=datetime(2024, 1, 9, 12)),
        lambda: seoulcal.Event(
            id="Bad Id", title={"ko": "가", "en": "A"}, time={"first": "2024-01-09"}
        ),
        lambda: seoulcal.Text(ko="\x07", en="a"),
        lambda: seoulcal.Venue.model_validate({"id": "v", "name": "x", "zone": "Asia/Seoul"}),
    ]
    for make in cases:
        with pytest.raises(seoulcal.SeoulcalError) as caught:
            make()
        assert isinstance(caught.value, TripError)
        assert caught.value.problems


def test_a_python_caller_reads_python_spellings():
    with pytest.raises(TripError) as caught:
        ExactTime(start=datetime(2024, 1, 9, 11), end="2024-01-09T12:00[Asia/Seoul]")
    assert "ZoneInfo(" in str(caught.value)
    fixed = timezone(timedelta(hours=-8))
    with pytest.raises(TripError) as caught:
        ExactTime(start=datetime(2024, 1, 9, 11, tzinfo=fixed), end="2024-01-09T12:00[Asia/Seoul]")
    assert "UTC-08:00" in str(caught.value)
    assert "timedelta(" not in str(caught.value)
    with pytest.raises(TripError, match="not a Text"):
        seoulcal.Organizer(name="Seoul")


def test_an_unknown_language_is_refused(ces):
    for call in (lambda: ces.to_ics(lang="xx"), lambda: ces.to_calendar(lang="xx")):
        with pytest.raises(seoulcal.SeoulcalError, match="'ko' and 'en'"):
            call()
    with pytest.raises(seoulcal.SeoulcalError):
        ces.name.pick("xx")


# --- the rule for texts ---


def test_one_line_texts_are_trimmed_and_long_texts_keep_their_blanks():
    assert seoulcal.Text(ko="  개막식\t", en="\u3000Opening\u00a0").model_dump() == {
        "ko": "개막식",
        "en": "Opening",
    }
    assert seoulcal.LongText(ko="  들여쓰기 ", en="x").ko == "  들여쓰기 "


def test_the_same_title_typed_two_ways_gives_the_same_calendar(small):
    composed, decomposed = "Jos\u00e9 \uac00", "Jose\u0301 \u1100\u1161"
    assert composed != decomposed
    small["events"][0]["title"]["en"] = composed
    one = Trip.model_validate(small).to_ics(lang="en")
    small["events"][0]["title"]["en"] = decomposed
    other = Trip.model_validate(small).to_ics(lang="en")
    assert one == other
    assert composed.encode() in one


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\n"])
def test_line_separators_and_next_line_are_refused_in_one_line_texts(separator):
    with pytest.raises(TripError, match=r"single line|U\+0085"):
        seoulcal.Text(ko=f"가{separator}나", en="a")


def test_unicode_line_separators_become_line_breaks_in_long_texts():
    assert seoulcal.LongText(ko="가\u2028나\u2029다", en="a").ko == "가\n나\n다"


@pytest.mark.parametrize("control", ["\x80", "\x85", "\x9f", "\x1b", "\x7f"])
def test_c0_and_c1_controls_are_refused_everywhere(control):
    for model in (seoulcal.Text, seoulcal.LongText):
        with pytest.raises(TripError, match=f"U\\+{ord(control):04X}"):
            model(ko=f"가{control}나", en="a")


def test_a_leading_byte_order_mark_is_refused_even_after_blanks():
    with pytest.raises(TripError, match="U\\+FEFF"):
        seoulcal.Text(ko=" \ufeff가", en="a")
    assert seoulcal.Text(ko="가\ufeff나", en="a").ko == "가\ufeff나"  # a zero-width no-break space


@pytest.mark.parametrize(
    "text", ["END:VEVENT", "x\r\nend:vevent\r\nBEGIN:VEVENT", "a BEGIN:VCALENDAR b", "End:Valarm"]
)
def test_component_delimiters_are_refused_in_every_text(small, text):
    slots = [
        ("name",),
        ("organizer", "name"),
        ("venues", 0, "name"),
        ("events", 0, "title"),
    ]
    long_slots = [("description",), ("venues", 0, "address"), ("events", 0, "description")]
    for path in slots + long_slots:
        if "\n" in text and path in slots:
            continue
        data = copy.deepcopy(small)
        holder = data
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = {"ko": "좋은 글", "en": text}
        with pytest.raises(TripError, match="component") as caught:
            Trip.model_validate(data)
        assert f"{path[-1]}.en: holds" in str(caught.value)


def test_a_source_quote_with_a_delimiter_is_refused(small):
    small["events"][0]["source"] = {"document": "보도자료", "quote": "a\nEND:VEVENT\nb"}
    refused(small, 'events[0] "opening" → source.quote', "component delimiter")


def test_a_fifty_megabyte_description_is_refused_with_its_limit(small):
    small["events"][0]["description"] = {"ko": "가" * (50 * 1024 * 1024), "en": "a"}
    message = str(refused(small, 'events[0] "opening" → description.ko', "at most 20,000"))
    assert len(message) < 1000
    small["events"][0]["description"] = {"ko": "가" * seoulcal.model.MAX_PARAGRAPH, "en": "a"}
    Trip.model_validate(small)
    with pytest.raises(TripError, match="at most 1,000"):
        seoulcal.Text(ko="가" * (seoulcal.model.MAX_LINE + 1), en="a")


def test_an_organizer_address_with_a_delimiter_is_refused(small):
    small["organizer"]["email"] = "END:VEVENT@example.org"
    refused(small, "organizer.email", "is not an email address")
