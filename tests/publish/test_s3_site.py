"""Building a site into a bucket: the folder build's lifecycle, replayed against a real SeaweedFS.

Every build here is made twice, into a folder and into the bucket, from the same inputs: the
folder build is the oracle. After each step the bucket holds exactly the folder's public files
(byte for byte, found by listing the bucket with the test's own credentials: seoulcal never
lists), its state object holds exactly the folder's state files, and the build uploaded exactly
the files the folder build wrote and deleted exactly those it removed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
import seaweed
from s3stores import Recording, Stalling
from seaweed import ROOT, free_ports

import seoulcal
from seoulcal.identity import event_uid
from seoulcal.model import ExactTime
from seoulcal.publish import build_site, member_token
from seoulcal.publish.layout import is_state
from seoulcal.publish.s3 import (
    LOCK_KEY,
    STATE_KEY,
    Boto3Store,
    BucketState,
    Location,
    S3Target,
    SiteBucket,
    bucket_policy,
)

SECRET = b"test-secret-for-member-tokens-0123"
OTHER_SECRET = b"another-secret-for-member-tokens-9"
BASE = "https://trips.example.org/ces2024/"
PREFIX = "ces2024/"
_NAMES = iter(range(10**6))


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def trip():
    return seoulcal.ces2024()


class Twin:
    """A site built into a folder and into a bucket, step by step, from the same inputs."""

    def __init__(self, seaweed, folder: Path):
        self.seaweed = seaweed
        self.bucket = f"site{next(_NAMES)}-{os.getpid()}"
        self.client = seaweed.client()
        self.client.create_bucket(Bucket=self.bucket)
        self.location = Location(self.bucket, PREFIX)
        self.store = Boto3Store(self.client, self.bucket)
        self.folder = folder
        self.url = f"s3://{self.bucket}/{PREFIX}"

    def build(self, trip, *, secret=SECRET, **options):
        """Build both; return (folder report, bucket report, the bucket's write log)."""
        options.setdefault("base_url", BASE)
        options.setdefault("jobs", 1)
        folder = build_site(trip, self.folder, secret=secret, **options)
        recording = Recording(self.store)
        target = S3Target(SiteBucket(recording, self.location))
        bucket = build_site(trip, target, secret=secret, **options)
        return folder, bucket, recording

    def objects(self) -> dict[str, bytes]:
        """Every object under the prefix (listed with the test's own credentials)."""
        found = {}
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Contents", []):
                key = item["Key"]
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                found[key.removeprefix(PREFIX)] = body
        return found

    def files(self) -> dict[str, bytes]:
        return {
            path.relative_to(self.folder).as_posix(): path.read_bytes()
            for path in sorted(self.folder.rglob("*"))
            if path.is_file()
        }

    def state(self) -> BucketState:
        data = self.store.get(self.location.key(STATE_KEY)).data
        return BucketState.parse(data, "test")

    def assert_same(self):
        """The bucket holds exactly the folder's site."""
        files = self.files()
        objects = self.objects()
        public = {path: data for path, data in files.items() if not is_state(path)}
        private = {path for path in objects if path.startswith(".seoulcal/")}
        assert {path: data for path, data in objects.items() if path not in private} == public
        assert private <= {STATE_KEY, LOCK_KEY, ".seoulcal/probe"}
        state = self.state()
        assert dict(state.states) == {p: d for p, d in files.items() if is_state(p)}
        assert sorted(state.objects) == sorted(public)
        assert state.pending == ()

    def http(self, path, headers=None):
        url = f"{self.seaweed.endpoint}/{self.bucket}/{PREFIX}{path}"
        request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


@pytest.fixture
def twin(seaweed, tmp_path):
    return Twin(seaweed, tmp_path / "site")


def uploaded(recording):
    return sorted(key.removeprefix(PREFIX) for op, key in recording.site_writes() if op == "put")


def deleted(recording):
    return [key.removeprefix(PREFIX) for op, key in recording.site_writes() if op == "delete"]


def public(paths):
    return sorted(path for path in paths if not is_state(path))


def assert_same_changes(folder, bucket, recording):
    assert public(bucket.written) == public(folder.written)
    assert public(bucket.removed) == public(folder.removed)
    assert uploaded(recording) == public(folder.written)
    assert sorted(deleted(recording)) == public(folder.removed)


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def with_events(trip, events):
    return trip.model_copy(update={"events": tuple(events)})


def moved(trip, event_id, hours=1):
    def shift(event):
        if event.id != event_id:
            return event
        delta = timedelta(hours=hours)
        assert isinstance(event.time, ExactTime)
        return event.model_copy(
            update={"time": ExactTime(start=event.time.start + delta, end=event.time.end + delta)}
        )

    return with_events(trip, [shift(event) for event in trip.events])


def without(trip, event_id):
    return with_events(trip, [event for event in trip.events if event.id != event_id])


def later(trip, days):
    return trip.model_copy(update={"revised": trip.revised + timedelta(days=days)})


def event(trip, event_id):
    return next(item for item in trip.events if item.id == event_id)


PAVILION = "seoul-pavilion-opening"


# --- the lifecycle --------------------------------------------------------------------------------


def test_first_publish_puts_the_folder_site_in_the_bucket(twin, trip):
    folder, bucket, recording = twin.build(trip)
    assert_same_changes(folder, bucket, recording)
    assert bucket.changed
    assert bucket.kept == ()
    twin.assert_same()
    assert recording.state_writes() == [twin.location.key(STATE_KEY)]
    assert bucket.members == folder.members


def test_a_rebuild_with_nothing_new_uploads_nothing(twin, trip):
    twin.build(trip)
    etags = {
        path: twin.client.head_object(Bucket=twin.bucket, Key=PREFIX + path)["ETag"]
        for path in twin.objects()
    }
    folder, bucket, recording = twin.build(trip)
    assert not bucket.changed
    assert recording.site_writes() == []
    assert recording.state_writes() == []
    assert public(bucket.kept) == public(folder.kept)
    for path, etag in etags.items():
        if not path.startswith(".seoulcal/"):
            assert twin.client.head_object(Bucket=twin.bucket, Key=PREFIX + path)["ETag"] == etag


def test_a_moved_event_uploads_exactly_the_affected_objects(twin, trip):
    twin.build(trip)
    before = twin.objects()
    time.sleep(1.1)  # Last-Modified has whole seconds
    heads = {
        path: twin.client.head_object(Bucket=twin.bucket, Key=PREFIX + path)
        for path in before
        if not path.startswith(".seoulcal/")
    }
    folder, bucket, recording = twin.build(moved(trip, PAVILION))
    assert_same_changes(folder, bucket, recording)
    assert bucket.revised == (PAVILION,)
    assert "ces2024.ko.ics" in bucket.written
    assert f"events/{PAVILION}.ko.ics" in bucket.written
    twin.assert_same()
    uid = event_uid(trip, event(trip, PAVILION))
    old = vevents(before["ces2024.ko.ics"])[uid]
    new = vevents(twin.objects()["ces2024.ko.ics"])[uid]
    assert new["SEQUENCE"] == old.get("SEQUENCE", 0) + 1
    for path, head in heads.items():
        now = twin.client.head_object(Bucket=twin.bucket, Key=PREFIX + path)
        if path in bucket.written:
            assert now["LastModified"] > head["LastModified"]
        else:
            assert (now["ETag"], now["LastModified"]) == (head["ETag"], head["LastModified"])


def test_a_removed_event_is_cancelled_then_dropped(twin, trip):
    twin.build(trip)
    uid = event_uid(trip, event(trip, "sphere-visit"))
    removed = without(trip, "sphere-visit")
    folder, bucket, recording = twin.build(removed)
    assert_same_changes(folder, bucket, recording)
    assert bucket.cancelled == ("sphere-visit",)
    assert "events/sphere-visit.ko.ics" in deleted(recording)
    cancelled = vevents(twin.objects()["ces2024.ko.ics"])[uid]
    assert cancelled["STATUS"] == "CANCELLED"
    twin.assert_same()

    folder, bucket, recording = twin.build(later(removed, 30))
    assert_same_changes(folder, bucket, recording)
    assert bucket.dropped == ("sphere-visit",)
    assert uid not in vevents(twin.objects()["ces2024.ko.ics"])
    twin.assert_same()


def test_a_rotated_token_uploads_the_new_folder_first_and_deletes_the_old_last(twin, trip):
    twin.build(trip)
    old = {member.id: member_token(SECRET, trip, member.id) for member in trip.members}
    new = {member.id: member_token(OTHER_SECRET, trip, member.id) for member in trip.members}
    folder, bucket, recording = twin.build(trip, secret=OTHER_SECRET)
    assert_same_changes(folder, bucket, recording)
    twin.assert_same()
    log = [(op, key.removeprefix(PREFIX)) for op, key in recording.log]
    state_saved = log.index(("put", STATE_KEY))
    for member in trip.members:
        first_old = min(
            i for i, (op, p) in enumerate(log) if op == "delete" and old[member.id] in p
        )
        last_new = max(i for i, (op, p) in enumerate(log) if op == "put" and new[member.id] in p)
        assert last_new < state_saved < first_old
    for token in new.values():  # a member's calendars are up before the page that links them
        page = log.index(("put", f"m/{token}/index.html"))
        assert all(
            i < page
            for i, (op, p) in enumerate(log)
            if p.startswith(f"m/{token}/") and p != f"m/{token}/index.html"
        )
    assert all(op == "put" for op, p in log[: log.index(("put", STATE_KEY))])


# --- what readers get -----------------------------------------------------------------------------


def test_objects_over_http_have_charset_cache_control_etag_and_304(twin, trip):
    folder, _, _ = twin.build(trip)
    twin.client.put_bucket_policy(
        Bucket=twin.bucket, Policy=json.dumps(bucket_policy(twin.location))
    )
    member = folder.members[0].page_url.removeprefix(BASE)
    for path, kind, cache in (
        ("ces2024.ko.ics", "text/calendar; charset=utf-8", "public, max-age=300"),
        ("index.html", "text/html; charset=utf-8", "public, max-age=300"),
        (member + "index.html", "text/html; charset=utf-8", "private, max-age=300"),
        (member + "ces2024.ko.ics", "text/calendar; charset=utf-8", "private, max-age=300"),
        (f"events/{PAVILION}.ko.ics", "text/calendar; charset=utf-8", "public, max-age=300"),
    ):
        status, headers, body = twin.http(path, {"Accept-Encoding": "gzip"})
        assert status == 200, path
        assert body == (twin.folder / path).read_bytes()
        assert headers["Content-Type"] == kind
        assert headers["Cache-Control"] == cache
        assert headers.get("Content-Encoding") is None
        assert twin.http(path, {"If-None-Match": headers["ETag"]})[0] == 304
        assert twin.http(path, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    _, headers, _ = twin.http(f"events/{PAVILION}.ko.ics")
    assert headers["Content-Disposition"].startswith("attachment;")
    assert twin.http("ces2024.ko.ics")[1].get("Content-Disposition") is None


def test_an_anonymous_reader_cannot_list_or_read_the_state(twin, trip):
    folder, _, _ = twin.build(trip)
    twin.client.put_bucket_policy(
        Bucket=twin.bucket, Policy=json.dumps(bucket_policy(twin.location))
    )
    tokens = [site.page_url.removeprefix(BASE).split("/")[1] for site in folder.members]
    token = tokens[0]
    assert twin.http("index.html")[0] == 200
    for path in (STATE_KEY, LOCK_KEY, ".seoulcal/probe", "", "m/", f"m/{token}/"):
        status, _, body = twin.http(path)
        assert status == 403, path
        for other in tokens:  # (an error may repeat the key asked for)
            assert other not in path or other.encode() not in body.replace(path.encode(), b"")
    for query in ("?list-type=2", f"?list-type=2&prefix={PREFIX}", f"?prefix={PREFIX}m/"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{twin.seaweed.endpoint}/{twin.bucket}{query}", timeout=10)  # noqa: S310 - loopback
        assert caught.value.code == 403
        body = caught.value.read()
        assert not any(other.encode() in body for other in tokens)


# --- two builds at once; a build killed mid-upload -----------------------------------------------


def cli_build(twin, trip_file, *extra, secret_file):
    environment = {**os.environ, **twin.seaweed.environment()}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "seoulcal",
            "build",
            twin.url,
            "--trip",
            str(trip_file),
            "--base-url",
            BASE,
            "--secret-file",
            str(secret_file),
            "--jobs",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        cwd=ROOT,
        timeout=120,
    )


def test_two_builds_at_once_exactly_one_wins_and_the_site_is_the_winners(twin, trip, tmp_path):
    twin.build(trip)
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    other_trip = tmp_path / "other.toml"
    source = (Path(seoulcal.__file__).parent / "trips" / "ces2024.toml").read_text()
    other_trip.write_text(source.replace("Sphere", "Sphere (moved)", 1))

    winner = moved(trip, PAVILION)
    stalling = Stalling(twin.store, after=1)
    target = S3Target(SiteBucket(stalling, twin.location), threads=1)
    outcome = {}

    def first():
        outcome["report"] = build_site(winner, target, base_url=BASE, secret=SECRET, jobs=1)

    thread = threading.Thread(target=first)
    thread.start()
    assert stalling.stalled.wait(60)
    loser = cli_build(twin, other_trip, secret_file=secret_file)
    stalling.go.set()
    thread.join(60)
    assert loser.returncode == 2, loser.stderr
    assert "another build is publishing this site" in loser.stderr
    assert twin.url in loser.stderr
    assert outcome["report"].revised == (PAVILION,)
    build_site(winner, twin.folder, base_url=BASE, secret=SECRET, jobs=1)
    twin.assert_same()


CHILD = """
import sys
from datetime import timedelta
sys.path[:0] = [{tests!r}, {here!r}]
import seoulcal
from s3stores import Stalling
from seaweed import Seaweed
from seoulcal.publish import build_site
from seoulcal.publish.s3 import Boto3Store, Location, S3Target, SiteBucket, open_store

location = Location.parse({url!r})
store = Stalling(open_store(location.bucket), after={after})
site = SiteBucket(store, location, lease=timedelta(seconds=1))
trip = seoulcal.load_trip({trip_file!r})
build_site(trip, S3Target(site, threads=1), base_url={base!r}, secret={secret!r}, jobs=1)
"""


def test_a_build_killed_mid_upload_leaves_whole_calendars_and_the_next_converges(
    twin, trip, tmp_path
):
    twin.build(trip)
    old = twin.objects()
    state_before = twin.store.get(twin.location.key(STATE_KEY)).etag
    trip_file = tmp_path / "trip.toml"
    source = (Path(seoulcal.__file__).parent / "trips" / "ces2024.toml").read_text()
    source = re.sub(r'revised = "[^"]*"', 'revised = "2024-01-08T09:00:00Z"', source)
    # A change every member's files show (the trip's name), so that many objects are uploaded.
    source = source.replace('en = "Mayor of Seoul at CES 2024 (Las Vegas)"', 'en = "CES 2024"', 1)
    trip_file.write_text(source)
    changed = seoulcal.load_trip(trip_file)
    # the bytes the interrupted build was making: a rebuild of the old site (raised SEQUENCEs)
    build_site(trip, tmp_path / "new", base_url=BASE, secret=SECRET, jobs=1)
    build_site(changed, tmp_path / "new", base_url=BASE, secret=SECRET, jobs=1)
    new = {
        p.relative_to(tmp_path / "new").as_posix(): p.read_bytes()
        for p in (tmp_path / "new").rglob("*")
        if p.is_file()
    }
    script = CHILD.format(
        tests=str(Path(seaweed.__file__).parent),
        here=str(Path(__file__).parent),
        url=twin.url,
        after=5,
        trip_file=str(trip_file),
        base=BASE,
        secret=SECRET,
    )
    environment = {**os.environ, **twin.seaweed.environment()}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=ROOT,
    )
    try:
        line = child.stdout.readline()
        assert line == b"stalled\n", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)

    objects = twin.objects()
    mixed = 0
    for path, data in objects.items():
        if path.startswith(".seoulcal/"):
            continue
        assert data in {old.get(path), new.get(path)}, path
        mixed += data != old.get(path)
        if path.endswith(".ics"):
            calendar = icalendar.Calendar.from_ical(data)
            assert data.endswith(b"END:VCALENDAR\r\n")
            assert calendar.walk("VEVENT")
    assert mixed == 5
    assert twin.store.get(twin.location.key(STATE_KEY)).etag == state_before

    time.sleep(2.5)  # the killed build's 1 s hold expires (a second past it by the store's clock)
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    result = cli_build(twin, trip_file, secret_file=secret_file)
    assert result.returncode == 0, result.stderr
    build_site(changed, twin.folder, base_url=BASE, secret=SECRET, jobs=1)
    twin.assert_same()
    count = len(public(twin.files()))
    # after an interrupted build, every object is uploaded again (same bytes, same ETag)
    assert result.stdout.startswith(f"{twin.url}: {count} objects uploaded, 0 unchanged, 0 deleted")
    again = cli_build(twin, trip_file, secret_file=secret_file)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{twin.url}: 0 objects uploaded, {count} unchanged, 0 deleted")


