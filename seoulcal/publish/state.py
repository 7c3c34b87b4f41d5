"""The revision state: what each audience's calendars published, kept from build to build.

Each state maps every event UID a calendar ever held to an :class:`Entry`: a fingerprint of what
clients saw, its SEQUENCE and LAST-MODIFIED, and whether it is live, withdrawn (published as
cancelled) or dropped (a tombstone that keeps its last SEQUENCE). The public state also keeps each
event's public data (its attendees blanked), so that a removed event can still be published as
cancelled. No state holds a secret, a token, or a member's id, name or e-mail.

The format (``seoulcal-state/1``: JSON, keys sorted, indented by one) and its meaning do not
change between releases: sites built by earlier releases rebuild without a SEQUENCE reset. A
member's state may also hold ``inputs``, a digest of everything that member's other files were
rendered from (see :mod:`seoulcal.publish.render`); readers that do not know it ignore it, and a
state without it only means the next build renders that member's files again. Where a
state is kept is the target's business (:meth:`StateSource.previous`): a file in the site's folder,
or an object in a bucket.
"""

from __future__ import annotations

__all__ = [
    "STATE_FORMAT",
    "Entry",
    "EntryState",
    "StateSource",
    "member_entry",
    "parse_state",
    "public_event_data",
    "read_state",
    "read_state_file",
    "state_bytes",
    "state_document",
]

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from seoulcal.errors import PublishError
from seoulcal.identity import Revision
from seoulcal.model import EVERYONE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from seoulcal.model import Event, Trip

STATE_FORMAT = "seoulcal-state/1"

EntryState = Literal["live", "withdrawn", "dropped"]
_STATES = frozenset({"live", "withdrawn", "dropped"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One UID's published revision in one audience's calendars (the public's or a member's)."""

    event_id: str
    fingerprint: str
    sequence: int
    modified: datetime
    state: EntryState
    withdrawn: datetime | None = None
    """When it was withdrawn, on the itinerary's ``revised`` clock (withdrawn entries only)."""
    event: dict[str, Any] | None = None
    """The event's public data (the public state only)."""
    venue: dict[str, Any] | None = None
    """Its venue's data, or ``None`` (the public state only)."""

    @property
    def revision(self) -> Revision:
        """The revision subscribers have: SEQUENCE and LAST-MODIFIED."""
        return Revision(self.sequence, self.modified)

    def to_json(self) -> dict[str, Any]:
        """Return the entry as the state file writes it."""
        data: dict[str, Any] = {
            "id": self.event_id,
            "fingerprint": self.fingerprint,
            "sequence": self.sequence,
            "modified": _stamp(self.modified),
            "state": self.state,
        }
        if self.withdrawn is not None:
            data["withdrawn"] = _stamp(self.withdrawn)
        if self.event is not None:
            data["event"] = self.event
            data["venue"] = self.venue
        return data


class StateSource(Protocol):
    """Where the previous build's states are read from (a target of the build)."""

    def previous(self, path: str) -> bytes | None:
        """Return the bytes of *path* in the site as it is, or ``None`` if it has none."""


def read_state(source: StateSource, path: str, trip: Trip, *, where: str) -> dict[str, Entry]:
    """Read the state at *path* of *trip*'s site from *source*; none is an empty state.

    *where* names the state in messages (a file's path, a bucket's key).
    """
    return read_state_file(source, path, trip, where=where)[0]


def read_state_file(
    source: StateSource, path: str, trip: Trip, *, where: str
) -> tuple[dict[str, Entry], str | None]:
    """Return the entries of the state at *path* (as :func:`read_state`) and its ``inputs``.

    ``inputs`` is ``None`` when there is no state, or the state has none.
    """
    raw = source.previous(path)
    return ({}, None) if raw is None else _parse(raw, trip, where=where)


def parse_state(raw: bytes, trip: Trip, *, where: str) -> dict[str, Entry]:
    """Parse the bytes of a state of *trip*'s site (*where* names it in messages)."""
    return _parse(raw, trip, where=where)[0]


def _parse(raw: bytes, trip: Trip, *, where: str) -> tuple[dict[str, Entry], str | None]:
    try:
        data = json.loads(raw)
        entries = _entries(data)
        built_for = str(data["trip"])
        inputs = data.get("inputs")
        inputs = None if inputs is None else _text(inputs, "inputs")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise PublishError(
            f"{where}: the revision state is damaged ({type(error).__name__}: {error}). Restore "
            "it from a backup; deleting the site instead makes subscribers see every event anew."
        ) from None
    if built_for != trip.id:
        raise PublishError(
            f"{where}: holds the site of trip {built_for!r}, not {trip.id!r}; build each trip "
            "into its own place (UIDs derive from the trip id)",
            field="outdir",
        )
    return entries, inputs


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} {value!r} is not a string")
    return value


def _entries(data: Any) -> dict[str, Entry]:  # noqa: ANN401 - JSON of any shape
    if data.get("format") != STATE_FORMAT:
        raise ValueError(f"format {data.get('format')!r} is not {STATE_FORMAT!r}")
    entries = {}
    for uid, item in data["events"].items():
        fields = (
            item["id"],
            item["fingerprint"],
            item["sequence"],
            item["modified"],
            item["state"],
            item.get("withdrawn", _ABSENT),
        )
        if "event" in item:  # the public state's entries hold the event's data: one each
            entries[uid] = _entry(*fields, item["event"], item.get("venue"))
            continue
        try:
            entries[uid] = _read_entry(*fields)
        except TypeError:  # a list or an object where a value belongs: say which one
            entries[uid] = _entry(*fields)
    return entries


_ABSENT = object()
"""An entry without ``withdrawn`` (a ``null`` there is damage, as any other non-stamp is)."""


def _entry(  # noqa: PLR0913, PLR0917 - an entry's fields, as the state's JSON holds them
    event_id: object,
    fingerprint: object,
    sequence: Any,  # noqa: ANN401 - JSON of any shape: int() says if it is no number
    modified: object,
    state: Any,  # noqa: ANN401 - JSON of any shape: checked against the states first
    withdrawn: object,
    event: Any = None,  # noqa: ANN401 - JSON of any shape
    venue: Any = None,  # noqa: ANN401 - JSON of any shape
) -> Entry:
    """Return the :class:`Entry` of one UID's JSON fields, checked (ValueError, TypeError).

    Positional, so that :data:`_read_entry` caches it by its fields.
    """
    if state not in _STATES:
        raise ValueError(f"state {state!r}")
    return Entry(
        event_id=_text(event_id, "id"),
        fingerprint=_text(fingerprint, "fingerprint"),
        sequence=int(sequence),
        modified=_parse_stamp(modified),
        state=state,
        withdrawn=None if withdrawn is _ABSENT else _parse_stamp(withdrawn),
        event=event,
        venue=venue,
    )


# A member's entry holds no event data, and a thousand members' states hold the same entry for
# each event they share: each is made once (a frozen dataclass takes microseconds to make, 40-70
# ms for the 20,000 entries of 1,000 members' states). Equal keys of other JSON types (true, 1.0
# and 1) make equal entries: int() gives 1 for each, and every other field must be a string.
member_entry = functools.lru_cache(maxsize=1 << 16)(Entry)
"""An :class:`Entry` without event data, one object for equal fields (revising makes them too)."""
_read_entry = functools.lru_cache(maxsize=1 << 16)(_entry)
"""A member's entry from the fields of its JSON, checked once for equal fields."""


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: object) -> datetime:
    if not isinstance(text, str):
        raise TypeError(text)
    return _stamp_of(text)


