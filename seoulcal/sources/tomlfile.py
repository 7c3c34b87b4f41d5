"""A trip as one self-contained TOML trip file: what ``seoulcal import`` writes.

Staff who start from Excel tables and want to move to the text file run ``seoulcal import
--members roster.xlsx --events itinerary.xlsx --trip base.toml -o trip.toml``: the tables are
read as the trip file would read them, and the whole trip is written as TOML, with every member,
venue and event listed. The text is read back before it is returned; if it does not give the same
trip, nothing is returned (that would be a bug).
"""

from __future__ import annotations

__all__ = ["import_trip", "trip_toml"]

import json
import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from seoulcal import zones
from seoulcal.errors import Problem, TripError
from seoulcal.model import Trip
from seoulcal.sources.sheets import duration_text as _duration
from seoulcal.tripfile import parse_trip

if TYPE_CHECKING:
    from collections.abc import Mapping

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ARRAYS = ("venues", "members", "events")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _value(value: object) -> str:  # noqa: PLR0911 - one return per TOML type reads best
    """Write *value* as a TOML value (inline tables and arrays on one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _value(value.value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's string escapes are TOML's
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return _value(_zoned(value))
    if isinstance(value, timedelta):
        return _value(_duration(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")  # pragma: no cover - a bug


def _zoned(moment: datetime) -> str:
    name = zones.zone_name(moment.tzinfo) or "UTC"
    if name == "UTC":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{moment.isoformat(timespec='seconds')}[{name}]"


def trip_toml(trip: Trip, *, comment: str = "") -> str:
    """Return *trip* as the text of a self-contained TOML trip file (after *comment* lines)."""
    data = trip.model_dump(mode="python", exclude_defaults=True)
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    if lines:
        lines.append("")
    for key, value in data.items():
        if key not in _ARRAYS:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key in _ARRAYS:
        for item in data.get(key, ()):
            lines.extend(("", f"[[{key}]]"))
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in item.items())
    text = "\n".join(lines) + "\n"
    again = Trip.model_validate(tomllib.loads(text))
    if again != trip:  # pragma: no cover - a bug, caught before anything is written
        raise RuntimeError("internal: the TOML written for the trip does not read back the same")
    return text


def import_trip(trip_file: str | Path, tables: Mapping[str, str]) -> Trip:
    """Read *trip_file*, with its members, venues or events taken from *tables* (kind → table).

    The tables are named relative to the current folder (``roster.xlsx#명단`` picks a sheet);
    tables the trip file itself names are relative to it. Raises :class:`TripError` with every
    problem.
    """
    location = Path(trip_file)
    try:
        text = location.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise TripError(
            [Problem("", f"cannot read the trip file: {reason}")], source=str(location)
        ) from None
    return parse_trip(
        text,
        source=str(location),
        base=location.parent,
        tables={kind: (spec, Path()) for kind, spec in tables.items()},
    )
