"""Tables in: a trip's members, venues or events from a CSV or XLSX file.

A trip file may say ``members = "roster.xlsx"`` (or ``"roster.xlsx#명단"`` for one sheet, or a
``.csv`` file) instead of listing its members; venues and events likewise. This module reads such
a table into the trip's own models, with every problem placed by file, sheet, row and column in
the header's own words: ``roster.xlsx, sheet 명단, row 7, column 이메일``.

* CSV files are decoded strictly, in order: UTF-8 with a byte order mark, UTF-8, then CP949
  (Korean Excel's "CSV" on Windows). Nothing is guessed; anything else is refused.
* XLSX files are read with ``openpyxl`` (the ``tables`` extra). Date and time cells are naive: the
  zone comes from the row's zone column, else the venue's, else the trip's; never the machine's.
* Text cells take the forms people type in Korean Excel: ``2024. 1. 9.``, ``2024-01-09``,
  ``오전 11:00``, ``오후 5:30``, ``17:30``. Ambiguous or impossible values are refused.

``docs/tables.md`` is the reference of the columns and cell forms.
"""

from __future__ import annotations

__all__ = [
    "Origins",
    "Sheet",
    "TableItems",
    "load_items",
    "parse_date",
    "parse_time",
    "read_sheet",
    "resolve_tables",
    "split_spec",
]

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast

from seoulcal import wording, zones
from seoulcal.errors import Problem, SeoulcalError, TripError
from seoulcal.model import Event, Member, Venue
from seoulcal.sources.columns import (
    KINDS,
    LANGUAGE_WORDS,
    NONE_WORDS,
    PART_WORDS,
    STATUS_WORDS,
    YES_NO_WORDS,
    Column,
    TableKind,
    unguard_formula,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from pathlib import Path
    from zoneinfo import ZoneInfo

Item = Member | Venue | Event
CSV_ENCODINGS = ("utf-8-sig", "utf-8", "cp949")
"""The encodings a CSV file may have, tried strictly in this order (see module docstring)."""
TABLE_SUFFIXES = (".csv", ".xlsx")
_EXACT_ONLY = ("start", "end", "end_date", "end_zone")
_EXCEL_ZERO_DAYS = (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1))


# --- reading files ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sheet:
    """The rows of one table, and how to name the place of each."""

    label: str
    """The file as the trip file spells it, and the sheet: ``roster.xlsx, sheet 명단``."""
    rows: tuple[tuple[int, tuple[object, ...]], ...]
    """Each row's number (1 for the spreadsheet's first row) and its cells."""


def split_spec(spec: str) -> tuple[str, str | None]:
    """Split ``"roster.xlsx#명단"`` into the file and the sheet (``None`` when absent)."""
    name, hash_sign, sheet = spec.partition("#")
    return name, (sheet if hash_sign else None)


def read_sheet(spec: str, *, base: Path, contents: Mapping[Path, bytes] | None = None) -> Sheet:
    """Read the table *spec* (``file`` or ``file#sheet``, relative to *base*) into rows.

    *contents* holds the bytes of files already read, by path (``base / file``): those are
    parsed, not read again. Raises :class:`TripError` naming the file when it cannot be read as
    a table.
    """
    name, sheet = split_spec(spec)
    path = base / name
    suffix = path.suffix.lower()

    def refuse(message: str) -> TripError:
        where = name if sheet is None else f"{name}, sheet {sheet}"
        # A NUL as the trip file spells it (TOML allows one), never raw on the terminal.
        return TripError([Problem(where.replace("\0", "\\u0000"), message)])

    if "\0" in name:  # no file system names a file so (Python would raise ValueError)
        raise refuse("cannot read the file: its name holds a NUL (\\u0000)")
    if suffix not in TABLE_SUFFIXES:
        raise refuse(
            "is not a table seoulcal reads; give a .csv or .xlsx file (saved from Excel as "
            "'CSV UTF-8' or 'Excel Workbook'), or list the items in the trip file"
        )
    raw = contents.get(path) if contents else None
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise refuse(f"cannot read the file: {error.strerror or error}") from None
    if suffix == ".csv":
        if sheet is not None:
            raise refuse(
                f"a CSV file has no sheets; drop '#{sheet}' or save the sheet as its own .csv"
            )
        return Sheet(name, tuple(_csv_rows(_decode(raw, name))))
    return _xlsx_sheet(raw, name, sheet)


