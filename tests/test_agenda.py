"""Agenda rows: the same instant at the place and at home."""

from __future__ import annotations

from seoulcal import Trip
from seoulcal.agenda import agenda_rows, render_agenda, render_table


def test_rows_show_the_place_and_seoul(ces):
    rows = {row.event.id: row for row in agenda_rows(ces, lang="en")}
    assert rows["seoul-pavilion-opening"].local == "2024-01-09 (Tue) 11:00–12:00 PST"
    assert rows["seoul-pavilion-opening"].home == "2024-01-10 (Wed) 04:00–05:00 KST"
    assert rows["seoul-innovation-forum"].home == "2024-01-10 (Wed) 10:30–12:00 KST"
    flight = rows["depart-las-vegas"]
    assert flight.local == "2024-01-12 (Fri) 22:50 PST → 2024-01-14 (Sun) 05:00 KST"
    assert flight.home == "2024-01-13 (Sat) 15:50 KST → 2024-01-14 (Sun) 05:00 KST"
    sphere = rows["sphere-visit"]
    assert sphere.approximate
    assert sphere.local.startswith("≈ 2024-01-11 (Thu) 14:00–18:00 PST")
    assert sphere.title.endswith("(afternoon, time to be confirmed)")
    assert rows["ces-visit"].local == "2024-01-09 (Tue) – 2024-01-10 (Wed) all day"


def test_wide_characters_are_aligned():
    text = render_table([("가나", "x"), ("abcdefg", "y")])
    first, rule, second = text.splitlines()
    assert first == "가나     x"  # 가나 takes four columns: padded with three spaces, then two
    assert second == "abcdefg  y"
    assert rule == "-------  -"


def test_a_member_without_events_gets_an_empty_agenda(small):
    small["members"].append(
        {
            "id": "idle",
            "name": {"ko": "가", "en": "A"},
            "role": {"ko": "가", "en": "A"},
            "groups": ["x"],
        }
    )
    small["events"][1]["attendees"] = ["team"]
    assert render_agenda(Trip.model_validate(small), member="idle", lang="en").endswith(
        "(no events)\n"
    )