@functools.lru_cache(maxsize=4096)  # a thousand members' states hold the same few stamps
def _stamp_of(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)


def state_bytes(
    trip: Trip,
    entries: Mapping[str, Entry],
    cache: dict[tuple[str, Entry], str] | None = None,
    *,
    inputs: str | None = None,
) -> bytes:
    """Return the bytes of a state: the JSON of the state, keys sorted, indented by one.

    *inputs* is the digest a member's state keeps of what its files were rendered from.

    The document is put together from each entry's own JSON (JSON escapes every newline inside
    strings, so re-indenting by lines is safe). An entry without event data (every member's) is
    the same text in each state that holds it: *cache* keeps it for the next state.
    """
    parts = []
    for uid in sorted(entries):
        entry = entries[uid]
        key = (uid, entry)
        text = cache.get(key) if cache is not None and entry.event is None else None
        if text is None:
            text = " " + _json({uid: entry.to_json()})[2:-2].replace("\n", "\n ")
            if cache is not None and entry.event is None:
                cache[key] = text
        parts.append(text)
    events = "{\n" + ",\n".join(parts) + "\n }" if parts else "{}"
    held = "" if inputs is None else f'"inputs": {_json(inputs)},\n '
    tail = f'"format": {_json(STATE_FORMAT)},\n {held}"trip": {_json(trip.id)}'
    return f'{{\n "events": {events},\n {tail}\n}}\n'.encode()


def state_document(trip: Trip, entries: Mapping[str, Entry]) -> dict[str, Any]:
    """Return ``json.loads(state_bytes(trip, entries))``, made without the text in between.

    An entry's event data is read back through JSON, so the document shares nothing with the
    entries (the invitation state keeps members' documents: those hold no event data).
    """
    events = {}
    for uid in sorted(entries):
        entry = entries[uid]
        data = entry.to_json()
        events[uid] = data if entry.event is None else json.loads(_json(data))
    return {"events": events, "format": STATE_FORMAT, "trip": trip.id}


def public_event_data(event: Event) -> dict[str, Any]:
    """Return *event*'s data for the public state: its attendees blanked (they name members)."""
    data = event.model_dump(mode="json")
    data["attendees"] = [EVERYONE]
    return data
