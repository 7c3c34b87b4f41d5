"""Tables out: a trip's members and agenda as CSV or XLSX, in the columns the import reads.

* CSV is UTF-8 with a byte order mark, so that Korean Excel opens it as UTF-8 (without one it
  reads CP949 and shows mojibake), with CRLF row ends as Excel writes them. A text that a
  spreadsheet would run as a formula starts with ``'`` (:func:`columns.guard_formula`), which
  the import takes off again.
* XLSX (``openpyxl``, the ``tables`` extra) has real date and time cells, naive as Excel's are,
  with the zone in the column beside them.

Both use the columns of :mod:`seoulcal.sources.columns`, with Korean or English headers, so that
a table written here reads back (``members = "members.xlsx"``) as the same members and events.
The bytes are deterministic: XLSX files carry the trip's ``revised`` time, never the clock.
"""

from __future__ import annotations

__all__ = ["TABLE_FORMATS", "agenda_table", "duration_text", "members_table", "table_bytes"]

import csv
import io
import zipfile
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from seoulcal import wording, zones
from seoulcal.errors import SeoulcalError
from seoulcal.model import ApproximateTime, DaysTime, StayTime
from seoulcal.sources.columns import (
    EVENT_COLUMNS,
    MEMBER_COLUMNS,
    PART_WORDS,
    STATUS_WORDS,
    Column,
    guard_formula,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from openpyxl.worksheet.worksheet import Worksheet

    from seoulcal.model import Event, Language, Member, Trip

TableFormat = Literal["csv", "xlsx"]
TABLE_FORMATS: tuple[TableFormat, ...] = ("csv", "xlsx")
Cell = str | date | time | bool | float | None

_SHEET_NAMES = {meant: korean for korean, meant in wording.table_words("sheet").items()}
"""The Korean names of the sheets written (English: ``Members``, ``Agenda``)."""
_YES_NO = {meant: korean for korean, meant in reversed(wording.table_words("yes_no").items())}


def _word(words: Mapping[str, object], value: object, lang: Language) -> str:
    """Return the Korean (or English) word that the import reads as *value*."""
    names = [name for name, meant in words.items() if meant == value]
    korean = [name for name in names if not name.isascii()]
    return korean[0] if lang == "ko" and korean else names[0]


def _joined(values: Sequence[str], separator: str, what: str) -> str:
    """Join list items into one cell, refusing items the import would not read back the same."""
    mark = separator.strip() or "line break"
    for value in values:
        if separator.strip() in value if separator.strip() else "\n" in value:
            raise SeoulcalError(
                f"{what} {value!r} has a {mark!r}, which separates items in a table cell; "
                "rename it, or keep the trip in its TOML file"
            )
        if value != value.strip():
            raise SeoulcalError(
                f"{what} {value!r} starts or ends with blanks, which a table cell's list items "
                "lose; remove them, or keep the trip in its TOML file"
            )
    return separator.join(values)


def _member_cells(member: Member) -> dict[str, Cell]:
    return {
        "id": member.id,
        "name_ko": member.name.ko,
        "name_en": member.name.en,
        "role_ko": member.role.ko,
        "role_en": member.role.en,
        "email": member.email,
        "language": member.language,
        "groups": _joined(member.groups, ", ", "group") or None,
        "illustrative": True if member.illustrative else None,
    }


def _clock(moment: datetime) -> tuple[date, time | str, str]:
    """Return the wall date, the wall time and the zone name of an aware *moment*.

    A wall clock that happens twice is written as text with its offset (``01:30 -07:00``).
    """
    name = zones.zone_name(moment.tzinfo) or "UTC"
    tz = zones.zone(name)
    local = moment.astimezone(tz)
    wall = local.replace(tzinfo=None)
    try:
        zones.resolve_wall_time(wall, tz)
    except ValueError:
        offset = local.strftime("%z")
        return wall.date(), f"{wall:%H:%M:%S} {offset[:3]}:{offset[3:]}", name
    return wall.date(), wall.time(), name


def _time_cells(event: Event, lang: Language) -> dict[str, Cell]:
    when = event.time
    if isinstance(when, DaysTime):
        return {"date": when.first, "last_day": when.last}
    if isinstance(when, ApproximateTime):
        return {"date": when.day, "part": _word(PART_WORDS, when.part, lang), "zone": when.zone}
    if isinstance(when, StayTime):  # pragma: no cover - refused by _table_can_hold first
        raise SeoulcalError(f"event {event.id!r}: a stay has no table columns yet")
    day, start, zone = _clock(when.start)
    end_day, end, end_zone = _clock(when.end)
    cells: dict[str, Cell] = {"date": day, "start": start, "end": end, "zone": zone}
    if end_day != day:
        cells["end_date"] = end_day
    if end_zone != zone:
        cells["end_zone"] = end_zone
    return cells


def _table_can_hold(event: Event) -> None:
    """Refuse an event with fields no table column holds yet (they would be lost)."""
    held = {
        "links": bool(event.links),
        "contact": event.contact is not None,
        "repeat": event.repeat is not None,
        "marker": event.marker is not None,
        "time (a stay)": isinstance(event.time, StayTime),
    }
    lost = [name for name, present in held.items() if present]
    if lost:
        raise SeoulcalError(
            f"event {event.id!r} has {', '.join(lost)}, which a table has no column for yet; "
            "keep this trip in its TOML file (docs/tables.md lists the columns)"
        )


def duration_text(delta: timedelta) -> str:
    """Spell *delta* as an RFC 5545 duration (``-PT30M``, ``-P1DT2H``), as a trip file does."""
    sign = "-" if delta < timedelta(0) else ""
    days, rest = divmod(abs(int(delta.total_seconds())), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}"


def _reminder_cell(event: Event, lang: Language) -> Cell:
    if event.reminders is None:
        return None
    if not event.reminders:
        return next(iter(wording.table_words("none"))) if lang == "ko" else "none"
    return ", ".join(duration_text(delta) for delta in event.reminders)


def _event_cells(event: Event, lang: Language) -> dict[str, Cell]:
    _table_can_hold(event)
    cells: dict[str, Cell] = {
        "id": event.id,
        "title_ko": event.title.ko,
        "title_en": event.title.en,
        **_time_cells(event, lang),
        "venue": event.venue,
    }
    if event.attendees != ("everyone",):
        cells["attendees"] = ", ".join(event.attendees)
    if event.status != "confirmed":
        cells["status"] = _word(STATUS_WORDS, event.status, lang)
    if event.description is not None:
        cells["description_ko"] = event.description.ko
        cells["description_en"] = event.description.en
    if event.categories:
        cells["categories_ko"] = _joined([c.ko for c in event.categories], ", ", "category")
        cells["categories_en"] = _joined([c.en for c in event.categories], ", ", "category")
    if event.source is not None:
        cells["source_document"] = event.source.document
        cells["source_quote"] = event.source.quote
        cells["source_url"] = event.source.url
    if event.assumptions:
        cells["assumptions_ko"] = _joined([a.ko for a in event.assumptions], "\n", "assumption")
        cells["assumptions_en"] = _joined([a.en for a in event.assumptions], "\n", "assumption")
    cells["reminders"] = _reminder_cell(event, lang)
    if not event.busy:
        cells["busy"] = False
    return cells


def _grid(
    columns: Sequence[Column], records: Sequence[dict[str, Cell]], lang: Language
) -> list[list[Cell]]:
    """Lay out *records* under the headers, dropping optional columns that no record fills."""
    used = [c for c in columns if c.required or any(r.get(c.key) is not None for r in records)]
    rows: list[list[Cell]] = [[column.header(lang) for column in used]]
    rows.extend([record.get(column.key) for column in used] for record in records)
    return rows


def _csv_text(cell: Cell, lang: Language) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        meant = "yes" if cell else "no"
        return _YES_NO[meant] if lang == "ko" else meant
    if isinstance(cell, time):
        return cell.strftime("%H:%M" if not cell.second else "%H:%M:%S")
    if isinstance(cell, date):
        return cell.isoformat()
    return guard_formula(str(cell))


def table_bytes(
    rows: Sequence[Sequence[Cell]],
    fmt: TableFormat,
    *,
    sheet: str,
    lang: Language,
    stamp: datetime,
) -> bytes:
    """Return *rows* (the first is the header) as a CSV (UTF-8, BOM) or XLSX file's bytes.

    *stamp*, an aware time, is the XLSX file's creation and modification time.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows([_csv_text(cell, lang) for cell in row] for row in rows)
        return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    return _xlsx(rows, sheet=sheet, stamp=stamp)


def _xlsx(rows: Sequence[Sequence[Cell]], *, sheet: str, stamp: datetime) -> bytes:
    try:
        import openpyxl  # noqa: PLC0415 - an optional dependency, loaded only for .xlsx
    except ImportError:
        raise SeoulcalError(
            "writing .xlsx files needs openpyxl; install it with pip install 'seoulcal[tables]'"
        ) from None
    book = openpyxl.Workbook()
    page = book.active
    if page is None:  # pragma: no cover - a new workbook always has a sheet
        raise RuntimeError("openpyxl gave a workbook without a sheet")
    page.title = sheet
    for row in rows:
        page.append(list(row))
    _style(page, len(rows[0]))
    naive = stamp.astimezone(zones.UTC).replace(tzinfo=None)
    book.properties.created = naive
    book.properties.modified = naive
    book.properties.creator = "seoulcal"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue(), naive)


def _style(page: Worksheet, count: int) -> None:
    """Give date and time cells their formats, the header bold, and columns their widths."""
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415 - an optional dependency
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 - same as above

    widths = [0] * count
    for row_cells in page.iter_rows():
        for index, cell in enumerate(row_cells):
            value = cell.value
            if isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, time):
                cell.number_format = "hh:mm" if not value.second else "hh:mm:ss"
            elif isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with '=' (not a formula)
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            text = "" if value is None else str(value)
            widths[index] = max(widths[index], min(60, 2 * len(text.split("\n")[0]) + 2))
    for cell in page[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths):
        page.column_dimensions[get_column_letter(index + 1)].width = max(8, width)
    page.freeze_panes = "A2"


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip file with every member's time set to *stamp* (zip keeps the clock)."""
    out = io.BytesIO()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def members_table(trip: Trip, fmt: TableFormat, *, lang: Language = "ko") -> bytes:
    """Return the trip's members as a table (headers in *lang*) that the import reads back."""
    records = [_member_cells(member) for member in trip.members]
    rows = _grid(MEMBER_COLUMNS, records, lang)
    sheet = _SHEET_NAMES["members"] if lang == "ko" else "Members"
    return table_bytes(rows, fmt, sheet=sheet, lang=lang, stamp=trip.revised)


def agenda_table(
    trip: Trip, fmt: TableFormat, *, member: Member | str | None = None, lang: Language = "ko"
) -> bytes:
    """Return *member*'s events (all for ``None``), in time order, as an events table."""
    records = [_event_cells(event, lang) for event in trip.events_for(member)]
    rows = _grid(EVENT_COLUMNS, records, lang)
    sheet = _SHEET_NAMES["agenda"] if lang == "ko" else "Agenda"
    return table_bytes(rows, fmt, sheet=sheet, lang=lang, stamp=trip.revised)
