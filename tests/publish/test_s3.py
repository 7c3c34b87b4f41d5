"""The low-level object store, against a real SeaweedFS (``weed mini``) on 127.0.0.1.

What is checked is what a subscriber, an anonymous reader and a second builder see over HTTP and
the S3 API: headers with the charset, validators and 304s, conditional writes and their races,
the lease, the bucket policy, and errors that name the bucket, the key and the operation.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from s3stores import ForgetsConditions, LateClock, Recording
from seaweed import ACCESS_KEY, REGION, free_ports

from seoulcal.errors import PublishError
from seoulcal.publish.s3 import (
    LOCK_KEY,
    PRIVATE_HEADERS,
    PROBE_KEY,
    STATE_KEY,
    Boto3Store,
    BucketState,
    Location,
    ObjectHeaders,
    PreconditionFailedError,
    S3Target,
    SiteBucket,
    Stored,
    bucket_policy,
    object_headers,
    open_store,
)

ROOT = Path(__file__).parent.parent.parent
KOREAN_ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:서울시 CES 2024\r\nEND:VCALENDAR\r\n"
_NAMES = itertools.count()


@pytest.fixture
def bucket(seaweed):
    """A fresh bucket on the session's SeaweedFS; its name."""
    name = f"t{next(_NAMES)}-{int(time.time() * 1000) % 10**8}"
    seaweed.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def store(seaweed, bucket):
    return Boto3Store(seaweed.client(), bucket)


def http(url, *, method="GET", headers=None):
    """GET (or HEAD) *url* anonymously; (status, headers, body), 304 and 4xx included."""
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - same as above
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def make_public(seaweed, location):
    seaweed.client().put_bucket_policy(
        Bucket=location.bucket, Policy=json.dumps(bucket_policy(location))
    )


# --- addresses and headers (no server) ---


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://site/", "site", ""),
        ("s3://site", "site", ""),
        ("s3://seoul-city.cal/ces2024/", "seoul-city.cal", "ces2024/"),
        ("s3://site/trips/ces2024", "site", "trips/ces2024/"),
    ],
)
def test_location_parses_bucket_and_prefix(url, bucket, prefix):
    location = Location.parse(url)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert location.key("index.html") == prefix + "index.html"
    assert location.url(STATE_KEY) == f"s3://{bucket}/{prefix}.seoulcal/state.json"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("site/ces/", "not an s3:// address"),
        ("s3://Site/", "is not a bucket name"),
        ("s3://a/", "is not a bucket name"),
        ("s3://site/a//b/", "prefix segment ''"),
        ("s3://site/../b/", "prefix segment '..'"),
        ("s3://site/a b/", "prefix segment 'a b'"),
        ("s3://site/.seoulcal/", "private state"),
    ],
)
def test_location_refuses_bad_addresses_naming_them(url, words):
    with pytest.raises(PublishError, match=r"^'[^']*'") as caught:
        Location.parse(url)
    assert url in str(caught.value)
    assert words in str(caught.value)


def test_object_headers_follow_the_feed_server():
    calendar = object_headers("ces2024.ko.ics")
    assert calendar == ObjectHeaders("text/calendar; charset=utf-8", "public, max-age=300")
    assert object_headers("index.html").content_type == "text/html; charset=utf-8"
    member = object_headers("m/AbC_-x/ces2024.en.ics")
    assert member.cache_control == "private, max-age=300"
    download = object_headers("events/sphere-visit.ko.ics")
    assert download.content_disposition == (
        "attachment; filename=\"sphere-visit.ko.ics\"; filename*=UTF-8''sphere-visit.ko.ics"
    )
    assert object_headers("ces2024.ko.ics").content_disposition is None


@pytest.mark.parametrize("path", [".seoulcal-state.json", "m/x/.seoulcal-state.json", "a.json"])
def test_object_headers_refuse_what_a_site_does_not_publish(path):
    with pytest.raises(PublishError, match="not a kind of file"):
        object_headers(path)


def test_missing_boto3_names_the_extra():
    code = (
        "import sys; sys.modules['boto3'] = None\n"
        "from seoulcal.publish.s3 import open_store\n"
        "try:\n    open_store('site')\n"
        "except Exception as e:\n    print(type(e).__name__, e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == (
        "PublishError s3://site/: publishing to object storage needs boto3; "
        "install it with: pip install 'seoulcal[s3]'"
    )


