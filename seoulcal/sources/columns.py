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
    "NONE_WORDS",
    "PART_WORDS",
    "STATUS_WORDS",
    "VENUE_COLUMNS",
    "YES_NO_WORDS",
    "Column",
    "TableKind",
    "guard_formula",
    "unguard_formula",
]

import re
from dataclasses import dataclass
from typing import Literal

from seoulcal import wording
from seoulcal.model import DayPart

TableKind = Literal["members", "venues", "events"]
"""What a table holds: the trip field it fills."""

_FORMULA_STARTS = frozenset("=+-@\t\r")
"""What makes Excel, LibreOffice Calc and Google Sheets take a CSV cell for a formula (OWASP)."""
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _needs_guard(text: str) -> bool:
    """Tell whether *text* would be a formula in a spreadsheet, or looks like a guarded one."""
    return text.lstrip("'")[:1] in _FORMULA_STARTS and not _NUMBER.fullmatch(text)


def guard_formula(text: str) -> str:
    """Return a CSV cell's *text* so that no spreadsheet runs it as a formula.

    A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (reminders
    ``-PT3H``, a title ``=1+1 개관식``, a name typed as ``=HYPERLINK(…)``) gets a leading ``'``,
    Excel's mark for text; a plain number (a longitude ``-115.17``) does not need one. So does a
    text that already starts with quotes before such a character, so that
    :func:`unguard_formula` gives back every text exactly.
    """
    return "'" + text if _needs_guard(text) else text


def unguard_formula(cell: str) -> str:
    """Return the text of a CSV *cell* as :func:`guard_formula` had it (any other cell as it is)."""
    return cell[1:] if cell[:1] == "'" and _needs_guard(cell[1:]) else cell


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


_HEADERS = wording.table_words("headers")


def _columns(*keys: str, required: int) -> tuple[Column, ...]:
    """Return the columns of *keys*, the first *required* of them required."""
    return tuple(
        Column(key, _HEADERS[key], required=index < required) for index, key in enumerate(keys)
    )


MEMBER_COLUMNS = _columns(
    *("id", "name_ko", "name_en", "role_ko", "role_en"),
    *("email", "language", "groups", "illustrative"),
    required=5,
)

VENUE_COLUMNS = _columns(
    *("id", "name_ko", "name_en", "zone"),
    *("address_ko", "address_en", "latitude", "longitude", "assumptions_ko", "assumptions_en"),
    required=4,
)

EVENT_COLUMNS = _columns(
    *("id", "title_ko", "title_en", "date"),
    *("start", "end", "zone", "end_date", "end_zone", "last_day", "part", "venue", "attendees"),
    *("status", "description_ko", "description_en", "categories_ko", "categories_en"),
    *("source_document", "source_quote", "source_url", "assumptions_ko", "assumptions_en"),
    *("reminders", "busy"),
    required=4,
)

KINDS: dict[TableKind, tuple[Column, ...]] = {
    "members": MEMBER_COLUMNS,
    "venues": VENUE_COLUMNS,
    "events": EVENT_COLUMNS,
}

PART_WORDS: dict[str, DayPart] = {
    **{part.value: part for part in DayPart},
    **{korean: DayPart(meant) for korean, meant in wording.table_words("part").items()},
}
"""The words a ``part`` cell may hold: the trip file's, and the Korean names of the parts."""

STATUS_WORDS: dict[str, str] = {
    **{status: status for status in ("confirmed", "tentative", "cancelled")},
    **wording.table_words("status"),
}

LANGUAGE_WORDS: dict[str, str] = {"ko": "ko", "en": "en", **wording.table_words("language")}

YES_NO_WORDS: dict[str, bool] = {
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    **{korean: meant == "yes" for korean, meant in wording.table_words("yes_no").items()},
}
"""The words a yes-or-no cell may hold (matched in lower case), and what they mean."""

NONE_WORDS: frozenset[str] = frozenset({"none", *wording.table_words("none")})
"""The words of a ``reminders`` cell that turns an event's reminders off."""
