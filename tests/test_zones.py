"""Zones: names, wall clocks, RFC 9557 strings and the yearly rules behind VTIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from strategies import accepted_zone_names

from seoulcal import zones


def test_utc_names_are_utc():
    for name in ("UTC", "Etc/UTC"):
        assert zones.zone(name).key == "UTC"
    assert zones.is_utc(UTC)
    assert not zones.is_utc(ZoneInfo("Europe/London"))


def test_parse_zoned_forms():
    assert zones.parse_zoned("2024-01-09T11:00[America/Los_Angeles]") == datetime(
        2024, 1, 9, 11, tzinfo=ZoneInfo("America/Los_Angeles")
    )
    assert zones.parse_zoned("2024-01-09 19:00:30Z") == datetime(2024, 1, 9, 19, 0, 30, tzinfo=UTC)
    assert zones.parse_zoned("2024-01-09T19:00[UTC]").tzinfo is UTC
    with pytest.raises(ValueError, match="is not a date and time"):
        zones.parse_zoned("next tuesday")


def test_rules_of_los_angeles():
    parts = zones.observances("America/Los_Angeles", 2024, 2024)
    rules = {(p.daylight, p.month, p.week, p.weekday, p.until) for p in parts}
    assert rules == {(True, 3, 2, 6, None), (False, 11, 1, 6, None)}


def test_a_rule_that_stopped_gets_an_end():
    # Brazil dropped DST in 2019: the rule must stop, not run on for ever.
    parts = zones.observances("America/Sao_Paulo", 2016, 2020)
    ruled = [p for p in parts if p.month is not None]
    assert ruled
    assert all(p.until is not None and p.until.year <= 2019 for p in ruled)


def test_negative_dst_is_labelled_the_way_clients_expect():
    parts = zones.observances("Europe/Dublin", 2024, 2024)
    summer = next(p for p in parts if p.month == 3)
    assert summer.daylight
    assert summer.offset_to == timedelta(hours=1)
    assert not next(p for p in parts if p.month == 10).daylight


def test_a_zone_without_changes_is_one_standard_period():
    [part] = zones.observances("Asia/Seoul", 2024, 2024)
    assert not part.daylight
    assert part.offset_from == part.offset_to == timedelta(hours=9)
    assert part.name == "KST"


def test_resolve_wall_time_refuses_gaps_and_offsets_the_zone_lacks():
    la = ZoneInfo("America/Los_Angeles")
    with pytest.raises(ValueError, match="does not exist"):
        zones.resolve_wall_time(datetime(2024, 3, 10, 2, 30), la)
    with pytest.raises(ValueError, match="does not match"):
        zones.resolve_wall_time(datetime(2024, 1, 9, 11), la, offset=timedelta(hours=-5))
    assert zones.resolve_wall_time(datetime(2024, 1, 9, 11), la).utcoffset() == timedelta(hours=-8)


def test_a_change_of_dst_flag_alone_is_not_a_transition():
    # Morocco kept +01 in October 2018 but tzdata turned its DST flag off: no instant moves.
    parts = zones.observances("Africa/Casablanca", 2018, 2019)
    changes = [p for p in parts if p.start != datetime(2017, 1, 1)]  # all but what holds first
    assert changes
    assert all(p.offset_from != p.offset_to for p in changes)
    assert not any(p.start.date() == datetime(2018, 10, 28).date() for p in changes)


@pytest.mark.parametrize(
    ("first", "last", "names"),
    [
        # Brazil (Noronha, Recife, Boa Vista) and Cambridge Bay changed twice within 7 days in
        # October 2000, the closest pairs in tzdata since 1950.
        (1999, 2001, None),
        (2040, 2040, ["Asia/Gaza", "Asia/Hebron"]),  # 6.96 days apart in October 2040
    ],
)
def test_a_look_every_six_days_finds_what_a_look_every_day_does(monkeypatch, first, last, names):
    found = {
        name: zones.observances.__wrapped__(name, first, last)
        for name in names or accepted_zone_names()
    }
    monkeypatch.setattr(zones, "_STEP", timedelta(days=1))
    assert len(found) >= 2
    for name, parts in found.items():
        assert parts == zones.observances.__wrapped__(name, first, last), name


def test_a_change_undone_between_two_looks_is_found_by_looking_closely(monkeypatch):
    # Tucumán left UTC-3 on 1 June 2004 and came back 12 days later. With a look every 30 days
    # the search misses both changes; the VTIMEZONE check sees it, and the zone is described
    # again from a look every hour.
    from seoulcal.ics import vtimezone  # noqa: PLC0415 - the check lives with the VTIMEZONE

    name = "America/Argentina/Tucuman"
    monkeypatch.setattr(zones, "_STEP", timedelta(days=30))
    zones.observances.cache_clear()
    vtimezone._zone_reader.cache_clear()
    try:
        coarse = zones.observances.__wrapped__(name, 2004, 2004)
        close = zones.observances.__wrapped__(name, 2004, 2004, closely=True)
        assert len(coarse) < len(close)
        assert any(part.start.date() == datetime(2004, 6, 1).date() for part in close)
        reading = vtimezone._zone_reader(name, 2004, 2004)
        assert reading.closely
        made = vtimezone.vtimezone(name, 2004, 2004).to_ical()
        assert made == vtimezone._build_vtimezone(name, 2004, 2004, closely=True).to_ical()
        assert made != vtimezone._build_vtimezone(name, 2004, 2004).to_ical()
        truth = ZoneInfo(name)
        for day in range(366):
            moment = datetime(2004, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
            assert reading.offset(moment) == moment.astimezone(truth).utcoffset(), moment
    finally:
        zones.observances.cache_clear()  # nothing found with the coarse look outlives the test
        vtimezone._zone_reader.cache_clear()
