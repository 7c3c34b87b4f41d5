"""The feed server (R-HTTP-01…08): in-process through WSGI, and over a real socket on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

import seoulcal
from seoulcal import server
from seoulcal.model import ExactTime
from seoulcal.publish import build_site, member_token
from seoulcal.server import SiteApp, TripWatcher, create_app, make_server

SECRET = b"server-test-secret-0123456789"
BASE = "https://trips.example.org/ces2024/"
FEED = "/ces2024.ko.ics"
TRIP_FILE = Path(seoulcal.__file__).parent / "trips" / "ces2024.toml"


def moved(trip, hours):
    events = []
    for event in trip.events:
        if event.id == "seoul-pavilion-opening":
            assert isinstance(event.time, ExactTime)
            delta = timedelta(hours=hours)
            time_ = ExactTime(start=event.time.start + delta, end=event.time.end + delta)
            event = event.model_copy(update={"time": time_})  # noqa: PLW2901 - the changed copy
        events.append(event)
    return trip.model_copy(update={"events": tuple(events)})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("served") / "site"
    build_site(seoulcal.ces2024(), root, base_url=BASE, secret=SECRET)
    return root


@pytest.fixture
def fresh_site(tmp_path):
    root = tmp_path / "site"
    build_site(seoulcal.ces2024(), root, base_url=BASE, secret=SECRET)
    return root


def call(application, path, method="GET", headers=None):
    """Call a WSGI app in-process; return (status code, headers, body)."""
    raw_path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": raw_path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "test",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, header_list, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {name.lower(): value for name, value in header_list}
        names = [name.lower() for name, _ in header_list]
        assert len(names) == len(set(names)), names

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], body


# --- content (R-HTTP-01…05, 07) -------------------------------------------------------------------


def test_a_feed_is_served_as_utf8_text_calendar(site):
    status, headers, body = call(SiteApp(site), FEED)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert body == (site / "ces2024.ko.ics").read_bytes()
    assert headers["content-length"] == str(len(body))
    assert "content-disposition" not in headers  # R-HTTP-04: inline for feeds
    assert "content-encoding" not in headers
    max_age = int(re.search(r"max-age=(\d+)", headers["cache-control"]).group(1))
    assert 60 <= max_age <= 3600
    assert len(body) < 1_000_000  # R-HTTP-08


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"Accept": "*/*"},
        {"Accept": "text/calendar"},
        {"Accept": "application/json"},
        {"User-Agent": "Google-Calendar-Importer"},
        {"User-Agent": "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328)"},
        {"User-Agent": "iOS/17.2 (21C62) dataaccessd/1.0"},
        {"User-Agent": ""},
        {"User-Agent": "curl/8.5.0"},
        {"Accept-Encoding": "gzip, deflate, br"},
    ],
)
def test_every_client_gets_the_same_bytes(site, extra):
    expected = (site / "ces2024.ko.ics").read_bytes()
    status, headers, body = call(SiteApp(site), FEED, headers=extra)
    assert (status, body) == (200, expected)
    assert "content-encoding" not in headers


def test_head_gives_the_headers_of_get_without_a_body(site):
    application = SiteApp(site)
    _, got, _ = call(application, FEED)
    status, headers, body = call(application, FEED, method="HEAD")
    assert status == 200
    assert body == b""
    assert headers == got


def test_one_event_files_are_downloads_with_a_utf8_file_name(site):
    status, headers, _ = call(SiteApp(site), "/events/seoul-pavilion-opening.ko.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["content-disposition"] == (
        'attachment; filename="seoul-pavilion-opening.ko.ics"; '
        "filename*=UTF-8''seoul-pavilion-opening.ko.ics"
    )


def test_pages_are_html_with_a_strict_policy(site):
    for path in ("/", "/index.html", "/index.en.html"):
        status, headers, body = call(SiteApp(site), path)
        assert status == 200
        assert headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in headers["content-security-policy"]
        assert body.startswith(b"<!DOCTYPE html>")


def test_a_member_folder_is_private_and_needs_its_final_slash(site):
    token = member_token(SECRET, seoulcal.ces2024(), "mayor")
    status, headers, _ = call(SiteApp(site), f"/m/{token}")
    assert status == 301
    assert headers["location"] == f"/m/{token}/"
    status, headers, body = call(SiteApp(site), f"/m/{token}/")
    assert status == 200
    assert "오세훈" in body.decode("utf-8")
    assert headers["cache-control"].startswith("private")
    assert "noindex" in headers["x-robots-tag"]
    status, headers, _ = call(SiteApp(site), f"/m/{token}/ces2024.en.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"


def test_only_get_and_head_are_allowed(site):
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        status, headers, _ = call(SiteApp(site), FEED, method=method)
        assert status == 405
        assert headers["allow"] == "GET, HEAD"


def test_a_query_string_does_not_change_the_feed(site):
    assert call(SiteApp(site), FEED + "?v=2")[2] == (site / "ces2024.ko.ics").read_bytes()


# --- only the site's files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nothing.ics",
        "/events/",
        "/events",
        "/../etc/passwd",
        "/events/../index.html",
        "/./index.html",
        "/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/..%2fetc/passwd",
        "/..%5c..%5cetc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/.seoulcal-state.json",
        "/m/whatever/.seoulcal-state.json",
        "/index.html/",
        "/index.html%00.ics",
        "/index.html\\..\\x",
        "relative.ics",
    ],
)
def test_anything_but_a_file_of_the_site_is_404(site, path):
    status, headers, body = call(SiteApp(site), path)
    assert status == 404, path
    assert b"Index of" not in body
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("path", ["/m/", "/m"])
def test_the_members_folder_shows_a_page_not_its_tokens(site, path):
    application = SiteApp(site)
    status, _, body = call(application, path)
    if path == "/m":
        assert status in (301, 308), status  # to the folder's address, as for a member folder
        status, _, body = call(application, "/m/")
    assert status == 200
    assert b"Index of" not in body
    for folder in (site / "m").iterdir():
        if folder.is_dir():
            assert folder.name.encode() not in body


def test_a_symlink_out_of_the_folder_is_404(fresh_site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ics").write_text("BEGIN:VCALENDAR")
    (outside / "index.html").write_text("<p>outside")
    (fresh_site / "leak.ics").symlink_to(outside / "secret.ics")
    (fresh_site / "away").symlink_to(outside, target_is_directory=True)
    application = SiteApp(fresh_site)
    for path in ("/leak.ics", "/away/", "/away/index.html", "/away/secret.ics"):
        assert call(application, path)[0] == 404, path


def test_a_missing_site_is_refused_at_start(tmp_path):
    with pytest.raises(seoulcal.SeoulcalError, match="build the site first"):
        create_app(tmp_path / "nowhere")


def test_the_module_app_serves_the_folder_named_by_the_environment(site, monkeypatch):
    monkeypatch.delenv("SEOULCAL_SITE", raising=False)
    assert call(server.app, FEED)[0] == 500
    monkeypatch.setenv("SEOULCAL_SITE", str(site))
    status, _, body = call(server.app, FEED)
    assert (status, body) == (200, (site / "ces2024.ko.ics").read_bytes())


# --- conditional requests (R-HTTP-06) -------------------------------------------------------------


def test_etag_is_strong_and_from_the_bytes(site):
    _, headers, body = call(SiteApp(site), FEED)
    etag = headers["etag"]
    assert not etag.startswith("W/")
    assert etag.strip('"') == hashlib.sha256(body).hexdigest()[:40]
    assert call(SiteApp(site), "/ces2024.en.ics")[1]["etag"] != etag


def test_if_none_match_gives_304_with_both_validators(site):
    application = SiteApp(site)
    _, first, _ = call(application, FEED)
    for value in (first["etag"], f'"other", {first["etag"]}', "*", "W/" + first["etag"]):
        status, headers, body = call(application, FEED, headers={"If-None-Match": value})
        assert status == 304, value
        assert body == b""
        assert headers["etag"] == first["etag"]
        assert headers["last-modified"] == first["last-modified"]
        assert headers["cache-control"] == first["cache-control"]


def test_if_none_match_is_decided_before_if_modified_since(site):
    application = SiteApp(site)
    _, first, _ = call(application, FEED)
    stale = {"If-None-Match": '"stale"', "If-Modified-Since": first["last-modified"]}
    assert call(application, FEED, headers=stale)[0] == 200
    fresh = {"If-None-Match": first["etag"], "If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}
    assert call(application, FEED, headers=fresh)[0] == 304


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("echo", 304),
        ("future", 304),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 200),
        ("not a date", 200),
        ("", 200),
        ("Sun, 06 Nov 1994 08:49:37", 200),
    ],
)
def test_if_modified_since(site, since, expected):
    application = SiteApp(site)
    _, first, _ = call(application, FEED)
    if since == "echo":
        since = first["last-modified"]
    elif since == "future":
        since = formatdate(time.time() + 3600, usegmt=True)
    status, headers, _ = call(application, FEED, headers={"If-Modified-Since": since})
    assert status == expected
    assert headers["last-modified"] == first["last-modified"]


def test_a_304_for_head_too(site):
    application = SiteApp(site)
    _, first, _ = call(application, FEED)
    status, _, body = call(application, FEED, "HEAD", headers={"If-None-Match": first["etag"]})
    assert (status, body) == (304, b"")


def test_validators_move_forward_on_a_change_and_on_a_deletion(fresh_site):
    trip = seoulcal.ces2024()
    application = SiteApp(fresh_site)
    _, first, _ = call(application, FEED)

    build_site(moved(trip, 1), fresh_site, base_url=BASE, secret=SECRET)
    status, second, _ = call(application, FEED, headers={"If-None-Match": first["etag"]})
    assert status == 200
    assert second["etag"] != first["etag"]
    assert parsedate_to_datetime(second["last-modified"]) > parsedate_to_datetime(
        first["last-modified"]
    )

    # A deletion: the event is withdrawn (cancelled), then dropped after the retention period.
    events = tuple(e for e in moved(trip, 1).events if e.id != "sphere-visit")
    removed = trip.model_copy(update={"events": events})
    previous = second
    for version in (removed, removed.model_copy(update={"revised": trip.revised + timedelta(40)})):
        build_site(version, fresh_site, base_url=BASE, secret=SECRET)
        asked = {"If-Modified-Since": previous["last-modified"]}
        status, headers, _ = call(application, FEED, headers=asked)
        assert status == 200
        assert parsedate_to_datetime(headers["last-modified"]) > parsedate_to_datetime(
            previous["last-modified"]
        )
        previous = headers
    assert b"sphere" not in call(application, "/ces2024.en.ics")[2].lower()


def test_last_modified_never_goes_backwards_even_if_a_file_does(fresh_site):
    application = SiteApp(fresh_site)
    path = fresh_site / "ces2024.ko.ics"
    _, first, _ = call(application, FEED)
    os.utime(path, (1_000_000_000, 1_000_000_000))  # an old copy restored with its old time
    _, same, _ = call(application, FEED)
    assert same["last-modified"] == first["last-modified"]
    path.write_bytes(path.read_bytes() + b"")  # same bytes, new time: unchanged validators
    data = path.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:7", 1)
    path.write_bytes(data)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    _, changed, _ = call(application, FEED)
    assert changed["etag"] != first["etag"]
    assert parsedate_to_datetime(changed["last-modified"]) > parsedate_to_datetime(
        first["last-modified"]
    )


def test_a_removed_file_is_404_and_comes_back(fresh_site):
    application = SiteApp(fresh_site)
    trip = seoulcal.ces2024()
    events = tuple(e for e in trip.events if e.id != "sphere-visit")
    build_site(trip.model_copy(update={"events": events}), fresh_site, base_url=BASE, secret=SECRET)
    assert call(application, "/events/sphere-visit.ko.ics")[0] == 404
    build_site(trip, fresh_site, base_url=BASE, secret=SECRET)
    assert call(application, "/events/sphere-visit.ko.ics")[0] == 200


# --- over a real socket -------------------------------------------------------------------------


@pytest.fixture
def running(site):
    httpd = make_server(SiteApp(site), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def fetch(port, path, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_socket_get_head_and_conditional(site, running):
    status, headers, body = fetch(running, FEED)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert body == (site / "ces2024.ko.ics").read_bytes()
    assert "date" in headers
    assert "content-encoding" not in headers
    status, head, body = fetch(running, FEED, "HEAD")
    assert (status, body) == (200, b"")
    assert head["etag"] == headers["etag"]
    assert head["content-length"] == headers["content-length"]
    status, again, body = fetch(running, FEED, headers={"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")
    assert again["etag"] == headers["etag"]
    assert again["last-modified"] == headers["last-modified"]
    status, _, _ = fetch(running, FEED, headers={"If-Modified-Since": headers["last-modified"]})
    assert status == 304


def raw_request(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {target} HTTP/1.0\r\nHost: x\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "target",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%252e%252e/etc/passwd",
        "/events/..%2f..%2f..%2fetc/passwd",
        "/events/",
        "/.seoulcal-state.json",
        "http://x/../../etc/passwd",
    ],
)
def test_socket_traversal_attempts_get_404(running, target):
    answer = raw_request(running, target)
    assert answer.startswith((b"HTTP/1.0 404", b"HTTP/1.1 404")), answer[:80]
    assert b"root:" not in answer


def test_socket_load_many_clients_no_errors(site, running):
    paths = [FEED, "/ces2024.en.ics", "/", "/index.en.html", "/events/ces-visit.ko.ics", "/nope"]
    expected = {path: fetch(running, path) for path in paths}
    clients, per_client = 50, 60
    errors: list[str] = []
    lock = threading.Lock()

    def client(number):
        connection = None
        for request in range(per_client):
            path = paths[(number + request) % len(paths)]
            status, headers, body = expected[path]
            conditional = request % 3 == 0 and status == 200
            try:
                connection = http.client.HTTPConnection("127.0.0.1", running, timeout=20)
                extra = {"If-None-Match": headers["etag"]} if conditional else {}
                connection.request("GET", path, headers=extra)
                response = connection.getresponse()
                got = response.read()
                want = (304, b"") if conditional else (status, body)
                if (response.status, got) != want:
                    with lock:
                        errors.append(f"{path}: {response.status}")
            except OSError as error:
                with lock:
                    errors.append(f"{path}: {error!r}")
            finally:
                if connection is not None:
                    connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    elapsed = time.monotonic() - started
    assert errors == []
    assert elapsed < 60


# --- live rebuilds --------------------------------------------------------------------------------


def test_the_watcher_rebuilds_on_a_change_and_keeps_the_site_on_an_error(tmp_path):
    trip_file = tmp_path / "trip.toml"
    text = TRIP_FILE.read_text("utf-8")
    trip_file.write_text(text, "utf-8")
    root = tmp_path / "site"
    lines: list[str] = []

    def rebuild():
        report = build_site(seoulcal.load_trip(trip_file), root, base_url=BASE, secret=SECRET)
        return f"revised: {','.join(report.revised)}"

    rebuild()
    watcher = TripWatcher(trip_file, rebuild, interval=0.05, report=lines.append)
    assert not watcher.check()
    application = SiteApp(root)
    _, first, _ = call(application, FEED)

    trip_file.write_text(text.replace("T11:00[America", "T11:30[America"), "utf-8")
    os.utime(trip_file, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert watcher.check()
    assert lines[-1] == "revised: seoul-pavilion-opening"
    status, _, _ = call(application, FEED, headers={"If-None-Match": first["etag"]})
    assert status == 200
    before = (root / "ces2024.ko.ics").read_bytes()

    trip_file.write_text(text.replace('id = "ces2024"', 'id = "Not An Id"'), "utf-8")
    os.utime(trip_file, ns=(time.time_ns(), time.time_ns() + 2_000_000))
    assert watcher.check()
    assert "still serving the previous site" in lines[-1]
    assert (root / "ces2024.ko.ics").read_bytes() == before

    watcher.start()
    try:
        trip_file.write_text(text, "utf-8")
        os.utime(trip_file, ns=(time.time_ns(), time.time_ns() + 3_000_000))
        deadline = time.monotonic() + 10
        while watcher.builds < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.builds == 3
    finally:
        watcher.stop()
        watcher.join(timeout=5)


def test_cli_serve_builds_serves_and_rebuilds_live(tmp_path):
    trip_file = tmp_path / "trip.toml"
    text = TRIP_FILE.read_text("utf-8")
    trip_file.write_text(text, "utf-8")
    env = {**os.environ, "SEOULCAL_SECRET": SECRET.decode()}
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seoulcal",
            "serve",
            str(tmp_path / "site"),
            "--trip",
            str(trip_file),
            "--port",
            "0",
            "--interval",
            "0.1",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stderr is not None
        line = ""
        deadline = time.monotonic() + 30
        while "serving" not in line and time.monotonic() < deadline:
            line = child.stderr.readline()
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        port = int(found.group(1))
        status, headers, body = fetch(port, FEED)
        assert status == 200
        assert f"webcal://127.0.0.1:{port}/ces2024.ko.ics".encode() in fetch(port, "/")[2]
        assert b"SEQUENCE:0" in body

        trip_file.write_text(text.replace("T11:00[America", "T11:30[America"), "utf-8")
        deadline = time.monotonic() + 20
        status = 304
        while status == 304 and time.monotonic() < deadline:
            time.sleep(0.1)
            status, _, body = fetch(port, FEED, headers={"If-None-Match": headers["etag"]})
        assert status == 200
        assert b"SEQUENCE:1" in body
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 130
    assert (tmp_path / "site" / "index.html").is_file()


def test_cli_serve_refuses_a_folder_that_is_not_a_site(tmp_path, capsys):
    from seoulcal import cli  # noqa: PLC0415 - the CLI only here

    assert cli.main(["serve", str(tmp_path)]) == 2
    assert "not a built site" in capsys.readouterr().err


def test_cli_serve_without_a_folder_uses_a_temporary_one(monkeypatch, capsys):
    from seoulcal import cli  # noqa: PLC0415 - the CLI only here

    seen = {}

    def fake_serve_forever(self, poll_interval=0.5):
        seen["root"] = Path(self.get_app().root)
        seen["index"] = (seen["root"] / "index.html").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(server._ThreadingServer, "serve_forever", fake_serve_forever)
    assert cli.main(["serve", "--port", "0", "--quiet"]) == 130
    assert seen["index"]
    assert not seen["root"].exists()  # cleaned up
    assert "serving" in capsys.readouterr().err


def test_stamps_are_http_dates(site):
    _, headers, _ = call(SiteApp(site), FEED)
    moment = parsedate_to_datetime(headers["last-modified"])
    assert moment.tzinfo is not None
    assert moment <= datetime.now(UTC) + timedelta(seconds=5)
    shutil.rmtree(site / "does-not-exist", ignore_errors=True)


# --- hardening (issue 8): no request path gives a 500 -------------------------------------------

_HOSTILE_PATHS = [
    "/" + "a" * 256,  # one segment over the 255 bytes a file name may have
    "/" + "가" * 90 + ".ics",  # 270 bytes of UTF-8 in one segment
    "/events/" + "b" * 300 + ".ics",
    "/m/" + "c" * 1000 + "/",
    "/" + "/".join(["d" * 200] * 30),  # 6,000 bytes: over PATH_MAX
    "/" + "e" * 5000,
    "/" + "x/" * 3000,
    "/%00",
    "/a%00b.ics",
    "/%ff%fe.ics",  # not UTF-8
    "/%c3%28",  # an invalid UTF-8 sequence
    "/%ed%a0%80.ics",  # an encoded surrogate
    "/%e2%80%ae.ics",  # right-to-left override
    "/\u0000",
    "/%",
    "/%zz",
    "/%2",
    "/.",
    "/..",
    "/events/%2e",
]


@pytest.mark.parametrize("path", _HOSTILE_PATHS, ids=lambda p: p[:24])
def test_no_request_path_gives_an_internal_error(site, path):
    status, headers, _ = call(SiteApp(site), path)
    assert status in {400, 404}, (path[:40], status)
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "target",
    [
        "/" + "a" * 256,
        "/events/" + "%41" * 300 + ".ics",
        "/" + "/".join(["d" * 200] * 30),
        "/a%00b.ics",
        "/%ff%fe.ics",
        "/%c3%28",
        "/%",
    ],
    ids=lambda p: p[:24],
)
def test_socket_hostile_paths_get_400_or_404_and_no_traceback(site, target, capfd):
    httpd = make_server(SiteApp(site), "127.0.0.1", 0, quiet=False)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        answer = raw_request(httpd.server_address[1], target)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
    assert answer.startswith((b"HTTP/1.0 40", b"HTTP/1.1 40")), answer[:80]
    assert answer[9:12] in {b"400", b"404"}, answer[:80]
    assert "Traceback" not in capfd.readouterr().err
