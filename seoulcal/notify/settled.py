"""The files beside a state file, and the record that answers a rerun owing nothing.

A state file ``FILE`` has two companions, both hidden beside it:

* its **journal**, ``.FILE.journal`` (:func:`journal_path`): the messages recorded since the file
  was last written whole (:class:`~seoulcal.notify.invitations.InvitationStateFile`);
* its **record**, ``.FILE.settled`` (:func:`settled_path`), kept by a run that left nothing
  owed: every message delivered, and nothing to revise in the state.

A run's plan is a pure function of the trip, the state and the run's options, computed by this
code with its libraries; nothing comes from the clock. So a run that finds the same raw inputs
(:func:`seoulcal.publish.record.invitations_digest`: the trip file's bytes and those of the
tables it names, the options that decide the plan, this code, its libraries and the zone data),
the very state bytes that run left and no journal, owes nothing either. :func:`read_settled`
tells so, with what the run reported (each member's events they already have, who was skipped,
the warnings), and the command line prints that without loading the trip, pydantic or
icalendar. Anything else, a record it cannot read included, and the run is done in full.

The record holds digests, member ids, counts and warnings: no address, no name, no secret.
This module imports nothing but the standard library.
"""

from __future__ import annotations

__all__ = [
    "SETTLED_FORMAT",
    "Settled",
    "journal_path",
    "read_settled",
    "settled_path",
    "write_settled",
]

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

SETTLED_FORMAT = "seoulcal-invitations-settled/1"
"""The record's format; a record in any other is ignored (the run is done in full)."""


@dataclass(frozen=True, slots=True)
class Settled:
    """What a run that owed nothing reported: what a rerun with the same inputs reports too."""

    members: tuple[tuple[str, int, bool], ...]
    """The members planned for, in order: id, events they already have, skipped (no email)."""
    warnings: tuple[str, ...] = ()


def journal_path(path: str | Path) -> Path:
    """Return where the journal of the state file *path* is kept (beside it, hidden)."""
    location = Path(path)
    return location.with_name(f".{location.name}.journal")


def settled_path(path: str | Path) -> Path:
    """Return where the record of the state file *path* is kept (beside it, hidden)."""
    location = Path(path)
    return location.with_name(f".{location.name}.settled")


def read_settled(path: str | Path, source: str) -> Settled | None:
    """Return what a run owing nothing reported, if it vouches for a run now; else ``None``.

    It vouches when its inputs' digest is *source*, it names the bytes the state file at *path*
    holds, and no journal extends them (a journal left from before the file was last written
    whole names other bytes, and does not count). ``None`` also when the state, the record or
    the journal is missing or cannot be read: the run is then done in full, and reports what
    is wrong.
    """
    location = Path(path)
    try:
        record = json.loads(settled_path(location).read_bytes())
        state = hashlib.sha256(location.read_bytes()).hexdigest()
        if not isinstance(record, dict) or record.get("format") != SETTLED_FORMAT:
            return None
        if record.get("source") != source or record.get("state") != state:
            return None
        if _extends(journal_path(location), state):
            return None
    except (OSError, ValueError):
        return None
    return _parsed(record)


def _extends(journal: Path, state: str) -> bool:
    """Whether *journal* may add to the state bytes whose SHA-256 is *state*.

    As the state's reader decides: a journal counts if its first complete line names those
    bytes. A first line that does not parse counts too (the full run reports it damaged).
    """
    try:
        with journal.open("rb") as stream:
            head = stream.readline()
    except FileNotFoundError:
        return False
    if not head.endswith(b"\n"):  # no complete line: stopped while it began, so ignored
        return False
    try:
        named = json.loads(head).get("extends")
    except (ValueError, AttributeError):
        return True
    return bool(named == state)


def _parsed(record: dict[str, object]) -> Settled | None:
    """Return the report *record* holds, or ``None`` if it is not one this code writes."""
    members, warnings = record.get("members"), record.get("warnings")
    if not isinstance(members, list) or not isinstance(warnings, list):
        return None
    rows: list[tuple[str, int, bool]] = []
    for row in members:
        if not (isinstance(row, list) and len(row) == 3):  # id, count, skipped
            return None
        member_id, unchanged, skipped = row
        if not (
            isinstance(member_id, str)
            and type(unchanged) is int
            and unchanged >= 0
            and isinstance(skipped, bool)
        ):
            return None
        rows.append((member_id, unchanged, skipped))
    if not all(isinstance(warning, str) for warning in warnings):
        return None
    return Settled(tuple(rows), tuple(warnings))


def write_settled(path: str | Path, source: str, state: str, settled: Settled) -> None:
    """Keep *settled* beside the state file *path*, for inputs *source* and state bytes *state*.

    *state* is the SHA-256 (hex) of the state file's bytes the run left. The record is written
    beside its name and renamed into place, so it is whole or absent; it is not flushed to
    disk: a record lost to a crash costs only a run done in full. ``OSError`` if it cannot be
    written.
    """
    location = settled_path(path)
    data = json.dumps(
        {
            "format": SETTLED_FORMAT,
            "members": [list(row) for row in settled.members],
            "source": source,
            "state": state,
            "warnings": list(settled.warnings),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    handle, temporary = tempfile.mkstemp(prefix=f"{location.name}.", dir=location.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        Path(temporary).replace(location)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
