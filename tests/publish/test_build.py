"""Publishing: the built site, member tokens, privacy, updates (R-UPD-01/02) and crash safety."""

from __future__ import annotations

import base64
import fcntl
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
from targets import BrokenWorkers, CountingReads, FailingDisk, Forgetful

import seoulcal
from seoulcal import cli, publish, workers
from seoulcal.identity import event_uid
from seoulcal.model import DayPart, ExactTime
from seoulcal.publish import (
    STATE_FILE,
    PublishError,
    build_site,
    member_token,
    read_secret,
    render,
)
from seoulcal.publish import folder as folder_module
from seoulcal.publish.folder import FolderTarget

SECRET = b"test-secret-for-member-tokens-0123"
BASE = "https://trips.example.org/ces2024/"
TRIP_FILE = Path(seoulcal.__file__).parent / "trips" / "ces2024.toml"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def trip():
    """The CES trip, with an email for every member (emails must never be published)."""
    base = seoulcal.ces2024()
    members = tuple(
        member.model_copy(update={"email": f"{member.id}.private@example.org"})
        for member in base.members
    )
    return base.model_copy(update={"members": members})


def build(trip, root, **options):
    options.setdefault("base_url", BASE)
    options.setdefault("secret", SECRET)
    return build_site(trip, root, **options)


def snapshot(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under *root*: bytes, inode and modification time."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(root).as_posix()] = (
                path.read_bytes(),
                info.st_ino,
                info.st_mtime_ns,
            )
    return found


def vevents(data: bytes) -> dict[str, bytes]:
    """VEVENT blocks of calendar bytes, by UID."""
    found = {}
    for block in re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, flags=re.DOTALL):
        uid = re.search(rb"\r\nUID:(.*?)\r\n", block.replace(b"\r\n ", b""))
        assert uid is not None
        found[uid.group(1).decode()] = block
    return found


def parsed(block: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n" + block + b"END:VCALENDAR\r\n"
    )
    return next(iter(calendar.walk("VEVENT")))


def with_events(trip, events):
    return trip.model_copy(update={"events": tuple(events)})


def moved(trip, event_id, hours=1):
    def shift(event):
        if event.id != event_id:
            return event
        assert isinstance(event.time, ExactTime)
        delta = timedelta(hours=hours)
        time_ = ExactTime(start=event.time.start + delta, end=event.time.end + delta)
        return event.model_copy(update={"time": time_})

    return with_events(trip, [shift(event) for event in trip.events])


def without(trip, event_id):
    return with_events(trip, [event for event in trip.events if event.id != event_id])


def later(trip, days):
    return trip.model_copy(update={"revised": trip.revised + timedelta(days=days)})


def event(trip, event_id):
    return next(item for item in trip.events if item.id == event_id)


def member_folder(trip, member_id, secret=SECRET):
    return f"m/{member_token(secret, trip, member_id)}/"


PAVILION = "seoul-pavilion-opening"


# --- the built site -------------------------------------------------------------------------------


def test_build_writes_public_and_member_calendars_and_pages(trip, tmp_path):
    root = tmp_path / "site"
    report = build(trip, root)
    files = set(snapshot(root))
    assert {"index.html", "index.en.html", "ces2024.ko.ics", "ces2024.en.ics", STATE_FILE} <= files
    for item in trip.events:
        assert {f"events/{item.id}.ko.ics", f"events/{item.id}.en.ics"} <= files
    assert len(report.members) == len(trip.members)
    for member, site in zip(trip.members, report.members, strict=True):
        folder = member_folder(trip, member.id)
        assert site.page_url == BASE + folder
        assert {
            folder + "index.html",
            folder + "ces2024.ko.ics",
            folder + "ces2024.en.ics",
        } <= files
        own = vevents((root / folder / "ces2024.en.ics").read_bytes())
        assert set(own) == {event_uid(trip, item) for item in trip.events_for(member)}
    public = vevents((root / "ces2024.ko.ics").read_bytes())
    assert set(public) == {event_uid(trip, item) for item in trip.events}
    assert report.warnings == ()


def test_member_tokens_are_long_url_safe_and_keyed():
    trip = seoulcal.ces2024()
    token = member_token(SECRET, trip, "mayor")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128
    assert token == member_token(SECRET, trip, trip.member("mayor"))
    assert token != member_token(SECRET + b"!", trip, "mayor")
    assert token != member_token(SECRET, trip, "aide")
    assert token != member_token(None, trip, "mayor")
    assert "mayor" not in token


