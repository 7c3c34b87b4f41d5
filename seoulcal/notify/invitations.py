"""Invitations: what each member has been sent, what they are owed now, and a run that sends it.

Three parts, each usable alone from a script:

* the **state** (:class:`InvitationState`, read with :func:`read_state`, written by
  :class:`InvitationStateFile`): for each member and event UID, the last message the server accepted
  (:class:`Sent`: SEQUENCE, method, a digest of what the member saw, a digest of the address);
* the **planner** (:func:`plan_invitations`), a pure function of the trip, the state and each
  member's current revisions (:class:`Due`, from the same revision policy as the site): a
  REQUEST when an event was never sent to this address or has changed since, a CANCEL when it
  was cancelled, removed, or the member was taken off it, nothing when it is unchanged;
* the **run** (:func:`send_invitations`): composes each owed message, hands it to a
  :class:`~seoulcal.notify.mail.Mailer`, and writes the state atomically after every message the
  mailer accepts (each message is a line of the state's journal, flushed to disk), so an
  interrupted run loses nothing and a rerun sends exactly what is still owed. A refused
  recipient is reported and the run goes on; a fatal failure (no connection, login refused)
  stops it, and what was not attempted stays owed.

The state holds no address, only a salted digest of it (to notice a changed address), and no
name: member ids, UIDs, revisions and digests.
"""

from __future__ import annotations

__all__ = [
    "STATE_FORMAT",
    "Due",
    "Failure",
    "Invitation",
    "InvitationPlan",
    "InvitationReport",
    "InvitationState",
    "InvitationStateFile",
    "MemberReport",
    "Sent",
    "address_digest",
    "journal_path",
    "plan_invitations",
    "read_state",
    "same_state",
    "send_invitations",
    "state_bytes",
]

import functools
import hashlib
import json
import os
import tempfile
import weakref
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from seoulcal.errors import DeliveryError, SeoulcalError
from seoulcal.identity import Revision
from seoulcal.notify.compose import compose
from seoulcal.notify.settled import Settled, journal_path, write_settled

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from seoulcal.model import Event, Member, Trip
    from seoulcal.notify.mail import Mailer

STATE_FORMAT = "seoulcal-invitations/1"

Method = Literal["REQUEST", "CANCEL"]
Kind = Literal["invitation", "change", "cancellation"]
"""What the subject says: a first invitation, a change, or a cancellation."""
Reason = Literal["new", "address", "changed", "cancelled", "removed", "taken-off"]
"""Why a message is owed: never sent, sent to another address, changed, or one of the three
ways an event leaves a member's schedule."""

_ONE_SECOND = timedelta(seconds=1)


class StateError(SeoulcalError):
    """The invitation state file cannot be read or written."""