def _decode(raw: bytes, name: str) -> str:
    """Decode CSV bytes strictly: UTF-8 with a BOM, UTF-8, then CP949; else refuse."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise TripError(
                [
                    Problem(
                        name,
                        f"starts with a UTF-8 byte order mark but is not UTF-8 (byte "
                        f"{error.start}); save it again as 'CSV UTF-8'",
                    )
                ]
            ) from None
    failures = []
    for encoding in CSV_ENCODINGS[1:]:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(f"{encoding.upper()} (byte {error.start})")
    raise TripError(
        [
            Problem(
                name,
                "is neither UTF-8 (with or without a byte order mark) nor CP949 text: tried "
                f"{', '.join(failures)}; save it from Excel as {_CSV_UTF8!r}",
            )
        ]
    )


def _csv_rows(text: str) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Read a CSV file's rows, each cell without the ``'`` that keeps it from being a formula."""
    reader = csv.reader(io.StringIO(text, newline=""))
    for number, row in enumerate(reader, start=1):
        yield number, tuple([unguard_formula(cell) for cell in row])


def _xlsx_sheet(raw: bytes, name: str, sheet: str | None) -> Sheet:
    try:
        import openpyxl  # noqa: PLC0415 - an optional dependency, loaded only for .xlsx
    except ImportError:
        raise SeoulcalError(
            f"{name}: reading .xlsx files needs openpyxl; install it with "
            "pip install 'seoulcal[tables]'"
        ) from None
    try:
        # Read-only: cells are streamed, not built into a workbook (at 10,000 rows openpyxl took
        # 3.11 s and 42 MB so, against 3.69 s and 77 MB: docs/performance.md, "Tables").
        book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True, read_only=True)
    except Exception as error:  # noqa: BLE001 - zip, XML and openpyxl raise many kinds
        message = str(error) or type(error).__name__
        raise TripError(
            [Problem(name, f"is not an Excel workbook (.xlsx) openpyxl can read: {message}")]
        ) from None
    names = book.sheetnames
    if sheet is None:
        chosen = book.worksheets[0]
    elif sheet in names:
        chosen = book[sheet]
    else:
        known = ", ".join(names)
        raise TripError(
            [Problem(f"{name}, sheet {sheet}", f"no such sheet; the workbook has: {known}")]
        )
    try:
        rows = tuple(
            (number, tuple(values))
            for number, values in enumerate(chosen.iter_rows(values_only=True), 1)
        )
    finally:
        book.close()
    return Sheet(f"{name}, sheet {chosen.title}", rows)


# --- cells ---------------------------------------------------------------------------------------

_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})\.\s*(?P<m>\d{1,2})\.\s*(?P<d>\d{1,2})\.?$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$"),
)
_CSV_UTF8 = next(iter(wording.table_words("format")))
"""Excel's name for the CSV format with a byte order mark, as Korean Excel shows it."""
_MERIDIEM = wording.table_words("meridiem")
"""The Korean words for AM and PM (오전, 오후), mapped to AM and PM."""
_AM, _PM = (next(k for k, v in _MERIDIEM.items() if v == meant) for meant in ("AM", "PM"))
_WEEKDAY_SUFFIX = re.compile(r"^(?P<day>.*?)\s*\((?P<w>\w)\)$")
_TIME_FORM = re.compile(
    rf"^(?:(?P<half>{'|'.join(_MERIDIEM)})\s*)?(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?"
    r"(?:\s*(?P<ampm>AM|PM|am|pm))?"
    r"(?:\s*(?P<offset>[+-]\d{2}:?\d{2}))?$"
)


def parse_date(value: object) -> date:
    """Read a date cell: a real date cell, or ``2024-01-09``, ``2024. 1. 9.`` or ``2024/1/9``.

    A weekday in brackets (``2024. 1. 9.(화)``) is allowed and must match the date.
    """
    if isinstance(value, datetime):
        if value.time() != time():
            raise ValueError(
                f"{value:%Y-%m-%d %H:%M} is a date and time; this column takes the date alone "
                "(put the time in its own column)"
            )
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(  # noqa: TRY004 - a cell's type is the user's input
            f"{value!r} is a number, not a date; format the cell as a date or type it like "
            "2024-01-09 or 2024. 1. 9."
        )
    text = value.strip()
    weekday = None
    marked = _WEEKDAY_SUFFIX.match(text)
    if marked:
        text, weekday = marked.group("day"), marked.group("w")
    for form in _DATE_FORMS:
        found = form.match(text)
        if found:
            try:
                day = date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                raise ValueError(f"{value!r} is not a day of the calendar") from None
            if weekday is not None and wording.weekday_letter(day) != weekday:
                raise ValueError(
                    f"{value!r}: {day.isoformat()} is a {day:%A} ({wording.weekday_letter(day)}), "
                    f"not ({weekday}); check the date"
                )
            return day
    raise ValueError(
        f"{value!r} is not a date seoulcal reads; write it like 2024-01-09 or 2024. 1. 9. "
        "(a four-digit year first: 1/9/2024 and 24. 1. 9. are ambiguous)"
    )