def test_nothing_public_reveals_a_member(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    tokens = [member_token(SECRET, trip, member) for member in trip.members]
    secrets_ = [SECRET.decode(), *tokens, *(m.email for m in trip.members if m.email)]
    illustrative = [
        m.name.pick(lang) for m in trip.members if m.illustrative for lang in ("ko", "en")
    ]
    roles = [m.role.pick(lang) for m in trip.members if m.illustrative for lang in ("ko", "en")]
    files = snapshot(root)
    assert "m/index.html" in files  # hosts that list folders show this page, not the tokens
    for rel, (data, _, _) in files.items():
        if rel.startswith("m/") and rel != "m/index.html":
            continue
        text = data.decode("utf-8")
        for secret in secrets_:
            assert secret not in text, (rel, secret)
        for name in [*illustrative, *roles]:
            assert name not in text, (rel, name)
        assert 'href="m/' not in text
        assert "/m/" not in text, rel
    state = (root / STATE_FILE).read_text("utf-8")
    for member in trip.members:
        assert f'"{member.id}"' not in state  # not even as an event's attendee
    groups = {group for member in trip.members for group in member.groups}
    for group in groups:
        assert f'"{group}"' not in state


def test_member_state_names_no_other_member(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    tokens = {member.id: member_token(SECRET, trip, member) for member in trip.members}
    for member in trip.members:
        text = (root / member_folder(trip, member.id) / STATE_FILE).read_text("utf-8")
        assert SECRET.decode() not in text
        for other, token in tokens.items():
            assert token not in text
            assert f'"{other}"' not in text


def test_member_page_is_private_and_in_the_member_language(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    page = (root / member_folder(trip, "local-coordinator") / "index.html").read_text("utf-8")
    assert '<html lang="en">' in page
    assert "noindex" in page
    assert 'content="no-referrer"' in page
    assert "Local coordinator (illustrative)" in page
    assert "local-coordinator.private@example.org" not in page
    assert BASE + member_folder(trip, "local-coordinator") + "ces2024.ko.ics" in page
    assert 'href="../../events/lvcva-visit.en.ics"' in page


# --- updates (R-UPD-01) ---------------------------------------------------------------------------


def test_a_rebuild_without_changes_touches_no_file(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    folder_inode = root.stat().st_ino
    report = build(trip, root)
    assert not report.changed
    assert report.written == ()
    assert snapshot(root) == before
    assert root.stat().st_ino == folder_inode


_UP_TO_DATE = """
import sys
import seoulcal
from seoulcal.publish import build_site
report = build_site(seoulcal.ces2024(), sys.argv[1], base_url="https://x.example/", secret=b"s" * 32)
print(report.changed, "icalendar" in sys.modules)
"""


def test_a_rebuild_without_changes_renders_nothing_and_loads_no_icalendar(tmp_path):
    root = tmp_path / "site"
    build_site(seoulcal.ces2024(), root, base_url="https://x.example/", secret=b"s" * 32)
    done = subprocess.run(
        [sys.executable, "-c", _UP_TO_DATE, str(root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert done.stdout.split() == ["False", "False"]


def test_a_rebuild_without_changes_reports_what_a_full_build_reports(trip, tmp_path):
    root = tmp_path / "site"
    first = build(trip, root)
    again = build(trip, root)  # the site is settled: the build stops before rendering
    assert not again.changed
    assert (again.written, again.removed) == ((), ())
    assert sorted(again.kept) == sorted(first.written) == sorted(snapshot(root))
    assert again.members == first.members
    assert (again.revised, again.cancelled, again.dropped) == ((), (), ())


def test_a_rebuild_with_the_same_trip_still_drops_what_retention_ends(trip, tmp_path):
    root = tmp_path / "site"
    uid = event_uid(trip, event(trip, "sphere-visit"))
    build(trip, root, retention=timedelta(0))
    removed = without(trip, "sphere-visit")
    assert build(removed, root, retention=timedelta(0)).cancelled == ("sphere-visit",)
    assert uid in vevents((root / "ces2024.ko.ics").read_bytes())
    # The same inputs again: the cancelled event's retention has ended, so it goes.
    assert build(removed, root, retention=timedelta(0)).dropped == ("sphere-visit",)
    assert uid not in vevents((root / "ces2024.ko.ics").read_bytes())
    assert not build(removed, root, retention=timedelta(0)).changed


def test_a_rebuild_repairs_a_file_changed_by_hand(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    build(trip, root)
    before = snapshot(root)
    feed = root / "ces2024.ko.ics"
    feed.write_bytes(feed.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:9"))
    (root / "extra.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")
    report = build(trip, root)
    assert report.written == ("ces2024.ko.ics",)
    assert report.removed == ("extra.ics",)
    assert {rel: data for rel, (data, _, _) in snapshot(root).items()} == {
        rel: data for rel, (data, _, _) in before.items()
    }


def test_the_build_record_holds_no_secret_and_no_token(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    build(trip, root)
    record = (tmp_path / ".site.lock").read_bytes()
    assert record  # the lock file keeps the last build's record
    assert SECRET not in record
    for member in trip.members:
        assert member_token(SECRET, trip, member).encode() not in record
        assert member.id.encode() not in record


def test_a_moved_event_is_revised_and_every_other_event_keeps_its_bytes(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    changed = later(moved(trip, PAVILION), 1)
    report = build(changed, root)
    after = snapshot(root)
    uid = event_uid(trip, event(trip, PAVILION))
    assert report.revised == (PAVILION,)
    for rel in (
        "ces2024.ko.ics",
        "ces2024.en.ics",
        member_folder(trip, "mayor") + "ces2024.ko.ics",
    ):
        old, new = vevents(before[rel][0]), vevents(after[rel][0])
        assert set(old) == set(new)
        for other in old.keys() - {uid}:
            assert old[other] == new[other], (rel, other)
        old_event, new_event = parsed(old[uid]), parsed(new[uid])
        assert new_event["UID"] == old_event["UID"] == uid
        assert new_event["SEQUENCE"] == old_event["SEQUENCE"] + 1 == 1
        assert new_event["LAST-MODIFIED"].dt > old_event["LAST-MODIFIED"].dt
        assert new_event["LAST-MODIFIED"].dt == changed.revised  # max(revised, old + 1 s)
        assert new_event["DTSTAMP"].dt == changed.revised
    untouched = [f"events/{item.id}.ko.ics" for item in trip.events if item.id != PAVILION]
    untouched.append(member_folder(trip, "situation-room") + "ces2024.ko.ics")  # not attending
    for rel in untouched:
        assert after[rel] == before[rel], rel  # same bytes, inode and modification time
    for rel in (f"events/{PAVILION}.ko.ics", "ces2024.ko.ics"):
        assert after[rel][2] > before[rel][2]


def test_last_modified_moves_one_second_when_revised_does_not(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    uid = event_uid(trip, event(trip, PAVILION))
    build(moved(trip, PAVILION, 1), root)
    build(moved(trip, PAVILION, 2), root)
    final = parsed(vevents((root / "ces2024.ko.ics").read_bytes())[uid])
    assert final["SEQUENCE"] == 2
    assert final["LAST-MODIFIED"].dt == trip.revised + timedelta(seconds=2)


def test_the_same_trip_gives_the_same_bytes_anywhere(trip, tmp_path):
    build(moved(trip, PAVILION), tmp_path / "a")
    build(moved(trip, PAVILION), tmp_path / "b")
    first = {rel: data for rel, (data, _, _) in snapshot(tmp_path / "a").items()}
    second = {rel: data for rel, (data, _, _) in snapshot(tmp_path / "b").items()}
    assert first == second


def test_a_status_change_is_a_revision(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    called_off = with_events(
        trip,
        [
            item.model_copy(update={"status": "cancelled"}) if item.id == "sphere-visit" else item
            for item in trip.events
        ],
    )
    report = build(called_off, root)
    assert report.revised == ("sphere-visit",)
    block = vevents((root / "ces2024.en.ics").read_bytes())[
        event_uid(trip, event(trip, "sphere-visit"))
    ]
    assert parsed(block)["STATUS"] == "CANCELLED"
    assert parsed(block)["SEQUENCE"] == 1


# --- removals (R-UPD-02) --------------------------------------------------------------------------


def test_a_removed_event_comes_back_cancelled_then_is_dropped(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    uid = event_uid(trip, event(trip, "sphere-visit"))
    mayor = member_folder(trip, "mayor") + "ces2024.ko.ics"
    home = member_folder(trip, "situation-room") + "ces2024.ko.ics"
    before = snapshot(root)

    removed = without(trip, "sphere-visit")
    report = build(removed, root)
    assert report.cancelled == ("sphere-visit",)
    for rel in ("ces2024.ko.ics", "ces2024.en.ics", mayor):
        block = vevents((root / rel).read_bytes())[uid]
        item = parsed(block)
        assert item["STATUS"] == "CANCELLED"
        assert item["SEQUENCE"] == 1
        assert item["LAST-MODIFIED"].dt == trip.revised + timedelta(seconds=1)
        assert "[취소]" in str(item["SUMMARY"]) or "[Cancelled]" in str(item["SUMMARY"])
    assert uid not in vevents((root / home).read_bytes())
    assert (root / home).stat().st_mtime_ns == before[home][2]
    assert not (root / "events" / "sphere-visit.ko.ics").exists()
    assert 'data-event="sphere-visit"' not in (root / "index.html").read_text("utf-8")

    # Still kept just before the retention period ends, unchanged.
    cancelled = vevents((root / "ces2024.ko.ics").read_bytes())[uid]
    build(later(removed, 29), root)
    assert vevents((root / "ces2024.ko.ics").read_bytes())[uid] == cancelled

    report = build(later(removed, 30), root)
    assert report.dropped == ("sphere-visit",)
    assert uid not in vevents((root / "ces2024.ko.ics").read_bytes())
    assert uid not in vevents((root / mayor).read_bytes())

    # Should it come back, its SEQUENCE continues from the tombstone.
    build(later(trip, 31), root)
    back = parsed(vevents((root / "ces2024.ko.ics").read_bytes())[uid])
    assert back["STATUS"] == "CONFIRMED"
    assert back["SEQUENCE"] == 2


def test_retention_zero_drops_on_the_next_revision(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root, retention=timedelta(0))
    uid = event_uid(trip, event(trip, "sphere-visit"))
    build(without(trip, "sphere-visit"), root, retention=timedelta(0))
    assert uid in vevents((root / "ces2024.ko.ics").read_bytes())  # published cancelled once
    build(later(without(trip, "sphere-visit"), 1), root, retention=timedelta(0))
    assert uid not in vevents((root / "ces2024.ko.ics").read_bytes())


def test_a_member_taken_off_an_event_sees_it_cancelled(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    uid = event_uid(trip, event(trip, "sphere-visit"))
    narrowed = with_events(
        trip,
        [
            item.model_copy(update={"attendees": ("core",)}) if item.id == "sphere-visit" else item
            for item in trip.events
        ],
    )
    build(narrowed, root)
    press = member_folder(trip, "press-pool") + "ces2024.ko.ics"
    item = parsed(vevents((root / press).read_bytes())[uid])
    assert item["STATUS"] == "CANCELLED"
    assert item["SEQUENCE"] == 1
    mayor = member_folder(trip, "mayor") + "ces2024.ko.ics"
    assert parsed(vevents((root / mayor).read_bytes())[uid])["STATUS"] == "CONFIRMED"
    # The public calendars do not show attendees, so not one of their bytes changes.
    for rel in ("ces2024.ko.ics", "ces2024.en.ics", "events/sphere-visit.ko.ics"):
        assert snapshot(root)[rel] == before[rel]


def test_a_removed_event_keeps_a_venue_the_trip_no_longer_has(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    uid = event_uid(trip, event(trip, "sphere-visit"))
    gone = without(trip, "sphere-visit")
    gone = gone.model_copy(update={"venues": tuple(v for v in gone.venues if v.id != "sphere")})
    build(gone, root)
    item = parsed(vevents((root / "ces2024.en.ics").read_bytes())[uid])
    assert item["STATUS"] == "CANCELLED"
    assert "Sphere" in str(item["LOCATION"])


# --- secrets and addresses ------------------------------------------------------------------------


def test_secret_from_file_or_environment(tmp_path):
    path = tmp_path / "secret"
    path.write_text("  file-secret-0123456789abcdef \n")
    assert read_secret(path, {}) == b"file-secret-0123456789abcdef"
    assert read_secret(None, {"SEOULCAL_SECRET": "env-secret-0123456789abcdef"}) == (
        b"env-secret-0123456789abcdef"
    )
    assert read_secret(None, {}) is None
    path.write_text("short")
    with pytest.raises(PublishError, match="at least 16"):
        read_secret(path, {})
    with pytest.raises(PublishError, match="cannot read"):
        read_secret(tmp_path / "missing", {})


def test_without_a_base_url_links_point_to_the_local_server(trip, tmp_path):
    report = build_site(trip, tmp_path / "site", secret=SECRET)
    assert report.base_url == publish.LOCAL_BASE_URL
    assert any("127.0.0.1:8000" in warning for warning in report.warnings)
    page = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "webcal://127.0.0.1:8000/ces2024.ko.ics" in page


@pytest.mark.parametrize(
    "url", ["trips.example.org", "ftp://x.org/", "https://x.org/?a=1", "https://u:p@x.org/"]
)
def test_bad_base_urls_are_refused(trip, tmp_path, url):
    with pytest.raises(PublishError, match="the base URL") as caught:
        build(trip, tmp_path / "site", base_url=url)
    assert caught.value.field == "base_url"  # the CLI names --base-url from it
    assert not (tmp_path / "site").exists()


def test_a_base_url_gets_its_final_slash(trip, tmp_path):
    report = build(trip, tmp_path / "site", base_url="https://x.example/trip")
    assert report.base_url == "https://x.example/trip/"


def test_a_folder_seoulcal_did_not_build_is_never_replaced(trip, tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    (root / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(PublishError, match="did not build"):
        build(trip, root)
    assert (root / "holiday.jpg").read_bytes() == b"precious"


def test_another_trip_is_never_built_over_a_site(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    with pytest.raises(PublishError, match="its own place"):
        build(trip.model_copy(update={"id": "other-trip"}), root)
    assert snapshot(root) == before


def test_a_damaged_state_is_reported_not_ignored(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    (root / STATE_FILE).write_text("{not json")
    before = snapshot(root)
    with pytest.raises(PublishError, match="damaged"):
        build(moved(trip, PAVILION), root)
    assert snapshot(root) == before


# --- members shared out between processes --------------------------------------------------------

forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes fork: POSIX only")


def contents(root: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _, _) in snapshot(root).items()}


def recorded_site(root: Path) -> str:
    """The manifest digest the folder's record holds (what the last build found it to be)."""
    return json.loads((root.parent / f".{root.name}.lock").read_bytes())["site"]


def walked_site(root: Path) -> str:
    """The manifest digest of the folder as it is."""
    return FolderTarget(root).manifest()[1]


def steps(trip):
    """A build, then updates of every kind: each is built in turn by the tests below."""
    narrowed = with_events(
        trip,
        [
            item.model_copy(update={"attendees": ("core",)}) if item.id == "sphere-visit" else item
            for item in trip.events
        ],
    )
    return [
        trip,
        later(moved(trip, PAVILION), 1),
        later(without(moved(trip, PAVILION), "sphere-visit"), 2),
        later(narrowed, 3),
        later(narrowed, 40),
    ]


@forking
@pytest.mark.parametrize("jobs", [2, 3, 7])
def test_workers_build_the_same_site_as_one_process(trip, tmp_path, jobs):
    one, many = tmp_path / "one", tmp_path / "many"
    for version in steps(trip):
        alone = build(version, one, jobs=1)
        shared = build(version, many, jobs=jobs)
        # The record's manifest is worked out from what was written and kept: as a walk gives.
        assert recorded_site(one) == walked_site(one)
        assert recorded_site(many) == walked_site(many)
        assert (alone.processes, shared.processes) == (1, jobs)
        assert contents(many) == contents(one)
        assert shared.members == alone.members  # in the trip's order
        assert (shared.written, shared.kept, shared.removed) == (
            alone.written,
            alone.kept,
            alone.removed,
        )
        assert (shared.revised, shared.cancelled, shared.dropped) == (
            alone.revised,
            alone.cancelled,
            alone.dropped,
        )
    assert not build(steps(trip)[-1], many, jobs=jobs).changed
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        ".many.lock",
        ".many.renders",
        ".many.spare",
        ".one.lock",
        ".one.renders",
        ".one.spare",
        "many",
        "one",
    ]


@forking
@pytest.mark.parametrize("member_id", ["mayor", "press-pool"])
def test_files_one_process_kept_are_linked_when_another_writes(trip, tmp_path, member_id):
    """Only one member's files change: the other processes' files stay, with their inodes."""
    root = tmp_path / "site"
    build(trip, root, jobs=3)
    before = snapshot(root)
    renamed = trip.model_copy(
        update={
            "members": tuple(
                m.model_copy(update={"name": m.name.model_copy(update={"en": "A new name"})})
                if m.id == member_id
                else m
                for m in trip.members
            )
        }
    )
    report = build(renamed, root, jobs=3)
    after = snapshot(root)
    assert set(after) == set(before)
    folder = member_folder(trip, member_id)
    assert report.written
    assert all(rel.startswith(folder) for rel in report.written)
    for rel, (data, inode, mtime) in before.items():
        if not rel.startswith(folder):
            assert after[rel] == (data, inode, mtime), rel


@forking
def test_a_worker_failing_leaves_the_previous_site(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before, renders = snapshot(root), (tmp_path / ".site.renders").read_bytes()
    last = member_folder(trip, trip.members[-1].id)  # rendered by the last worker
    with pytest.raises(PublishError, match="the page cannot be made"):
        build(later(moved(trip, PAVILION), 1), BrokenWorkers(root, folder=last), jobs=3)
    assert snapshot(root) == before
    assert (tmp_path / ".site.renders").read_bytes() == renders  # kept only with a commit
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.renders", "site"]


@forking
def test_a_worker_killed_leaves_the_previous_site(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    last = member_folder(trip, trip.members[-1].id)
    with pytest.raises(seoulcal.SeoulcalError, match="killed by signal 9"):
        build(later(moved(trip, PAVILION), 1), BrokenWorkers(root, folder=last, die=True), jobs=2)
    assert snapshot(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.renders", "site"]


@forking
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_flushes_started_while_writing_change_no_byte_and_leave_no_thread(
    trip, tmp_path, monkeypatch, capsys
):
    build(trip, tmp_path / "once", jobs=2)
    flushed = []

    def early_failing(folder):
        if threading.current_thread().name == "seoulcal-flush":
            flushed.append(folder)
            raise OSError(5, "Input/output error")  # left to the last flush, which succeeds
        real(folder)

    real = folder_module._sync
    monkeypatch.setattr(folder_module, "_FLUSH_EVERY", 1)  # after every file, one at a time
    monkeypatch.setattr(folder_module, "_sync", early_failing)
    report = build(trip, tmp_path / "often", jobs=2)
    assert report.processes == 2
    assert flushed  # this process's writer started some (the worker's are its own)
    assert contents(tmp_path / "often") == contents(tmp_path / "once")
    assert threading.active_count() == 1  # every flush was waited for: the next build may fork
    assert capsys.readouterr().err == ""  # a failed early flush says nothing (no traceback)


@forking
def test_members_a_worker_cannot_take_are_rendered_here(trip, tmp_path, monkeypatch):
    def no_process(work):
        raise OSError(11, "Resource temporarily unavailable")

    build(trip, tmp_path / "one", jobs=1)
    monkeypatch.setattr(workers.Worker, "start", no_process)
    report = build(trip, tmp_path / "many", jobs=3)
    assert report.processes == 1
    assert [site.member_id for site in report.members] == [m.id for m in trip.members]
    assert contents(tmp_path / "many") == contents(tmp_path / "one")


@pytest.mark.parametrize(
    ("linux", "cpus", "size", "expected"),
    [
        (True, 2, (1000, 12), 2),
        (True, 4, (120, 60), 2),
        (True, 8, (49, 60), 1),
        (False, 8, (1000, 12), 1),
        (True, 2, (99, 60), 1),  # fewer than 50 members a process: one renders them
        (True, 2, (100, 1), 2),  # half a millisecond a member however few their events: it pays
        (True, 2, (100, 30), 2),
    ],
)
def test_by_default_one_process_per_cpu_on_linux(monkeypatch, linux, cpus, size, expected):
    members, events = size
    monkeypatch.setattr(render, "forks_by_default", lambda: linux)
    monkeypatch.setattr(render, "available_cpus", lambda: cpus)
    monkeypatch.setattr(render, "can_fork", lambda: True)
    crowd = _crowd(seoulcal.ces2024(), members, events)
    assert render._processes(None, crowd) == expected
    assert render._processes(3, crowd) == min(3, members)  # as asked, whatever the work


def _crowd(trip, members, events):
    """*trip* with *members* members (copies of its first) and *events* events (copies too)."""
    people = tuple(
        trip.members[0].model_copy(update={"id": f"m{index}"}) for index in range(members)
    )
    many = tuple(
        trip.events[index % len(trip.events)].model_copy(update={"id": f"e{index}"})
        for index in range(events)
    )
    return trip.model_copy(update={"members": people, "events": many})


@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize(("members", "events"), [(1000, 12), (100, 1000), (5, 12), (7, 600)])
def test_the_shares_hold_every_member_once_in_order(trip, count, members, events):
    crowd = _crowd(trip, members, events)
    count = min(count, members)
    shares = render._share(crowd, count)
    assert len(shares) == count
    assert [m.id for share in shares for m in share] == [m.id for m in crowd.members]
    assert all(shares[1:])  # a worker is never forked for nothing


def test_this_process_takes_fewer_members_for_the_public_files(trip):
    # It renders the public files while the workers render their members: with many members
    # and few events it takes a little less than a half, with many events and few members none.
    own, other = render._share(_crowd(trip, 1000, 12), 2)
    assert 400 < len(own) < len(other) < 600
    own, other = render._share(_crowd(trip, 100, 1000), 2)  # each attends all 1,000
    assert 10 < len(own) < len(other) / 1.2
    own, other = render._share(_crowd(trip, 8, 1000), 2)
    assert (len(own), len(other)) == (0, 8)


@pytest.mark.parametrize(("members", "expected"), [(10, 2), (4, 2), (3, 1), (1, 1)])
def test_printouts_are_shared_out_from_two_members_a_process(monkeypatch, members, expected):
    # A printout takes about a quarter of a second: worth a process from two of them.
    monkeypatch.setattr(render, "forks_by_default", lambda: True)
    monkeypatch.setattr(render, "available_cpus", lambda: 2)
    crowd = _crowd(seoulcal.ces2024(), members, 12)
    assert render._processes(None, crowd, printing=True) == expected
    assert render._processes(None, crowd) == 1  # the same members without printouts
    if expected > 1:
        own, other = render._share(crowd, 2, render._costs(crowd, printing=True))
        assert abs(len(own) - len(other)) <= 1  # the public files are little beside them


def test_a_small_trips_members_are_shared_near_halves(trip):
    # A member's files cost about half a millisecond however few their events, about as much
    # as the public files and the worker's start together: neither process is left waiting.
    own, other = render._share(_crowd(trip, 100, 1), 2)
    assert 40 <= len(own) <= len(other) <= 60


@forking
@pytest.mark.parametrize(
    ("threshold", "apart"),
    [
        ("_FINGERPRINTS_APART", "_fingerprints"),  # the events' fingerprints
        ("_PREPARED_APART", "_rendered"),  # what members share: lines, reminders, agenda items
    ],
)
def test_work_done_in_two_processes_gives_the_same_site(
    trip, tmp_path, monkeypatch, threshold, apart
):
    build(trip, tmp_path / "one", jobs=1)
    started = []
    start = workers.Worker.start
    monkeypatch.setattr(render, threshold, 1)  # the built-in trip has 12 events
    monkeypatch.setattr(workers.Worker, "start", lambda work: started.append(work) or start(work))
    build(trip, tmp_path / "two", jobs=2)
    assert any(getattr(work, "func", None) is getattr(render, apart) for work in started)
    assert contents(tmp_path / "two") == contents(tmp_path / "one")  # the states' too


@forking
def test_a_failure_beside_the_preparing_worker_stops_it(trip, tmp_path, monkeypatch):
    parent = os.getpid()
    started = []
    start = workers.Worker.start
    monkeypatch.setattr(render, "_PREPARED_APART", 1)
    monkeypatch.setattr(
        workers.Worker, "start", lambda work: started.append(start(work)) or started[-1]
    )
    rendered = seoulcal.CalendarWriter.rendered

    def failing(self, *args, **options):
        if os.getpid() == parent:
            raise RuntimeError("this process failed beside its worker")
        return rendered(self, *args, **options)

    monkeypatch.setattr(seoulcal.CalendarWriter, "rendered", failing)
    with pytest.raises(RuntimeError, match="failed beside its worker"):
        build(trip, tmp_path / "site", jobs=2)
    assert started  # the worker that prepares the other half
    for worker in started:
        with pytest.raises(ChildProcessError):  # killed and reaped: no child left behind
            os.waitpid(worker.pid, os.WNOHANG)
    assert not (tmp_path / "site").exists()


def test_members_revised_once_per_list_of_events_get_the_files_of_their_own(
    trip, tmp_path, monkeypatch
):
    # The press pool at the MLB meeting too: its list as long as the local coordinator's.
    events = [
        event.model_copy(update={"attendees": (*event.attendees, "press-pool")})
        if event.id == "mlb-meeting"
        else event
        for event in trip.events
    ]
    trip = type(trip).model_validate(with_events(trip, events).model_dump())
    lists = {tuple(event.id for event in trip.events_for(member)) for member in trip.members}
    assert len({len(found) for found in lists}) < len(lists) < len(trip.members)
    revised = []
    revise = render.revise
    monkeypatch.setattr(render, "revise", lambda *a, **k: revised.append(a[1]) or revise(*a, **k))
    build(trip, tmp_path / "shared", jobs=1)
    assert len(revised) == 1 + len(lists)  # the public audience, then each list once

    def alone(self, member, events, previous):  # every member revised on its own, as before
        pairs = [(self.uids[id(event)], event) for event in events]
        return revise(
            self.trip, member, pairs, previous, self.archived,
            fingerprint=self.fingerprints, seed=self.seed, retention=self.retention,
        )  # fmt: skip

    monkeypatch.setattr(render._Members, "revise", alone)
    build(trip, tmp_path / "alone", jobs=1)
    assert contents(tmp_path / "shared") == contents(tmp_path / "alone")


def test_jobs_are_one_while_other_threads_run(trip, tmp_path):
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        report = build(trip, tmp_path / "site", jobs=4)
    finally:
        release.set()
        thread.join()
    assert report.processes == 1


def test_by_default_a_few_members_take_one_process(trip, tmp_path):
    assert len(trip.members) < render._MEMBERS_PER_PROCESS
    assert build(trip, tmp_path / "site").processes == 1


@pytest.mark.parametrize("jobs", [0, -2])
def test_jobs_must_be_positive(trip, tmp_path, jobs):
    with pytest.raises(PublishError, match=f"jobs {jobs}: give at least 1"):
        build(trip, tmp_path / "site", jobs=jobs)
    assert not (tmp_path / "site").exists()


def test_cli_build_jobs(tmp_path, capsys):
    root = tmp_path / "site"
    assert cli.main(["build", str(root), "--jobs", "0"]) == cli.EXIT_INPUT
    assert "--jobs 0: give a number of processes" in capsys.readouterr().err
    assert not root.exists()
    assert cli.main(["build", str(root), "--jobs", "3"]) == 0
    assert "files written, 0 unchanged, 0 removed (3 processes)" in capsys.readouterr().out


# --- crash safety and locking -----------------------------------------------------------------------


def test_a_build_failing_part_way_leaves_the_previous_site(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before, renders = snapshot(root), (tmp_path / ".site.renders").read_bytes()
    with pytest.raises(OSError, match="No space"):
        build(later(moved(trip, PAVILION), 1), FailingDisk(root, fail_at=5))
    assert snapshot(root) == before
    assert (tmp_path / ".site.renders").read_bytes() == renders  # kept only with a commit
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.renders", "site"]
    assert build(later(moved(trip, PAVILION), 1), root).revised == (PAVILION,)


_SLOW_BUILD = """
import sys
import seoulcal
from seoulcal import publish
from targets import StallingDisk
trip = seoulcal.ces2024()
# A change every member's files show (the trip's name), so that the build writes many files.
name = trip.name.model_copy(update={"en": trip.name.en + " (revised)"})
trip = trip.model_copy(update={"revised": trip.revised.replace(year=2025), "name": name})
target = StallingDisk(sys.argv[1], stall_at=3)
publish.build_site(trip, target, base_url="https://x.example/", secret=b"s" * 32)
"""


def test_a_build_killed_with_sigkill_leaves_the_previous_site(tmp_path):
    root = tmp_path / "site"
    trip = seoulcal.ces2024()
    build_site(trip, root, base_url="https://x.example/", secret=b"s" * 32)
    before = snapshot(root)
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_BUILD, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        assert any(p.name.startswith(".site.staging-") for p in tmp_path.iterdir())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(root) == before
    # The next build clears what the killed one left, and the lock died with it.
    report = build_site(trip, root, base_url="https://x.example/", secret=b"s" * 32)
    assert not report.changed
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.renders", "site"]


def test_an_invalid_trip_file_leaves_the_previous_site(tmp_path, capsys):
    root = tmp_path / "site"
    good = tmp_path / "trip.toml"
    good.write_text(TRIP_FILE.read_text("utf-8"), "utf-8")
    assert cli.main(["build", str(root), "--trip", str(good), "--base-url", BASE]) == 0
    before = snapshot(root)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        TRIP_FILE.read_text("utf-8").replace(
            'end = "2024-01-09T12:00[America/Los_Angeles]"',
            'end = "2024-01-09T10:00[America/Los_Angeles]"',
        ),
        "utf-8",
    )
    capsys.readouterr()
    assert cli.main(["build", str(root), "--trip", str(bad), "--base-url", BASE]) == 2
    error = capsys.readouterr().err
    assert "seoul-pavilion-opening" in error
    assert "not after start" in error
    assert snapshot(root) == before


def test_builds_of_one_folder_take_turns(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    lock = os.open(tmp_path / ".site.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    done = threading.Event()

    def run():
        build(later(moved(trip, PAVILION), 1), root)
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert not done.wait(0.5)  # blocked behind our lock
        assert b"SEQUENCE:1" not in (root / "ces2024.ko.ics").read_bytes()
    finally:
        os.close(lock)
    worker.join(timeout=30)
    assert done.is_set()
    assert b"SEQUENCE:1" in (root / "ces2024.ko.ics").read_bytes()


def test_concurrent_builds_leave_one_whole_site(trip, tmp_path):
    root = tmp_path / "site"
    versions = [later(moved(trip, PAVILION, hours), hours) for hours in (1, 2, 3, 4)]
    errors = []

    def run(version):
        try:
            build(version, root)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(version,)) for version in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    uid = event_uid(trip, event(trip, PAVILION))
    state = json.loads((root / STATE_FILE).read_text("utf-8"))
    assert state["events"][uid]["sequence"] == len(versions) - 1  # every build revised it
    start = parsed(vevents((root / "ces2024.ko.ics").read_bytes())[uid])["DTSTART"].dt
    (final,) = [v for v in versions if event(v, PAVILION).time.start == start]
    assert not build(final, root).changed  # the site is exactly the last build's, nothing mixed


def test_cli_build_warns_loudly_without_a_secret(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SEOULCAL_SECRET", raising=False)
    assert cli.main(["build", str(tmp_path / "site")]) == 0
    captured = capsys.readouterr()
    assert "NO SECRET" in captured.err
    assert "predictable" in captured.err or "compute them" in captured.err
    assert "127.0.0.1:8000" in captured.err
    assert "http://127.0.0.1:8000/m/" in captured.out  # the member addresses, for staff


def test_cli_build_uses_the_secret_from_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SEOULCAL_SECRET", "environment-secret-0123456789")
    assert cli.main(["build", str(tmp_path / "site"), "--base-url", BASE]) == 0
    captured = capsys.readouterr()
    assert "SECRET" not in captured.err
    trip = seoulcal.ces2024()
    token = member_token(b"environment-secret-0123456789", trip, "mayor")
    assert f"{BASE}m/{token}/" in captured.out
    assert (tmp_path / "site" / "m" / token / "index.html").is_file()


def test_cli_build_reports_an_unchanged_site(tmp_path, capsys):
    secret = tmp_path / "secret"
    secret.write_text("a-secret-in-a-file-0123456789")
    args = ["build", str(tmp_path / "site"), "--base-url", BASE, "--secret-file", str(secret)]
    assert cli.main(args) == 0
    capsys.readouterr()
    assert cli.main(args) == 0
    assert "up to date" in capsys.readouterr().out


def test_modification_times_rise_even_within_one_second(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    first = (root / "ces2024.ko.ics").stat().st_mtime
    build(moved(trip, PAVILION, 1), root)
    second = (root / "ces2024.ko.ics").stat().st_mtime
    build(moved(trip, PAVILION, 2), root)
    third = (root / "ces2024.ko.ics").stat().st_mtime
    assert int(first) < int(second) < int(third)
    assert third < time.time() + 5
    assert datetime.fromtimestamp(third, UTC).year >= 2024


# --- the pages are valid HTML ---------------------------------------------------------------------

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _Checker(HTMLParser):
    """A strict reading of a page: every element closed in order, ids unique, nothing active."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.labels: list[str] = []
        self.seen: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        self.seen.append(tag)
        assert tag not in {"script", "iframe", "object", "embed", "img", "form"}, tag
        assert not any(name.startswith("on") for name in values), values
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "label":
            self.labels.append(values["for"])
        if tag == "a":
            assert values.get("href"), values
            href = values["href"]
            assert not href.startswith("javascript:")
            if values.get("target") == "_blank":
                assert "noopener" in values.get("rel", "")
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        assert tag in _VOID, tag
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        assert tag not in _VOID, tag
        assert self.stack, tag
        opened = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"


def test_every_page_is_well_formed_html(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    pages = ["index.html", "index.en.html"]
    pages += [member_folder(trip, m.id) + "index.html" for m in trip.members]
    for rel in pages:
        text = (root / rel).read_text("utf-8")
        checker = _Checker()
        checker.feed(text)
        checker.close()
        assert checker.doctype == "DOCTYPE html", rel
        assert checker.stack == [], rel
        assert checker.seen[:4] == ["html", "head", "meta", "meta"], rel
        assert text.count("<title>") == 1
        assert len(checker.ids) == len(set(checker.ids)), rel
        assert set(checker.labels) <= set(checker.ids), rel
        assert re.search(r'<html lang="(ko|en)">', text)
        assert '<meta charset="utf-8">' in text
        assert 'name="viewport"' in text
        assert (
            "http://" not in text.replace("http://127.0.0.1", "").replace("http://www.w3.org", "")
            or "https://" in text
        )
        assert "@import" not in text
        assert "url(" not in text  # no fonts or images fetched by the style sheet


def test_cli_build_refuses_a_negative_retention(tmp_path, capsys):
    assert cli.main(["build", str(tmp_path / "site"), "--keep-cancelled", "-1"]) == 2
    assert "--keep-cancelled" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


# --- rebuilds that keep what did not change -------------------------------------------------------


def _members(trip, change):
    return trip.model_copy(update={"members": tuple(change(m) for m in trip.members)})


def _renamed(member_id, en):
    def change(member):
        if member.id != member_id:
            return member
        return member.model_copy(update={"name": member.name.model_copy(update={"en": en})})

    return change


def _venue_moved(trip, venue_id):
    venues = tuple(
        v.model_copy(update={"address": v.address.model_copy(update={"en": "1 New Road"})})
        if v.id == venue_id and v.address is not None
        else v
        for v in trip.venues
    )
    return trip.model_copy(update={"venues": venues})


def _changes(trip):
    """One change of each kind a member's files can see, each on top of the trip."""
    first = trip.members[0]
    with_new_member = trip.model_copy(
        update={
            "members": (
                *trip.members,
                first.model_copy(update={"id": "newcomer", "groups": ("core",)}),
            )
        }
    )
    described = with_events(
        trip,
        [
            e.model_copy(update={"description": None}) if e.id == "mlb-meeting" else e
            for e in trip.events
        ],
    )
    return {
        "event moved": later(moved(trip, PAVILION), 1),
        "event removed": later(without(trip, "sphere-visit"), 1),
        "event text": later(described, 1),
        "attendees narrowed": steps(trip)[3],
        "member renamed": later(_members(trip, _renamed("aide", "Aide to the mayor")), 1),
        "member language": _members(
            trip,
            lambda m: m.model_copy(update={"language": "en"}) if m.id == "mayor" else m,
        ),
        "member reminders": _members(
            trip,
            lambda m: m.model_copy(update={"reminders_in_feed": True}) if m.id == "aide" else m,
        ),
        "member added": with_new_member,
        "member removed": trip.model_copy(update={"members": trip.members[1:]}),
        "venue address": later(_venue_moved(trip, "eureka-park"), 1),
        "trip name": trip.model_copy(
            update={"name": trip.name.model_copy(update={"en": "CES 2024, Las Vegas"})}
        ),
        "revised only": later(trip, 5),
        "retention ends": later(without(trip, "sphere-visit"), 45),
    }


@pytest.mark.parametrize("way", ["memos", "states"])
@pytest.mark.parametrize("kind", list(_changes(seoulcal.ces2024())))
def test_a_rebuild_that_keeps_files_equals_one_that_renders_everything(trip, tmp_path, kind, way):
    """Keeping a member's files unread gives the bytes that rendering them again would give.

    Both ways of knowing a member's files are unchanged: the memo in the folder's record (the
    member's state is not even read), and the inputs in the member's state (a target without
    memos). The keeping side also takes back what the last build rendered of the events
    (``.keeping.renders``); the rendering side renders every event again (its file removed).
    """
    changed = type(trip).model_validate(_changes(trip)[kind].model_dump())
    keeping, rendering = tmp_path / "keeping", tmp_path / "rendering"

    def keeper():
        return keeping if way == "memos" else Forgetful(keeping)

    # An earlier version first: the last build then finds a spare (the site before the one it
    # rebuilds) that differs from the current site in the moved event's files.
    history = [later(moved(trip, PAVILION), -1), trip]
    if kind == "retention ends":  # the event was withdrawn by an earlier build
        history.append(later(without(trip, "sphere-visit"), 1))
    renders = tmp_path / ".rendering.renders"
    for version in history:
        build(version, keeper())
        renders.unlink(missing_ok=True)
        build(version, rendering)
    assert (tmp_path / ".keeping.spare").is_dir()
    assert (tmp_path / ".keeping.renders").is_file()
    page = next(rendering.glob("m/*/index.html"))
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))  # not vouched
    kept = build(changed, keeper())
    renders.unlink()
    rendered = build(changed, rendering)
    assert contents(keeping) == contents(rendering)
    assert (kept.written, kept.removed) == (rendered.written, rendered.removed)
    assert (kept.revised, kept.cancelled, kept.dropped) == (
        rendered.revised,
        rendered.cancelled,
        rendered.dropped,
    )


def test_a_rebuild_renders_only_the_members_whose_events_changed(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    before = snapshot(root)
    # The luncheon is for the core group only: the other members' files are kept, unread.
    lunch = "innovation-award-luncheon"
    report = build(later(moved_day_part(trip, lunch), 1), root)
    after = snapshot(root)
    core = {m.id for m in trip.members if "core" in m.groups}
    assert core
    assert set(core) != {m.id for m in trip.members}
    for member in trip.members:
        folder = member_folder(trip, member.id)
        files = [rel for rel in after if rel.startswith(folder) and not rel.endswith(STATE_FILE)]
        touched = [rel for rel in files if after[rel][1] != before[rel][1]]
        if member.id in core:
            assert touched == files, member.id
        else:
            assert touched == [], member.id
    assert report.revised == (lunch,)


def test_a_rebuild_reads_the_states_of_only_the_members_whose_events_changed(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    lunch = "innovation-award-luncheon"
    core = [m for m in trip.members if "core" in m.groups]
    target = CountingReads(root)
    build(later(moved_day_part(trip, lunch), 1), target)
    states = [member_folder(trip, m.id) + STATE_FILE for m in core]
    assert sorted(target.reads) == sorted([STATE_FILE, *states])
    # A file changed by hand: the record's memos no longer hold, so every state is read again.
    page = root / member_folder(trip, trip.members[-1].id) / "index.html"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))
    target = CountingReads(root)
    build(later(moved_day_part(trip, lunch), 2), target)
    assert len(target.reads) == 1 + len(trip.members)


def test_a_rebuild_keeps_the_memos_of_the_members_it_did_not_touch(trip, tmp_path):
    """A rebuild that kept most members records their memos again, so the next one keeps them too."""
    root = tmp_path / "site"
    build(trip, root)
    lunch = "innovation-award-luncheon"
    build(later(moved_day_part(trip, lunch), 1), root)
    target = CountingReads(root)
    build(later(moved(trip, PAVILION), 2), target)  # the pavilion tour: not the luncheon's members
    pavilion = next(e for e in trip.events if e.id == PAVILION)
    touched = {m.id for m in trip.members if trip.attends(m, pavilion)}
    assert touched != {m.id for m in trip.members}
    states = [member_folder(trip, member) + STATE_FILE for member in touched]
    assert sorted(target.reads) == sorted([STATE_FILE, *states])


def test_the_spare_is_the_site_before_the_last_build(trip, tmp_path):
    """The spare shares every file with the site it was, inodes included; it is never served."""
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    assert not spare.exists()  # a first build has no old site to keep
    first = snapshot(root)
    build(later(moved(trip, PAVILION), 1), root)
    assert snapshot(spare) == first


def test_a_rebuild_with_a_spare_touches_only_what_changed_since_it(trip, tmp_path):
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    before, kept_aside = snapshot(root), snapshot(spare)
    lunch = "innovation-award-luncheon"
    report = build(later(moved_day_part(moved(trip, PAVILION), lunch), 2), root)
    after = snapshot(root)
    assert recorded_site(root) == walked_site(root)
    assert set(after) == set(before)
    for rel, (data, inode, mtime) in after.items():
        if rel in report.written:
            assert data != before[rel][0], rel
            assert mtime > max(before[rel][2], kept_aside[rel][2]), rel  # a new file
        else:
            assert (data, inode, mtime) == before[rel], rel
    # The site before this build is the spare now, and the new site equals a fresh one.
    assert snapshot(spare) == before
    fresh = tmp_path / "fresh"
    build(trip, fresh)
    build(later(moved(trip, PAVILION), 1), fresh)
    page = next(fresh.glob("m/*/index.html"))
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))  # not vouched
    build(later(moved_day_part(moved(trip, PAVILION), lunch), 2), fresh)
    assert contents(root) == contents(fresh)


@pytest.mark.parametrize("tamper", ["edited", "added", "removed", "link"])
def test_a_spare_changed_by_hand_never_reaches_the_site(trip, tmp_path, tamper):
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    # A member whose files the next build keeps: the spare's copy is the site's own file.
    pavilion = event(trip, PAVILION)
    keeps = next(m for m in trip.members if not trip.attends(m, pavilion))
    page = spare / member_folder(trip, keeps.id) / "index.html"
    assert page.stat().st_ino == (root / member_folder(trip, keeps.id) / "index.html").stat().st_ino
    if tamper == "edited":  # a new file in its place (writing through it would edit the site)
        page.unlink()
        page.write_bytes(b"edited by hand")
    elif tamper == "added":
        (spare / "m" / "extra.html").write_bytes(b"not the site's")
    elif tamper == "link":  # a spare with a link is not used at all: it would be served
        (spare / "m" / "elsewhere").symlink_to(tmp_path)
    else:
        page.unlink()
    build(later(trip, 2), root)
    fresh = tmp_path / "fresh"
    build(trip, fresh)
    build(later(moved(trip, PAVILION), 1), fresh)
    page = next(fresh.glob("m/*/index.html"))
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1))  # not vouched
    build(later(trip, 2), fresh)
    assert contents(root) == contents(fresh)
    assert b"edited by hand" not in b"".join(contents(spare).values())
    assert "m/extra.html" not in contents(root)
    assert not (root / "m" / "elsewhere").is_symlink()


def moved_and_back(trip, root):
    """Build *trip*, the pavilion tour moved, then *trip* again, in *root*; return its files."""
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    build(later(trip, 2), root)
    return contents(root)


class _Listing:
    """A folder listing's entry, as a file system with its own listing inodes would give it."""

    def __init__(self, entry, inode, looked_at):
        self._entry, self._inode, self._looked_at = entry, inode, looked_at

    def __getattr__(self, name):
        return getattr(self._entry, name)

    def inode(self):
        return self._inode(self._entry)

    def stat(self, **options):
        self._looked_at.append(self._entry.path)
        return self._entry.stat(**options)


def listings(monkeypatch, inode=os.DirEntry.inode):
    """Make each ``os.scandir`` entry list ``inode(entry)``; return the paths ``stat`` is asked."""
    real, looked_at = os.scandir, []

    class Entries:
        def __init__(self, *args):
            self._entries = real(*args)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._entries.close()

        def __iter__(self):
            return (_Listing(entry, inode, looked_at) for entry in self._entries)

        def close(self):
            self._entries.close()

    monkeypatch.setattr(os, "scandir", Entries)
    return looked_at


def test_a_spare_is_read_from_its_folder_listings_alone(trip, tmp_path, monkeypatch):
    """Where listings give the inodes lstat gives, no file of the spare is looked at."""
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    looked_at = listings(monkeypatch)
    report = build(later(trip, 2), root)
    monkeypatch.undo()
    assert report.written
    assert len([path for path in looked_at if path.startswith(f"{root}{os.sep}")]) == len(
        contents(spare)  # the site's files, as the site was before this build
    )
    assert not [path for path in looked_at if not path.startswith(f"{root}{os.sep}")]
    assert contents(root) == moved_and_back(trip, tmp_path / "fresh")


def test_listings_that_give_other_inodes_than_lstat_are_not_trusted(trip, tmp_path, monkeypatch):
    """On a file system whose listings number files their own way, the spare is read by lstat.

    Here the listings swap two inodes: a page put in the spare by hand is listed with the
    inode of the site's own page, which the spare held before. Trusting the listing would keep
    the hand-made page and publish it.
    """
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    pavilion = event(trip, PAVILION)
    keeps = next(m for m in trip.members if not trip.attends(m, pavilion))
    page = spare / member_folder(trip, keeps.id) / "index.html"
    site_page = (root / member_folder(trip, keeps.id) / "index.html").stat().st_ino
    page.unlink()
    page.write_bytes(b"edited by hand")
    swap = {site_page: page.stat().st_ino, page.stat().st_ino: site_page}
    listings(monkeypatch, lambda entry: swap.get(entry.inode(), entry.inode()))
    build(later(trip, 2), root)
    monkeypatch.undo()
    assert b"edited by hand" not in b"".join(contents(root).values())
    assert contents(root) == moved_and_back(trip, tmp_path / "fresh")


def test_the_spares_own_files_take_the_new_bytes_in_place(trip, tmp_path):
    """A file only the spare has (its site's old version) is rewritten, not deleted and made anew.

    On a disk that frees blocks as files are deleted, deleting thousands of them cost a
    most-members edit a quarter of its time.
    """
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    site = snapshot(root)
    own = {
        rel: inode
        for rel, (_, inode, _) in snapshot(spare).items()
        if inode != site[rel][1]  # not shared with the site: the old version of a changed file
    }
    assert own
    report = build(later(trip, 2), root)
    after = snapshot(root)
    rewritten = {rel for rel in report.written if rel in own}
    assert rewritten == set(own)  # every file the last build changed changes back
    for rel in rewritten:
        _, inode, mtime = after[rel]
        assert inode == own[rel]
        assert mtime > site[rel][2]  # Last-Modified rises with the bytes
        assert (root / rel).stat().st_mode & 0o777 == 0o644
    assert not list(tmp_path.glob(".site.trash-*"))
    assert contents(root) == moved_and_back(trip, tmp_path / "fresh")


def test_a_spare_file_linked_elsewhere_is_never_written_through(trip, tmp_path):
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    site = snapshot(root)
    rel = next(rel for rel, (_, inode, _) in snapshot(spare).items() if inode != site[rel][1])
    elsewhere = tmp_path / "elsewhere"
    os.link(spare / rel, elsewhere)
    before = elsewhere.read_bytes()
    report = build(later(trip, 2), root)
    assert rel in report.written
    assert elsewhere.read_bytes() == before
    assert (root / rel).stat().st_ino != elsewhere.stat().st_ino
    assert contents(root) == moved_and_back(trip, tmp_path / "fresh")


def test_writing_in_place_refuses_a_file_with_another_name(tmp_path):
    """What the build checked before may change: the file is looked at again once open."""
    path, other = tmp_path / "page.html", tmp_path / "other.html"
    path.write_bytes(b"old and longer")
    os.link(path, other)
    with FolderTarget(tmp_path / "site") as target, pytest.raises(PublishError, match="links"):
        target.write(path, b"new", after=None, over=True)
    assert other.read_bytes() == b"old and longer"
    other.unlink()
    with FolderTarget(tmp_path / "site") as target:
        target.write(path, b"new", after=path.stat().st_mtime, over=True)
    assert path.read_bytes() == b"new"  # the longer old bytes cut off


def test_a_first_build_beside_an_old_spare_removes_it(trip, tmp_path):
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    assert spare.is_dir()
    shutil.rmtree(root)
    build(trip, root)
    assert not spare.exists()
    fresh = tmp_path / "fresh"
    build(trip, fresh)
    assert contents(root) == contents(fresh)


def test_a_removed_member_leaves_the_site_and_then_the_spare(trip, tmp_path):
    root, spare = tmp_path / "site", tmp_path / ".site.spare"
    build(trip, root)
    build(later(trip, 1), root)
    folder = member_folder(trip, trip.members[-1].id)
    without_member = trip.model_copy(update={"members": trip.members[:-1]})
    build(later(without_member, 2), root)
    assert not (root / folder).exists()
    assert (spare / folder).is_dir()  # the site before this build
    build(later(moved(without_member, PAVILION), 3), root)
    assert not (spare / folder).exists()
    assert not (root / folder).exists()


def test_a_build_failing_with_a_spare_leaves_the_site_and_the_next_one_is_right(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    build(later(moved(trip, PAVILION), 1), root)
    before = snapshot(root)
    with pytest.raises(OSError, match="No space"):
        build(later(trip, 2), FailingDisk(root, fail_at=2))
    assert snapshot(root) == before
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".site.lock", ".site.renders", "site"]  # the spare used up
    build(later(trip, 2), root)
    assert contents(root) == moved_and_back(trip, tmp_path / "fresh")


def moved_day_part(trip, event_id):
    def change(event):
        if event.id != event_id:
            return event
        return event.model_copy(
            update={"time": event.time.model_copy(update={"part": DayPart.AFTERNOON})}
        )

    return with_events(trip, [change(event) for event in trip.events])


def test_a_hand_edited_site_is_rendered_and_compared_again(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    page = next(root.glob("m/*/index.html"))
    page.write_bytes(b"edited by hand")
    report = build(later(moved(trip, PAVILION), 1), root)
    assert page.read_bytes().startswith(b"<!DOCTYPE html>")
    assert page.relative_to(root).as_posix() in report.written


# --- the record's answer without the trip (publish.up_to_date) --------------------------------------


def _source(**options):
    from seoulcal.publish.record import BUILT_IN_TRIP, source_digest  # noqa: PLC0415

    options.setdefault("base_url", BASE)
    options.setdefault("secret", SECRET)
    options.setdefault("retention", publish.DEFAULT_RETENTION)
    return source_digest(BUILT_IN_TRIP.read_bytes(), folder=None, **options)


def test_the_record_answers_as_the_build_would(tmp_path):
    root = tmp_path / "site"
    trip = seoulcal.ces2024()
    source = _source()
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is None  # no site yet
    build(trip, root, source=source)
    again = build(trip, root, source=source)  # settled: the build's own answer, from the trip
    assert not again.changed
    answer = publish.up_to_date(root, source, base_url=BASE, secret=SECRET)
    assert answer == again
    assert publish.up_to_date(root, _source(retention=timedelta(0)), base_url=BASE) is None


def test_a_build_without_a_source_forgets_the_one_recorded(trip, tmp_path):
    root = tmp_path / "site"
    source = _source()
    build(seoulcal.ces2024(), root, source=source)
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is not None
    build(seoulcal.ces2024(), root)  # the same site: what the record vouches for still holds
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is not None
    build(later(moved(trip, PAVILION), 1), root)  # a library caller's other trip
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is None
    build(seoulcal.ces2024(), root)  # back, but nothing vouches for the raw inputs any more
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is None
    build(seoulcal.ces2024(), root, source=source)  # settled: now it does, nothing touched
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is not None


def test_the_record_holds_member_addresses_but_no_secret_and_only_its_owner_reads_it(tmp_path):
    root = tmp_path / "site"
    trip = seoulcal.ces2024()
    report = build(trip, root, source=_source())
    lock = tmp_path / ".site.lock"
    record = lock.read_bytes()
    assert SECRET not in record
    assert SECRET.hex().encode() not in record
    for member in report.members:
        assert member.page_url.encode() in record  # as the report shows them (docs/publishing.md)
    assert lock.stat().st_mode & 0o777 == 0o600


def test_a_record_that_is_not_one_is_ignored(tmp_path):
    root = tmp_path / "site"
    trip = seoulcal.ces2024()
    source = _source()
    build(trip, root, source=source)
    lock = tmp_path / ".site.lock"
    record = json.loads(lock.read_bytes())
    for members in ([["x"]], [[1, "u", []]], [["x", "u", [["fr", "n", "h", "u"]]]], "x", None):
        lock.write_text(json.dumps({**record, "members": members}))
        assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is None
    lock.write_text(json.dumps(record))
    assert publish.up_to_date(root, source, base_url=BASE, secret=SECRET) is not None


# --- the record's folders: a settled site looked at without listing it -----------------------------


STEP_NS = 200_000_000
"""The clock step the walk's tests allow for (`short_step`); seoulcal's own is 3 s."""


@pytest.fixture
def short_step(monkeypatch):
    monkeypatch.setattr(folder_module, "_TIMESTAMP_STEP_NS", STEP_NS)


def a_step_later() -> None:
    """Wait until what changed so far is a step old (a change time cannot be set back)."""
    time.sleep(2 * STEP_NS / 1e9)


def record_of(root: Path) -> dict[str, object]:
    return json.loads((root.parent / f".{root.name}.lock").read_bytes())


def answer(root: Path, source: str) -> publish.BuildReport | None:
    return publish.up_to_date(root, source, base_url=BASE, secret=SECRET)


def no_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    def walk(root, **_):
        raise AssertionError(f"{root} was walked")

    monkeypatch.setattr(folder_module, "_walk", walk)


@pytest.fixture
def settled_site(tmp_path):
    """A site just built for a source, the record listing its folders, and the answer."""
    root = tmp_path / "site"
    source = _source()
    build(seoulcal.ces2024(), root, source=source)
    assert "folders" in record_of(root)
    expected = answer(root, source)
    assert expected is not None
    return root, source, expected


def site_folders(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


def test_a_build_records_its_sites_folders_dated_back(tmp_path, monkeypatch):
    root = tmp_path / "site"
    source = _source()
    began = time.time_ns()
    report = build(seoulcal.ces2024(), root, source=source)
    ended = time.time_ns()
    folders = record_of(root)["folders"]
    assert [entry[0] for entry in folders] == ["", *site_folders(root)]  # the site's own first
    assert sorted(f"{entry[0]}/{name}".lstrip("/") for entry in folders for name in entry[3]) == (
        sorted(report.written)
    )
    step = folder_module._TIMESTAMP_STEP_NS
    for folder, mtime_ns, ctime_ns, _ in folders:
        info = (root / folder).stat()
        assert (info.st_mtime_ns, info.st_ctime_ns) == (mtime_ns, ctime_ns)
        assert began - step <= mtime_ns <= ended - step  # dated back a step
    expected = build(seoulcal.ces2024(), root, source=source)
    no_walk(monkeypatch)
    assert answer(root, source) == expected  # right after the build


def test_a_sites_folders_are_recorded_by_a_walk_only_once_they_are_old(settled_site, short_step):
    root, source, expected = settled_site
    lock = root.parent / f".{root.name}.lock"
    record = record_of(root)
    del record["folders"]  # as a record an earlier release wrote
    lock.write_text(json.dumps(record))
    long_ago = time.time() - 3600
    for folder in [root, *(path for path in root.rglob("*") if path.is_dir())]:
        os.utime(folder, (long_ago, long_ago))  # old times, but changed just now: not vouched for
    assert answer(root, source) == expected
    assert "folders" not in record_of(root)
    a_step_later()
    assert answer(root, source) == expected
    assert [entry[0] for entry in record_of(root)["folders"]] == ["", *site_folders(root)]


def test_a_tool_that_sets_folder_times_back_cannot_hide_a_file(settled_site, tmp_path):
    root, source, _ = settled_site
    subprocess.run(["cp", "-a", str(root), str(tmp_path / "copy")], check=True)
    extra = _member_folder(root) / "extra.html"
    extra.write_text("not seoulcal's")
    subprocess.run(["cp", "-a", f"{tmp_path / 'copy'}/.", str(root)], check=True)  # times back
    assert answer(root, source) is None  # the folder's change time tells
    build(seoulcal.ces2024(), root, source=source)
    assert not extra.exists()


def test_a_folder_changed_while_walked_is_never_recorded_whatever_the_clock(
    settled_site, short_step, monkeypatch
):
    root, source, expected = settled_site
    lock = root.parent / f".{root.name}.lock"
    record = record_of(root)
    del record["folders"]
    lock.write_text(json.dumps(record))
    a_step_later()
    extra = _member_folder(root) / "extra.html"
    real = folder_module._folders

    def folders(site, layout):
        extra.write_text("x")  # another program, after the walk listed the folder
        return real(site, layout)

    monkeypatch.setattr(folder_module, "_folders", folders)
    ahead = types.SimpleNamespace(time_ns=lambda: time.time_ns() + 10**10)
    monkeypatch.setattr(folder_module, "time", ahead)  # this machine's clock 10 s ahead
    assert answer(root, source) == expected  # what the walk saw
    monkeypatch.undo()
    assert "folders" not in record_of(root)  # by the file system's clock, the folder is new
    assert answer(root, source) is None


def test_a_folder_of_the_spare_that_holds_no_file_is_counted(trip, tmp_path, monkeypatch):
    root = tmp_path / "site"
    source = _source()
    build(seoulcal.ces2024(), root, source=source)
    (root / "events" / "empty").mkdir()  # a folder seoulcal did not make, kept as it is
    build(later(moved(trip, PAVILION), 1), root, source=source)  # the site becomes the spare
    build(seoulcal.ces2024(), root, source=source)  # from the spare: the empty folder stays
    assert (root / "events" / "empty").is_dir()
    assert {entry[0]: entry[3] for entry in record_of(root)["folders"]}["events/empty"] == []
    expected = build(seoulcal.ces2024(), root, source=source)
    with monkeypatch.context() as patched:
        no_walk(patched)
        assert answer(root, source) == expected
    (root / "events" / "empty" / "x.ics").write_text("x")
    assert answer(root, source) is None


@pytest.mark.parametrize(
    ("times", "now", "kept"),
    [
        ((1_700_000_000_123_456_789, 1_700_000_001_000_000_123), 1_700_000_001_000_000_123, True),
        ((1_700_000_000_000_000_000, 1_700_000_003_000_000_000), 1_700_000_003_000_000_000, False),
        ((1_700_000_000_000_000_000, 1_700_000_003_000_000_000), 1_700_000_004_000_000_000, True),
        ((1_700_000_000_123_456_789, 1_700_000_001_000_000_123), None, False),
    ],
    ids=["fine times", "whole seconds, the same second", "whole seconds, a second on", "no clock"],
)
def test_a_builds_folders_are_kept_only_if_no_later_change_can_share_their_times(times, now, kept):
    record = [["", *times, ["index.html"]], ["m", *times, []]]
    assert (folder_module._past(record, now) is record) is kept


def test_a_settled_site_is_answered_without_listing_it(settled_site, monkeypatch):
    root, source, expected = settled_site
    before = snapshot(root)
    no_walk(monkeypatch)
    assert answer(root, source) == expected
    assert answer(root, source) == expected
    assert snapshot(root) == before


def test_a_build_that_finds_its_site_in_place_records_its_folders(tmp_path, short_step):
    root = tmp_path / "site"
    trip = seoulcal.ces2024()
    build(trip, root)  # a library caller's build: no source, so no record to answer from
    a_step_later()
    report = build(trip, root, source=_source())  # the same site: settled, walked and recorded
    assert not report.changed
    assert "folders" in record_of(root)


def test_a_build_that_changes_the_site_records_the_new_folders(settled_site, trip, monkeypatch):
    root, source, _ = settled_site
    build(later(moved(trip, PAVILION), 1), root, source=source)
    assert [entry[0] for entry in record_of(root)["folders"]] == ["", *site_folders(root)]
    expected = build(later(moved(trip, PAVILION), 1), root, source=source)
    assert not expected.changed
    no_walk(monkeypatch)
    assert answer(root, source) == expected


def _member_folder(root: Path) -> Path:
    return next(path for path in sorted(root.glob("m/*")) if path.is_dir())


def _edit_in_place(root: Path) -> None:
    page = _member_folder(root) / "index.html"
    data = page.read_bytes()
    with page.open("r+b") as handle:  # the same inode and size, another byte and time
        handle.seek(data.index(b"html"))
        handle.write(b"HTML")


def _replace_keeping_time(root: Path) -> None:
    page = _member_folder(root) / "index.html"
    info = page.stat()
    new = page.with_name("index.html.new")
    new.write_bytes(page.read_bytes())
    os.utime(new, ns=(info.st_atime_ns, info.st_mtime_ns))
    new.replace(page)  # the same bytes and time, another inode


def _link_added(root: Path) -> None:
    (_member_folder(root) / "other.html").symlink_to("index.html")


def _folder_added(root: Path) -> None:
    (root / "m" / "new").mkdir()
    (root / "m" / "new" / "index.html").write_text("x")


TAMPERING = {
    "a file edited in place": _edit_in_place,
    "a file grown in place": lambda root: (root / "index.html").open("ab").write(b" "),
    "a file replaced, time kept": _replace_keeping_time,
    "a file added to a member's folder": lambda root: (_member_folder(root) / "x.ics").write_text(
        "x"
    ),
    "a file added to the site's own folder": lambda root: (root / "robots.txt").write_text("x"),
    "a file removed": lambda root: next(_member_folder(root).glob("*.ics")).unlink(),
    "a file renamed": lambda root: (root / "index.html").rename(root / "index.htm"),
    "a folder added, a file in it": _folder_added,
    "a folder removed": lambda root: shutil.rmtree(_member_folder(root)),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_every_change_to_a_settled_site_is_seen(settled_site, tamper, tmp_path):
    root, source, _ = settled_site
    tamper(root)
    assert answer(root, source) is None
    build(seoulcal.ces2024(), root, source=source)
    fresh = tmp_path / "fresh"
    build(seoulcal.ces2024(), fresh)
    assert contents(root) == contents(fresh)  # repaired: the site the trip makes, nothing else


def test_a_file_changed_in_a_folder_as_recorded_is_seen_without_a_walk(settled_site, monkeypatch):
    root, source, _ = settled_site
    _edit_in_place(root)
    no_walk(monkeypatch)
    assert answer(root, source) is None  # the folders are as recorded: the file's time tells


UNCOUNTED = {
    "an empty folder added": lambda root: (root / "m" / "new").mkdir(),
    "a link added": _link_added,
}


@pytest.mark.parametrize("add", UNCOUNTED.values(), ids=UNCOUNTED.keys())
def test_what_no_build_counts_is_walked_and_answered_as_a_walk_does(settled_site, add):
    root, source, expected = settled_site
    add(root)  # neither is a file: the manifest, so any build, leaves them be
    assert answer(root, source) == expected
    assert "folders" not in record_of(root)  # a folder changed just now


def test_a_folder_changed_since_its_record_is_walked_and_recorded_again(settled_site, short_step):
    root, source, expected = settled_site
    folder = _member_folder(root)
    os.utime(folder)  # now: a folder that changed (here only its time), so it is walked
    assert answer(root, source) == expected
    assert "folders" not in record_of(root)  # changed just before the walk: not vouched for
    a_step_later()
    assert answer(root, source) == expected
    assert "folders" in record_of(root)


@pytest.mark.parametrize(
    "folders",
    [
        "x",
        [],
        [["", "a", 0, []]],
        [[1, 2, 3, 4]],
        [["", 0, 0]],
        [["", 0, 0, "index.html"]],
        [[None, 0, 0, []]],
        [["", 0, 0, ["nope"]]],
        [["", 0, ["index.html"]]],
    ],
    ids=repr,
)
def test_a_damaged_folder_record_is_walked_instead(settled_site, folders, short_step, monkeypatch):
    root, source, expected = settled_site
    lock = root.parent / f".{root.name}.lock"
    lock.write_text(json.dumps({**record_of(root), "folders": folders}))
    a_step_later()
    assert answer(root, source) == expected
    assert [entry[0] for entry in record_of(root)["folders"]] == ["", *site_folders(root)]
    no_walk(monkeypatch)
    assert answer(root, source) == expected  # from the folders recorded again


def test_a_record_whose_folders_list_too_few_files_answers_no(settled_site):
    root, source, _ = settled_site
    record = record_of(root)
    folders = [[*entry[:3], entry[3][1:]] for entry in record["folders"]]
    (root.parent / f".{root.name}.lock").write_text(json.dumps({**record, "folders": folders}))
    assert answer(root, source) is None  # as recorded, but not the site the record vouches for


# --- a rebuild looks at its site instead of walking it ----------------------------------------


def test_a_rebuild_looks_at_a_settled_site_instead_of_walking_it(settled_site, trip, monkeypatch):
    root, source, _ = settled_site
    with monkeypatch.context() as patched:
        no_walk(patched)
        assert not build(seoulcal.ces2024(), root, source=source).changed  # the same trip
        report = build(later(moved(trip, PAVILION), 1), root, source=source)
        assert report.written
        build(later(trip, 2), root, source=source)  # from the spare
    assert contents(root) == moved_and_back(trip, root.parent / "fresh")


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_rebuild_of_a_site_changed_by_hand_makes_the_site_the_trip_makes(
    settled_site, trip, tamper, tmp_path
):
    root, source, _ = settled_site
    tamper(root)
    build(later(moved(trip, PAVILION), 1), root, source=source)
    fresh = tmp_path / "fresh"
    build(trip, fresh)
    build(later(moved(trip, PAVILION), 1), fresh)
    assert contents(root) == contents(fresh)  # nothing of the hand's kept, nothing missing


def test_a_rebuild_whose_folders_hold_no_longer_walks_its_site(settled_site, trip, monkeypatch):
    root, source, _ = settled_site
    (_member_folder(root) / "x.ics").write_text("x")  # the folder's times move
    walked = []
    real = folder_module._walk

    def walk(site, **options):
        walked.append(site)
        return real(site, **options)

    monkeypatch.setattr(folder_module, "_walk", walk)
    build(later(moved(trip, PAVILION), 1), root, source=source)
    assert walked == [str(root)]
    assert not (_member_folder(root) / "x.ics").exists()


def test_listings_are_trusted_for_a_spare_once_a_build_saw_them_give_true_inodes(
    trip, tmp_path, monkeypatch
):
    """A site looked at, not walked, tells nothing of its listings: a spare looked at does."""
    root, spare, source = tmp_path / "site", tmp_path / ".site.spare", _source()
    build(trip, root, source=source)
    build(later(moved(trip, PAVILION), 1), root, source=source)
    assert "listed_inodes" not in record_of(root)  # no listing was compared with lstat yet
    looked_at = listings(monkeypatch)
    build(later(trip, 2), root, source=source)  # every file of the spare looked at
    assert sorted(looked_at) == sorted(str(spare / rel) for rel in contents(root))
    assert record_of(root)["listed_inodes"] is True
    looked_at.clear()
    build(later(moved(trip, PAVILION), 3), root, source=source)
    assert looked_at == []  # the site looked at, the spare listed: no file stat'd through a listing
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    for step in (trip, later(moved(trip, PAVILION), 1), later(trip, 2)):
        build(step, fresh)
    build(later(moved(trip, PAVILION), 3), fresh)
    assert contents(root) == contents(fresh)


def test_listings_that_give_other_inodes_than_lstat_are_never_recorded_as_true(
    trip, tmp_path, monkeypatch
):
    root, source = tmp_path / "site", _source()
    looked_at = listings(monkeypatch, lambda entry: entry.inode() ^ 1)  # every inode another
    build(trip, root, source=source)
    for days in range(1, 4):
        looked_at.clear()
        build(later(moved(trip, PAVILION) if days % 2 else trip, days), root, source=source)
        assert "listed_inodes" not in record_of(root)
    assert looked_at  # the spare read by lstat, every time
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    for days in range(4):
        build(later(moved(trip, PAVILION) if days % 2 else trip, days), fresh)
    assert contents(root) == contents(fresh)


class _Watched(FolderTarget):
    """A folder target that notes whether the collector's passes skip the heap as it works."""

    frozen: list[tuple[str, bool]]

    def part(self):
        self.frozen.append(("part", gc.get_freeze_count() > 0))
        return super().part()

    def commit(self, parts=()):
        self.frozen.append(("commit", gc.get_freeze_count() > 0))
        return super().commit(parts)

    def settle(self, inputs, **options):
        if inputs is not None:
            self.frozen.append(("settle", gc.get_freeze_count() > 0))
        super().settle(inputs, **options)


def test_the_collector_leaves_the_builds_heap_alone_from_the_first_look_at_the_site(trip, tmp_path):
    root = tmp_path / "site"
    build(trip, root)
    target = _Watched(root)
    target.frozen = []
    build(later(moved(trip, PAVILION), 1), target)
    assert {step for step, _ in target.frozen} == {"part", "commit", "settle"}
    assert all(frozen for _, frozen in target.frozen), target.frozen
    assert gc.get_freeze_count() == 0  # and given back after the build


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_a_file_is_read_to_its_end_whatever_size_it_says(tmp_path):
    # A file that says it is empty but holds bytes (as /proc's do, or one that grew after it was
    # looked at) is read to its end, not to the size it said.
    said = Path("/proc/self/status")
    assert said.stat().st_size == 0
    assert folder_module._read(str(said)).startswith(b"Name:")
    plain = tmp_path / "state.json"
    for data in (b"", b"{}", "서울".encode() * 40_000):
        plain.write_bytes(data)
        assert folder_module._read(str(plain)) == data
    with pytest.raises(FileNotFoundError):
        folder_module._read(str(tmp_path / "missing.json"))


def test_a_file_holds_only_its_own_bytes(tmp_path):
    path = tmp_path / "feed.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\n")
    assert folder_module._holds(str(path), b"BEGIN:VCALENDAR\r\n")
    for other in (b"BEGIN:VCALENDAR\r", b"BEGIN:VCALENDAR\r\n\r\n", b"BEGIN:VCALENDAR\n\n", b""):
        assert not folder_module._holds(str(path), other)
    assert not folder_module._holds(str(tmp_path / "missing.ics"), b"")
