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


# --- invitations by e-mail (seoulcal.notify) ----------------------------------------------------
# Kept together at the end of the file: the subject, the bodies and the summary of `invite`.

_INVITATION_WORDS: dict[str, tuple[str, str]] = {
    # the subject's first word, by kind of message
    "invitation": ("초대", "Invitation"),
    "change": ("변경", "Updated"),
    "cancellation": ("취소", "Cancelled"),
    # the first line of the body, by why the message is sent
    "lead.invitation": ("{trip} 일정에 초대합니다.", "You are invited to this event of {trip}."),
    "lead.change": (
        "{trip} 일정이 바뀌었습니다. 달력의 일정이 새 내용으로 바뀝니다.",
        "This event of {trip} has changed; your calendar will show the new details.",
    ),
    "lead.cancelled": (
        "{trip}의 이 일정은 취소되었습니다.",
        "This event of {trip} has been cancelled.",
    ),
    "lead.removed": (
        "{trip}에서 이 일정이 빠졌습니다.",
        "This event has been removed from {trip}.",
    ),
    "lead.taken-off": (
        "이 일정은 이제 귀하의 {trip} 일정에 들어 있지 않습니다.",
        "You are no longer on this event of {trip}.",
    ),
    # labels of the body
    "at-place": ("현지 시각", "Time at the place"),
    "at-home": ("본국 시각", "Time at home"),
    "all-day": ("종일", "all day"),
    "page": ("내 일정 페이지", "Your schedule page"),
    "status": ("상태", "Status"),
    "attachment": (
        "초대가 보이지 않으면 첨부된 invite.ics 파일을 여세요.",
        "If no invitation is shown, open the attached invite.ics.",
    ),
    "footer": (
        "{organizer}에서 보낸 출장 일정 안내입니다 (seoulcal).",
        "A trip schedule notice from {organizer} (seoulcal).",
    ),
}


def invitation_word(key: str, lang: Language, **values: str) -> str:
    """Return the invitation wording *key* in *lang*, with *values* put in its ``{names}``."""
    return _pick(_INVITATION_WORDS[key], lang).format(**values)


def short_day(day: date, lang: Language) -> str:
    """Format a day without its year, as ``1월 9일(화)`` or ``Tue 9 Jan`` (mail subjects)."""
    weekday = _WEEKDAYS[day.weekday()]
    if lang == "ko":
        return f"{day.month}월 {day.day}일({weekday[0]})"
    return f"{weekday[1]} {day.day} {day:%b}"
