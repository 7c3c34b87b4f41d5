"""The columns of members, venues and events tables, in English and in Korean.

Reading (:mod:`seoulcal.sources.tables`) and writing (:mod:`seoulcal.sources.sheets`) share these
names, so that a table seoulcal writes is a table it reads. ``docs/tables.md`` is the reference.
"""

from __future__ import annotations

__all__ = [
    "EVENT_COLUMNS",
    "KINDS",
    "LANGUAGE_WORDS",
    "MEMBER_COLUMNS",
    "PART_WORDS",
    "STATUS_WORDS",
    "VENUE_COLUMNS",
    "Column",
    "TableKind",
]

from dataclasses import dataclass
from typing import Literal

from seoulcal.model import DayPart

TableKind = Literal["members", "venues", "events"]
"""What a table holds: the trip field it fills."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its English and Korean header, and whether it must be there."""

    key: str
    """The English header, also the column's name in the code."""
    korean: str
    """The Korean header, as Korean staff write it."""
    required: bool = False
    """True when the column must be present and each of its cells filled."""

    def header(self, lang: Literal["ko", "en"]) -> str:
        """Return the header in *lang*."""
        return self.korean if lang == "ko" else self.key


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("id", "아이디", required=True),
    Column("name_ko", "이름", required=True),
    Column("name_en", "영문 이름", required=True),
    Column("role_ko", "직책", required=True),
    Column("role_en", "영문 직책", required=True),
    Column("email", "이메일"),
    Column("language", "언어"),
    Column("groups", "그룹"),
    Column("illustrative", "예시"),
)

VENUE_COLUMNS: tuple[Column, ...] = (
    Column("id", "아이디", required=True),
    Column("name_ko", "이름", required=True),
    Column("name_en", "영문 이름", required=True),
    Column("zone", "시간대", required=True),
    Column("address_ko", "주소"),
    Column("address_en", "영문 주소"),
    Column("latitude", "위도"),
    Column("longitude", "경도"),
    Column("assumptions_ko", "가정"),
    Column("assumptions_en", "영문 가정"),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("id", "아이디", required=True),
    Column("title_ko", "제목", required=True),
    Column("title_en", "영문 제목", required=True),
    Column("date", "날짜", required=True),
    Column("start", "시작"),
    Column("end", "종료"),
    Column("zone", "시간대"),
    Column("end_date", "종료 날짜"),
    Column("end_zone", "종료 시간대"),
    Column("last_day", "마지막 날"),
    Column("part", "때"),
    Column("venue", "장소"),
    Column("attendees", "참석자"),
    Column("status", "상태"),
    Column("description_ko", "설명"),
    Column("description_en", "영문 설명"),
    Column("categories_ko", "분류"),
    Column("categories_en", "영문 분류"),
    Column("source_document", "출처 문서"),
    Column("source_quote", "출처 인용"),
    Column("source_url", "출처 주소"),
    Column("assumptions_ko", "가정"),
    Column("assumptions_en", "영문 가정"),
)

KINDS: dict[TableKind, tuple[Column, ...]] = {
    "members": MEMBER_COLUMNS,
    "venues": VENUE_COLUMNS,
    "events": EVENT_COLUMNS,
}

PART_WORDS: dict[str, DayPart] = {
    **{part.value: part for part in DayPart},
    "오전": DayPart.MORNING,
    "점심": DayPart.LUNCH,
    "오후": DayPart.AFTERNOON,
    "저녁": DayPart.EVENING,
    "하루": DayPart.ALL_DAY,
}
"""The words a ``part`` cell may hold: the trip file's, and the Korean names of the parts."""

STATUS_WORDS: dict[str, str] = {
    "confirmed": "confirmed",
    "tentative": "tentative",
    "cancelled": "cancelled",
    "확정": "confirmed",
    "미정": "tentative",
    "취소": "cancelled",
}

LANGUAGE_WORDS: dict[str, str] = {"ko": "ko", "en": "en", "한국어": "ko", "영어": "en"}
