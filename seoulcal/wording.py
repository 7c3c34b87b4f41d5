"""The fixed words seoulcal adds around a trip's own texts, in Korean and English.

Calendars, agendas and pages share them, so a reader sees the same wording everywhere.
"""

from __future__ import annotations

__all__ = [
    "approximate_marker",
    "approximate_note",
    "calendar_name",
    "day_text",
    "label",
    "part_name",
    "sheet_text",
    "sheet_texts",
]

from datetime import date, datetime
from typing import TYPE_CHECKING

from seoulcal.model import DAY_PART_WINDOWS, DayPart, Language

if TYPE_CHECKING:
    from seoulcal.model import Member, Timing, Trip

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

_SHEET: dict[str, tuple[str, str]] = {
    # the printed itinerary (seoulcal.paper)
    "whole_trip": ("전체 일정", "Full itinerary"),
    "revised": ("기준", "As of"),
    "zones": (
        "시각: 위는 현지 시각(장소 기준), '본국'은 {home} 시각",
        "Times: first at the place, then at 'home' in {home}",
    ),
    "scan": (
        "휴대전화 카메라로 찍으면 내 일정 페이지가 열립니다 (달력 구독).",
        "Scan with a phone camera to open your own page and subscribe.",
    ),
    "private": (
        "개인 주소입니다: 다른 사람과 공유하지 마세요.",
        "This code is your private address: do not share it.",
    ),
    "public": (
        "휴대전화 카메라로 찍으면 일정 페이지가 열립니다.",
        "Scan with a phone camera to open the itinerary page.",
    ),
    "places": ("장소", "Places"),
    "no_events": ("일정 없음", "No events"),
    "approximate": (
        "≈ 시각 미정: 출처에 날짜와 때(오전·오후 등)만 있는 일정입니다.",
        "≈ time to be confirmed: the source gives only the day and part of the day.",
    ),
}

_PARTS: dict[DayPart, tuple[str, str]] = {
    DayPart.MORNING: ("오전", "morning"),
    DayPart.LUNCH: ("점심", "lunch"),
    DayPart.AFTERNOON: ("오후", "afternoon"),
    DayPart.EVENING: ("저녁", "evening"),
    DayPart.ALL_DAY: ("하루", "during the day"),
}

_WEEKDAYS = (
    ("월", "Mon"),
    ("화", "Tue"),
    ("수", "Wed"),
    ("목", "Thu"),
    ("금", "Fri"),
    ("토", "Sat"),
    ("일", "Sun"),
)


def _pick(pair: tuple[str, str], lang: Language) -> str:
    return pair[0] if lang == "ko" else pair[1]


def label(key: str, lang: Language) -> str:
    """Return the fixed label *key* in *lang*."""
    return _pick(_LABELS[key], lang)


def sheet_text(key: str, lang: Language, **values: str) -> str:
    """Return the printed itinerary's fixed text *key* in *lang*, with *values* filled in."""
    return _pick(_SHEET[key], lang).format(**values)


def sheet_texts(lang: Language) -> list[str]:
    """Return every fixed text of the printed itinerary in *lang* (to check a font covers them)."""
    return [_pick(pair, lang) for pair in _SHEET.values()]


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


def calendar_name(trip: Trip, member: Member | None, lang: Language) -> str:
    """Return the name a calendar carries (NAME, X-WR-CALNAME): the trip's, plus the member's.

    The pages and subscribe links use the same name, so that a member sees one name everywhere.
    """
    name = trip.name.pick(lang)
    return name if member is None else f"{name} · {member.name.pick(lang)}"
