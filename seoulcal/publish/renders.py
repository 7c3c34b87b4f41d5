"""What a build rendered of its events, kept beside the site so that the next one reuses it.

A rebuild after one event moved must still write the public calendars, which hold every event,
and the public pages, which list them all: so it used to render every event again with
icalendar, and every agenda item, for a few changed bytes. A build now hands its target
(:meth:`Target.keep_renders <seoulcal.publish.target.Target.keep_renders>`) what rendering its
public events took: each event's calendar lines (with the page's placeholder, see
:meth:`CalendarWriter.rendered <seoulcal.ics.CalendarWriter.rendered>`), its reminders, and its
agenda items (:meth:`Pages.rendered <seoulcal.publish.pages.Pages.rendered>`), and the
VTIMEZONEs it wrote with their onsets as read back and checked against zoneinfo
(:meth:`CalendarWriter.zones_rendered <seoulcal.ics.CalendarWriter.zones_rendered>`). The next
build takes back those whose inputs did not change and renders only the rest; every instant it
writes is still checked against the zone's onsets.

Each piece is kept under a digest of everything it is rendered from, as the members' memos are:
the software (the code, its libraries and the zone data: :func:`software_digest`), the trip but
its events, members and clock, the event's data, and the piece's own choices (the language, the
revision for calendar lines, the page's root for agenda items; the zone and its years for a
VTIMEZONE, whose check depends on nothing else). Equal digests mean equal bytes:
the tests rebuild after every kind of change with and without what was kept and compare every
byte. What a target gives back is used only if its checksum holds and every piece has the type
it should (see :func:`_sealed` for the file's format); anything else is rendered again, so a
damaged or missing file costs time, never a wrong byte. Only what this build used is kept: the
file never grows past one build's events.
"""

from __future__ import annotations

__all__ = ["Renders"]

import hashlib
import marshal
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from seoulcal.model import LANGUAGES
from seoulcal.publish.record import software_digest

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from seoulcal.ics import CalendarWriter
    from seoulcal.ics.feed import Chosen
    from seoulcal.ics.vtimezone import Onsets
    from seoulcal.identity import Revision
    from seoulcal.model import Event, Language, Trip
    from seoulcal.publish.pages import Pages

Rendered = tuple[
    "dict[Language, list[tuple[list[str], bytes]]]",
    "dict[tuple[Language, str], dict[str, bytes]]",
]
"""What a writer and pages rendered of some events: each language's lines and reminders (in
the events' order), and each (language, page root)'s agenda items by event id."""

FORMAT = "seoulcal renders/1"