def parse_time(value: object) -> tuple[time, timedelta | None]:
    """Read a time cell: a real time cell, or ``17:30``, ``오전 11:00``, ``오후 5:30``, ``5:30 PM``.

    A trailing offset (``01:30 -07:00``) picks one of the two readings of a wall clock that happens
    twice; it is returned beside the time.
    """
    if isinstance(value, datetime):
        if value.date() in _EXCEL_ZERO_DAYS:
            return value.time().replace(microsecond=0), None
        raise ValueError(
            f"{value:%Y-%m-%d %H:%M} is a date and time; this column takes the time alone "
            "(format the cell as a time, and put the date in its own column)"
        )
    if isinstance(value, time):
        if value.microsecond:
            raise ValueError(f"{value} has a fraction of a second; give whole seconds")
        return value, None
    if not isinstance(value, str):
        raise ValueError(  # noqa: TRY004 - a cell's type is the user's input
            f"{value!r} is a number, not a time; format the cell as a time or type it like "
            f"17:30 or {_PM} 5:30"
        )
    found = _TIME_FORM.match(value.strip())
    if found is None:
        raise ValueError(
            f"{value!r} is not a time seoulcal reads; write it like 17:30, {_PM} 5:30 or "
            f"{_AM} 11:00"
        )
    return _clock(value, found)


def _clock(value: str, found: re.Match[str]) -> tuple[time, timedelta | None]:
    hour, minute, second = int(found["h"]), int(found["m"]), int(found["s"] or 0)
    half = _MERIDIEM.get(found["half"] or "") or (found["ampm"] or "").upper() or None
    if found["half"] and found["ampm"]:
        raise ValueError(f"{value!r} says both {found['half']} and {found['ampm']}; keep one")
    if half is not None:
        if not 1 <= hour <= 12:
            raise ValueError(
                f"{value!r}: with {half} the hour is 1 to 12; write 24-hour times without it"
            )
        hour = hour % 12 + (12 if half == "PM" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    offset = None
    if found["offset"]:
        digits = found["offset"].replace(":", "")
        sign = -1 if digits[0] == "-" else 1
        offset = sign * timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
    return time(hour, minute, second), offset


def _text(value: object) -> str:
    if isinstance(value, bool | date | time):
        message = f"{value!r} is not text; format the cell as text"
        raise ValueError(message)  # noqa: TRY004 - a cell's type is the user's input
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _verbatim(value: object) -> str:
    """Read a text cell as it is (blanks at its ends kept: they are the author's)."""
    return value if isinstance(value, str) else _text(value)


def _word(value: object, words: Mapping[str, str], what: str) -> str:
    text = _text(value)
    if text in words:
        return words[text]
    choices = ", ".join(words)
    raise ValueError(f"{text!r} is not {what}; write one of: {choices}")


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value)
    found = YES_NO_WORDS.get(text.lower())
    if found is None:
        words = ", ".join([*YES_NO_WORDS, "TRUE", "FALSE"])
        raise ValueError(f"{text!r} is not yes or no; write one of: {words}")
    return found


def _number(value: object) -> float:
    if isinstance(value, bool):
        message = f"{value!r} is not a number"
        raise ValueError(message)  # noqa: TRY004 - a cell's type is the user's input
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number such as 36.1215") from None


def _items(value: object, separator: str, what: str) -> tuple[str, ...]:
    text = _text(value)
    parts = tuple(part.strip() for part in text.split(separator))
    if any(not part for part in parts):
        raise ValueError(f"{text!r} has an empty item; separate {what} with single {separator!r}")
    return parts


