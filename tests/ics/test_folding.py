"""seoulcal.ics.folding: lines break exactly where icalendar breaks them."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Event
from icalendar.parser import Contentline

from seoulcal.errors import InternalError
from seoulcal.ics.folding import component_bytes, fold

# One to four octets in UTF-8, the two escape starters icalendar never leaves at a line's end, a
# combining mark (its own character to icalendar), and what TEXT escaping writes.
_PIECES = ["a", " ", ":", ";", ",", "\\", "^", "é", "\u0301", "한", "€", "😀", "\\n", "^^"]

lines = st.lists(st.sampled_from(_PIECES), max_size=240).map("".join) | st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\n"), max_size=400
)


@given(lines)
@example("a" * 74)  # the longest line that stays whole
@example("a" * 75)  # the shortest that folds
@example("a" * 73 + "\\" + "n")  # an escape that would straddle the fold
@example("a" * 73 + "한")  # a character that would straddle it
@example("한" * 100)
@example("😀" * 60)
@example("\\" * 200)
def test_fold_writes_what_icalendar_writes(line):
    assert fold(line) == Contentline(line).to_ical()


@pytest.mark.parametrize("size", range(60, 160))
def test_every_length_around_the_folds(size):
    for piece in ("a", "é", "한", "😀", "\\", "a\\", "a^"):
        line = (piece * size)[:size]
        assert fold(line) == Contentline(line).to_ical()


def test_a_line_with_a_line_break_inside_is_a_bug():
    with pytest.raises(InternalError, match="line break"):
        fold("DESCRIPTION:" + "x" * 80 + "\n" + "y")


def test_component_bytes_are_the_tree_s_own():
    calendar = Calendar()
    calendar.add("prodid", "-//seoulcal//test//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "서울시장 CES 2024 순방 · " + "수행비서 " * 12)
    event = Event()
    event.add("uid", "a@example.org")
    event.add("summary", "CES 2024 개막 기조연설; 참관 (" + "\\N, ^ " * 20 + ")")
    event.add("description", "줄 하나\n줄 둘 " + "😀" * 40)
    event.add("url", "https://example.org/" + "x" * 120)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "알림 " * 30)
    event.add_component(alarm)
    calendar.add_component(event)
    assert component_bytes(calendar) == calendar.to_ical()
    assert component_bytes(event) == event.to_ical()
