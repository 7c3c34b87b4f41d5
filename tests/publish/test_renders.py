"""What a build kept of its rendering: taken back for unchanged events only, never trusted blindly."""

from __future__ import annotations

import marshal
from datetime import timedelta

import pytest

import seoulcal
from seoulcal.ics import CalendarWriter, feed
from seoulcal.identity import Revision
from seoulcal.model import ExactTime
from seoulcal.publish import build_site, render
from seoulcal.publish import pages as pages_module
from seoulcal.publish import renders as renders_module
from seoulcal.publish.folder import FolderTarget
from seoulcal.publish.pages import PUBLIC_ROOT, Pages
from seoulcal.publish.renders import FORMAT, Renders

ROOTS = [("ko", PUBLIC_ROOT), ("en", PUBLIC_ROOT), ("ko", "../../"), ("en", "../../")]
PAGE = "https://trips.example.org/ces2024/index.html"
PAVILION = "seoul-pavilion-opening"


def chosen(trip, sequence=0):
    return [(event, Revision(sequence, trip.revised)) for event in trip.events_for()]


def prepared(trip, kept, events):
    """Take back what *kept* holds for *events*, render the rest; the writer, pages and renders."""
    writer, pages = CalendarWriter(trip), Pages(trip)
    renders = Renders(trip, kept)
    renders.take_zones(writer)
    missing = renders.take(writer, pages, events, roots=ROOTS)
    if missing:
        rendered = render._rendered(writer, pages, missing, roots=ROOTS)
        for lang, lines in rendered[0].items():
            writer.adopt(missing, lang, lines)
        for (lang, root), items in rendered[1].items():
            pages.adopt(lang, root_href=root, items=items)
        renders.add(missing, rendered)
    return writer, pages, renders, missing


def outputs(trip, writer, pages, events):
    """The public calendars, the one-event files and the public pages, as a build makes them."""
    files = [writer.render(None, lang, events, page=PAGE) for lang in ("ko", "en")]
    files += [
        writer.event_file(event, lang, revision=revision, page=PAGE)
        for event, revision in events
        for lang in ("ko", "en")
    ]
    files += [pages.public_page(lang, [], other_language_href="x") for lang in ("ko", "en")]
    return files


def fresh(trip, events):
    writer, pages = CalendarWriter(trip), Pages(trip)
    return outputs(trip, writer, pages, events)


def finished(trip, writer, pages, renders, events):
    """Render the files as a build does; return them, and what to keep for the next build."""
    files = outputs(trip, writer, pages, events)
    renders.add_zones(writer)
    return files, renders.data()


def kept_by(trip, events):
    writer, pages, renders, _ = prepared(trip, None, events)
    return finished(trip, writer, pages, renders, events)[1]


def moved(trip, event_id):
    def shift(event):
        if event.id != event_id:
            return event
        time = ExactTime(start=event.time.start + timedelta(minutes=30), end=event.time.end)
        return event.model_copy(update={"time": time})

    return trip.model_copy(update={"events": tuple(shift(e) for e in trip.events)})


def test_a_build_with_nothing_changed_renders_nothing_and_gives_the_same_bytes():
    trip = seoulcal.ces2024()
    events = chosen(trip)
    kept = kept_by(trip, events)
    writer, pages, renders, missing = prepared(trip, kept, events)
    assert missing == []
    assert renders.reused == len(events)
    files, again = finished(trip, writer, pages, renders, events)
    assert files == fresh(trip, events)
    assert again is None  # the same pieces: nothing to write again


def test_only_the_changed_event_is_rendered_again():
    trip = seoulcal.ces2024()
    kept = kept_by(trip, chosen(trip))
    changed = moved(trip, PAVILION)
    events = chosen(changed)
    writer, pages, renders, missing = prepared(changed, kept, events)
    assert [event.id for event, _ in missing] == [PAVILION]
    files, kept_now = finished(changed, writer, pages, renders, events)
    assert files == fresh(changed, events)
    # What is kept next is this build's: the moved event's pieces, not the old ones.
    writer, pages, renders, missing = prepared(changed, kept_now, events)
    assert missing == []
    assert finished(changed, writer, pages, renders, events)[1] is None


def test_a_new_revision_renders_the_event_again():
    trip = seoulcal.ces2024()
    kept = kept_by(trip, chosen(trip))
    events = chosen(trip)
    events[3] = (events[3][0], Revision(1, trip.revised + timedelta(hours=1)))
    writer, pages, _, missing = prepared(trip, kept, events)
    assert missing == [events[3]]
    assert outputs(trip, writer, pages, events) == fresh(trip, events)


@pytest.mark.parametrize(
    "change",
    [
        lambda trip: trip.model_copy(
            update={"name": trip.name.model_copy(update={"en": "CES 2024 in Las Vegas"})}
        ),
        lambda trip: trip.model_copy(
            update={
                "venues": tuple(
                    v.model_copy(update={"name": v.name.model_copy(update={"en": "Renamed"})})
                    for v in trip.venues
                )
            }
        ),
        lambda trip: trip.model_copy(update={"home_zone": "Asia/Tokyo"}),
    ],
    ids=["trip name", "venue names", "home zone"],
)
def test_a_change_to_the_trip_renders_every_event_again(change, monkeypatch):
    trip = seoulcal.ces2024()
    kept = kept_by(trip, chosen(trip))
    changed = type(trip).model_validate(change(trip).model_dump())
    events = chosen(changed)
    calls = _counting(monkeypatch)
    writer, pages, renders, missing = prepared(changed, kept, events)
    assert len(missing) == len(events)
    assert renders.reused == 0
    files = outputs(changed, writer, pages, events)
    assert {"America/Los_Angeles", "Asia/Seoul"} <= set(calls)  # the zones made and checked again
    assert files == fresh(changed, events)


