"""The fixed words seoulcal adds around a trip's own texts, in Korean and English.

Calendars, agendas and pages share them, so a reader sees the same wording everywhere.
"""

from __future__ import annotations

__all__ = [
    "approximate_marker",
    "approximate_note",
    "day_text",
    "label",
    "part_name",
    "when_text",
]

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from seoulcal.model import DAY_PART_WINDOWS, DayPart, Language

if TYPE_CHECKING:
    from seoulcal.model import Timing

_LABELS: dict[str, tuple[str, str]] = {
    "place": ("장소", "Place"),
    "source": ("출처", "Source"),
    "assumed": ("가정 (출처에 없는 내용)", "Assumed (not in the source)"),
    "time": ("시간", "Time"),
    "cancelled": ("취소", "Cancelled"),
    "tentative": ("미정", "Tentative"),
    "illustrative": ("예시", "illustrative"),
    "local": ("현지", "local"),
    "home": ("본국", "home"),
}

_PARTS: dict[DayPart, tuple[str, str]] = {
    DayPart.MORNING: ("오전", "morning"),
    DayPart.LUNCH: ("점심", "lunch"),
    DayPart.AFTERNOON: ("오후", "afternoon"),
    DayPart.EVENING: ("저녁", "evening"),
    DayPart.ALL_DAY: ("하루", "during the day"),
}

_WEEKDAYS = (("월", "Mon"), ("화", "Tue"), ("수", "Wed"), ("목", "Thu"), ("금", "Fri"),
             ("토", "Sat"), ("일", "Sun"))


def _pick(pair: tuple[str, str], lang: Language) -> str:
    return pair[0] if lang == "ko" else pair[1]


def label(key: str, lang: Language) -> str:
    """Return the fixed label *key* in *lang*."""
    return _pick(_LABELS[key], lang)


def part_name(part: DayPart, lang: Language) -> str:
    """Return the name of a part of the day in *lang*."""
    return _pick(_PARTS[part], lang)


def approximate_marker(part: DayPart, lang: Language) -> str:
    """Return the short marker added to an approximate event's title."""
    if lang == "ko":
        return f"({part_name(part, 'ko')} 중, 시각 미정)"
    return f"({part_name(part, 'en')}, time to be confirmed)"


def approximate_note(timing: Timing, lang: Language) -> str:
    """Explain that an approximate event's time is a window, and which window it is shown as."""
    assert timing.approximate is not None  # noqa: S101 - callers check
    part = timing.approximate
    begin, end = DAY_PART_WINDOWS[part]
    day = timing.start.date() if isinstance(timing.start, datetime) else timing.start
    zone = timing.zone.key
    if lang == "ko":
        return (
            f"{day_text(day, 'ko')} {part_name(part, 'ko')} 중 (정확한 시각은 정해지지 않음). "
            f"달력에는 {zone} 기준 {begin:%H:%M}–{end:%H:%M}로 표시합니다."
        )
    return (
        f"{day_text(day, 'en')}, {part_name(part, 'en')} (exact time not fixed). "
        f"Shown as {begin:%H:%M}–{end:%H:%M} {zone} time."
    )


def day_text(day: date, lang: Language) -> str:
    """Format a day as ``1월 9일(화)`` or ``Tue 9 Jan 2024``."""
    weekday = _WEEKDAYS[day.weekday()]
    if lang == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일({weekday[0]})"
    return f"{weekday[1]} {day.day} {day:%b} {day.year}"


def when_text(timing: Timing, lang: Language) -> str:
    """Describe when an event happens, in the zone of its place."""
    if timing.approximate is not None:
        return approximate_note(timing, lang)
    if isinstance(timing.start, datetime) and isinstance(timing.end, datetime):
        start = timing.start
        end = timing.end
        return f"{_moment(start, lang)} – {_moment(end, lang, same_day_as=start)}"
    first = timing.start if isinstance(timing.start, date) else timing.start.date()
    end_day = timing.end if isinstance(timing.end, date) else timing.end.date()
    last = end_day - timedelta(days=1)
    if last == first:
        return day_text(first, lang)
    return f"{day_text(first, lang)} – {day_text(last, lang)}"


def _moment(moment: datetime, lang: Language, *, same_day_as: datetime | None = None) -> str:
    zone = moment.tzname() or ""
    key = getattr(moment.tzinfo, "key", "UTC")
    clock = f"{moment:%H:%M} {zone} ({key})"
    if same_day_as is not None and same_day_as.tzinfo is moment.tzinfo:
        if same_day_as.date() == moment.date():
            return clock
    return f"{day_text(moment.date(), lang)} {clock}"