# --- the state --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    """The last message about one event that a member's address accepted."""

    event_id: str
    sequence: int
    method: Method
    digest: str
    """A digest of what the member saw (see :attr:`Invitation.digest`)."""
    address: str
    """:func:`address_digest` of the address it went to."""
    modified: datetime
    """The revision's LAST-MODIFIED (to raise SEQUENCE from, should the event disappear)."""

    def to_json(self) -> dict[str, Any]:
        """Return the record as it is stored."""
        return {
            "address": self.address,
            "digest": self.digest,
            "id": self.event_id,
            "method": self.method,
            "modified": _stamp(self.modified),
            "sequence": self.sequence,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sent:
        """Read a stored record."""
        method = data["method"]
        if method not in {"REQUEST", "CANCEL"}:
            raise ValueError(f"method {method!r}")
        sequence = data["sequence"]
        if not isinstance(sequence, int) or sequence < 0:
            raise ValueError(f"sequence {sequence!r}")
        return cls(
            event_id=_string(data["id"]),
            sequence=sequence,
            method=method,
            digest=_string(data["digest"]),
            address=_string(data["address"]),
            modified=_parse_stamp(data["modified"]),
        )


@dataclass(frozen=True, slots=True, weakref_slot=True)
class InvitationState:
    """What each member has been sent: member id → event UID → :class:`Sent`.

    *history* carries, per member, the revision history the revisions of invitations come from
    (a ``seoulcal-state/1`` document, as the site keeps one per member), and *archive* the
    trip-wide one with each event's data (as the site's public state): both are stored as given.
    """

    trip_id: str
    sent: Mapping[str, Mapping[str, Sent]] = field(default_factory=dict)
    history: Mapping[str, Any] = field(default_factory=dict)
    archive: Any = None

    def of(self, member_id: str) -> Mapping[str, Sent]:
        """Return what *member_id* has been sent, by event UID."""
        return self.sent.get(member_id, {})

    def record(self, invitation: Invitation) -> InvitationState:
        """Return the state after *invitation* was accepted."""
        member_id, uid = invitation.member.id, invitation.uid
        member = dict(self.of(member_id))
        member[uid] = invitation.as_sent()
        sent = dict(self.sent)
        sent[member_id] = member
        recorded = replace(self, sent=sent)
        _RECORDED[id(recorded)] = (
            weakref.ref(recorded, functools.partial(_forget, id(recorded))),
            weakref.ref(self),
            member_id,
            uid,
        )
        return recorded

    def with_history(self, history: Mapping[str, Any], archive: Any = None) -> InvitationState:  # noqa: ANN401 - a JSON document
        """Return the state with the histories of the members in *history* (and *archive*)."""
        merged = dict(self.history)
        merged.update(history)
        return replace(self, history=merged, archive=self.archive if archive is None else archive)


_RECORDED: dict[
    int, tuple[weakref.ref[InvitationState], weakref.ref[InvitationState], str, str]
] = {}
"""What :meth:`InvitationState.record` made, while it lives: its state, the state it was made
from, and the member and UID it recorded. A save then journals that one record without
comparing every member's (see :func:`_added`); the states themselves stay plain values."""


def _forget(key: int, _: object) -> None:
    _RECORDED.pop(key, None)


def state_bytes(state: InvitationState) -> bytes:
    """Return the bytes of a state file: JSON, keys sorted, one entry per line group."""
    return b"".join(_state_pieces(state))


_PIECE = 1 << 20
"""About how many characters of a state file :func:`_state_pieces` yields at a time."""


def _state_pieces(state: InvitationState) -> Iterator[bytes]:
    """Yield the bytes of :func:`state_bytes` in pieces of about :data:`_PIECE` characters.

    What ``json.dumps(..., indent=1)`` returns (and a newline), without the list of every token
    it joins: seven times the file's size in memory (the state of a send to 1,000 members is
    10.8 MB; 78 MB to join), so the file is written piece by piece instead.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, indent=1)
    batch: list[str] = []
    size = 0
    for token in encoder.iterencode(_state_data(state)):
        batch.append(token)
        size += len(token)
        if size >= _PIECE:
            yield "".join(batch).encode()
            batch, size = [], 0
    batch.append("\n")
    yield "".join(batch).encode()


def same_state(one: InvitationState, other: InvitationState) -> bool:
    """Tell whether the two states' files would hold the same bytes (:func:`state_bytes`).

    Their JSON is compared without the indentation, which only the file has: the standard
    library writes indented JSON in Python and compact JSON in C (a 100-member state: 41 against
    15 ms). A rerun that owes nothing compares the state it read with the state it revised.
    """
    return _compact(one) == _compact(other)


def _compact(state: InvitationState) -> str:
    return json.dumps(_state_data(state), ensure_ascii=False, sort_keys=True)


def _state_data(state: InvitationState) -> dict[str, Any]:
    """Return what a state file holds, as JSON values."""
    return {
        "archive": state.archive,
        "format": STATE_FORMAT,
        "trip": state.trip_id,
        "members": {
            member_id: {
                "history": state.history.get(member_id),
                "sent": {uid: sent.to_json() for uid, sent in sorted(records.items())},
            }
            for member_id, records in sorted(
                {**{m: {} for m in state.history}, **state.sent}.items()
            )
        },
    }


def read_state(path: str | Path, trip: Trip) -> InvitationState:
    """Read the state file at *path* for *trip*, with its journal; a missing file is empty.

    The journal (:class:`InvitationStateFile`) holds the messages recorded since the file was
    last written whole; it counts only if it names the file's own bytes as the ones it extends.
    """
    return _read(Path(path), trip)[0]


def _read(location: Path, trip: Trip) -> tuple[InvitationState, str | None]:
    """Return the state at *location* (see :func:`read_state`) and the digest of its bytes.

    The digest is the SHA-256 (hex) of the file's bytes, ``None`` when there is no file or a
    journal added records to it.
    """
    try:
        raw = location.read_bytes()
    except FileNotFoundError:
        return InvitationState(trip.id), None
    except OSError as error:
        raise StateError(f"{location}: cannot read the state: {error.strerror or error}") from None
    try:
        state = parse_state(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StateError(
            f"{location}: the invitation state is damaged ({type(error).__name__}: {error}). "
            "Restore it from a backup; without it every member is sent every invitation again."
        ) from None
    if state.trip_id != trip.id:
        raise StateError(
            f"{location}: holds the invitations of trip {state.trip_id!r}, not {trip.id!r}; "
            "keep one state file per trip"
        )
    digest = hashlib.sha256(raw).hexdigest()
    replayed = _replayed(state, journal_path(location), digest)
    return replayed, digest if replayed is state else None


def _replayed(state: InvitationState, journal: Path, extends: str) -> InvitationState:
    """Return *state* with the records of *journal*, if the journal extends these bytes."""
    try:
        lines = journal.read_bytes().split(b"\n")
    except FileNotFoundError:
        return state
    except OSError as error:
        raise StateError(f"{journal}: cannot read the journal: {error.strerror or error}") from None
    # The last line ends without a newline only if a run was stopped while appending it: that
    # message is not recorded (it is sent again, with the same UID and SEQUENCE).
    complete, _ = lines[:-1], lines[-1]
    try:
        if not complete or json.loads(complete[0]).get("extends") != extends:
            return state  # left from before the file was last written whole: already in it
        sent = {member_id: dict(records) for member_id, records in state.sent.items()}
        for line in complete[1:]:
            item = json.loads(line)
            sent.setdefault(_string(item["member"]), {})[_string(item["uid"])] = Sent.from_json(
                item["sent"]
            )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StateError(
            f"{journal}: the invitation journal is damaged ({type(error).__name__}: {error}). "
            "Restore the state and its journal from a backup."
        ) from None
    return replace(state, sent=sent)


def parse_state(data: Any) -> InvitationState:  # noqa: ANN401 - JSON of any shape
    """Return the state in the JSON document *data* (``ValueError`` and co. if malformed)."""
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        found = data.get("format") if isinstance(data, dict) else data
        raise ValueError(f"format {found!r} is not {STATE_FORMAT!r}")
    sent: dict[str, dict[str, Sent]] = {}
    history: dict[str, Any] = {}
    for member_id, item in data["members"].items():
        sent[member_id] = {uid: Sent.from_json(record) for uid, record in item["sent"].items()}
        if item.get("history") is not None:
            history[member_id] = item["history"]
    return InvitationState(_string(data["trip"]), sent, history, data.get("archive"))


class InvitationStateFile:
    """The state on disk: a file replaced atomically, and a journal of the messages since.

    Writing the whole state after every message would cost a trip's whole history per message.
    So a save that only adds messages appends one line per message to a journal beside the file
    (flushed to disk before :meth:`save` returns), and the file is written whole (write, flush,
    rename, flush) when anything else changes, when the journal holds as many messages as the
    file (and at least :data:`JOURNAL_LINES`), and at :meth:`close`. The journal names the
    bytes of the file it extends, so a journal left from before the file was last written whole
    is ignored: the file holds what it says.
    """

    JOURNAL_LINES = 2000
    """Messages a journal holds at least before the file is written whole again.

    More when the file holds more: writing the file whole costs every record it holds, so a
    journal as long as the file keeps a send's writing linear in its messages (a rewrite every
    2,000 messages made a send to 1,000 members spend 2.5 of its 34 s under a profiler there,
    and grew with the square of the messages), and reading the file with its journal costs at
    most twice the file.
    """

    def __init__(self, path: str | Path) -> None:
        """Keep the state at *path*; its folder must exist."""
        self.path = Path(path)
        self.journal = journal_path(self.path)
        self.saves = 0
        """How many times the state was saved (each message's save counts)."""
        self._disk: InvitationState | None = None
        """The state the file and its journal hold, as this object last wrote or read it."""
        self._lines = 0
        self._records = 0
        """How many records the file held when it was last written whole (see JOURNAL_LINES)."""
        self._extends: str | None = None
        self._loaded: str | None = None
        """The digest of the bytes :meth:`load` last read, until :meth:`save` writes (see there)."""

    def load(self, trip: Trip) -> InvitationState:
        """Read the state (empty if the file does not exist yet), with its journal."""
        state, self._loaded = _read(self.path, trip)
        return state

    def settle(self, source: str, settled: Settled) -> bool:
        """Keep the record that a run with inputs *source* owes nothing (:mod:`~.settled`).

        It names the state's bytes as :meth:`load` last read them: the caller planned from
        that state and found nothing owed in it. Nothing is kept (``False``) if this object has
        saved since, if those bytes had a journal adding to them, or if the record cannot be
        written: a record is only ever a shortcut, and without it the next run is done in full.
        """
        if self._loaded is None:
            return False
        try:
            write_settled(self.path, source, self._loaded, settled)
        except OSError:
            return False
        return True

    def save(self, state: InvitationState) -> None:
        """Store *state*: journal the messages it adds, or replace the file with it.

        After it returns, reading the state gives *state*, whatever happens next.
        """
        self._loaded = None
        added = None if self._disk is None else _added(self._disk, state)
        try:
            if added is not None and not added:
                pass  # nothing new to keep
            elif added is not None and self._lines + len(added) <= max(
                self.JOURNAL_LINES, self._records
            ):
                self._append(added)
            else:
                self._write(state)
        except OSError as error:
            raise StateError(
                f"{self.path}: cannot write the state: {error.strerror or error}"
            ) from None
        self._disk = state
        self.saves += 1

    def close(self) -> None:
        """Write the file whole with what the journal holds, and remove the journal."""
        if self._disk is not None and self._lines:
            try:
                self._write(self._disk)
            except OSError as error:
                raise StateError(
                    f"{self.path}: cannot write the state: {error.strerror or error}"
                ) from None

    def _append(self, added: Sequence[tuple[str, str, Sent]]) -> None:
        lines = [
            json.dumps(
                {"member": member_id, "sent": sent.to_json(), "uid": uid},
                ensure_ascii=False,
                sort_keys=True,
            )
            for member_id, uid, sent in added
        ]
        if self._lines == 0:  # a new journal: it says which file it extends
            lines.insert(0, json.dumps({"extends": self._extends}))
        data = ("\n".join(lines) + "\n").encode()
        # A new journal replaces whatever an earlier run left under its name.
        start = os.O_TRUNC if self._lines == 0 else os.O_APPEND
        handle = os.open(self.journal, os.O_WRONLY | os.O_CREAT | start, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            os.fsync(handle)
        finally:
            os.close(handle)
        if self._lines == 0:
            _fsync_folder(self.path.parent)  # the journal's name is durable too
        self._lines += len(added)

    def _write(self, state: InvitationState) -> None:
        folder = self.path.parent
        digest = hashlib.sha256()
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                for piece in _state_pieces(state):  # the bytes of state_bytes(state)
                    digest.update(piece)
                    stream.write(piece)
                stream.flush()
                os.fsync(stream.fileno())
            Path(temporary).replace(self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_folder(folder)
        # The file holds everything now; a journal left behind names other bytes, so it is
        # ignored even if this process stops before removing it.
        self.journal.unlink(missing_ok=True)
        self._lines = 0
        self._records = sum(len(records) for records in state.sent.values())
        self._extends = digest.hexdigest()


def _fsync_folder(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _added(old: InvitationState, new: InvitationState) -> list[tuple[str, str, Sent]] | None:
    """Return the records *new* adds to *old* (or changes), or ``None`` if it differs otherwise.

    A *new* that :meth:`InvitationState.record` made from *old* adds the one record it made (or
    nothing, if *old* held that record already): found without looking at every member, which
    cost a send to a thousand members a second, and grew with the square of its size. Any other
    pair is compared (:func:`_compared`).
    """
    recorded = _RECORDED.get(id(new))
    if recorded is not None and recorded[0]() is new and recorded[1]() is old:
        member_id, uid = recorded[2], recorded[3]
        sent = new.sent[member_id][uid]
        return [] if old.of(member_id).get(uid) == sent else [(member_id, uid, sent)]
    return _compared(old, new)


def _compared(old: InvitationState, new: InvitationState) -> list[tuple[str, str, Sent]] | None:
    """Return what :func:`_added` does, for any two states, by comparing them member by member.

    States are immutable and :meth:`InvitationState.record` shares what it does not change, so
    an unchanged member is the same object in both.
    """
    # Histories are compared by identity: comparing them would cost what the journal saves.
    if (
        new.trip_id != old.trip_id
        or new.history is not old.history
        or new.archive is not old.archive
    ):
        return None  # (compared by identity: comparing histories would cost what it saves)
    if any(member_id not in new.sent for member_id in old.sent):
        return None
    added: list[tuple[str, str, Sent]] = []
    for member_id, records in new.sent.items():
        before = old.sent.get(member_id, {})
        if records is before:
            continue
        if any(uid not in records for uid in before):
            return None
        added.extend(
            (member_id, uid, sent) for uid, sent in records.items() if before.get(uid) != sent
        )
    return added


def address_digest(trip: Trip, address: str) -> str:
    """Return the digest the state keeps of *address*, to notice that it changed.

    It is salted with the trip id, which is not secret: it hides the address from a casual
    reader of the state, not from someone who guesses it.
    """
    text = f"seoulcal-address\0{trip.id}\0{address.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """One event as a member should have it now, from the revision policy.

    *live* is false when the event has left the member's schedule (removed from the trip, or the
    member taken off it); *fingerprint* is what clients see of it, as the revision policy hashes
    it; *revision* its SEQUENCE and LAST-MODIFIED, the same as the site's.
    """

    uid: str
    event: Event
    revision: Revision
    fingerprint: str
    live: bool = True


@dataclass(frozen=True, slots=True)
class Invitation:
    """One message owed: one event, one member, one method."""

    member: Member
    address: str
    uid: str
    event: Event
    method: Method
    revision: Revision
    digest: str
    """A digest of what the member sees: UID, method, SEQUENCE, the event's fingerprint and the
    member's language."""
    kind: Kind
    reason: Reason
    address_digest: str
    """:func:`address_digest` of :attr:`address`."""

    @property
    def name(self) -> str:
        """The message's name in an outbox: ``<event>.<sequence>.<method>``."""
        return f"{self.event.id}.{self.revision.sequence}.{self.method.lower()}"

    def as_sent(self) -> Sent:
        """Return the state record of this message once accepted."""
        return Sent(
            event_id=self.event.id,
            sequence=self.revision.sequence,
            method=self.method,
            digest=self.digest,
            address=self.address_digest,
            modified=self.revision.modified,
        )


@dataclass(frozen=True, slots=True)
class InvitationPlan:
    """The messages owed, in order (member by member in the trip's order, events in time order)."""

    trip: Trip
    invitations: tuple[Invitation, ...]
    members: tuple[str, ...]
    """The members planned for, in the trip's order (those with and without an address)."""
    unchanged: Mapping[str, int]
    """Per member: how many events they already have as they are now."""
    skipped: tuple[str, ...]
    """Members without an ``email``: nothing can be sent to them."""
    warnings: tuple[str, ...] = ()

    def owed(self, member_id: str) -> tuple[Invitation, ...]:
        """Return the messages owed to *member_id*."""
        return tuple(item for item in self.invitations if item.member.id == member_id)


def _digest(uid: str, method: Method, revision: Revision, fingerprint: str, lang: str) -> str:
    text = f"{uid}\0{method}\0{revision.sequence}\0{fingerprint}\0{lang}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def plan_invitations(
    trip: Trip,
    state: InvitationState,
    dues: Mapping[str, Sequence[Due]],
    *,
    members: Iterable[str] | None = None,
) -> InvitationPlan:
    """Return the messages owed to each member: a pure function of its arguments.

    *dues* gives, per member id, every event the member should hold now (live) or should no
    longer hold (withdrawn), with its revision; *members* limits the plan to some member ids
    (all the trip's members by default). A member without an address is listed in
    :attr:`InvitationPlan.skipped`.
    """
    chosen = list(trip.members) if members is None else [trip.member(name) for name in members]
    invitations: list[Invitation] = []
    unchanged: dict[str, int] = {}
    skipped: list[str] = []
    warnings: list[str] = []
    known_ids = {event.id for event in trip.events}
    for member in chosen:
        if member.email is None:
            skipped.append(member.id)
            continue
        address = address_digest(trip, member.email)
        records = state.of(member.id)
        count = 0
        seen: set[str] = set()
        for due in dues.get(member.id, ()):
            seen.add(due.uid)
            found = _owed(
                member,
                member.email,
                address=address,
                due=due,
                record=records.get(due.uid),
                known_ids=known_ids,
            )
            if found is None:
                count += due.uid in records and records[due.uid].address == address
            else:
                invitations.append(found)
        orphans = sorted(
            record.event_id
            for uid, record in records.items()
            if uid not in seen and record.method == "REQUEST" and record.address == address
        )
        if orphans:
            warnings.append(
                f"member {member.id!r} holds invitations the revision history no longer knows "
                f"({', '.join(orphans)}); they cannot be cancelled from here"
            )
        unchanged[member.id] = count
    gone = sorted(set(state.sent) - {member.id for member in trip.members})
    warnings.extend(
        f"member {member_id!r} is no longer in the trip, so their address is unknown: "
        "cancel their invitations by hand"
        for member_id in gone
        if members is None and any(r.method == "REQUEST" for r in state.sent[member_id].values())
    )
    return InvitationPlan(
        trip=trip,
        invitations=tuple(invitations),
        members=tuple(member.id for member in chosen),
        unchanged=unchanged,
        skipped=tuple(skipped),
        warnings=tuple(warnings),
    )


def _owed(  # noqa: PLR0913 - one decision, all of its inputs
    member: Member,
    email: str,
    *,
    address: str,
    due: Due,
    record: Sent | None,
    known_ids: set[str],
) -> Invitation | None:
    """Return the message *member* is owed about *due*, or ``None`` if they have it as it is."""
    elsewhere = record is not None and record.address != address
    if elsewhere:
        record = None  # this address never had it
    cancelled = not due.live or due.event.status == "cancelled"
    method: Method = "CANCEL" if cancelled else "REQUEST"
    revision = due.revision
    digest = _digest(due.uid, method, revision, due.fingerprint, member.language)
    kind: Kind
    reason: Reason
    if cancelled:
        if record is None or record.method == "CANCEL":
            return None  # never had it here, or already told
        kind = "cancellation"
        if due.live:
            reason = "cancelled"
        elif due.event.id in known_ids:
            reason = "taken-off"
        else:
            reason = "removed"
    else:
        if record is not None and record.method == "REQUEST" and record.digest == digest:
            return None
        if record is None:
            kind, reason = "invitation", "address" if elsewhere else "new"
        elif record.method == "CANCEL":
            kind, reason = "invitation", "new"
        else:
            kind, reason = "change", "changed"
    if record is not None and revision.sequence <= record.sequence:
        # The history and what was sent disagree (a history restored from an older backup):
        # a client ignores a message whose SEQUENCE is not above what it holds.
        revision = Revision(
            record.sequence + 1, max(revision.modified, record.modified + _ONE_SECOND)
        )
        digest = _digest(due.uid, method, revision, due.fingerprint, member.language)
    return Invitation(
        member=member,
        address=email,
        uid=due.uid,
        event=due.event,
        method=method,
        revision=revision,
        digest=digest,
        kind=kind,
        reason=reason,
        address_digest=address,
    )


# --- the run ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """A message owed that was not delivered."""

    invitation: Invitation
    reason: str
    temporary: bool
    attempted: bool = True
    """False when the run stopped (a fatal failure) before this message was tried."""


@dataclass(frozen=True, slots=True)
class MemberReport:
    """What a run did for one member."""

    member_id: str
    sent: int = 0
    unchanged: int = 0
    skipped: bool = False
    """The member has no address."""
    failed: int = 0


@dataclass(frozen=True, slots=True)
class InvitationReport:
    """What a run sent, member by member, and what it could not send."""

    members: tuple[MemberReport, ...]
    sent: tuple[Invitation, ...]
    failures: tuple[Failure, ...]
    skipped: tuple[str, ...]
    warnings: tuple[str, ...]
    stopped: str | None = None
    """Why the run stopped early (a fatal delivery failure), if it did."""

    @property
    def ok(self) -> bool:
        """Tell whether everything owed was delivered."""
        return not self.failures


def send_invitations(  # noqa: PLR0913 - a run's collaborators, each replaceable
    plan: InvitationPlan,
    mailer: Mailer,
    state: InvitationState,
    *,
    calendar: Callable[[Invitation], bytes],
    save: Callable[[InvitationState], None],
    sender: str | None = None,
    page_url: Callable[[Member], str | None] | None = None,
    clock: Callable[[], datetime] | None = None,
    progress: Callable[[int, int, Invitation, str | None], None] | None = None,
) -> InvitationReport:
    """Send what *plan* owes through *mailer*, saving the state after every accepted message.

    *calendar* returns the iTIP calendar of an invitation; *save* stores a state (a
    :meth:`InvitationStateFile.save`); *sender* is the From address (the organizer's by default);
    *page_url* gives a member's page, linked from the message; *clock* stamps the Date header;
    *progress* is called after each message with (number, total, invitation, error or None).
    """
    now = clock or (lambda: datetime.now(UTC))
    sent: list[Invitation] = []
    failures: list[Failure] = []
    stopped: str | None = None
    total = len(plan.invitations)
    try:
        for number, invitation in enumerate(plan.invitations, start=1):
            if stopped is not None:
                failures.append(Failure(invitation, stopped, temporary=True, attempted=False))
                continue
            error: str | None = None
            try:
                mail = compose(
                    plan.trip,
                    invitation,
                    calendar(invitation),
                    sender=sender,
                    page_url=None if page_url is None else page_url(invitation.member),
                    date=now(),
                )
                mailer.send(mail)
            except DeliveryError as failure:  # a caller's mailer may raise the plain kind
                error = str(failure)
                temporary = bool(getattr(failure, "temporary", False))
                failures.append(Failure(invitation, error, temporary=temporary))
                if getattr(failure, "fatal", False):
                    stopped = error
            else:
                state = state.record(invitation)
                save(state)
                sent.append(invitation)
            if progress is not None:
                progress(number, total, invitation, error)
    finally:
        mailer.close()
    return InvitationReport(
        members=_member_reports(plan, sent, failures),
        sent=tuple(sent),
        failures=tuple(failures),
        skipped=plan.skipped,
        warnings=plan.warnings,
        stopped=stopped,
    )


def _member_reports(
    plan: InvitationPlan, sent: Sequence[Invitation], failures: Sequence[Failure]
) -> tuple[MemberReport, ...]:
    # Counted once, not per member: a send to ten thousand members has hundreds of thousands.
    delivered = Counter(item.member.id for item in sent)
    failed = Counter(item.invitation.member.id for item in failures)
    skipped = set(plan.skipped)
    return tuple(
        MemberReport(
            member_id=member_id,
            sent=delivered[member_id],
            unchanged=plan.unchanged.get(member_id, 0),
            skipped=member_id in skipped,
            failed=failed[member_id],
        )
        for member_id in plan.members
    )


# --- helpers ----------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: object) -> datetime:
    return datetime.strptime(_string(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value