def test_worker_processes_build_the_same_objects(twin, trip):
    folder = build_site(trip, twin.folder, base_url=BASE, secret=SECRET, jobs=1)
    recording = Recording(twin.store)
    target = S3Target(SiteBucket(recording, twin.location))
    report = build_site(trip, target, base_url=BASE, secret=SECRET, jobs=3)
    assert report.processes == 3
    assert (report.site, folder.site) == (twin.url, str(twin.folder))  # the address unfolded
    assert public(report.written) == public(folder.written)
    twin.assert_same()
    moved_trip = moved(trip, PAVILION)
    folder = build_site(moved_trip, twin.folder, base_url=BASE, secret=SECRET, jobs=1)
    recording = Recording(twin.store)
    report = build_site(
        moved_trip,
        S3Target(SiteBucket(recording, twin.location)),
        base_url=BASE,
        secret=SECRET,
        jobs=3,
    )
    assert_same_changes(folder, report, recording)
    twin.assert_same()


# --- the command line -----------------------------------------------------------------------------


def run_cli(*arguments, env=None, code=None):
    program = code or "import sys; from seoulcal.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", program, *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=120,
    )


def test_the_command_builds_into_a_bucket_with_an_endpoint_option(twin, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    environment = twin.seaweed.environment()
    endpoint = environment.pop("AWS_ENDPOINT_URL")
    environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/"  # --endpoint-url wins over it
    result = run_cli(
        "build",
        twin.url,
        "--endpoint-url",
        endpoint,
        "--base-url",
        BASE,
        "--secret-file",
        str(secret_file),
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    build_site(seoulcal.ces2024(), twin.folder, base_url=BASE, secret=SECRET)
    count = len(public(twin.files()))
    assert result.stdout.startswith(
        f"{twin.url}: {count} objects uploaded, 0 unchanged, 0 deleted\n"
    )
    assert "uploading" not in result.stderr  # progress only on a terminal
    twin.assert_same()


def test_the_command_without_boto3_names_the_extra(tmp_path):
    code = (
        "import sys; sys.modules['boto3'] = None\n"
        "from seoulcal.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = run_cli("build", "s3://calendar-example/ces2024/", code=code)
    assert result.returncode == 2
    assert result.stderr == (
        "seoulcal: s3://calendar-example/: publishing to object storage needs boto3; "
        "install it with: pip install 'seoulcal[s3]'\n"
    )


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["s3://Bad_Bucket/x/"], "'s3://Bad_Bucket/x/': 'Bad_Bucket' is not a bucket name"),
        (
            ["site", "--endpoint-url", "http://127.0.0.1:9"],
            "--endpoint-url is for a site in a bucket",
        ),
        (["site", "--single-writer"], "--single-writer is for a site in a bucket"),
    ],
)
def test_the_command_refuses_bad_bucket_arguments(arguments, words, tmp_path):
    result = run_cli("build", *arguments)
    assert result.returncode == 2
    assert words in result.stderr
    assert not (ROOT / "site").exists() or arguments[0] != "site"