def _lines(value: object) -> tuple[str, ...]:
    text = _text(value).replace("\r\n", "\n").replace("\r", "\n")
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- rows ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    """One data row: its cells by column key, and the problems found in it."""

    label: str
    number: int
    cells: dict[str, object]
    headers: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def where(self, key: str | None = None) -> str:
        place = f"{self.label}, row {self.number}"
        if key is None or key not in self.headers:
            return place
        return f"{place}, column {self.headers[key]}"

    def problem(self, key: str | None, message: str) -> None:
        self.problems.append(Problem(self.where(key), message))

    def has(self, key: str) -> bool:
        return not _empty(self.cells.get(key))

    def get(self, key: str, read: Callable[[object], Any]) -> Any:  # noqa: ANN401 - per reader
        """Return the cell *key* read by *read*, ``None`` when empty or wrong (then noted)."""
        value = self.cells.get(key)
        if _empty(value):
            return None
        try:
            return read(value)
        except ValueError as error:
            self.problem(key, str(error))
            return None

    def pair(self, stem: str, *, need: bool = False) -> dict[str, str] | None:
        """Return the ``{ko, en}`` text of columns ``stem_ko`` and ``stem_en``."""
        ko, en = self.get(f"{stem}_ko", _verbatim), self.get(f"{stem}_en", _verbatim)
        if ko is None and en is None and not need:
            return None
        if ko is None or en is None:
            missing = f"{stem}_ko" if ko is None else f"{stem}_en"
            if not self.has(missing) and not need:  # a required cell is reported as such
                self.problem(missing, "empty; give this text in both Korean and English")
            return None
        return {"ko": ko, "en": en}

    def pairs(self, stem: str, split: Callable[[object], tuple[str, ...]]) -> list[dict[str, str]]:
        """Return the ``{ko, en}`` texts of two list columns, item by item."""
        ko = self.get(f"{stem}_ko", split) or ()
        en = self.get(f"{stem}_en", split) or ()
        if len(ko) != len(en):
            self.problem(
                f"{stem}_en",
                f"{len(en)} items in English but {len(ko)} in Korean "
                f"(column {self.headers.get(f'{stem}_ko', f'{stem}_ko')}); give each in both",
            )
            return []
        return [{"ko": k, "en": e} for k, e in zip(ko, en, strict=True)]


def _header_problems(
    label: str, number: int, cells: Sequence[object], columns: Sequence[Column]
) -> tuple[dict[int, Column], list[Problem]]:
    """Match the header row's cells to *columns*; report unknown, doubled and missing ones."""
    by_name = {name: column for column in columns for name in (column.key, column.korean)}
    found: dict[int, Column] = {}
    problems = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(cells):
        if _empty(cell):
            continue
        header = str(cell).strip()
        where = f"{label}, row {number}, column {header}"
        column = by_name.get(header)
        if column is None:
            known = ", ".join(f"{c.key} ({c.korean})" for c in columns)
            problems.append(
                Problem(
                    where, f"unknown column {header!r}; check its spelling: columns are {known}"
                )
            )
            continue
        if column.key in seen:
            problems.append(
                Problem(
                    where,
                    f"column {header!r} says the same as column {seen[column.key]!r}; keep one",
                )
            )
            continue
        seen[column.key] = header
        found[index] = column
    problems.extend(
        Problem(
            f"{label}, row {number}",
            f"missing column {column.korean!r} (or {column.key!r}); add it to the header",
        )
        for column in columns
        if column.required and column.key not in seen
    )
    return found, problems


def _rows(sheet: Sheet, columns: Sequence[Column]) -> tuple[list[_Row], list[Problem]]:
    """Split *sheet* into the header and its data rows (blank rows skipped)."""
    lines = [(number, cells) for number, cells in sheet.rows if not all(map(_empty, cells))]
    if not lines:
        return [], [Problem(sheet.label, "is empty; give a header row and one row per item")]
    (head_number, head), data = lines[0], lines[1:]
    found, problems = _header_problems(sheet.label, head_number, head, columns)
    headers = {column.key: str(head[index]).strip() for index, column in found.items()}
    rows = []
    for number, cells in data:
        stray = [
            index
            for index, cell in enumerate(cells)
            if index not in found
            and not _empty(cell)
            and (index >= len(head) or _empty(head[index]))
        ]
        for index in stray:
            problems.append(
                Problem(
                    f"{sheet.label}, row {number}, column {_letters(index)}",
                    f"{cells[index]!r} is in a column without a header; give the column a header "
                    "or clear the cell",
                )
            )
        values = {column.key: cells[index] for index, column in found.items() if index < len(cells)}
        rows.append(_Row(sheet.label, number, values, headers))
    return rows, problems


