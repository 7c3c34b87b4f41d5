"""The files of a site: the public ones, then each member's, shared out to worker processes.

This is the only module of :mod:`seoulcal.publish` that renders calendars, so the only one that
loads icalendar (through :mod:`seoulcal.ics`); :func:`seoulcal.publish.build_site` imports it only
once it knows there is something to render. Every file goes to the build's
:class:`~seoulcal.publish.target.Target` as soon as it is made.

Which events each audience has is decided once, by the model (:meth:`Trip.events_for
<seoulcal.model.Trip.events_for>`), and revised once (:func:`~seoulcal.publish.revisions.revise`);
the calendars and the page of an audience are rendered from that one list.
"""

from __future__ import annotations

__all__ = ["Plan", "plan"]

import contextlib
import dataclasses
import functools
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from seoulcal import wording
from seoulcal.ics import CalendarWriter, size_warning
from seoulcal.ics.fingerprint import FINGERPRINT_REVISION
from seoulcal.identity import event_uid
from seoulcal.model import LANGUAGES
from seoulcal.publish import layout
from seoulcal.publish.access import member_site
from seoulcal.publish.pages import PUBLIC_ROOT, Pages, members_folder_page
from seoulcal.publish.record import software_digest
from seoulcal.publish.renders import Rendered, Renders
from seoulcal.publish.revisions import (
    Archived,
    Audience,
    archive,
    revise,
    with_archived_venues,
)
from seoulcal.publish.state import read_state, read_state_file, state_bytes
from seoulcal.workers import (
    Worker,
    available_cpus,
    can_fork,
    forks_by_default,
    halves,
    long_lived,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime, timedelta

    from seoulcal.identity import Revision
    from seoulcal.model import Event, Language, Member, Trip
    from seoulcal.publish.layout import MemberSite
    from seoulcal.publish.state import Entry
    from seoulcal.publish.target import Part, Target

_MEMBER_ROOT = "../../"
"""The site's root relative to a member's page (``m/<token>/index.html``)."""
_MEMBERS_PER_PROCESS = 50  # fewer members than this per process: forking costs more than it saves
_PRINTED_PER_PROCESS = 2  # the same with printouts, which cost far more (see _PRINTOUT_MS)
_PREPARED_APART = 32
"""From this many events, a first build renders half of what members share in a forked worker."""


@dataclass(slots=True)
class Plan:
    """What rendering a site found (the files went to the target as they were made)."""

    public: Audience
    members: list[MemberSite]
    settled: bool
    """Building again from the states just made, with the same inputs, would change no byte."""
    parts: list[object]
    """What the worker processes wrote (for :meth:`Target.commit`)."""
    processes: int
    warnings: list[str]
    """Calendars too large for clients (see :func:`seoulcal.ics.size_warning`)."""


class _Fingerprints:
    """Fingerprints of the events of one build, each worked out once.

    Keyed by the event's identity (the build's events are immutable and kept alive here), so a
    look-up costs a dictionary access, not a UID derivation: it runs for every member's events.
    A fingerprint the last build remembered for the same event data is taken from the target's
    memos (see :meth:`remember_all`) instead of rendering the event twice again.
    """

    def __init__(self, trip: Trip, target: Target, writer: CalendarWriter) -> None:
        self._trip = trip
        self._target = target
        self._writer = writer
        self._known: dict[int, str] = {}
        self._memos: dict[int, tuple[str, str]] = {}
        self._keep: list[Event] = []
        digest = hashlib.sha256(b"seoulcal fingerprint memo/1\0")
        digest.update(software_digest().encode() + b"\0")
        digest.update(trip.model_dump_json(exclude={"events", "members", "revised"}).encode())
        self._shared = digest.digest()

    def _memo(self, event: Event) -> tuple[str, str]:
        """Return the memo's name for *event* and the digest of what its fingerprint is from."""
        found = self._memos.get(id(event))
        if found is None:
            self._keep.append(event)
            digest = hashlib.sha256(self._shared)
            digest.update(event.model_dump_json().encode())
            found = f"fingerprint {event_uid(self._trip, event)}", digest.hexdigest()
            self._memos[id(event)] = found
        return found

    def __call__(self, event: Event) -> str:
        found = self._found(event)
        if found is None:
            found = self._known[id(event)] = self._writer.fingerprint(event)
        return found

    def _found(self, event: Event) -> str | None:
        """Return *event*'s fingerprint if it is known or remembered, without rendering it."""
        found = self._known.get(id(event))
        if found is None:
            found = self._remembered(event)
            if found is not None:
                self._known[id(event)] = found
        return found

    def _remembered(self, event: Event) -> str | None:
        """Return *event*'s fingerprint as the last build remembered it, if it still holds."""
        self._keep.append(event)
        name, source = self._memo(event)
        memo = self._target.memo(name)
        if memo is not None and memo.startswith(source + " "):
            return memo[len(source) + 1 :]
        return None

    def ahead(self, events: Sequence[Event], processes: int) -> None:
        """Work out the fingerprints of *events* now, half of them in a forked worker.

        Each is two renders of the event by icalendar, before anything else of a build can
        start; a trip of many events spends seconds there. Only where a build may fork
        (*processes* > 1) and enough are missing to pay for the fork.
        """
        missing = [event for event in events if self._found(event) is None]
        if processes < 2 or len(missing) < _FINGERPRINTS_APART:
            return
        work = functools.partial(_fingerprints, self._writer)
        for part, (found, rendered) in halves(work, missing):
            for event, fingerprint in zip(part, found, strict=True):
                self._known[id(event)] = fingerprint
            # What the worker rendered for them (the lines of their calendars): not again here.
            chosen = [(event, FINGERPRINT_REVISION) for event in part]
            for lang, lines in rendered.items():
                self._writer.adopt(chosen, lang, lines)

    def remember_all(self, events: Sequence[Event]) -> None:
        """Remember the fingerprints of *events* with the build's commit, for the next build."""
        for event in events:
            name, source = self._memo(event)
            self._target.remember(name, f"{source} {self(event)}")


_FINGERPRINTS_APART = 32
"""Fewer events than this to fingerprint: forking a worker for half of them costs more."""


def _fingerprints(
    writer: CalendarWriter, events: Sequence[Event]
) -> tuple[list[str], dict[Language, list[tuple[list[str], bytes]]]]:
    """Return the fingerprints of *events*, and the lines *writer* rendered for them.

    Run in a worker (see :meth:`_Fingerprints.ahead`): the lines (at
    :data:`~seoulcal.ics.fingerprint.FINGERPRINT_REVISION`, with their reminders) go back to
    the building process's writer, which makes the events' calendars from them.
    """
    found = [writer.fingerprint(event) for event in events]
    chosen = [(event, FINGERPRINT_REVISION) for event in events]
    return found, {lang: writer.rendered(chosen, lang, alarms=True) for lang in LANGUAGES}


def _processes(requested: int | None, trip: Trip, *, printing: bool = False) -> int:
    """Return how many processes share out *trip*'s members (*requested*: ``None``: by itself).

    By itself: one per CPU, on Linux, with at least :data:`_MEMBERS_PER_PROCESS` members each
    (:data:`_PRINTED_PER_PROCESS` with *printing*). From 100 members a second process pays even
    when each member attends one event: members' files take about half a millisecond each
    however few their events (see :func:`_costs`), and the share-out gives this process the
    public files and the worker its start (:data:`_FORKED_MS`). A printout takes about a
    quarter of a second: from two members a second process pays.
    """
    members = len(trip.members)
    if requested is None:
        if not forks_by_default():
            return 1
        each = _PRINTED_PER_PROCESS if printing else _MEMBERS_PER_PROCESS
        return max(1, min(available_cpus(), members // each))
    count = max(1, min(requested, members))
    return count if count == 1 or can_fork() else 1


# What the share-out expects the work to cost, from one-process and two-process builds of the
# benchmark's trips (100 members × 10, 100 and 1,000 events, 1,000 × 10 and 60; a 2-core Intel
# Xeon; bench/findings.md): a member's files about 0.5 ms and 0.0165 ms per event they attend,
# the public files (both calendars, the one-event files and the pages, once what they share is
# rendered) about 10 ms and 0.16 ms per event, and a forked worker about 10 ms to start and hand
# its part back. Only the balance between processes depends on them, never a byte of the site.
_PUBLIC_MS = 10.0
_PUBLIC_MS_PER_EVENT = 0.16
_MEMBER_MS = 0.5
_MEMBER_MS_PER_EVENT = 0.0165
_FORKED_MS = 10.0
_PRINTOUT_MS = 250.0
"""A member's printable itinerary: 10 members' (60 events) added 2.7 s to a one-process build."""
_SAMPLE = 64
"""How many members, spread over the roster, tell how many events a member attends."""


def _costs(trip: Trip, *, printing: bool = False) -> tuple[float, float]:
    """Return what one member's files and the public files are expected to take (ms).

    A member's from the events that members spread over the roster attend (a sample), and
    their printout with *printing*.
    """
    members = trip.members
    public = _PUBLIC_MS + _PUBLIC_MS_PER_EVENT * len(trip.events)
    fixed = _MEMBER_MS + (_PRINTOUT_MS if printing else 0.0)
    if not members:
        return fixed, public
    sample = members[:: max(1, len(members) // _SAMPLE)]
    attended = sum(len(trip.events_for(member)) for member in sample) / len(sample)
    return fixed + _MEMBER_MS_PER_EVENT * attended, public


def _share(
    trip: Trip, count: int, costs: tuple[float, float] | None = None
) -> list[Sequence[Member]]:
    """Split *trip*'s members into *count* runs, in order, that should take as long.

    The first run is this process's, which also renders the public files while the others
    start (:data:`_FORKED_MS`) and render theirs: it gets fewer members, none if the public
    files alone take as long as a share (a trip of many events and few members). *costs* are
    :func:`_costs` (worked out if not given).
    """
    members = trip.members
    total = len(members)
    if count <= 1 or total == 0:
        return [members]
    member, public = costs or _costs(trip)
    each = (public + member * total + _FORKED_MS * (count - 1)) / count
    own = min(total // count, max(0, round((each - public) / member)))
    rest = total - own
    others = count - 1
    return [
        members[:own],
        *(
            members[own + at * rest // others : own + (at + 1) * rest // others]
            for at in range(others)
        ),
    ]


@dataclass(slots=True)
class _Members:
    """How to render members' files: everything the members of one build share."""

    trip: Trip
    target: Target
    first_build: bool
    archived: Mapping[str, Archived]
    uids: Mapping[int, str]
    """Each event's UID, by the event's identity."""
    fingerprints: _Fingerprints
    writer: CalendarWriter
    seed: Mapping[str, Entry]
    retention: timedelta
    pages: Pages
    base_url: str
    secret: bytes | None
    printing: bool = False
    """Whether each member's folder holds a printable itinerary (seoulcal.paper)."""
    entry_texts: dict[tuple[str, Entry], str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    shared_inputs: bytes = b""
    """A digest of what every member's files are rendered from besides the member's own."""
    _event_data: dict[tuple[int, Revision], bytes] = field(default_factory=dict)
    _event_memos: dict[int, bytes] = field(default_factory=dict)
    """Each event's digest for :meth:`memo` (UID and data), by the event's identity."""
    _keep_alive: list[Event] = field(default_factory=list)
    _afresh: dict[tuple[int, ...], Audience] = field(default_factory=dict)
    """Members with no state yet, revised once per list of events (see :meth:`revise`)."""

    def __post_init__(self) -> None:
        """Digest what the members share: the trip but its events, members and clock."""
        trip = self.trip
        digest = hashlib.sha256()
        for part in (
            "seoulcal member inputs/1",
            software_digest(),
            trip.model_dump_json(exclude={"events", "members", "revised"}),
            self.base_url,
            "print " + trip.revised.isoformat() if self.printing else "",
        ):
            digest.update(part.encode())
            digest.update(b"\0")
        self.shared_inputs = digest.digest()

    def inputs(
        self, member: Member, site: MemberSite, chosen: Sequence[tuple[Event, Revision]]
    ) -> str:
        """Return the digest of everything *member*'s files except the state are rendered from.

        The shared part (see :meth:`__post_init__`), the member, the page's address (the token),
        and each event the calendars hold with its revision. The trip's ``revised`` clock only
        enters when no event does (an empty calendar's zone years and the page's "last changed"
        come from it) and when the printout shows it. Equal digests mean equal bytes; the tests
        rebuild after every kind of change both ways (keeping, and rendering everything) and
        compare every byte.
        """
        digest = hashlib.sha256(self.shared_inputs)
        digest.update(member.model_dump_json().encode())
        digest.update(b"\0" + site.page_url.encode() + b"\0")
        for event, revision in chosen:
            data = self._event_data.get((id(event), revision))
            if data is None:
                self._keep_alive.append(event)
                stamp = revision.modified.timestamp()  # the instant, whatever its zone
                text = f"{event.model_dump_json()}\0{revision.sequence} {stamp}"
                data = hashlib.sha256(text.encode()).digest()
                self._event_data[id(event), revision] = data
            digest.update(data)
        if not chosen:
            digest.update(self.trip.revised.isoformat().encode())  # its year and wall clock
        return digest.hexdigest()

    def memo(self, member: Member, site: MemberSite, events: Sequence[Event]) -> str:
        """Return what a member's whole folder, state included, is made from, before revising.

        The shared inputs, the retention, the member, the page's address and each of the
        member's events (UID and data): no revision, so it is known without the member's state.
        The build remembers it only for a member whose state it *settled* (no withdrawn event,
        so nothing that moves with the trip's ``revised`` clock): revising that state again with
        the same memo keeps every revision, so the state and every file would have the same
        bytes, and the next build keeps the folder unread (see :meth:`Target.memo`).
        """
        digest = hashlib.sha256(b"seoulcal member memo/1\0" + self.shared_inputs)
        digest.update(f"{self.retention.total_seconds()!r}\0".encode())
        digest.update(member.model_dump_json().encode())
        digest.update(b"\0" + site.page_url.encode() + b"\0")
        known = self._event_memos
        if not all(id(event) in known for event in events):
            for event in events:
                if id(event) not in known:
                    self._keep_alive.append(event)
                    text = f"{self.uids[id(event)]}\0{event.model_dump_json()}"
                    known[id(event)] = hashlib.sha256(text.encode()).digest()
        digest.update(b"".join([known[id(event)] for event in events]))
        if not events:
            digest.update(self.trip.revised.isoformat().encode())  # as in inputs()
        return digest.hexdigest()

    def revise(
        self, member: Member, events: Sequence[Event], previous: Mapping[str, Entry]
    ) -> Audience:
        """Revise *member*'s calendars of *events* from their *previous* state.

        Without a previous state (a first build, a new member) the revisions come from the seed
        alone, so members who attend the same events get the same ones: those are revised once,
        and each member gets its own :class:`Audience` sharing them.
        """
        key = tuple(id(event) for event in events) if not previous else None
        if key is not None and (found := self._afresh.get(key)) is not None:
            return dataclasses.replace(found, member=member)
        audience = revise(
            self.trip,
            member,
            [(self.uids[id(event)], event) for event in events],
            previous,
            self.archived,
            fingerprint=self.fingerprints,
            seed=self.seed,
            retention=self.retention,
        )
        if key is not None:
            self._keep_alive.extend(events)  # the key's ids stay theirs
            self._afresh[key] = audience
        return audience

    def render(
        self, members: Sequence[Member], output: Part | Target
    ) -> tuple[list[MemberSite], bool]:
        """Hand *members*' files to *output*; return their sites and whether all are settled."""
        trip = self.trip
        sites = []
        settled = True
        for member in members:
            folder, site = member_site(trip, member, base_url=self.base_url, secret=self.secret)
            path = layout.state_path(folder)
            events = trip.events_for(member)
            printout = layout.member_printout(folder) if self.printing else None
            files = [folder + feed.href for feed in site.feeds]
            files.append(folder + "index.html")
            if printout is not None:
                files.append(printout)
            memo, name = self.memo(member, site, events), _memo_name(folder)
            if output.memo(name) == memo and output.keep([*files, path]):
                output.remember(name, memo)  # the folder as the last build settled it
                sites.append(site)
                continue
            previous, rendered_from = (
                ({}, None)
                if self.first_build
                else read_state_file(self.target, path, trip, where=f"{self.target.name}/{path}")
            )
            audience = self.revise(member, events, previous)
            settled = settled and audience.settled
            chosen = audience.chosen()
            inputs = self.inputs(member, site, chosen)
            state = state_bytes(trip, audience.entries, self.entry_texts, inputs=inputs)
            if audience.settled:
                output.remember(name, memo)
            if inputs == rendered_from and output.keep(files):
                output.add(path, state)
                sites.append(site)
                continue
            for feed in site.feeds:
                data = self.writer.render(
                    member,
                    feed.lang,
                    chosen,
                    page=site.page_url,
                    alarms=member.reminders_in_feed,
                )
                warning = size_warning(f"the calendar of member {member.id!r} ({feed.lang})", data)
                if warning is not None and warning not in self.warnings:
                    self.warnings.append(warning)
                output.add(folder + feed.href, data)
            page = self.pages.member_page(
                member,
                site.feeds,
                root_href=_MEMBER_ROOT,
                events=events,
                printout=None if printout is None else printout.removeprefix(folder),
                revised=_latest(chosen),
            )
            output.add(folder + "index.html", page)
            if printout is not None:
                from seoulcal import paper  # noqa: PLC0415 - the print extra: only when asked

                sheet = paper.member_pdf(trip, member, lang=member.language, page_url=site.page_url)
                output.add(printout, sheet)
            output.add(path, state)
            sites.append(site)
        return sites, settled

    def render_apart(
        self, members: Sequence[Member]
    ) -> tuple[list[MemberSite], bool, object, list[str]]:
        """Render *members* through a part of the target (in a worker process).

        Also return the part's files and the warnings.
        """
        own = self.target.part()
        if own is None:  # pragma: no cover - render.plan forks only for targets with parts
            raise RuntimeError("this target has no parts for worker processes")
        sites, settled = self.render(members, own)
        return sites, settled, own.files(), self.warnings


def plan(  # noqa: PLR0913 - the build's inputs, and where its files go
    trip: Trip,
    target: Target,
    *,
    base_url: str,
    secret: bytes | None,
    retention: timedelta,
    jobs: int | None,
    printing: bool = False,
) -> Plan:
    """Make the site's files, handing each to *target* as soon as it is made.

    The members are shared out between this process and forked workers (one per CPU, see
    :mod:`seoulcal.workers`); every process renders the same bytes for a member, so the site
    does not depend on how they were shared.
    """
    first_build = target.first_build
    root_state = layout.state_path()
    previous = (
        {}
        if first_build
        else read_state(target, root_state, trip, where=f"{target.name}/{root_state}")
    )
    archived = archive(trip, previous)
    trip = with_archived_venues(trip, archived)
    ordered = trip.events_for()
    uids = {id(event): event_uid(trip, event) for event in ordered}
    writer = CalendarWriter(trip)
    fingerprints = _Fingerprints(trip, target, writer)
    costs = _costs(trip, printing=printing)  # what the share-out expects the files to take
    count = _processes(jobs, trip, printing=printing) if target.part() is not None else 1
    fingerprints.ahead(ordered, count)  # the events' (withdrawn ones are few: when asked for)
    pages = Pages(trip)
    public = revise(
        trip,
        None,
        [(uids[id(event)], event) for event in ordered],
        previous,
        archived,
        fingerprint=fingerprints,
        retention=retention,
        keep_data=True,
    )
    fingerprints.remember_all([*public.live.values(), *public.withdrawn.values()])
    members = _Members(
        trip,
        target,
        # A first build has no member states to read: skip a thousand look-ups of missing files.
        first_build=first_build,
        archived=archived,
        uids=uids,
        fingerprints=fingerprints,
        writer=writer,
        seed=public.entries,
        retention=retention,
        pages=pages,
        base_url=base_url,
        secret=secret,
        printing=printing,
    )
    shares = _share(trip, count, costs)
    # What every file draws on is rendered once, before the workers are forked with a copy of
    # it: each event's calendar lines and reminders, and its agenda items; what the last build
    # rendered of unchanged events is taken back instead of rendered again.
    renders = Renders(trip, target.renders())
    _prepare(trip, public, writer, pages, renders, base_url=base_url, secret=secret, fork=count > 1)
    workers: dict[int, Worker[tuple[list[MemberSite], bool, object, list[str]]]] = {}
    # The heap the members' files draw on lives as long as the build: out of the collector's way.
    with long_lived():
        try:
            # Fork before this process starts its writer thread: the workers get no thread's locks.
            for index, share in enumerate(shares[1:], start=1):
                with contextlib.suppress(OSError):  # no process to be had: this one renders it
                    workers[index] = Worker.start(functools.partial(members.render_apart, share))
            # The public files while the workers render their members.
            public_files = _public_files(trip, public, writer, pages, base_url=base_url)
            for path, data in public_files:
                target.add(path, data)
            found = {
                index: members.render(share, target)
                for index, share in enumerate(shares)
                if index not in workers
            }
            parts = []
            for index, worker in workers.items():
                more, their_settled, files, warned = worker.result()
                found[index] = (more, their_settled)
                parts.append(files)
                members.warnings.extend(w for w in warned if w not in members.warnings)
        finally:
            for worker in workers.values():
                worker.stop()
    renders.add_zones(writer)
    target.keep_renders(renders.data)  # sealed only by a target that keeps it
    sites = [site for index in sorted(found) for site in found[index][0]]
    settled = public.settled and all(done for _, done in found.values())
    warnings = [w for path, data in public_files if (w := _public_warning(trip, path, data))]
    return Plan(public, sites, settled, parts, 1 + len(workers), [*warnings, *members.warnings])


def _prepare(  # noqa: PLR0913 - what the files draw on, and where it may come from
    trip: Trip,
    public: Audience,
    writer: CalendarWriter,
    pages: Pages,
    renders: Renders,
    *,
    base_url: str,
    secret: bytes | None,
    fork: bool,
) -> None:
    """Render what the site's files share: each event's calendar lines, reminders, agenda items.

    What *renders* kept of unchanged events is taken back; of the rest, with many events and
    *fork*, a forked worker renders half while this process renders the other half. With
    *fork* (the members' workers are forked next), every event is also folded for the members'
    page addresses, so that each worker starts with it.
    """
    chosen = public.chosen()
    page_languages = sorted({member.language for member in trip.members})
    roots = [
        *((lang, PUBLIC_ROOT) for lang in LANGUAGES),
        *((lang, _MEMBER_ROOT) for lang in page_languages),
    ]
    renders.take_zones(writer)
    missing = renders.take(writer, pages, chosen, roots=roots)
    work = functools.partial(_rendered, writer, pages, roots=roots)
    if not missing:
        parts = []
    elif fork and len(missing) >= _PREPARED_APART:
        # This process's own half is in the caches already: adopting it again changes nothing.
        parts = halves(work, missing)
    else:
        parts = [(missing, work(missing))]
    for part, rendered in parts:
        calendars, items = rendered
        for lang, lines in calendars.items():
            writer.adopt(part, lang, lines)
        for (lang, root), found in items.items():
            pages.adopt(lang, root_href=root, items=found)
        renders.add(part, rendered)
    if not fork or not trip.members:
        return
    # Every member's page address has the same length (the base URL and a token of fixed size).
    _, site = member_site(trip, trip.members[0], base_url=base_url, secret=secret)
    for alarms in sorted({member.reminders_in_feed for member in trip.members}):
        for lang in LANGUAGES:  # folded now for the members' address length, icalendar unused
            writer.prepare(chosen, lang, page_length=len(site.page_url), alarms=alarms)
    for lang in page_languages:
        pages.prepare(lang, root_href=_MEMBER_ROOT)


def _rendered(
    writer: CalendarWriter,
    pages: Pages,
    chosen: Sequence[tuple[Event, Revision]],
    *,
    roots: Sequence[tuple[Language, str]],
) -> Rendered:
    """Render what the files share of *chosen*'s events (see :data:`~.renders.Rendered`)."""
    events = [event for event, _ in chosen]
    return (
        {lang: writer.rendered(chosen, lang, alarms=True) for lang in LANGUAGES},
        {(lang, root): pages.rendered(lang, root_href=root, events=events) for lang, root in roots},
    )


def _memo_name(folder: str) -> str:
    """Return the name a member's memo is kept under: a digest of their folder.

    Neither the member's id nor the token of their address: a library build's record holds
    neither (the memos are beside the site, in its lock file).
    """
    return hashlib.sha256(folder.encode()).hexdigest()[:32]


def _latest(chosen: Sequence[tuple[Event, Revision]]) -> datetime | None:
    """Return the latest revision among a page's events (``None``: no events, the trip's)."""
    return max((revision.modified for _, revision in chosen), default=None)


def _public_warning(trip: Trip, path: str, data: bytes) -> str | None:
    """Return the size warning of a public calendar (the one-event files are imports)."""
    if path not in {layout.feed_name(trip, lang) for lang in LANGUAGES}:
        return None
    return size_warning(f"the public calendar {path}", data)


def _public_files(
    trip: Trip, public: Audience, writer: CalendarWriter, pages: Pages, *, base_url: str
) -> list[tuple[str, bytes]]:
    """Return the public files: calendars, one-event files, pages and the public state."""
    files: list[tuple[str, bytes]] = []
    feeds = []
    chosen = public.chosen()
    for lang in LANGUAGES:
        path = layout.feed_name(trip, lang)
        public_page = base_url + layout.page_path(lang)
        files.append((path, writer.render(None, lang, chosen, page=public_page)))
        feeds.append(
            layout.Feed(lang, wording.calendar_name(trip, None, lang), path, base_url + path)
        )
    for uid, event in public.live.items():
        for lang in LANGUAGES:
            data = writer.event_file(
                event, lang, revision=public.revisions[uid], page=base_url + layout.page_path(lang)
            )
            files.append((layout.event_path(event.id, lang), data))
    for lang in LANGUAGES:
        other = next(other for other in LANGUAGES if other != lang)
        page = pages.public_page(
            lang, feeds, other_language_href=layout.page_path(other), revised=_latest(chosen)
        )
        files.append((layout.page_path(lang), page))
    files.append((layout.state_path(), state_bytes(trip, public.entries)))
    if trip.members:  # a page, not a listing, for hosts that list folders: tokens stay hidden
        files.append((layout.MEMBERS_PAGE, members_folder_page(trip)))
    return files