def test_an_unreachable_store_names_bucket_key_and_operation(tmp_path):
    (port,) = free_ports(1)
    environment = {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = run_cli(
        "build",
        "s3://calendar-example/ces2024/",
        "--endpoint-url",
        f"http://127.0.0.1:{port}",
        env=environment,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "seoulcal: s3://calendar-example/ces2024/.seoulcal/probe: PutObject failed: cannot reach "
        f"http://127.0.0.1:{port}"
    )


def test_build_site_takes_an_s3_address_with_the_ordinary_configuration(twin, trip, monkeypatch):
    for name, value in twin.seaweed.environment().items():
        monkeypatch.setenv(name, value)
    report = build_site(trip, twin.url, base_url=BASE, secret=SECRET, jobs=1)
    assert report.changed
    build_site(trip, twin.folder, base_url=BASE, secret=SECRET, jobs=1)
    twin.assert_same()


def test_serve_refuses_a_bucket(tmp_path):
    result = run_cli("serve", "s3://calendar-example/ces2024/")
    assert result.returncode == 2
    assert "'serve' serves a folder" in result.stderr


def test_progress_shows_on_a_terminal(twin, tmp_path):
    import pty  # noqa: PLC0415 - POSIX only, like the rest of these tests

    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET)
    leader, follower = pty.openpty()
    command = [
        sys.executable,
        "-m",
        "seoulcal",
        "build",
        twin.url,
        "--base-url",
        BASE,
        "--secret-file",
        str(secret_file),
    ]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, **twin.seaweed.environment()},
        cwd=ROOT,
    ) as child:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the child
                break
            if not chunk:
                break
            shown += chunk
        child.wait(60)
    os.close(leader)
    assert child.returncode == 0, shown
    build_site(seoulcal.ces2024(), twin.folder, base_url=BASE, secret=SECRET)
    count = len(public(twin.files()))
    text = shown.decode()
    assert f"\rseoulcal: uploading 1/{count} objects" in text
    assert text.rstrip().endswith(f"\rseoulcal: uploading {count}/{count} objects")


def test_a_rebuild_with_nothing_new_renders_nothing_and_loads_no_calendar_library(twin, trip):
    twin.build(trip)
    script = (
        "import sys, seoulcal\n"
        "from seoulcal.publish import build_site\n"
        f"report = build_site(seoulcal.ces2024(), {twin.url!r}, base_url={BASE!r}, "
        f"secret={SECRET!r}, jobs=1)\n"
        "print(report.changed, len(report.kept), 'icalendar' in sys.modules, "
        "'seoulcal.publish.render' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **twin.seaweed.environment()},
        cwd=ROOT,
    )
    assert result.stdout.split() == ["False", str(len(public(twin.files()))), "False", "False"]
