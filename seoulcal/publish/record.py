"""The no-change record: digests of everything a build's bytes depend on.

A target keeps the digest of the inputs of the last build whose site is settled (building again
with the same inputs would change nothing). A build that finds the same digest, and the site
untouched since, reports the site up to date without rendering anything. The digest covers the
trip, the base URL, an HMAC under the secret (never the secret itself), the retention, this
code, its libraries and the zone data. It holds no secret.

Two digests of a build, for two kinds of caller:

* :func:`inputs_digest` digests a validated :class:`~seoulcal.model.Trip` (any caller of
  :func:`~seoulcal.publish.build_site`);
* :func:`source_digest` digests the raw inputs before anything is parsed: the trip file's bytes
  (and the bytes of every table it names), the options as they affect the build, and the same
  software. The command line computes it before it loads the model or pydantic; a folder's
  record keeps it with the members' addresses, so that a rebuild with nothing new answers from
  the record alone (:func:`seoulcal.publish.up_to_date`).

:func:`invitations_digest` does the same for ``seoulcal invite``: a rerun with the same raw
inputs as a run that left nothing owed is answered from that run's record
(:mod:`seoulcal.notify.settled`).

This module imports nothing but the standard library (and :mod:`seoulcal.publish.access`, which
does the same), so that the check costs what it reads.
"""

from __future__ import annotations

__all__ = [
    "RECORD_FORMAT",
    "inputs_digest",
    "invitations_digest",
    "software_digest",
    "source_digest",
]

import contextlib
import functools
import hashlib
import hmac
import importlib.util
import os
import re
import sys
import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

from seoulcal.publish.access import INSECURE_KEY

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from seoulcal.model import Trip

RECORD_FORMAT = "seoulcal-build/2"
"""The record's format; a record in any other (an older release's) is ignored: a full build."""

_LIBRARIES = ("icalendar", "pydantic", "pydantic_core", "tzdata")
"""The libraries whose versions decide the site's bytes (with the tables': see _TABLE_LIBRARIES)."""
_TABLE_LIBRARIES = ("openpyxl",)
"""What reads a trip's tables (XLSX): part of the source digest of a trip that names one."""

_PACKAGE = Path(__file__).resolve().parent.parent
BUILT_IN_TRIP = _PACKAGE / "trips" / "ces2024.toml"
"""The built-in trip's file (:func:`seoulcal.tripfile.ces2024` reads it)."""


def _library(name: str) -> str:
    """Return what identifies the installed library *name*, without importing it.

    Its version from the ``NAME-VERSION.dist-info`` folder beside the package that an import
    would load, and a digest of that folder's ``RECORD`` (the hash of every installed file);
    :mod:`importlib.metadata` gives the same version but costs more than the whole check.
    """
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return f"{name} -"
    home = Path(spec.origin).parent
    folder = home.parent if home.name == name else home  # a package's folder, or a module's
    with contextlib.suppress(OSError):
        for entry in sorted(os.listdir(folder)):  # noqa: PTH208 - names only
            if entry.startswith(f"{name}-") and entry.endswith(".dist-info"):
                with contextlib.suppress(OSError):
                    record = (folder / entry / "RECORD").read_bytes()
                    digest = hashlib.sha256(record).hexdigest()
                    return f"{name} {entry.removesuffix('.dist-info')} {digest} {spec.origin}"
    from importlib import metadata  # noqa: PLC0415 - an unusual install: the slow, sure way

    try:
        return f"{name} {metadata.version(name)} {spec.origin}"
    except metadata.PackageNotFoundError:
        return f"{name} ? {spec.origin}"


def _sources(root: str, prefix: str = "") -> list[str]:
    """Return the package's Python files under *root*, relative and sorted (as ``rglob`` would)."""
    found = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                found.extend(_sources(entry.path, f"{prefix}{entry.name}/"))
            elif entry.name.endswith(".py") and entry.is_file():
                found.append(prefix + entry.name)
    return sorted(found)


def _code(package: Path) -> str:
    """Return a digest of the Python files of *package* (their paths and bytes)."""
    digest = hashlib.sha256()
    for rel in _sources(str(package)):
        digest.update(rel.encode())
        digest.update(b"\0")
        with Path(package, rel).open("rb") as stream:
            digest.update(stream.read())
    return digest.hexdigest()


def _zone_data(tzpath: Sequence[str]) -> list[str]:
    """Return the version of the zone data in each folder of *tzpath* that says it.

    ``tzdata.zi``'s first line (Debian, the tzdata package), else ``+VERSION`` (macOS, a plain
    ``make install`` of the tz code).
    """
    found = []
    for folder in tzpath:
        for name in ("tzdata.zi", "+VERSION"):
            with contextlib.suppress(OSError), Path(folder, name).open("rb") as stream:
                found.append(f"{folder} {stream.readline().strip().decode('ascii', 'replace')}")
                break
    return found


@functools.cache
def _software(*, tables: bool = False) -> str:
    """Return what decides the site's bytes besides the inputs: this code, libraries, tzdata.

    With *tables*, also what reads a trip's tables.
    """
    parts = [_code(_PACKAGE), sys.version]
    parts.extend(_library(name) for name in (*_LIBRARIES, *(_TABLE_LIBRARIES if tables else ())))
    # The system's zone data comes first, then the tzdata package's (which _LIBRARIES covers).
    parts.extend(_zone_data(zoneinfo.TZPATH))
    return "\n".join(parts)


