"""Trip files: TOML in, a validated :class:`~seoulcal.model.Trip` out.

A trip file is TOML (read with the standard library's :mod:`tomllib`). Its JSON Schema,
:func:`trip_schema`, lets editors complete and check it. ``docs/trip-file.md`` is the reference.
"""

from __future__ import annotations

__all__ = ["ces2024", "load_trip", "parse_trip", "start_loading", "trip_schema"]

import functools
import json
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seoulcal.errors import Problem, SeoulcalError, TripError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from seoulcal.model import Trip

SCHEMA_ID = "https://seoulcal.invalid/schema/trip.schema.json"
TABLE_FIELDS = ("members", "venues", "events")
"""The trip fields that may name a CSV or XLSX table instead of listing their items."""


def parse_trip(
    text: str,
    *,
    source: str = "<trip>",
    base: str | Path | None = None,
    tables: Mapping[str, tuple[str, Path]] | None = None,
) -> Trip:
    """Parse and validate the TOML *text* of a trip; *source* names it in errors.

    ``members``, ``venues`` and ``events`` may name a CSV or XLSX table instead of listing items
    (see ``docs/tables.md``); the file is found relative to *base* (the current folder if absent).
    *tables* (field → table and its folder) takes those fields from tables, whatever *text* says.
    """
    return _parse(text, source=source, base=base, tables=tables)


def _parse(
    text: str,
    *,
    source: str,
    base: str | Path | None,
    tables: Mapping[str, tuple[str, Path]] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> Trip:
    """:func:`parse_trip`, with *contents*: the bytes of table files already read, by path."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TripError(
            [Problem("", f"not valid TOML: {error}; fix the syntax at that line")], source=source
        ) from None
    return _trip_from(data, source=source, base=base, tables=tables, contents=contents)


def _trip_from(
    data: dict[str, Any],
    *,
    source: str,
    base: str | Path | None,
    tables: Mapping[str, tuple[str, Path]] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> Trip:
    """Validate the parsed TOML *data* of a trip (see :func:`parse_trip` and :func:`_parse`)."""
    from seoulcal.model import Trip  # noqa: PLC0415 - pydantic: see start_loading

    origins = None
    if tables or any(isinstance(data.get(field), str) for field in TABLE_FIELDS):
        from seoulcal.sources.tables import resolve_tables  # noqa: PLC0415 - only for tables

        try:
            folder = Path(base) if base is not None else Path()
            origins = resolve_tables(data, base=folder, tables=tables, contents=contents)
        except TripError as error:
            raise TripError(list(error.problems), source=source) from None
    try:
        return Trip.model_validate(data, context={"audience": "toml"})
    except TripError as error:
        problems = list(error.problems)
        raise TripError(
            origins.relocate(problems) if origins else problems, source=source
        ) from None


def load_trip(path: str | Path) -> Trip:
    """Read, parse and validate the trip file at *path*.

    Raises :class:`~seoulcal.errors.TripError` naming the file, and each item and field at fault.
    """
    location = Path(path)
    return _load(location, _read(location))


def _read(location: Path) -> bytes:
    try:
        return location.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        problem = Problem("", f"cannot read the file: {reason}")
        raise TripError([problem], source=str(location)) from None


def _text(raw: bytes, location: Path) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TripError(
            [Problem("", f"not UTF-8 text (byte {error.start}); save the file as UTF-8")],
            source=str(location),
        ) from None
    return text.removeprefix("\ufeff")


def _load(location: Path, raw: bytes, contents: Mapping[Path, bytes] | None = None) -> Trip:
    text = _text(raw, location)
    return _parse(text, source=str(location), base=location.parent, contents=contents)


READ_AHEAD = 32 * 1024
"""Trip files this large or larger are parsed in a forked child by :func:`start_loading`."""


def start_loading(
    path: str | Path, *, data: bytes | None = None, contents: Mapping[Path, bytes] | None = None
) -> Callable[[], Trip]:
    """Start loading the trip file at *path*; return what finishes: :func:`load_trip`'s result.

    tomllib is pure Python: a 300 KB trip file of a thousand members takes it about 60 ms. Where
    a build shares its work out anyway (Linux, one thread), the file's TOML is parsed in a forked
    child while this process goes on importing pydantic and the models, which the validation
    needs next (this module imports neither before then). *data* are the file's bytes if the
    caller read them already, and *contents* the bytes of tables it names that the caller read,
    by path (the file's folder / the table's name): the build digests the very bytes it loads.
    The trip, and every error, is :func:`load_trip`'s: a child that fails for any reason (the
    file is no TOML or no UTF-8, say) is set aside and the file's bytes loaded here, which
    reports it.
    """
    from seoulcal.workers import Worker, forks_by_default  # noqa: PLC0415 - only here

    location = Path(path)
    raw = _read(location) if data is None else data
    if len(raw) < READ_AHEAD or not forks_by_default():
        return functools.partial(_load, location, raw, contents)
    try:
        worker = Worker.start(functools.partial(_toml, raw))
    except (OSError, SeoulcalError):
        return functools.partial(_load, location, raw, contents)

    def finish() -> Trip:
        from seoulcal.model import Trip  # noqa: F401, PLC0415 - imported while the child parses

        try:
            parsed = worker.result()
        except Exception:  # noqa: BLE001 - anything wrong is found and reported again here
            return _load(location, raw, contents)
        return _trip_from(parsed, source=str(location), base=location.parent, contents=contents)

    return finish


def _toml(raw: bytes) -> dict[str, Any]:
    """Parse a trip file's bytes as :func:`load_trip` does (in :func:`start_loading`'s child)."""
    return tomllib.loads(raw.decode("utf-8").removeprefix("\ufeff"))


@cache
def ces2024() -> Trip:
    """Return the built-in trip: the Seoul mayor's CES 2024 visit to Las Vegas.

    It follows the Seoul Metropolitan Government press release of 8 January 2024 (kept in the
    repository's ``seeds/``); every event quotes its sentence, and whatever the release does not
    say (end times, addresses, coordinates, the windows of approximate times, the roster beyond the
    mayor) is marked as assumed or illustrative.
    """
    from importlib import resources  # noqa: PLC0415 - 7 ms that reading a trip file never needs

    text = resources.files("seoulcal").joinpath("trips", "ces2024.toml").read_text("utf-8")
    return parse_trip(text, source="seoulcal/trips/ces2024.toml")


def trip_schema() -> dict[str, Any]:
    """Return the JSON Schema of a trip file (draft 2020-12)."""
    from seoulcal.model import Trip  # noqa: PLC0415 - pydantic: see start_loading

    schema = Trip.model_json_schema(mode="validation")
    for field in TABLE_FIELDS:
        # One schema, not anyOf: 'items' applies to the list and 'pattern' to the table name, so
        # a validator still reports each bad item on its own.
        listed = schema["properties"][field]
        listed["type"] = ["array", "string"]
        listed["pattern"] = r"^[^#]+\.(csv|xlsx|CSV|XLSX)(#.+)?$"
        listed["description"] = (
            f"The {field}, listed; or a CSV or XLSX table of them, relative to the trip file, "
            "where 'file.xlsx#sheet' picks a sheet (see docs/tables.md)."
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def trip_schema_text() -> str:
    """Return :func:`trip_schema` as stable, indented JSON text."""
    return json.dumps(trip_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