DAMAGES = [
    "truncated",
    "a byte changed",
    "no header",
    "not marshal's",
    "a list",
    "another format",
    "another Python",
    "a piece of the wrong type",
    "empty",
    "the header alone",
    "a zone of the wrong shape",
    "a zone's onsets without a zone",
]


def _damaged(kept: bytes) -> dict[str, bytes]:
    header, _, payload = kept.partition(b"\n")
    pieces = marshal.loads(payload)  # noqa: S302 - bytes the build just wrote
    first = min(pieces)
    zone = min(key for key in pieces if key.startswith("zone "))
    naive = [[onset[:19], offset] for onset, offset in pieces[zone][4]]
    other = header.replace(FORMAT.encode(), FORMAT.encode() + b"x") + b"\n" + payload
    older = header.replace(b" python 3.", b" python 2.") + b"\n" + payload
    return {
        "truncated": kept[: len(kept) // 2],
        "a byte changed": kept[:-10] + bytes([kept[-10] ^ 1]) + kept[-9:],
        "no header": payload,
        "not marshal's": renders_module._header(b"{") + b"{",
        "a list": renders_module._header(marshal.dumps([])) + marshal.dumps([]),
        "another format": other,
        "another Python": older,
        "a piece of the wrong type": renders_module._sealed({**pieces, first: 12}),
        "empty": b"",
        "the header alone": header,
        "a zone of the wrong shape": renders_module._sealed({**pieces, zone: pieces[zone][:4]}),
        "a zone's onsets without a zone": renders_module._sealed(
            {**pieces, zone: [*pieces[zone][:4], naive]}
        ),
    }


@pytest.mark.parametrize("kind", DAMAGES)
def test_what_was_kept_is_used_only_whole_and_well_formed(kind):
    trip = seoulcal.ces2024()
    events = chosen(trip)
    damaged = _damaged(kept_by(trip, events))
    assert list(damaged) == DAMAGES
    kept = damaged[kind]
    writer, pages, renders, missing = prepared(trip, kept, events)
    expected = {
        "a piece of the wrong type": len(events) - 1,  # one event lost
        "a zone of the wrong shape": len(events),  # the zone made again
        "a zone's onsets without a zone": len(events),
    }.get(kind, 0)
    assert renders.reused == expected
    assert len(missing) == len(events) - expected
    files, again = finished(trip, writer, pages, renders, events)
    assert files == fresh(trip, events)
    assert again is not None  # written whole again


def _counting(monkeypatch):
    """Count the events VEVENTs and agenda items are made of, and the zones VTIMEZONEs are."""
    calls = []
    vevent, item = feed.vevent, pages_module._event_item

    def counted(trip, event, *args, **options):
        calls.append(event.id)
        return vevent(trip, event, *args, **options)

    def counted_item(trip, row, *args):
        calls.append(row.event.id)
        return item(trip, row, *args)

    def counted_zone(name, *args):
        calls.append(name)
        return vtimezone(name, *args)

    vtimezone = feed.vtimezone
    monkeypatch.setattr(feed, "vevent", counted)
    monkeypatch.setattr(pages_module, "_event_item", counted_item)
    monkeypatch.setattr(feed, "vtimezone", counted_zone)
    return calls


def test_a_rebuild_renders_the_events_that_changed_and_no_other(tmp_path, monkeypatch):
    trip = seoulcal.ces2024()
    root = tmp_path / "site"
    options = {"base_url": "https://trips.example.org/ces2024/", "secret": b"s" * 32, "jobs": 1}
    build_site(trip, root, **options)
    calls = _counting(monkeypatch)
    changed = moved(trip, PAVILION).model_copy(update={"revised": trip.revised + timedelta(1)})
    build_site(changed, root, **options)
    # Its two VEVENTs, and its agenda item in each language (rendered once for the public pages
    # and the members'); no VTIMEZONE: they are taken back too, with their onsets as checked.
    assert sorted(calls) == [PAVILION] * 4
    assert (tmp_path / ".site.renders").stat().st_mode & 0o777 == 0o600
    # The same rebuild without what was kept renders every event of the trip.
    again = tmp_path / "again"
    build_site(trip, again, **options)
    (tmp_path / ".again.renders").unlink()
    calls.clear()
    build_site(changed, again, **options)
    assert set(calls) == {event.id for event in trip.events} | {"America/Los_Angeles", "Asia/Seoul"}


class _KeepsNothing(FolderTarget):
    """A folder that keeps nothing of the rendering, as a bucket does (S3Target)."""

    def renders(self) -> None:
        return None

    def keep_renders(self, make) -> None:
        pass


@pytest.mark.parametrize("keeps", [True, False])
def test_what_was_rendered_is_sealed_only_for_a_target_that_keeps_it(tmp_path, monkeypatch, keeps):
    # Keying and sealing a thousand events' pieces cost about a tenth of a second: a target
    # that keeps nothing (a bucket) never pays for them.
    sealed, keyed = [], []
    monkeypatch.setattr(renders_module, "_sealed", _counted(renders_module._sealed, sealed))
    monkeypatch.setattr(Renders, "_work_out", _counted(Renders._work_out, keyed))
    root = tmp_path / "site"
    options = {"base_url": "https://trips.example.org/ces2024/", "secret": b"s" * 32, "jobs": 1}
    target = FolderTarget(root) if keeps else _KeepsNothing(root)
    build_site(seoulcal.ces2024(), target, **options)
    assert len(sealed) == int(keeps)
    assert bool(keyed) is keeps
    assert (tmp_path / ".site.renders").exists() is keeps


def _counted(function, calls):
    def counted(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return counted