def test_the_store_module_is_the_only_one_importing_boto3():
    users = sorted(
        path.relative_to(ROOT / "seoulcal").as_posix()
        for path in (ROOT / "seoulcal").rglob("*.py")
        if "import boto3" in path.read_text() or "from botocore" in path.read_text()
    )
    assert users == ["publish/s3.py"]
    result = subprocess.run(
        [sys.executable, "-c", "import seoulcal.cli, sys; print('boto3' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert result.stdout.strip() == "False"


# --- objects over HTTP ---


def test_objects_keep_charset_cache_control_and_no_encoding(seaweed, store):
    location = Location(store.bucket, "ces/")
    site = SiteBucket(store, location)
    data = (KOREAN_ICS * 300).encode()
    site.put("ces2024.ko.ics", data)
    site.put("index.html", "<!doctype html><title>서울</title>".encode())
    site.put("events/sphere-visit.ko.ics", KOREAN_ICS.encode())
    make_public(seaweed, location)

    base = f"{seaweed.endpoint}/{store.bucket}/ces/"
    status, headers, body = http(base + "ces2024.ko.ics", headers={"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert body == data
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers.get("Content-Encoding") is None
    assert headers.get("Content-Disposition") is None
    status, headers, _ = http(base + "index.html", method="HEAD")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    _, headers, _ = http(base + "events/sphere-visit.ko.ics")
    assert headers["Content-Disposition"].startswith('attachment; filename="sphere-visit.ko.ics"')


def test_revalidation_gets_304_and_unchanged_objects_keep_their_validators(seaweed, store):
    location = Location(store.bucket, "")
    site = SiteBucket(store, location)
    site.put("ces2024.en.ics", KOREAN_ICS.encode())
    make_public(seaweed, location)
    url = f"{seaweed.endpoint}/{store.bucket}/ces2024.en.ics"
    status, headers, _ = http(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200
    assert etag.startswith('"')
    assert http(url, headers={"If-None-Match": etag})[0] == 304
    assert http(url, headers={"If-Modified-Since": modified})[0] == 304
    assert http(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200

    time.sleep(1.1)  # Last-Modified has whole seconds
    site.put("ces2024.en.ics", KOREAN_ICS.replace("2024", "2025").encode())
    status, headers, _ = http(url, headers={"If-None-Match": etag})
    assert status == 200
    assert headers["ETag"] != etag
    assert headers["Last-Modified"] != modified


def test_anonymous_readers_cannot_list_or_read_the_private_objects(seaweed, store):
    location = Location(store.bucket, "ces/")
    site = SiteBucket(store, location)
    site.put("index.html", b"<!doctype html>")
    site.put("m/TOKEN/ces2024.ko.ics", KOREAN_ICS.encode())
    with site:
        site.read_state()
        site.replace_state(b'{"secret": "which members"}')
    make_public(seaweed, location)

    base = f"{seaweed.endpoint}/{store.bucket}/"
    assert http(base + "ces/index.html")[0] == 200
    assert http(base + "ces/m/TOKEN/ces2024.ko.ics")[0] == 200
    for key in (STATE_KEY, LOCK_KEY, PROBE_KEY):
        status, _, body = http(base + "ces/" + key)
        assert status == 403, key
        assert b"which members" not in body
    for query in ("?list-type=2", "?list-type=2&prefix=ces/", "?prefix=ces/m/", ""):
        status, _, body = http(f"{seaweed.endpoint}/{store.bucket}{query}")
        assert status == 403, query
        assert b"TOKEN" not in body
    assert http(base + "ces/m/")[0] == 403


def test_missing_objects_read_as_none_and_delete_quietly(store):
    assert store.get("nothing/here") is None
    store.delete("nothing/here")
    etag = store.put("a.ics", b"x", object_headers("a.ics"))
    found = store.get("a.ics")
    assert isinstance(found, Stored)
    assert (found.data, found.etag) == (b"x", etag)
    assert abs((found.now - found.modified).total_seconds()) < 60
    store.delete("a.ics")
    assert store.get("a.ics") is None


# --- conditional writes ---


def test_seaweedfs_honours_conditional_writes(store):
    assert SiteBucket(store, Location(store.bucket, "")).check_conditions() is True
    etag = store.put("k", b"one", PRIVATE_HEADERS, if_none_match=True)
    with pytest.raises(PreconditionFailedError):
        store.put("k", b"two", PRIVATE_HEADERS, if_none_match=True)
    with pytest.raises(PreconditionFailedError):
        store.put("k", b"two", PRIVATE_HEADERS, if_match='"0123456789abcdef"')
    with pytest.raises(PreconditionFailedError):
        store.put("absent", b"two", PRIVATE_HEADERS, if_match=etag)
    store.put("k", b"two", PRIVATE_HEADERS, if_match=etag)
    assert store.get("k").data == b"two"


@pytest.mark.parametrize("first", [True, False])
def test_concurrent_state_writes_have_exactly_one_winner(seaweed, bucket, first):
    location = Location(bucket, "race/")
    if not first:
        seed = SiteBucket(Boto3Store(seaweed.client(), bucket), location)
        seed.read_state()
        seed.replace_state(b"seed")
    builders = [SiteBucket(Boto3Store(seaweed.client(), bucket), location) for _ in range(6)]
    for builder in builders:
        builder.read_state()
    outcomes: list[str] = []
    barrier = threading.Barrier(len(builders))

    def build(number: int) -> None:
        barrier.wait()
        try:
            builders[number].replace_state(f"build {number}".encode())
        except PublishError as error:
            outcomes.append(str(error))
        else:
            outcomes.append(f"won {number}")

    threads = [threading.Thread(target=build, args=(n,)) for n in range(len(builders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome.startswith("won")]
    assert len(winners) == 1, outcomes
    for outcome in outcomes:
        if outcome not in winners:
            assert "another build changed the site" in outcome
            assert f"s3://{bucket}/race/.seoulcal/state.json" in outcome
    stored = Boto3Store(seaweed.client(), bucket).get(location.key(STATE_KEY))
    assert stored.data == f"build {winners[0].split()[1]}".encode()


def test_a_store_that_ignores_conditions_is_refused_unless_single_writer(store):
    careless = ForgetsConditions(store)
    location = Location(store.bucket, "ces/")
    with pytest.raises(PublishError) as caught:
        SiteBucket(careless, location).__enter__()
    message = str(caught.value)
    assert message.startswith(f"s3://{store.bucket}/ces/: this store ignores conditional writes")
    assert "--single-writer" in message
    assert store.get(location.key(STATE_KEY)) is None

    with SiteBucket(careless, location, single_writer=True) as site:
        assert site.conditional is False
        assert site.read_state() is None
        site.replace_state(b"one")
        site.replace_state(b"two")
    assert store.get(location.key(STATE_KEY)).data == b"two"
    assert json.loads(store.get(location.key(LOCK_KEY)).data)["held"] is False


# --- the lease ---


def test_a_second_build_is_refused_while_the_first_holds_the_site(store):
    location = Location(store.bucket, "ces/")
    with SiteBucket(store, location):
        with pytest.raises(PublishError, match="another build is publishing this site") as caught:
            SiteBucket(store, location).__enter__()
        assert str(caught.value).startswith(f"s3://{store.bucket}/ces/: ")
        assert "hold expires at" in str(caught.value)
    with SiteBucket(store, location) as again:
        again.renew(force=True)
    assert json.loads(store.get(location.key(LOCK_KEY)).data)["held"] is False


def test_a_killed_builds_hold_expires_and_it_cannot_come_back(store):
    location = Location(store.bucket, "ces/")
    killed = SiteBucket(store, location, lease=timedelta(seconds=3))
    killed.__enter__()  # and never leaves: the process was killed
    # The store's clock has whole seconds, so a hold counts until a second past its lease by that
    # clock: it lasts at least its lease in real time (3 s for the next line) and at most a
    # second more (hence the wait below).
    with pytest.raises(PublishError, match="another build is publishing"):
        SiteBucket(store, location).__enter__()
    time.sleep(4.3)
    with SiteBucket(store, location) as successor:
        successor.read_state()
        successor.replace_state(b"successor")
        with pytest.raises(PublishError, match="another build took this site over"):
            killed.renew(force=True)
    killed.release()
    assert store.get(location.key(STATE_KEY)).data == b"successor"


@pytest.mark.parametrize(("late", "held"), [(0, True), (5, True), (6, False), (60, False)])
def test_a_hold_lasts_a_clock_step_past_its_lease_by_the_stores_clock(store, late, held):
    # Last-Modified and Date are cut to whole seconds: a lock that reads as written at 10 s may
    # have been written at 10.9 s, and a Date of 15 s may be 15.0 s, so at "lease later" (5 s) it
    # may have been held for only 4.1 s; at 6 s by that clock it has surely been held 5 s.
    location = Location(store.bucket, "ces/")
    holder = SiteBucket(store, location, lease=timedelta(seconds=5))
    holder.__enter__()
    try:
        successor = SiteBucket(LateClock(store, late=timedelta(seconds=late)), location)
        if held:
            with pytest.raises(PublishError, match="another build is publishing"):
                successor.__enter__()
        else:
            with successor:
                pass
    finally:
        holder.release()


def test_two_builds_starting_together_leave_exactly_one_holder(seaweed, bucket):
    location = Location(bucket, "")
    sites = [SiteBucket(Boto3Store(seaweed.client(), bucket), location) for _ in range(6)]
    barrier = threading.Barrier(len(sites))
    held: list[SiteBucket] = []
    refused: list[str] = []

    def start(site: SiteBucket) -> None:
        barrier.wait()
        try:
            site.__enter__()
        except PublishError as error:
            refused.append(str(error))
        else:
            held.append(site)

    threads = [threading.Thread(target=start, args=(site,)) for site in sites]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(held) == 1, refused
    assert len(refused) == 5
    assert all("another build" in message for message in refused)
    held[0].release()


# --- failures name bucket, key and operation ---


def test_a_missing_bucket_is_named(seaweed):
    store = Boto3Store(seaweed.client(), "no-such-bucket")
    with pytest.raises(PublishError) as caught:
        store.put("ces/index.html", b"x", object_headers("index.html"))
    assert str(caught.value) == (
        "s3://no-such-bucket/ces/index.html: PutObject failed: the bucket 'no-such-bucket' "
        f"does not exist at {seaweed.endpoint}"
    )


def test_wrong_credentials_are_named(seaweed, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    store = open_store(bucket, endpoint_url=seaweed.endpoint)
    with pytest.raises(PublishError) as caught:
        store.get("ces/.seoulcal/state.json")
    message = str(caught.value)
    assert message.startswith(f"s3://{bucket}/ces/.seoulcal/state.json: GetObject failed: ")
    assert "SignatureDoesNotMatch" in message
    assert "AWS_SECRET_ACCESS_KEY" in message


def test_no_credentials_are_named(seaweed, bucket, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = open_store(bucket, endpoint_url=seaweed.endpoint, region=REGION)
    with pytest.raises(PublishError) as caught:
        store.put("index.html", b"x", object_headers("index.html"))
    assert str(caught.value).startswith(
        f"s3://{bucket}/index.html: PutObject failed: no credentials found; "
    )


def test_an_endpoint_from_the_environment_is_used_and_named_when_unreachable(monkeypatch):
    (port,) = free_ports(1)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    store = open_store("site")
    assert store.endpoint == f"http://127.0.0.1:{port}"
    store._client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(PublishError) as caught:
        store.delete("ces/m/OLD/index.html")
    message = str(caught.value)
    assert message.startswith("s3://site/ces/m/OLD/index.html: DeleteObject failed: cannot reach ")
    assert f"http://127.0.0.1:{port}" in message


def test_access_denied_is_named(seaweed, bucket):
    import boto3  # noqa: PLC0415 - only with the s3 extra
    from botocore import UNSIGNED  # noqa: PLC0415 - same as above
    from botocore.config import Config  # noqa: PLC0415 - same as above

    anonymous = boto3.client(
        "s3",
        endpoint_url=seaweed.endpoint,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    with pytest.raises(PublishError) as caught:
        Boto3Store(anonymous, bucket).put("index.html", b"x", object_headers("index.html"))
    assert str(caught.value).startswith(
        f"s3://{bucket}/index.html: PutObject failed: access denied (AccessDenied); "
        "the credentials in use may not PutObject here"
    )


# --- the target: only what changed, in order, state last, deletions after -------------------------


def site_files(version=1, *, tokens=("AAA", "BBB")):
    files = {
        "index.html": f"<!doctype html><p>{version}</p>".encode(),
        "index.en.html": b"<!doctype html><p>en</p>",
        "trip.ko.ics": f"BEGIN:VCALENDAR\r\nX-V:{version}\r\nEND:VCALENDAR\r\n".encode(),
        "trip.en.ics": b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        "events/a.ko.ics": f"BEGIN:VCALENDAR\r\nX-A:{version}\r\nEND:VCALENDAR\r\n".encode(),
        "events/b.ko.ics": b"BEGIN:VCALENDAR\r\nX-B\r\nEND:VCALENDAR\r\n",
        ".seoulcal-state.json": f'{{"public": {version}}}\n'.encode(),
        "m/index.html": b"<!doctype html>",
    }
    for token in tokens:
        files[f"m/{token}/index.html"] = f"<!doctype html>{token}".encode()
        files[f"m/{token}/trip.ko.ics"] = (
            f"BEGIN:VCALENDAR\r\nX-M:{token}\r\nEND:VCALENDAR\r\n".encode()
        )
        files[f"m/{token}/.seoulcal-state.json"] = f'{{"member": "{token}"}}\n'.encode()
    return files


def publish(store, location, files, *, progress=None):
    """One build's use of the target; returns (changes, the previous state files seen)."""
    with S3Target(SiteBucket(store, location), progress=progress) as target:
        seen = {path: target.previous(path) for path in files if path.endswith(".json")}
        for path, data in files.items():
            target.add(path, data)
        return target.commit(), seen


def published(store, location, files):
    """Whether every public file of *files* is in the bucket with exactly those bytes."""
    for path, data in files.items():
        if path.endswith(".json"):
            continue
        found = store.get(location.key(path))
        if found is None or found.data != data:
            return False
    return True


def test_first_publish_uploads_in_order_and_saves_the_state_last(store):
    location = Location(store.bucket, "ces/")
    recording = Recording(store)
    seen_progress = []
    changes, seen = publish(
        recording, location, site_files(), progress=lambda *p: seen_progress.append(p)
    )
    public = sorted(path for path in site_files() if not path.endswith(".json"))
    assert sorted(changes.written) == public
    assert (changes.kept, changes.removed) == ((), ())
    assert set(seen.values()) == {None}
    assert seen_progress[-1] == (len(public), len(public))
    assert len(seen_progress) == len(public)

    order = [key.removeprefix("ces/") for op, key in recording.log if op == "put"]
    position = {path: order.index(path) for path in public}
    for member in ("AAA", "BBB"):
        assert position[f"m/{member}/trip.ko.ics"] < position[f"m/{member}/index.html"]
        assert position[f"m/{member}/index.html"] < position["index.html"]
    for event in ("a", "b"):
        assert position[f"events/{event}.ko.ics"] < position["trip.ko.ics"]
    assert max(position[path] for path in public if path.endswith(".ics")) < position["index.html"]
    assert order.index(STATE_KEY) > max(position.values())
    assert published(store, location, site_files())
    state = BucketState.parse(store.get(location.key(STATE_KEY)).data, "here")
    assert state.states["m/AAA/.seoulcal-state.json"] == b'{"member": "AAA"}\n'
    assert state.pending == ()


def test_a_rebuild_with_nothing_new_uploads_nothing(store):
    location = Location(store.bucket, "")
    publish(store, location, site_files())
    before = store.get(STATE_KEY)
    recording = Recording(store)
    changes, seen = publish(recording, location, site_files())
    assert changes.written == ()
    assert changes.removed == ()
    assert len(changes.kept) == len([p for p in site_files() if not p.endswith(".json")])
    assert recording.site_writes() == []
    assert recording.state_writes() == []
    assert store.get(STATE_KEY).etag == before.etag
    assert seen[".seoulcal-state.json"] == b'{"public": 1}\n'


def test_one_change_uploads_exactly_the_changed_files_and_keeps_the_others(seaweed, store):
    location = Location(store.bucket, "ces/")
    publish(store, location, site_files(1))
    client = seaweed.client()

    def validators():
        return {
            path: (head["ETag"], head["LastModified"])
            for path in site_files()
            if not path.endswith(".json")
            for head in [client.head_object(Bucket=store.bucket, Key=location.key(path))]
        }

    before = validators()
    time.sleep(1.1)
    recording = Recording(store)
    changes, _ = publish(recording, location, site_files(2))
    changed = {"index.html", "trip.ko.ics", "events/a.ko.ics"}
    assert set(changes.written) == changed
    assert {key.removeprefix("ces/") for _, key in recording.site_writes()} == changed
    after = validators()
    for path, (etag, modified) in after.items():
        if path in changed:
            assert etag != before[path][0]
            assert modified > before[path][1]
        else:
            assert (etag, modified) == before[path], path
    assert published(store, location, site_files(2))


def test_a_rotated_token_is_deleted_after_the_state_is_saved(store):
    location = Location(store.bucket, "ces/")
    publish(store, location, site_files(tokens=("AAA", "BBB")))
    recording = Recording(store)
    changes, _ = publish(recording, location, site_files(tokens=("AAA", "CCC")))
    assert set(changes.removed) == {"m/BBB/index.html", "m/BBB/trip.ko.ics"}
    log = [(op, key.removeprefix("ces/")) for op, key in recording.log]
    first_state = log.index(("put", STATE_KEY))
    deletions = [index for index, (op, _) in enumerate(log) if op == "delete"]
    assert [log[i][1] for i in deletions] == ["m/BBB/index.html", "m/BBB/trip.ko.ics"]
    assert min(deletions) > first_state
    assert max(index for index, (op, key) in enumerate(log) if op == "put" and "CCC" in key) < (
        first_state
    )
    assert log[-2:] == [("put", STATE_KEY), ("put", LOCK_KEY)]
    assert store.get(location.key("m/BBB/index.html")) is None
    state = BucketState.parse(store.get(location.key(STATE_KEY)).data, "here")
    assert state.pending == ()
    assert "m/BBB/.seoulcal-state.json" not in state.states


def test_a_failed_upload_saves_no_state_and_the_next_build_repairs_everything(store):
    location = Location(store.bucket, "ces/")
    publish(store, location, site_files(1))
    state_before = store.get(location.key(STATE_KEY))
    failing = Recording(store, fail_at=("put", 2))
    with pytest.raises(PublishError, match="connection lost"):
        publish(failing, location, site_files(2))
    assert store.get(location.key(STATE_KEY)).etag == state_before.etag
    assert json.loads(store.get(location.key(LOCK_KEY)).data)["uploading"] is True

    # The trip went back to version 1: the manifest says that is what is published, but the
    # failed build left a version-2 file up. The next build must not trust the manifest.
    assert not published(store, location, site_files(1))
    recording = Recording(store)
    with S3Target(SiteBucket(recording, location)) as target:
        assert target.repairing
        for path, data in site_files(1).items():
            target.add(path, data)
        changes = target.commit()
    assert len(changes.written) == len([p for p in site_files() if not p.endswith(".json")])
    assert published(store, location, site_files(1))
    assert json.loads(store.get(location.key(LOCK_KEY)).data)["uploading"] is False
    changes, _ = publish(Recording(store), location, site_files(1))
    assert changes.written == ()


def test_interrupted_deletions_are_finished_by_the_next_build(store):
    location = Location(store.bucket, "")
    publish(store, location, site_files(tokens=("AAA", "BBB")))
    failing = Recording(store, fail_at=("delete", 2))
    with pytest.raises(PublishError, match="connection lost"):
        publish(failing, location, site_files(tokens=("AAA",)))
    assert store.get("m/BBB/trip.ko.ics") is not None
    state = BucketState.parse(store.get(STATE_KEY).data, "here")
    assert set(state.pending) == {"m/BBB/index.html", "m/BBB/trip.ko.ics"}
    recording = Recording(store)
    publish(recording, location, site_files(tokens=("AAA",)))
    assert ("delete", "m/BBB/trip.ko.ics") in recording.log
    assert store.get("m/BBB/trip.ko.ics") is None
    assert BucketState.parse(store.get(STATE_KEY).data, "here").pending == ()


def test_a_token_that_comes_back_is_not_deleted(store):
    location = Location(store.bucket, "")
    publish(store, location, site_files(tokens=("AAA", "BBB")))
    failing = Recording(store, fail_at=("delete", 1))
    with pytest.raises(PublishError):
        publish(failing, location, site_files(tokens=("AAA",)))
    publish(store, location, site_files(tokens=("AAA", "BBB")))
    assert published(store, location, site_files(tokens=("AAA", "BBB")))
    assert BucketState.parse(store.get(STATE_KEY).data, "here").pending == ()


def test_a_build_that_fails_before_commit_changes_nothing(store):
    location = Location(store.bucket, "")
    publish(store, location, site_files(1))
    recording = Recording(store)
    with S3Target(SiteBucket(recording, location)) as target:
        for path, data in site_files(2).items():
            target.add(path, data)
        target.discard()
    assert recording.site_writes() == []
    assert recording.state_writes() == []
    assert published(store, location, site_files(1))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"format": "other/1"}', "not a seoulcal site state (format 'other/1'"),
        (b"[1, 2]", "not a seoulcal site state (format None"),
        (
            b'{"format": "seoulcal-bucket/1", "objects": {}}',
            "the site's state is damaged (KeyError",
        ),
        (b"\xff\xfe", "the site's state is damaged (UnicodeDecodeError"),
    ],
)
def test_a_foreign_or_damaged_state_object_is_named(store, data, words):
    location = Location(store.bucket, "ces/")
    store.put(location.key(STATE_KEY), data, PRIVATE_HEADERS)
    with pytest.raises(PublishError) as caught:
        S3Target(SiteBucket(store, location)).__enter__()
    assert str(caught.value).startswith(f"s3://{store.bucket}/ces/.seoulcal/state.json: ")
    assert words in str(caught.value)
    # the failed opening gave the lease back
    assert json.loads(store.get(location.key(LOCK_KEY)).data)["held"] is False


def test_the_state_object_is_deterministic():
    state = BucketState({"b": "2", "a": "1"}, {"m/x/.seoulcal-state.json": "서울".encode()}, ("z",))
    again = BucketState({"a": "1", "b": "2"}, {"m/x/.seoulcal-state.json": "서울".encode()}, ("z",))
    assert state.to_bytes() == again.to_bytes()
    assert BucketState.parse(state.to_bytes(), "here") == state
    assert "서울" in state.to_bytes().decode()


def test_the_documented_bucket_policy_is_the_one_the_code_gives():
    text = (ROOT / "docs" / "publishing.md").read_text()
    start = text.index("```json\n", text.index("### Permissions")) + len("```json\n")
    documented = json.loads(text[start : text.index("```", start)])
    assert documented == bucket_policy(Location("BUCKET", "PREFIX/"))
    statements = documented["Statement"]
    assert [statement["Action"] for statement in statements] == ["s3:GetObject"]
    assert all(".json" not in resource for resource in statements[0]["Resource"])


def test_workers_parts_come_back_pickled_and_only_changed_files_travel(store):
    import pickle  # noqa: PLC0415 - only here

    location = Location(store.bucket, "")
    publish(store, location, site_files(1))
    files = site_files(2, tokens=("AAA", "BBB", "CCC"))
    recording = Recording(store)
    with S3Target(SiteBucket(recording, location)) as target:
        assert not target.first_build
        worker = target.part()
        for path, data in files.items():
            (worker if path.startswith("m/") else target).add(path, data)
        returned = pickle.loads(pickle.dumps(worker.files()))  # noqa: S301 - our own bytes, as workers send them
        objects, changed, states = returned
        assert set(changed) == {"m/CCC/index.html", "m/CCC/trip.ko.ics"}
        assert "m/AAA/index.html" in objects
        assert set(states) == {f"m/{t}/.seoulcal-state.json" for t in ("AAA", "BBB", "CCC")}
        changes = target.commit([returned])
    assert set(changes.written) == {
        "m/CCC/index.html",
        "m/CCC/trip.ko.ics",
        "index.html",
        "trip.ko.ics",
        "events/a.ko.ics",
    }
    assert published(store, location, files)
    state = BucketState.parse(store.get(STATE_KEY).data, "here")
    assert state.states["m/CCC/.seoulcal-state.json"] == b'{"member": "CCC"}\n'


def test_a_settled_site_is_recognised_until_its_state_changes(store):
    location = Location(store.bucket, "")
    with S3Target(SiteBucket(store, location)) as target:
        assert target.first_build
        assert not target.settled("inputs-1")
        for path, data in site_files(1).items():
            target.add(path, data)
        target.commit()
        target.settle("inputs-1")
        files, digest = target.manifest()
    assert files == sorted(p for p in site_files(1) if not p.endswith(".json"))
    with S3Target(SiteBucket(store, location)) as target:
        assert target.settled("inputs-1")
        assert not target.settled("inputs-2")
        assert target.manifest() == (files, digest)
        target.settle(None)
        for path, data in site_files(2).items():
            target.add(path, data)
        target.commit()  # dies here, say: the record was forgotten first
    with S3Target(SiteBucket(store, location)) as target:
        assert not target.settled("inputs-1")
