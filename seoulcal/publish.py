"""Publishing: a trip as a folder of calendars and pages, and rebuilds that update subscribers.

:func:`build_site` writes a folder to copy to any static web host (or to serve with
:mod:`seoulcal.server`)::

    OUTDIR/
      index.html, index.en.html            the public page, in Korean and in English
      <trip>.ko.ics, <trip>.en.ics         the public calendars (every event, no member named)
      events/<event>.<lang>.ics            one-event files, to import a single event
      m/<token>/index.html                 a member's private page, in the member's language
      m/<token>/<trip>.ko.ics, .en.ics     the member's own calendars
      m/<token>/.seoulcal-state.json       the member calendars' revision state
      .seoulcal-state.json                 the public calendars' revision state

**Tokens.** A member's folder is named by :func:`member_token`: an HMAC-SHA256 of the trip and
member ids under a secret, 160 bits in URL-safe base64. Without a secret, a fixed public key is
used and the build warns that member addresses are predictable.

**Revisions (R-UPD-01).** Each state file maps every event UID to a fingerprint of what clients
see (the event's bytes in both languages, rendered with a fixed revision), its SEQUENCE and its
LAST-MODIFIED. A rebuild keeps the revision of an event whose fingerprint is unchanged, so its
bytes stay identical; a changed event gets SEQUENCE + 1 and LAST-MODIFIED
``max(trip.revised, previous + 1 s)``; a new one gets SEQUENCE 0 at ``trip.revised``. Nothing
comes from the clock.

**Removed events (R-UPD-02).** An event that leaves a calendar (removed from the trip, or the member
no longer attends it) stays in that calendar as ``STATUS:CANCELLED`` with a raised SEQUENCE, until
the itinerary's ``revised`` time is *retention* (30 days by default) past the moment it was
withdrawn; then it is dropped, and a tombstone keeps its last SEQUENCE in case it comes back.

**Privacy.** The public state holds UIDs, fingerprints, revisions and each event's public data (with
its attendee list blanked); which members had an event is only in each member's own folder. No
state file holds a secret, a token, a member id, name or email.

**Atomic builds.** The new site is written to a sibling folder as it is made, files whose bytes did
not change are hard-linked from the old site (keeping their inode and modification time), the
folder is flushed to disk (one ``syncfs``), and the two folders are exchanged in one
``renameat2(RENAME_EXCHANGE)`` call (two renames where that call is missing). A build that fails
leaves the old site as it was; builds of one folder take turns through an ``fcntl.flock`` on the
sibling file ``.OUTDIR.lock``. A build that changes no byte touches nothing.

**Rebuilds with nothing new.** The lock file also records the last build whose site is settled
(building it again with the same inputs would change nothing): a digest of its inputs (the trip,
base URL, an HMAC under the secret, retention, this code and its libraries) and of the site's
files (path, size, modification time, inode). A build that finds both unchanged reports the site
up to date without rendering anything. The record holds no secret, token or member id.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_RETENTION",
    "LOCAL_BASE_URL",
    "SECRET_ENV",
    "STATE_FILE",
    "BuildReport",
    "MemberSite",
    "PublishError",
    "build_site",
    "member_token",
    "normalize_base_url",
    "read_secret",
]

import base64
import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import hmac
import json
import math
import os
import queue
import shutil
import sys
import threading
import time
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import ValidationError

from seoulcal.errors import PublishError, TripError
from seoulcal.identity import Revision, event_uid
from seoulcal.model import EVERYONE, Event, Member, Venue
from seoulcal.site import Feed, Pages, members_folder_page
from seoulcal.wording import calendar_name
from seoulcal.workers import Worker, available_cpus, can_fork, forks_by_default

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from seoulcal.export import CalendarWriter
    from seoulcal.model import Language, Trip

STATE_FILE = ".seoulcal-state.json"
"""The revision state, in the site's root (public calendars) and in each member's folder."""
STATE_FORMAT = "seoulcal-state/1"
MEMBER_DIR = "m"
EVENTS_DIR = "events"
LOCAL_BASE_URL = "http://127.0.0.1:8000/"
"""The base URL when none is given: ``seoulcal serve``'s default address."""
SECRET_ENV = "SEOULCAL_SECRET"  # noqa: S105 - the name of a variable, not a secret
"""The environment variable that holds the token secret when no secret file is given."""
DEFAULT_RETENTION = timedelta(days=30)
"""How long (on the itinerary's ``revised`` clock) a withdrawn event stays as cancelled."""
MIN_SECRET_BYTES = 16
LANGUAGES: tuple[Language, ...] = ("ko", "en")

_INSECURE_KEY = b"seoulcal: no secret given, member addresses are predictable"
_FINGERPRINT_MODIFIED = datetime(2000, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)
_TOKEN_BYTES = 20  # 160 bits
_QUEUED_FILES = 64
_MEMBERS_PER_PROCESS = 50  # fewer members than this per process: forking costs more than it saves

EntryState = Literal["live", "withdrawn", "dropped"]


# --- tokens, secrets, addresses -----------------------------------------------------------------