def _letters(index: int) -> str:
    """Name column *index* (0-based) as a spreadsheet does: A, B, …, Z, AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


# --- rows into items -----------------------------------------------------------------------------


def _member(row: _Row, context: _Context) -> dict[str, object]:  # noqa: ARG001 - same signature
    data: dict[str, object] = {
        "id": row.get("id", _text),
        "name": row.pair("name", need=True),
        "role": row.pair("role", need=True),
    }
    if row.has("email"):
        data["email"] = row.get("email", _text)
    if row.has("language"):
        data["language"] = row.get("language", lambda v: _word(v, LANGUAGE_WORDS, "a language"))
    if row.has("groups"):
        data["groups"] = row.get("groups", lambda v: _items(v, ",", "groups"))
    if row.has("illustrative"):
        data["illustrative"] = row.get("illustrative", _bool)
    return data


def _venue(row: _Row, context: _Context) -> dict[str, object]:  # noqa: ARG001 - same signature
    data: dict[str, object] = {
        "id": row.get("id", _text),
        "name": row.pair("name", need=True),
        "zone": row.get("zone", _text),
    }
    address = row.pair("address")
    if address is not None:
        data["address"] = address
    for key in ("latitude", "longitude"):
        if row.has(key):
            data[key] = row.get(key, _number)
    assumptions = row.pairs("assumptions", _lines)
    if assumptions:
        data["assumptions"] = assumptions
    return data


@dataclass(frozen=True, slots=True)
class _Context:
    """What a row needs from the rest of the trip: the zones of venues and of the trip."""

    venue_zones: Mapping[str, str]
    trip_zone: str | None


def _zone_of(row: _Row, key: str, context: _Context) -> ZoneInfo | None:
    """Return the zone of column *key*, else the venue's, else the trip's."""
    name = row.get(key, _text)
    if name is None and row.has(key):
        return None  # already reported
    source = key
    if name is None:
        venue = row.get("venue", _text)
        if venue is not None and venue in context.venue_zones:
            name, source = context.venue_zones[venue], "venue"
        elif context.trip_zone is not None:
            name, source = context.trip_zone, ""
    if name is None:
        row.problem(key, "no zone: give one in this column, or a venue, or the trip's zone")
        return None
    try:
        return zones.zone(name)
    except ValueError as error:
        if source == key:
            row.problem(key, str(error))
        return None  # a venue's or trip's bad zone is reported where it is written


def _moment(row: _Row, day: date, key: str, zone: ZoneInfo) -> str | None:
    """Return the wall clock of cell *key* on *day* in *zone*, as the trip file writes it.

    The text form (``2024-11-03T01:30:00-07:00[America/Los_Angeles]``) keeps which reading of a
    wall clock that happens twice was chosen, as a trip file's does.
    """
    read = row.get(key, parse_time)
    if read is None:
        return None
    clock, offset = read
    try:
        moment = zones.resolve_wall_time(datetime.combine(day, clock), zone, offset=offset)
    except ValueError as error:
        row.problem(key, str(error))
        return None
    return f"{moment.isoformat()}[{zone.key}]"


def _exact_time(row: _Row, day: date | None, context: _Context) -> dict[str, object] | None:
    for key in ("last_day", "part"):
        if row.has(key):
            row.problem(key, "a timed event (with a start) takes no last day or part of day")
    if not row.has("end"):
        row.problem("end", "empty; a timed event needs its end time (a start needs an end)")
    start_zone = _zone_of(row, "zone", context)
    end_zone = _zone_of(row, "end_zone", context) if row.has("end_zone") else start_zone
    end_day = row.get("end_date", parse_date) if row.has("end_date") else day
    if day is None or start_zone is None or end_zone is None or end_day is None:
        return None
    start = _moment(row, day, "start", start_zone)
    end = _moment(row, end_day, "end", end_zone)
    if start is None or end is None:
        return None
    return {"start": start, "end": end}


def _untimed(row: _Row, day: date | None) -> dict[str, object] | None:
    for key in _EXACT_ONLY:
        if row.has(key):
            row.problem(key, "give a start time too, or clear this cell (an untimed event)")
    if row.has("part"):
        if row.has("last_day"):
            row.problem("last_day", "an event with a part of the day lasts one day; clear this")
        part = row.get("part", lambda v: _word(v, PART_WORDS, "a part of the day"))
        when: dict[str, object] = {"day": day, "part": part}
        if row.has("zone"):
            when["zone"] = row.get("zone", _text)
        return when if day is not None and part is not None else None
    if row.has("zone"):
        row.problem("zone", "whole days are shown in the venue's zone; clear this cell")
    when = {"first": day}
    if row.has("last_day"):
        when["last"] = row.get("last_day", parse_date)
    return when if day is not None else None


def _event_time(row: _Row, context: _Context) -> dict[str, object] | None:
    day = row.get("date", parse_date)
    return _exact_time(row, day, context) if row.has("start") else _untimed(row, day)


def _event(row: _Row, context: _Context) -> dict[str, object]:
    data: dict[str, object] = {
        "id": row.get("id", _text),
        "title": row.pair("title", need=True),
        "time": _event_time(row, context),
    }
    if row.has("venue"):
        data["venue"] = row.get("venue", _text)
    if row.has("attendees"):
        data["attendees"] = row.get("attendees", lambda v: _items(v, ",", "attendees"))
    if row.has("status"):
        data["status"] = row.get("status", lambda v: _word(v, STATUS_WORDS, "a status"))
    description = row.pair("description")
    if description is not None:
        data["description"] = description
    categories = row.pairs("categories", lambda v: _items(v, ",", "categories"))
    if categories:
        data["categories"] = categories
    source = _source(row)
    if source is not None:
        data["source"] = source
    assumptions = row.pairs("assumptions", _lines)
    if assumptions:
        data["assumptions"] = assumptions
    if row.has("reminders"):
        data["reminders"] = row.get("reminders", _reminders)
    if row.has("busy"):
        data["busy"] = row.get("busy", _bool)
    return data


def _reminders(value: object) -> tuple[str, ...]:
    """Read a reminders cell: durations such as ``-PT30M, -P1D``, or ``없음`` (none) for off."""
    if _text(value).lower() in NONE_WORDS:
        return ()
    return _items(value, ",", "reminders")


def _source(row: _Row) -> dict[str, object] | None:
    keys = ("source_document", "source_quote", "source_url")
    if not any(row.has(key) for key in keys):
        return None
    for key in keys[:2]:
        if not row.has(key):
            row.problem(key, "empty; a source needs its document and the quoted sentence")
    source = {
        "document": row.get("source_document", _verbatim),
        "quote": row.get("source_quote", _verbatim),
    }
    if row.has("source_url"):
        source["url"] = row.get("source_url", _text)
    return source


_BUILDERS: dict[TableKind, tuple[type[Item], Callable[[_Row, _Context], dict[str, object]]]] = {
    "members": (Member, _member),
    "venues": (Venue, _venue),
    "events": (Event, _event),
}

_TIME_FIELDS = {
    "start": "start",
    "end": "end",
    "first": "date",
    "day": "date",
    "last": "last_day",
    "part": "part",
    "zone": "zone",
}


def _column_of(where: str, *, timed: bool) -> str | None:
    """Map a problem's field path (``name.ko``, ``time.end``, ``groups[1]``) to its column."""
    names = [name for name in re.split(r"[.\[\]]", where) if name and not name.isdigit()]
    if names and names[0] == "time":
        if len(names) > 1:
            return _TIME_FIELDS.get(names[1], "date")
        return "end" if timed else "last_day"
    if not names:
        return None
    return "_".join(names)