class Renders:
    """The pieces one build kept, and the pieces this build uses, for the next (see the module).

    *kept* is what the target gave back (``None``: nothing). :attr:`live` holds the ids of the
    trip's events, which have agenda items (events withdrawn from the trip are in calendars only).
    """

    def __init__(self, trip: Trip, kept: bytes | None) -> None:
        """Read back *kept* for *trip* (nothing of it, if it is damaged or from other software)."""
        scope = hashlib.sha256()
        for part in (
            FORMAT,
            software_digest(),
            trip.model_dump_json(exclude={"events", "members", "revised"}),
        ):
            scope.update(part.encode())
            scope.update(b"\0")
        self._scope = scope.digest()
        self._kept = _read(kept)
        self._used: dict[str, object] = {}
        self._events: dict[int, bytes] = {}
        self._keys: dict[
            tuple[int, Revision, tuple[tuple[Language, str], ...]],
            dict[tuple[str, Language, str], str],
        ] = {}
        self._alive: list[Event] = []  # the events keyed by identity stay theirs
        self._added: list[tuple[Sequence[Chosen], Rendered]] = []
        """What :meth:`add` was given, keyed only when :meth:`data` is asked for."""
        self.live = frozenset(event.id for event in trip.events)
        self._fresh = False
        """Whether anything was rendered (and so is not in what was kept, or not usable there)."""
        self.reused = 0
        """How many events were taken back whole (the tests read it)."""

    def take(
        self,
        writer: CalendarWriter,
        pages: Pages,
        chosen: Sequence[Chosen],
        *,
        roots: Sequence[tuple[Language, str]],
    ) -> list[Chosen]:
        """Hand *writer* and *pages* what was kept for *chosen*; return the events still to render.

        An event is taken back whole (its lines and reminders in every language, its agenda item
        for each of *roots* if it has one) or not at all.
        """
        if not self._kept:  # nothing to take back (a first build): no key worked out twice
            return list(chosen)
        missing: list[Chosen] = []
        found: list[Chosen] = []
        calendars: dict[Language, list[tuple[list[str], bytes]]] = {lang: [] for lang in LANGUAGES}
        items: dict[tuple[Language, str], dict[str, bytes]] = {root: {} for root in roots}
        for event, revision in chosen:
            pieces = self._pieces(event, revision, roots)
            kept = {key: self._kept.get(key) for key in pieces.values()}
            if not all(_well_typed(kind, kept[key]) for (kind, *_), key in pieces.items()):
                missing.append((event, revision))
                continue
            found.append((event, revision))
            self._used.update(kept)
            for lang in LANGUAGES:
                lines = kept[pieces["lines", lang, ""]]
                reminders = kept[pieces["reminders", lang, ""]]
                assert isinstance(lines, list)  # noqa: S101 - _well_typed says so
                assert isinstance(reminders, bytes)  # noqa: S101 - the same
                calendars[lang].append((lines, reminders))
            for lang, root in roots:
                key = pieces.get(("item", lang, root))
                if key is not None:  # a live event's (see _pieces)
                    item = kept[key]
                    assert isinstance(item, bytes)  # noqa: S101 - _well_typed says so
                    items[lang, root][event.id] = item
        if found:
            for lang, rendered in calendars.items():
                writer.adopt(found, lang, rendered)
            for (lang, root), by_event in items.items():
                pages.adopt(lang, root_href=root, items=by_event)
        self.reused += len(found)
        return missing

    def add(self, chosen: Sequence[Chosen], rendered: Rendered) -> None:
        """Keep what was *rendered* for *chosen* (see :data:`Rendered`) for the next build.

        Nothing is worked out until :meth:`data` is asked for (a target may keep nothing).
        """
        self._fresh = self._fresh or bool(chosen)
        self._added.append((chosen, rendered))

    def _file(self, chosen: Sequence[Chosen], rendered: Rendered) -> None:
        """Key and keep the pieces :meth:`add` was given (see there)."""
        calendars, items = rendered
        roots = list(items)
        for index, (event, revision) in enumerate(chosen):
            pieces = self._pieces(event, revision, roots)
            for lang in LANGUAGES:
                lines, reminders = calendars[lang][index]
                self._used[pieces["lines", lang, ""]] = lines
                self._used[pieces["reminders", lang, ""]] = reminders
            for lang, root in roots:
                if (key := pieces.get(("item", lang, root))) is not None:
                    self._used[key] = items[lang, root][event.id]

    def take_zones(self, writer: CalendarWriter) -> None:
        """Hand *writer* every VTIMEZONE kept (its bytes, and its onsets as read back, checked)."""
        for key, value in self._kept.items():
            zone = _zone(value)
            if key.startswith(_ZONE) and zone is not None and self._zone_key(*zone[:3]) == key:
                writer.adopt_zone(*zone)

    def add_zones(self, writer: CalendarWriter) -> None:
        """Keep the VTIMEZONEs *writer* wrote, for the next build (see :meth:`take_zones`)."""
        for name, first, last, data, onsets in writer.zones_rendered():
            key = self._zone_key(name, first, last)
            value = [
                name,
                first,
                last,
                data,
                [[onset.isoformat(), offset.total_seconds()] for onset, offset in onsets],
            ]
            self._fresh = self._fresh or self._kept.get(key) != value  # new, or kept damaged
            self._used[key] = value

    def data(self) -> bytes | None:
        """Return what to keep for the next build; ``None`` if it is what was kept already."""
        if not self._fresh and self._used.keys() == self._kept.keys():
            return None  # every piece taken back whole, and no other kept
        for chosen, rendered in self._added:
            self._file(chosen, rendered)
        self._added.clear()
        return _sealed(self._used)

    def _pieces(
        self, event: Event, revision: Revision, roots: Sequence[tuple[Language, str]]
    ) -> dict[tuple[str, Language, str], str]:
        """Return the key of each piece of *event* at *revision*, by (kind, language, root)."""
        cache_key = (id(event), revision, tuple(roots))
        found = self._keys.get(cache_key)
        if found is None:
            found = self._keys[cache_key] = self._work_out(event, revision, roots)
        return found

    def _work_out(
        self, event: Event, revision: Revision, roots: Sequence[tuple[Language, str]]
    ) -> dict[tuple[str, Language, str], str]:
        data = self._events.get(id(event))
        if data is None:
            self._alive.append(event)
            data = self._events[id(event)] = hashlib.sha256(
                self._scope + event.model_dump_json().encode()
            ).digest()
        stamp = revision.modified.timestamp()  # the instant: DTSTAMP is written in UTC
        pieces = {}
        for lang in LANGUAGES:
            pieces["lines", lang, ""] = _key(data, f"lines {lang} {revision.sequence} {stamp!r}")
            pieces["reminders", lang, ""] = _key(data, f"reminders {lang}")
        if event.id in self.live:
            for lang, root in roots:
                pieces["item", lang, root] = _key(data, f"item {lang} {root}")
        return pieces

    def _zone_key(self, name: str, first: int, last: int) -> str:
        return _ZONE + _key(self._scope, f"{name} {first} {last}")