def member_token(secret: bytes | None, trip: Trip, member: Member | str) -> str:
    """Return the unguessable folder name of *member*'s page and calendars.

    It is HMAC-SHA256 of the trip and member ids under *secret* (160 bits, URL-safe base64). With
    ``None`` the key is public, so anyone can compute the token: for local use only.
    """
    member_id = member if isinstance(member, str) else member.id
    key = _INSECURE_KEY if secret is None else secret
    message = f"seoulcal/member/v1/{trip.id}/{member_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:_TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def read_secret(
    secret_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> bytes | None:
    """Return the token secret from *secret_file*, else from :data:`SECRET_ENV`, else ``None``.

    Surrounding white space is ignored. A secret shorter than 16 bytes is refused.
    """
    env = os.environ if environ is None else environ
    if secret_file is not None:
        try:
            raw = Path(secret_file).read_bytes().strip()
        except OSError as error:
            raise PublishError(
                f"--secret-file {secret_file}: cannot read it: {error.strerror or error}"
            ) from None
        where = f"--secret-file {secret_file}"
    elif env.get(SECRET_ENV, "").strip():
        raw = env[SECRET_ENV].strip().encode("utf-8")
        where = f"${SECRET_ENV}"
    else:
        return None
    if len(raw) < MIN_SECRET_BYTES:
        raise PublishError(
            f"{where}: the secret has {len(raw)} bytes; use at least {MIN_SECRET_BYTES}, for "
            "example from: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return raw


def normalize_base_url(url: str) -> str:
    """Check that *url* is an absolute http(s) address with no query or fragment; end it in /."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise PublishError(
            f"--base-url {url!r}: give the absolute address the site will have, "
            "such as https://trips.example.org/ces2024/"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise PublishError(
            f"--base-url {url!r}: must have no ?query, #fragment, user name or password"
        )
    return url if url.endswith("/") else f"{url}/"


# --- reports --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberSite:
    """Where a member's private page and calendars are published."""

    member_id: str
    page_url: str
    feeds: tuple[Feed, ...]


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    outdir: Path
    base_url: str
    changed: bool
    """False when no byte changed, so nothing was touched."""
    written: tuple[str, ...]
    """Files (relative paths) with new bytes."""
    kept: tuple[str, ...]
    """Files whose bytes did not change (hard-linked, same inode and modification time)."""
    removed: tuple[str, ...]
    """Files of the previous site that are gone."""
    revised: tuple[str, ...]
    """Ids of events whose revision rose in the public calendars."""
    cancelled: tuple[str, ...]
    """Ids of removed events published as cancelled in the public calendars."""
    dropped: tuple[str, ...]
    """Ids of cancelled events dropped from the public calendars after the retention period."""
    members: tuple[MemberSite, ...]
    warnings: tuple[str, ...]
    processes: int = 1
    """How many processes rendered the site (members are shared out between them)."""


# --- state ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """One UID's published revision in one scope (the public calendars or a member's)."""

    event_id: str
    fingerprint: str
    sequence: int
    modified: datetime
    state: EntryState
    withdrawn: datetime | None = None
    event: dict[str, Any] | None = None
    venue: dict[str, Any] | None = None

    @property
    def revision(self) -> Revision:
        return Revision(self.sequence, self.modified)

    def to_json(self) -> dict[str, Any]:
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


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(text: object) -> datetime:
    if not isinstance(text, str):
        raise TypeError(text)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _read_state(path: Path, trip: Trip) -> dict[str, _Entry]:
    """Read a state file of *trip*'s site; a missing file is an empty state."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise PublishError(f"{path}: cannot read the state: {error.strerror or error}") from None
    try:
        data = json.loads(raw)
        entries = _parse_state(data)
        built_for = str(data["trip"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise PublishError(
            f"{path}: the revision state is damaged ({type(error).__name__}: {error}). Restore it "
            "from a backup; deleting the site instead makes subscribers see every event anew."
        ) from None
    if built_for != trip.id:
        raise PublishError(
            f"{path.parent}: holds the site of trip {built_for!r}, not {trip.id!r}; build each "
            "trip into its own folder (UIDs derive from the trip id)"
        )
    return entries


def _parse_state(data: Any) -> dict[str, _Entry]:  # noqa: ANN401 - JSON of any shape
    if data.get("format") != STATE_FORMAT:
        raise ValueError(f"format {data.get('format')!r} is not {STATE_FORMAT!r}")
    entries = {}
    for uid, item in data["events"].items():
        state = item["state"]
        if state not in {"live", "withdrawn", "dropped"}:
            raise ValueError(f"state {state!r}")
        entries[uid] = _Entry(
            event_id=str(item["id"]),
            fingerprint=str(item["fingerprint"]),
            sequence=int(item["sequence"]),
            modified=_parse_stamp(item["modified"]),
            state=state,
            withdrawn=_parse_stamp(item["withdrawn"]) if "withdrawn" in item else None,
            event=item.get("event"),
            venue=item.get("venue"),
        )
    return entries


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)


def _state_bytes(
    trip: Trip, entries: Mapping[str, _Entry], cache: dict[tuple[str, _Entry], str] | None = None
) -> bytes:
    """Return the bytes of a state file: the JSON of the state, keys sorted, indented by one.

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
    tail = f'"format": {_json(STATE_FORMAT)},\n "trip": {_json(trip.id)}'
    return f'{{\n "events": {events},\n {tail}\n}}\n'.encode()


def _public_event_data(event: Event) -> dict[str, Any]:
    """Return *event*'s data for the public state: its attendees blanked (they name members)."""
    data = event.model_dump(mode="json")
    data["attendees"] = [EVERYONE]
    return data


# --- revisions ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scope:
    """The calendars of one audience (the public, or one member) and their revisions."""

    trip: Trip
    """The trip to render with: the real one, plus the venues only withdrawn events still name."""
    member: Member | None
    writers: dict[tuple[tuple[str, Revision], ...], CalendarWriter] = field(default_factory=dict)
    """Calendar writers shared by the scopes of a build, by the revisions they write."""
    live: dict[str, Event] = field(default_factory=dict)
    withdrawn: dict[str, Event] = field(default_factory=dict)
    revisions: dict[str, Revision] = field(default_factory=dict)
    entries: dict[str, _Entry] = field(default_factory=dict)
    revised: list[str] = field(default_factory=list)
    newly_withdrawn: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def calendar(self, lang: Language) -> bytes:
        """Return this scope's calendar in *lang* (bytes as :func:`trip_calendar` gives them)."""
        revisions = {event.id: self.revisions[uid] for uid, event in self.live.items()}
        extra = [(event, self.revisions[uid]) for uid, event in self.withdrawn.items()]
        writer = next(
            (
                found
                for key, found in self.writers.items()
                if revisions.items() <= dict(key).items()
            ),
            None,
        )
        if writer is None:
            from seoulcal.export import CalendarWriter  # noqa: PLC0415 - icalendar loads only when a build renders

            key = tuple(sorted(revisions.items(), key=lambda item: item[0]))
            writer = self.writers[key] = CalendarWriter(self.trip, revisions=revisions)
        return writer.calendar(self.member, lang, extra_events=extra)


def _vevents(data: bytes) -> dict[str, bytes]:
    """Split calendar bytes into VEVENT blocks by UID."""
    found: dict[str, bytes] = {}
    begin, end = b"BEGIN:VEVENT\r\n", b"END:VEVENT\r\n"
    position = data.find(begin)
    while position >= 0:
        stop = data.index(end, position) + len(end)
        block = data[position:stop]
        unfolded = block.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
        for line in unfolded.split(b"\r\n"):
            if line.startswith(b"UID:"):
                found[line[4:].decode("utf-8")] = block
                break
        position = data.find(begin, stop)
    return found


class _Fingerprints:
    """What clients see of each event: a hash of its VEVENT in both languages, fixed revision.

    A VEVENT is the same in every calendar that holds it (export adds nothing per member), so an
    event's fingerprint is worked out once per build, from one calendar of all the events asked.
    """

    def __init__(self, trip: Trip) -> None:
        self._trip = trip
        self._known: dict[tuple[str, str], str] = {}
        self._uids: dict[str, str] = {}

    def _key(self, event: Event) -> tuple[str, str]:
        uid = self._uids.get(event.id)
        if uid is None:
            uid = self._uids[event.id] = event_uid(self._trip, event)
        return (uid, event.status)

    def learn(self, trip: Trip, events: list[Event]) -> None:
        """Work out the fingerprints of *events* not known yet, rendered with *trip*'s venues."""
        missing = {
            self._key(event): event for event in events if self._key(event) not in self._known
        }
        if not missing:
            return
        from seoulcal.export import trip_calendar  # noqa: PLC0415 - icalendar loads only when a build renders

        holder = trip.model_copy(update={"events": ()})
        fixed = Revision(0, _FINGERPRINT_MODIFIED)
        extra = [(event, fixed) for event in missing.values()]
        blocks = [
            _vevents(bytes(trip_calendar(holder, lang=lang, extra_events=extra).to_ical()))
            for lang in LANGUAGES
        ]
        for key in missing:
            digest = hashlib.sha256()
            for found in blocks:
                digest.update(found[key[0]])
                digest.update(b"\0")
            self._known[key] = digest.hexdigest()

    def get(self, event: Event) -> str:
        """Return the fingerprint of *event* (learnt before)."""
        return self._known[self._key(event)]


def _bump(previous: _Entry, trip: Trip) -> Revision:
    return Revision(previous.sequence + 1, max(trip.revised, previous.modified + _ONE_SECOND))


def _scope(  # noqa: C901, PLR0912, PLR0913 - one pass over the cases of R-UPD-01/02
    trip: Trip,
    member: Member | None,
    previous: Mapping[str, _Entry],
    archive: Mapping[str, tuple[Event, Venue | None]],
    *,
    ordered: Sequence[tuple[str, Event]],
    fingerprints: _Fingerprints,
    writers: dict[tuple[tuple[str, Revision], ...], CalendarWriter],
    seed: Mapping[str, _Entry] | None,
    retention: timedelta,
    keep_data: bool,
) -> _Scope:
    """Work out one scope's events and revisions from its previous state.

    *archive* gives the last known data of every UID (the trip's events, then the previous public
    state's); *ordered* is the trip's events in time order, with their UIDs. *seed* gives
    revisions to start from for UIDs this scope has never published (a member's calendars start
    from the public revision). *keep_data* stores each event's public data in the entries (the
    public state only).
    """
    scope = _Scope(trip=trip, member=member, writers=writers)
    scope.live = {
        uid: event for uid, event in ordered if member is None or trip.attends(member, event)
    }
    tombstones: dict[str, _Entry] = {}
    for uid, prior in previous.items():
        if uid in scope.live:
            continue
        source = archive.get(uid)
        expired = (
            prior.state == "withdrawn"
            and prior.withdrawn is not None
            and trip.revised >= prior.withdrawn + retention
        )
        if prior.state == "dropped" or source is None or expired:
            if prior.state != "dropped":
                scope.dropped.append(prior.event_id)
            tombstones[uid] = _Entry(
                prior.event_id, prior.fingerprint, prior.sequence, prior.modified, "dropped"
            )
            continue
        scope.withdrawn[uid] = source[0].model_copy(update={"status": "cancelled"})

    fingerprints.learn(scope.trip, [*scope.live.values(), *scope.withdrawn.values()])
    for uid in (*scope.live, *scope.withdrawn):
        fingerprint = fingerprints.get(scope.live.get(uid) or scope.withdrawn[uid])
        before = previous.get(uid)
        start = seed.get(uid) if seed is not None else None
        if before is not None and before.state != "dropped" and before.fingerprint == fingerprint:
            revision = before.revision
        elif before is not None:
            revision = _bump(before, trip)
            scope.revised.append(before.event_id)
        elif start is not None and start.fingerprint == fingerprint:
            revision = start.revision
        else:
            revision = Revision(0, trip.revised)
        scope.revisions[uid] = revision
        withdrawn_at: datetime | None = None
        state: EntryState = "live"
        data: tuple[Event, Venue | None] | None = None
        if uid in scope.withdrawn:
            state = "withdrawn"
            if before is not None and before.state == "withdrawn" and before.withdrawn:
                withdrawn_at = before.withdrawn
            else:
                withdrawn_at = trip.revised
                scope.newly_withdrawn.append(scope.withdrawn[uid].id)
            data = archive.get(uid)
        else:
            event = scope.live[uid]
            data = (event, trip.venue_of(event))
        stored_event = stored_venue = None
        if keep_data and data is not None:
            stored_event = _public_event_data(data[0])
            stored_venue = None if data[1] is None else data[1].model_dump(mode="json")
        event_id = scope.live[uid].id if uid in scope.live else scope.withdrawn[uid].id
        scope.entries[uid] = _Entry(
            event_id,
            fingerprint,
            revision.sequence,
            revision.modified,
            state,
            withdrawn_at,
            stored_event,
            stored_venue,
        )
    for uid, tombstone in tombstones.items():
        scope.entries.setdefault(uid, tombstone)
    return scope


def _archive(trip: Trip, previous: Mapping[str, _Entry]) -> dict[str, tuple[Event, Venue | None]]:
    """Return the last known data of every UID: the trip's own, then the previous state's."""
    found: dict[str, tuple[Event, Venue | None]] = {}
    for uid, entry in previous.items():
        if entry.event is None:
            continue
        try:
            event = Event.model_validate(entry.event)
            venue = None if entry.venue is None else Venue.model_validate(entry.venue)
        except (ValidationError, TripError):
            continue  # written by another version: the event is dropped, not re-rendered
        found[uid] = (event, venue)
    for event in trip.events:
        found[event_uid(trip, event)] = (event, trip.venue_of(event))
    return found


# --- the site's files -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    public: _Scope
    members: list[MemberSite]
    settled: bool
    """Building again from the states just made, with the same inputs, would change no byte."""
    parts: list[_Files]
    """The files other processes made (for :meth:`_Output.publish`)."""
    processes: int


def _member_site(
    trip: Trip, member: Member, *, base_url: str, secret: bytes | None
) -> tuple[str, MemberSite]:
    """Return *member*'s folder (relative, ending in ``/``) and where its page and feeds are."""
    folder = f"{MEMBER_DIR}/{member_token(secret, trip, member)}/"
    feeds = []
    for lang in LANGUAGES:
        name = f"{trip.id}.{lang}.ics"
        feeds.append(Feed(lang, calendar_name(trip, member, lang), name, base_url + folder + name))
    return folder, MemberSite(member.id, base_url + folder, tuple(feeds))


def _settled(scope: _Scope) -> bool:
    """Tell whether a scope's new state is a fixed point: a build from it changes nothing.

    With the same inputs, live entries keep their fingerprints, so their revisions, and dropped
    entries stay tombstones; only a withdrawn entry can still move (dropped when its retention
    ends, or when the public state no longer holds its data).
    """
    return all(entry.state != "withdrawn" for entry in scope.entries.values())


def _processes(requested: int | None, members: int) -> int:
    """Return how many processes share out *members* (*requested*: ``None`` for one per CPU)."""
    if requested is None:
        if not forks_by_default():
            return 1
        return max(1, min(available_cpus(), members // _MEMBERS_PER_PROCESS))
    count = max(1, min(requested, members))
    return count if count == 1 or can_fork() else 1


def _share(members: Sequence[Member], count: int) -> list[Sequence[Member]]:
    """Split *members* into *count* runs of nearly equal length, in order."""
    total = len(members)
    return [members[at * total // count : (at + 1) * total // count] for at in range(count)]


@dataclass(slots=True)
class _Members:
    """How to render members' files: everything the members of one build share."""

    trip: Trip
    outdir: Path
    first_build: bool
    archive: Mapping[str, tuple[Event, Venue | None]]
    ordered: Sequence[tuple[str, Event]]
    fingerprints: _Fingerprints
    writers: dict[tuple[tuple[str, Revision], ...], CalendarWriter]
    seed: Mapping[str, _Entry]
    retention: timedelta
    pages: Pages
    base_url: str
    secret: bytes | None
    entry_texts: dict[tuple[str, _Entry], str] = field(default_factory=dict)

    def render(self, members: Sequence[Member], output: _Output) -> tuple[list[MemberSite], bool]:
        """Hand *members*' files to *output*; return their sites and whether all are settled."""
        trip = self.trip
        sites = []
        settled = True
        for member in members:
            folder, site = _member_site(trip, member, base_url=self.base_url, secret=self.secret)
            state = self.outdir / folder / STATE_FILE
            previous = {} if self.first_build else _read_state(state, trip)
            scope = _scope(
                trip,
                member,
                previous,
                self.archive,
                ordered=self.ordered,
                fingerprints=self.fingerprints,
                writers=self.writers,
                seed=self.seed,
                retention=self.retention,
                keep_data=False,
            )
            settled = settled and _settled(scope)
            for feed in site.feeds:
                output.add(folder + feed.href, scope.calendar(feed.lang))
            page = self.pages.member_page(member, site.feeds, root_href="../../")
            output.add(folder + "index.html", page)
            output.add(folder + STATE_FILE, _state_bytes(trip, scope.entries, self.entry_texts))
            sites.append(site)
        return sites, settled

    def render_apart(
        self, members: Sequence[Member], output: _Output
    ) -> tuple[list[MemberSite], bool, _Files]:
        """Render *members* with an output of their own (in a worker process): also its files."""
        own = output.sibling()
        sites, settled = self.render(members, own)
        return sites, settled, own.files()


def _plan(  # noqa: PLR0913 - the build's inputs, and where its files go
    trip: Trip,
    outdir: Path,
    output: _Output,
    *,
    base_url: str,
    secret: bytes | None,
    retention: timedelta,
    jobs: int | None,
) -> _Plan:
    """Make the site's files, handing each to *output* as soon as it is made.

    The members are shared out between this process and forked workers (one per CPU, see
    :mod:`seoulcal.workers`); every process renders the same bytes for a member, so the site
    does not depend on how they were shared.
    """
    previous = _read_state(outdir / STATE_FILE, trip)
    archive = _archive(trip, previous)
    known = {venue.id for venue in trip.venues}
    missing = {v.id: v for _, v in archive.values() if v is not None and v.id not in known}
    if missing:  # venues only removed events still name: render them as they were
        trip = trip.model_copy(update={"venues": (*trip.venues, *missing.values())})
    ordered = [(event_uid(trip, event), event) for event in trip.events_for()]
    writers: dict[tuple[tuple[str, Revision], ...], CalendarWriter] = {}
    fingerprints = _Fingerprints(trip)
    fingerprints.learn(trip, list(trip.events))
    pages = Pages(trip)
    public = _scope(
        trip,
        None,
        previous,
        archive,
        ordered=ordered,
        fingerprints=fingerprints,
        writers=writers,
        seed=None,
        retention=retention,
        keep_data=True,
    )
    members = _Members(
        trip,
        outdir,
        # A first build has no member states to read: skip a thousand look-ups of missing files.
        first_build=not outdir.exists(),
        archive=archive,
        ordered=ordered,
        fingerprints=fingerprints,
        writers=writers,
        seed=public.entries,
        retention=retention,
        pages=pages,
        base_url=base_url,
        secret=secret,
    )
    # The public files first: rendering them fills the caches of events, zones and agenda items
    # that every member's files draw on, before any worker is forked with a copy of them.
    public_files = _public_files(trip, public, pages, base_url=base_url)
    shares = _share(trip.members, _processes(jobs, len(trip.members)))
    workers: dict[int, Worker[tuple[list[MemberSite], bool, _Files]]] = {}
    try:
        # Fork before this process starts its writer thread: the workers get no thread's locks.
        for index, share in enumerate(shares[1:], start=1):
            with contextlib.suppress(OSError):  # no process to be had: this one renders it
                work = functools.partial(members.render_apart, share, output)
                workers[index] = Worker.start(work)
        for path, data in public_files:
            output.add(path, data)
        found = {
            index: members.render(share, output)
            for index, share in enumerate(shares)
            if index not in workers
        }
        parts = []
        for index, worker in workers.items():
            more, their_settled, files = worker.result()
            found[index] = (more, their_settled)
            parts.append(files)
    finally:
        for worker in workers.values():
            worker.stop()
    sites = [site for index in sorted(found) for site in found[index][0]]
    settled = _settled(public) and all(done for _, done in found.values())
    return _Plan(public, sites, settled, parts, 1 + len(workers))


def _public_files(
    trip: Trip, public: _Scope, pages: Pages, *, base_url: str
) -> list[tuple[str, bytes]]:
    """Return the public files: calendars, one-event files, pages and the public state."""
    from seoulcal.export import event_calendar  # noqa: PLC0415 - icalendar loads only when a build renders

    files: list[tuple[str, bytes]] = []
    feeds = []
    for lang in LANGUAGES:
        path = f"{trip.id}.{lang}.ics"
        files.append((path, public.calendar(lang)))
        feeds.append(Feed(lang, calendar_name(trip, None, lang), path, base_url + path))
    for uid, event in public.live.items():
        for lang in LANGUAGES:
            calendar = event_calendar(trip, event, lang=lang, revision=public.revisions[uid])
            files.append((f"{EVENTS_DIR}/{event.id}.{lang}.ics", bytes(calendar.to_ical())))
    files.append(
        ("index.html", pages.public_page("ko", feeds, other_language_href="index.en.html"))
    )
    files.append(
        ("index.en.html", pages.public_page("en", feeds, other_language_href="index.html"))
    )
    files.append((STATE_FILE, _state_bytes(trip, public.entries)))
    if trip.members:  # a page, not a listing, for hosts that list folders: tokens stay hidden
        files.append((f"{MEMBER_DIR}/index.html", members_folder_page(trip)))
    return files


# --- writing: lock, staging folder, exchange ------------------------------------------------------


@contextlib.contextmanager
def _locked(outdir: Path) -> Iterator[int]:
    """Hold an exclusive lock on *outdir*'s sibling lock file (builds of one folder take turns).

    Yields the lock file's descriptor: the file also holds the last build's record.
    """
    lock = outdir.parent / f".{outdir.name}.lock"
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle
    finally:
        os.close(handle)  # closing releases the lock


def _recover(outdir: Path) -> None:
    """Undo what a killed build left: a half-swapped site, staging and old folders."""
    parent, name = outdir.parent, outdir.name
    olds = sorted(parent.glob(f".{name}.old-*"))
    if not outdir.exists() and olds:
        olds[-1].rename(outdir)  # killed between the two renames of the fallback swap
        olds = olds[:-1]
    for leftover in (*parent.glob(f".{name}.staging-*"), *olds):
        shutil.rmtree(leftover, ignore_errors=True)


def _regular_files(root: str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Yield the regular files under *root* (relative POSIX path, entry); symlinks not followed.

    ``os.scandir`` gives each entry's type without a system call, so a walk of a site's thousands
    of files costs about one ``lstat`` each, and only for those who ask for it.
    """
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _regular_files(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file(follow_symlinks=False):
                yield f"{prefix}{entry.name}", entry


def _scan(root: Path) -> dict[str, Path]:
    """Return the regular files under *root* by relative POSIX path (symlinks are not followed)."""
    if not root.is_dir():
        return {}
    return {rel: root / rel for rel, _ in _regular_files(str(root))}


def _write_file(path: Path, data: bytes, *, after: float | None) -> None:
    """Write *data* to the new file *path*; its modification time is later than *after*.

    Last-Modified comes from the modification time, and must rise whenever the bytes change
    (R-HTTP-06), even for two builds within one second. The data is made durable by one
    :func:`_sync` of the whole staging folder, before the swap.
    """
    with path.open("xb") as stream:
        stream.write(data)
    path.chmod(0o644)
    if after is not None:
        moment = max(time.time(), math.floor(after) + 1.0)
        os.utime(path, (moment, moment))


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _fsync_dir(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where it is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP}:
        return False
    raise OSError(code, os.strerror(code), str(first))


def _swap(staging: Path, outdir: Path) -> None:
    """Put *staging* in *outdir*'s place; afterwards *staging* holds the old site (if any)."""
    if not outdir.exists():
        staging.rename(outdir)
        staging.mkdir()
        return
    if _exchange(staging, outdir):
        return
    old = outdir.parent / f".{outdir.name}.old-{os.getpid()}"
    outdir.rename(old)
    staging.rename(outdir)  # a crash just before this is undone by _recover
    old.rename(staging)


def _check_outdir(outdir: Path) -> None:
    if outdir.is_symlink():
        raise PublishError(f"{outdir}: is a symbolic link; give the real folder")
    if outdir.exists() and not outdir.is_dir():
        raise PublishError(f"{outdir}: exists and is not a folder")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / STATE_FILE).is_file():
        raise PublishError(
            f"{outdir}: is a folder that seoulcal did not build (it has no {STATE_FILE}); a build "
            "replaces the whole folder, so give an empty or new folder"
        )
    if not outdir.parent.is_dir():
        raise PublishError(f"{outdir}: its parent folder {outdir.parent} does not exist")


def _sync(folder: Path) -> None:
    """Make everything written under *folder* durable: its file system's ``syncfs``.

    One flush for the whole staging folder instead of one ``fsync`` per file; where ``syncfs``
    is missing, :func:`os.sync` flushes every file system. A write error it reports (Linux 5.8
    and later) fails the build, as a failed ``fsync`` would.
    """
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        os.sync()
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(handle) != 0:
            code = ctypes.get_errno()
            if code != errno.ENOSYS:
                raise OSError(code, os.strerror(code), str(folder))
            os.sync()
    finally:
        os.close(handle)


@dataclass(frozen=True, slots=True)
class _Files:
    """What one process's :class:`_Output` did with its files (sent back by a worker)."""

    written: list[str]
    kept: list[str]
    staged: bool
    """Whether it opened the staging folder, so that its kept files are linked there."""
    directories: set[Path]


class _Output:
    """The new site's files, taken one at a time as the build makes them.

    A file whose bytes are already in the site is only remembered; the first file that differs
    opens a staging folder (the files remembered so far are hard-linked into it), and from then on
    each file goes there at once. When nothing differs, nothing is touched.

    One writer thread does the comparing and writing, in the order the files come, while the
    build renders the next ones (file system calls release the GIL); at most
    :data:`_QUEUED_FILES` files wait for it, so memory stays flat whatever the site's size. Its
    first error stops the build: the next :meth:`add` or :meth:`publish` raises it.

    Worker processes write with a :meth:`sibling` each: the same staging folder, opened by
    whichever process needs it first; :meth:`publish` links what the others only remembered.
    """

    def __init__(
        self,
        outdir: Path,
        *,
        existing: dict[str, Path] | None = None,
        staging: Path | None = None,
    ) -> None:
        """Take the files of a new site for *outdir* (the writer thread starts with the first)."""
        self.outdir = outdir
        self.existing = _scan(outdir) if existing is None else existing
        self.staging_path = (
            outdir.parent / f".{outdir.name}.staging-{os.getpid()}" if staging is None else staging
        )
        self.staging: Path | None = None
        self.written: list[str] = []
        self.kept: list[str] = []
        self._directories: set[Path] = set()
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=_QUEUED_FILES)
        self._error: Exception | None = None
        self._writer: threading.Thread | None = None

    def sibling(self) -> _Output:
        """Return an output for another process of the same build (same site, same staging)."""
        return _Output(self.outdir, existing=self.existing, staging=self.staging_path)

    def add(self, rel: str, data: bytes) -> None:
        """Add the file *rel* (a relative POSIX path) with *data*."""
        if self._error is not None:
            raise self._error
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_all, name="seoulcal-writer")
            self._writer.start()
        self._queue.put((rel, data))

    def _write_all(self) -> None:
        """Take the queued files until told to stop; after an error, only drain the queue."""
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._take(*item)
                except Exception as error:  # noqa: BLE001 - raised again in the building thread
                    self._error = error

    def _stop(self) -> None:
        """Wait until every queued file is taken, and stop the writer thread."""
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()

    def _take(self, rel: str, data: bytes) -> None:
        old = self.existing.get(rel)
        if old is not None and _same(old, data):
            self.kept.append(rel)
            if self.staging is not None:
                _link_or_copy(old, self._target(self.staging, rel))
            return
        staging = self.staging if self.staging is not None else self._open()
        after = old.stat().st_mtime if old is not None else None
        _write_file(self._target(staging, rel), data, after=after)
        self.written.append(rel)

    def _open(self) -> Path:
        staging = self.staging_path
        staging.mkdir(mode=0o755, exist_ok=True)  # another process of the build may have made it
        self.staging = staging
        self._directories.add(staging)
        for rel in self.kept:
            _link_or_copy(self.existing[rel], self._target(staging, rel))
        return staging

    def _target(self, staging: Path, rel: str) -> Path:
        target = staging / rel
        if target.parent not in self._directories:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._directories.add(target.parent)
        return target

    def files(self) -> _Files:
        """Finish writing; return what was done with the files (a worker's share of the site)."""
        self._stop()
        if self._error is not None:
            raise self._error
        return _Files(self.written, self.kept, self.staging is not None, self._directories)

    def publish(self, parts: Sequence[_Files] = ()) -> tuple[list[str], list[str], list[str]]:
        """Put the new site in place (unless nothing changed); return (written, kept, removed).

        *parts* are the workers' files, all finished.
        """
        own = self.files()
        parts = [own, *parts]
        written = sorted(rel for part in parts for rel in part.written)
        kept = sorted(rel for part in parts for rel in part.kept)
        made = {*written, *kept}
        removed = sorted(rel for rel in self.existing if rel not in made)
        if not removed and not any(part.staged for part in parts):
            return [], kept, []
        staging = self.staging if self.staging is not None else self._open()
        for part in parts[1:]:
            self._directories.update(part.directories)
            if not part.staged:  # the worker only remembered these: link them now
                for rel in part.kept:
                    _link_or_copy(self.existing[rel], self._target(staging, rel))
        for directory in sorted(self._directories, key=lambda p: len(p.parts), reverse=True):
            directory.chmod(0o755)
        _sync(staging)  # every byte is durable before the new site becomes visible
        _swap(staging, self.outdir)
        _fsync_dir(self.outdir.parent)
        return written, kept, removed

    def discard(self) -> None:
        """Remove the staging folder (after the swap, the old site), if any process made it."""
        self._stop()
        shutil.rmtree(self.staging_path, ignore_errors=True)


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


# --- the build record: a rebuild with nothing new stops early ----------------------------------


RECORD_FORMAT = "seoulcal-build/1"


@functools.cache
def _software() -> str:
    """Return what decides the site's bytes besides the inputs: this code, libraries, tzdata."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    parts = [digest.hexdigest(), sys.version]
    for name in ("icalendar", "pydantic", "tzdata"):
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    for folder in zoneinfo.TZPATH:  # the system's zone data comes first, then the tzdata package
        with contextlib.suppress(OSError), Path(folder, "tzdata.zi").open("rb") as stream:
            parts.append(f"{folder} {stream.readline().strip().decode('ascii', 'replace')}")
    return "\n".join(parts)


def _inputs_digest(trip: Trip, *, base_url: str, secret: bytes | None, retention: timedelta) -> str:
    """Return a digest of everything a build's bytes depend on, besides the previous site.

    The secret enters only through an HMAC under it, never as itself.
    """
    key = _INSECURE_KEY if secret is None else secret
    keyed = hmac.new(key, b"seoulcal/build-record/v1", hashlib.sha256).hexdigest()
    digest = hashlib.sha256()
    for part in (
        RECORD_FORMAT,
        trip.model_dump_json(),
        base_url,
        keyed,
        repr(retention.total_seconds()),
        _software(),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _manifest(root: Path) -> tuple[list[str], str]:
    """Return the site's regular files (relative paths, sorted) and a digest of their details.

    The digest covers each file's path, size, modification time and inode, so any change to the
    folder (a file written, replaced, added or removed) changes it.
    """
    files = sorted(
        (rel, entry.stat(follow_symlinks=False)) for rel, entry in _regular_files(str(root))
    )
    digest = hashlib.sha256()
    for rel, info in files:
        digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\n".encode())
    return [rel for rel, _ in files], digest.hexdigest()


def _read_record(handle: int) -> dict[str, str]:
    """Return the last build's record from the lock file (empty if none or unreadable)."""
    try:
        data = json.loads(os.pread(handle, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {}
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _write_record(handle: int, record: dict[str, str] | None) -> None:
    """Replace the record in the lock file; ``None`` clears it (the next build is a full one)."""
    os.ftruncate(handle, 0)
    if record is not None:
        os.pwrite(handle, json.dumps({"format": RECORD_FORMAT, **record}).encode(), 0)


# --- the build ------------------------------------------------------------------------------------


def build_site(  # noqa: PLR0913 - keyword-only options of one call
    trip: Trip,
    outdir: str | Path,
    *,
    base_url: str | None = None,
    secret: bytes | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    jobs: int | None = None,
) -> BuildReport:
    """Build (or rebuild) *trip*'s site in *outdir* and return what changed.

    *base_url* is the address the folder will have on the web (subscribe links need it); without
    it, links point to :data:`LOCAL_BASE_URL`. *secret* keys the member tokens (see
    :func:`member_token`). Events removed since the last build stay as cancelled for *retention*.
    *jobs* is how many processes share out the members' files (``None``: on Linux, one per CPU
    with at least 50 members each; elsewhere one). A process is forked only where that is safe
    (POSIX, no other thread running): otherwise, or when the system has no process to give, this
    one renders those members itself. The site's bytes are the same for any value.
    """
    warnings: list[str] = []
    if base_url is None:
        base = LOCAL_BASE_URL
        warnings.append(
            f"no --base-url: subscribe links point to {LOCAL_BASE_URL}, which works only with "
            "'seoulcal serve' on this computer; give --base-url https://… before publishing"
        )
    else:
        base = normalize_base_url(base_url)
        host = urlsplit(base).hostname or ""
        if base.startswith("http://") and host not in {"127.0.0.1", "localhost", "::1"}:
            warnings.append(
                f"--base-url {base} is not https: Google Calendar and many hosts need https"
            )
    if secret is None:
        warnings.append(
            "NO SECRET (--secret-file or $SEOULCAL_SECRET): member addresses are derived from a "
            "public key and anyone who knows a member id can compute them. Use this site only "
            "locally, never publish it."
        )
    if retention < timedelta(0):
        raise PublishError(f"retention {retention} must not be negative")
    if jobs is not None and jobs < 1:
        raise PublishError(f"jobs {jobs}: give at least 1 process (or none, for one per CPU)")
    target = Path(outdir).absolute()
    inputs = _inputs_digest(trip, base_url=base, secret=secret, retention=retention)
    with _locked(target) as lock:
        _recover(target)
        _check_outdir(target)
        record = _read_record(lock)
        if record.get("inputs") == inputs and target.is_dir():
            files, site = _manifest(target)
            if record.get("site") == site:  # the site this build would make is already there
                return _up_to_date(trip, target, files, base=base, secret=secret, warnings=warnings)
        _write_record(lock, None)
        output = _Output(target)
        try:
            plan = _plan(
                trip,
                target,
                output,
                base_url=base,
                secret=secret,
                retention=retention,
                jobs=jobs,
            )
            written, kept, removed = output.publish(plan.parts)
        finally:
            output.discard()
        if plan.settled or not (written or removed):
            _write_record(lock, {"inputs": inputs, "site": _manifest(target)[1]})
    return BuildReport(
        outdir=target,
        base_url=base,
        changed=bool(written or removed),
        written=tuple(written),
        kept=tuple(kept),
        removed=tuple(removed),
        revised=tuple(plan.public.revised),
        cancelled=tuple(plan.public.newly_withdrawn),
        dropped=tuple(plan.public.dropped),
        members=tuple(plan.members),
        warnings=tuple(warnings),
        processes=plan.processes,
    )


def _up_to_date(  # noqa: PLR0913 - the parts of a report
    trip: Trip,
    outdir: Path,
    files: list[str],
    *,
    base: str,
    secret: bytes | None,
    warnings: list[str],
) -> BuildReport:
    """Report a build that found the site it would make already in place: nothing touched."""
    members = [
        _member_site(trip, member, base_url=base, secret=secret)[1] for member in trip.members
    ]
    return BuildReport(
        outdir=outdir,
        base_url=base,
        changed=False,
        written=(),
        kept=tuple(files),
        removed=(),
        revised=(),
        cancelled=(),
        dropped=(),
        members=tuple(members),
        warnings=tuple(warnings),
    )