def software_digest() -> str:
    """Return a digest of what decides a site's bytes besides its inputs (see :func:`_software`)."""
    return hashlib.sha256(_software().encode("utf-8")).hexdigest()


def _keyed(secret: bytes | None) -> str:
    """Return what the digests hold of the secret: an HMAC under it (never the secret)."""
    key = INSECURE_KEY if secret is None else secret
    return hmac.new(key, b"seoulcal/build-record/v1", hashlib.sha256).hexdigest()


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(f"{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def inputs_digest(
    trip: Trip,
    *,
    base_url: str,
    secret: bytes | None,
    retention: timedelta,
    printing: bool = False,
) -> str:
    """Return a digest of everything a build's bytes depend on, besides the previous site.

    The secret enters only through an HMAC under it, never as itself.
    """
    return _digest(
        RECORD_FORMAT,
        "model",
        trip.model_dump_json(),
        base_url,
        _keyed(secret),
        repr(retention.total_seconds()),
        "print" if printing else "",
        _software(),
    )


# A key of the root table that may name a table file (TOML: members = "roster.csv"). Any quoted
# key with an escape counts too (it might spell one of the three): a false alarm only costs the
# parse below, a miss would cost a stale site.
_MAYBE_TABLE = re.compile(  # searched in b"\n" + the file: a literal first is found fast
    rb"""\n(?:\xef\xbb\xbf)?[ \t]*"""
    rb"""(?:members|venues|events|"(?:members|venues|events|[^"\n]*\\[^"\n]*)"|'(?:members|venues|events)')"""
    rb"""[ \t]*=[ \t]*["']"""
)
_TABLE_FIELDS = ("members", "venues", "events")  # as seoulcal.tripfile.TABLE_FIELDS


def _tables(trip: bytes, folder: Path, read: dict[Path, bytes] | None) -> list[bytes] | None:
    """Return the names and bytes of the tables the trip file *trip* names, in order.

    ``None`` when they cannot be known or read here (the full build then says why). *read*, if
    given, receives each table's path and bytes.
    """
    if _MAYBE_TABLE.search(b"\n" + trip) is None:
        return []
    import tomllib  # noqa: PLC0415 - only for a trip that may name a table

    try:
        data = tomllib.loads(trip.decode("utf-8").removeprefix("\ufeff"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    found: list[bytes] = []
    files: dict[Path, bytes] = {}
    for field in _TABLE_FIELDS:
        spec = data.get(field)
        if not isinstance(spec, str):
            continue
        path = folder / spec.partition("#")[0]  # as seoulcal.sources.tables.read_sheet finds it
        try:
            if path not in files:  # one read of a file named twice
                files[path] = path.read_bytes()
            found.extend((spec.encode("utf-8"), files[path]))
        except (OSError, UnicodeEncodeError, ValueError):  # ValueError: a NUL in the name
            return None
    if read is not None:
        read.update(files)
    return found


def source_digest(  # noqa: PLR0913 - keyword-only options, as build_site's
    trip: bytes,
    *,
    folder: Path | None,
    base_url: str,
    secret: bytes | None,
    retention: timedelta,
    printing: bool = False,
    read: dict[Path, bytes] | None = None,
) -> str | None:
    """Return a digest of a build's raw inputs, or ``None`` when they cannot vouch for the site.

    *trip* is the trip file's bytes (:data:`BUILT_IN_TRIP`'s for the built-in trip), *folder*
    the folder its tables are named from (``None``: it names none, as the built-in trip);
    *base_url* is normalised. The bytes of every table the trip names are digested with it;
    *read*, if given, receives each table's path and the bytes digested, for the trip to be
    loaded from those very bytes (:func:`seoulcal.tripfile.start_loading`'s *contents*).
    ``None`` for a build that prints (the PDFs depend on a font found on this system, which no
    digest here sees) and for tables that cannot be read (the full build reports them).
    """
    if printing:
        return None
    tables = _tables(trip, folder or Path(), read)
    if tables is None:
        return None
    return _digest(
        RECORD_FORMAT,
        "source",
        trip,
        str(len(tables)),
        *tables,
        base_url,
        _keyed(secret),
        repr(retention.total_seconds()),
        _software(tables=bool(tables)),
    )


def invitations_digest(
    trip: bytes,
    *,
    folder: Path | None,
    options: Sequence[str],
    secret: bytes | None,
    read: dict[Path, bytes] | None = None,
) -> str | None:
    """Return a digest of a run of invitations' raw inputs, or ``None`` when they cannot vouch.

    As :func:`source_digest`, for ``seoulcal invite`` (:mod:`seoulcal.notify.settled`): *trip* is
    the trip file's bytes, with those of every table it names from *folder*; *options* are the
    run's options that decide its plan and report, as text (the caller's to choose); *secret*
    is the token secret of its page links, if any, digested as an HMAC under it; *read* is
    :func:`source_digest`'s. ``None`` for tables that cannot be read (the full run reports them).
    """
    tables = _tables(trip, folder or Path(), read)
    if tables is None:
        return None
    return _digest(
        RECORD_FORMAT,
        "invitations",
        trip,
        str(len(tables)),
        *tables,
        str(len(options)),
        *options,
        _keyed(secret),
        _software(tables=bool(tables)),
    )