_ZONE = "zone "
"""The start of a VTIMEZONE's key (the others are an event's)."""


def _zone(value: object) -> tuple[str, int, int, bytes, Onsets] | None:
    """Return a kept VTIMEZONE as :meth:`CalendarWriter.adopt_zone` takes it (``None``: bad)."""
    if not isinstance(value, list) or len(value) != 5:
        return None
    name, first, last, data, onsets = value
    if not (
        isinstance(name, str)
        and isinstance(first, int)
        and isinstance(last, int)
        and isinstance(data, bytes)
        and isinstance(onsets, list)
    ):
        return None
    try:
        read = tuple(
            (datetime.fromisoformat(onset), timedelta(seconds=offset)) for onset, offset in onsets
        )
    except (TypeError, ValueError):
        return None
    if any(onset.tzinfo is None for onset, _ in read):
        return None
    return name, first, last, data, read


def _key(event: bytes, piece: str) -> str:
    return hashlib.sha256(event + piece.encode()).hexdigest()[:40]


def _well_typed(kind: str, value: object) -> bool:
    """Tell whether a kept *value* has the type its *kind* of piece has."""
    if kind == "lines":
        return isinstance(value, list) and all(isinstance(line, str) for line in value)
    return isinstance(value, bytes)


def _header(payload: bytes) -> bytes:
    """Return the first line of a kept file: the format, the marshal and Python versions, a hash."""
    python = "{}.{}".format(*sys.version_info[:2])
    digest = hashlib.sha256(payload).hexdigest()
    return f"{FORMAT} marshal {marshal.version} python {python} sha256 {digest}\n".encode()


def _sealed(pieces: Mapping[str, object]) -> bytes:
    """Return *pieces* as a kept file: a header line (see :func:`_header`), then marshal's bytes.

    marshal, not JSON: the file of a thousand-event trip is about 20 MB, which JSON took 0.3 s to
    write and 0.17 s to read on the benchmark machine, marshal 0.07 s and 0.05 s. marshal's bytes
    are read only when the header's SHA-256 of them holds (no damaged file reaches it), and only
    by the Python version that wrote them; the file is the site owner's own, beside the site.
    """
    payload = marshal.dumps(dict(pieces))
    return _header(payload) + payload


def _read(kept: bytes | None) -> Mapping[str, object]:
    """Return the pieces *kept* holds (none if it is damaged, or of another format or Python)."""
    if not kept:
        return {}
    header, _, payload = kept.partition(b"\n")
    if header + b"\n" != _header(payload):
        return {}
    try:
        pieces = marshal.loads(payload)  # noqa: S302 - our own bytes, checked just above
    except (EOFError, ValueError, TypeError):  # pragma: no cover - the hash holds: ours
        return {}
    return pieces if isinstance(pieces, dict) else {}