def _validate(row: _Row, model: type[Item], data: dict[str, object]) -> Item | None:
    if row.problems:
        return None
    try:
        return model.model_validate(data, context={"audience": "toml"})
    except TripError as error:
        for problem in error.problems:
            column = _column_of(problem.where, timed=row.has("start"))
            if model is Venue and column is None:
                column = "latitude"
            row.problem(column, problem.message)
        return None


# --- whole tables --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableItems:
    """The items of one table, where each came from, and what is wrong with them."""

    items: tuple[Item, ...]
    places: tuple[tuple[str, dict[str, str]], ...]
    """Per item: its row's place (``file, sheet S, row N``) and its headers by column key."""
    problems: tuple[Problem, ...]


def load_items(  # noqa: PLR0913 - keyword-only context for the rows, all optional
    kind: TableKind,
    spec: str,
    *,
    base: Path,
    venue_zones: Mapping[str, str] | None = None,
    trip_zone: str | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> TableItems:
    """Read the table *spec* (relative to *base*) as the trip's *kind* of items.

    *venue_zones* (venue id → zone) and *trip_zone* give event times their zone when a row has
    none; *contents* is :func:`read_sheet`'s. A table that cannot be read raises
    :class:`TripError`; problems in its rows are returned.
    """
    sheet = read_sheet(spec, base=base, contents=contents)
    columns = KINDS[kind]
    rows, problems = _rows(sheet, columns)
    if problems:  # the columns are not known for sure: the rows would only add noise
        return TableItems((), (), tuple(problems))
    model, build = _BUILDERS[kind]
    context = _Context(venue_zones or {}, trip_zone)
    items: list[Item] = []
    places: list[tuple[str, dict[str, str]]] = []
    for row in rows:
        for key, value in row.cells.items():
            required = next(c.required for c in columns if c.key == key)
            if required and _empty(value):
                row.problem(key, "empty; every row needs this cell")
        item = _validate(row, model, build(row, context))
        problems.extend(row.problems)
        if item is not None:
            items.append(item)
            places.append((row.where(), row.headers))
    return TableItems(tuple(items), tuple(places), tuple(problems))


# --- a trip file's tables ------------------------------------------------------------------------

_WHERE = re.compile(
    r'^(?P<field>members|venues|events)\[(?P<index>\d+)\](?: "[^"]*")?(?: → (?P<path>.*))?$'
)


@dataclass(frozen=True, slots=True)
class Origins:
    """Where the items of a trip's tables came from, to place the trip's own problems."""

    places: dict[str, tuple[tuple[str, dict[str, str]], ...]]

    def relocate(self, problems: Sequence[Problem]) -> list[Problem]:
        """Restate problems about table items (``members[3] "kim" → id``) by row and column."""
        moved = []
        for problem in problems:
            found = _WHERE.match(problem.where)
            places = self.places.get(found["field"]) if found else None
            index = int(found["index"]) if found else -1
            if found is None or places is None or index >= len(places):
                moved.append(problem)
                continue
            place, headers = places[index]
            path = found["path"] or ""
            key = re.split(r"[.\[]", path, maxsplit=1)[0] if path else ""
            where = f"{place}, column {headers[key]}" if key in headers else place
            moved.append(Problem(where, problem.message))
        return moved


def _zone_text(item: object) -> tuple[str, str] | None:
    if isinstance(item, Venue):
        return item.id, item.zone
    if isinstance(item, dict):
        ident, zone = item.get("id"), item.get("zone")
        if isinstance(ident, str) and isinstance(zone, str):
            return ident, zone
    return None


def resolve_tables(
    data: dict[str, Any],
    *,
    base: Path,
    tables: Mapping[str, tuple[str, Path]] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> Origins | None:
    """Replace the table names in a trip file's *data* by the items the tables hold.

    ``members``, ``venues`` and ``events`` may each name a table, relative to *base*; *tables*
    (kind → table and its folder) replaces what *data* says for those kinds; *contents* is
    :func:`read_sheet`'s (files already read, by path). Returns where the
    items came from (``None`` when no table is named), or raises :class:`TripError` with every
    problem of every table.
    """
    kinds = cast("tuple[TableKind, ...]", ("venues", "members", "events"))
    chosen = {kind: (data[kind], base) for kind in kinds if isinstance(data.get(kind), str)}
    chosen.update({kind: table for kind, table in (tables or {}).items() if kind in kinds})
    if not chosen:
        return None
    problems: list[Problem] = []
    places: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {}
    for kind in kinds:
        if kind not in chosen:
            continue
        spec, folder = chosen[kind]
        venues = data.get("venues")
        pairs = (_zone_text(v) for v in venues) if isinstance(venues, list | tuple) else ()
        trip_zone = data.get("zone")
        try:
            loaded = load_items(
                kind,
                spec,
                base=folder,
                venue_zones=dict(pair for pair in pairs if pair is not None),
                trip_zone=trip_zone if isinstance(trip_zone, str) else None,
                contents=contents,
            )
        except TripError as error:
            problems.extend(error.problems)
            continue
        problems.extend(loaded.problems)
        data[kind] = list(loaded.items)
        places[kind] = loaded.places
    if problems:
        raise TripError(problems)
    return Origins(places)
