"""A real browser (headless Chromium) opens the served site: times, links and screenshots.

Chromium comes from the Debian package ``chromium``. Without it these tests fail, naming the
package, unless ``SEOULCAL_SKIP_BROWSER=1`` is set. ``SEOULCAL_SCREENSHOTS=DIR`` keeps the
screenshots in DIR (``docs/`` holds the ones the README shows).
"""

from __future__ import annotations

import http.client
import os
import shutil
import struct
import subprocess
import tempfile
import threading
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import icalendar
import pytest

import seoulcal
from seoulcal.agenda import agenda_rows
from seoulcal.identity import event_uid
from seoulcal.publish import build_site, member_token
from seoulcal.server import SiteApp, make_server

SECRET = b"browser-test-secret-0123456789"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--lang=ko-KR",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("SEOULCAL_SKIP_BROWSER") == "1":
        pytest.skip("headless Chromium is not installed (SEOULCAL_SKIP_BROWSER=1)")
    pytest.fail(
        "headless Chromium is needed for the browser tests: install the Debian package "
        "'chromium' (apt-get install -y chromium), or set SEOULCAL_SKIP_BROWSER=1 to skip them"
    )


def run_chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="seoulcal-chromium-") as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def dump_dom(url: str) -> str:
    return run_chromium("--window-size=1280,2000", "--dump-dom", url).stdout


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The CES site, built for and served at a real address on 127.0.0.1."""
    root = tmp_path_factory.mktemp("browser") / "site"
    httpd = make_server(SiteApp(root), "127.0.0.1", 0, quiet=True)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    trip = seoulcal.ces2024()
    build_site(trip, root, base_url=base, secret=SECRET)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield trip, base, root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Page(HTMLParser):
    """What a test needs of the rendered DOM: events, feeds, links, and any external resource."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, dict] = {}
        self.feeds: dict[str, dict] = {}
        self.tags: list[tuple[str, dict]] = []
        self._stack: list[str] = []
        self._event: tuple[str, int] | None = None
        self._feed: tuple[str, int] | None = None
        self._text: tuple[str, int] | None = None
        self._buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        depth = len(self._stack)
        if tag not in VOID:
            self._stack.append(tag)
        if tag == "li" and "data-event" in values:
            self._event = (values["data-event"], depth)
            self.events[values["data-event"]] = {"attrs": values, "links": {}, "approximate": None}
        if tag == "div" and "data-feed" in values:
            self._feed = (values["data-feed"], depth)
            self.feeds[values["data-feed"]] = {"url": values["data-url"], "links": {}}
        event = self.events[self._event[0]] if self._event else None
        if "data-link" in values:
            target = values.get("href") or values.get("value", "")
            if event is not None:
                event["links"][values["data-link"]] = target
            elif self._feed is not None:
                self.feeds[self._feed[0]]["links"][values["data-link"]] = target
        if event is not None and ("data-time" in values or tag == "h4"):
            self._text, self._buffer = (values.get("data-time", "title"), depth), []
        if event is not None and "data-approximate" in values:
            event["approximate"] = values["data-approximate"]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self._stack, f"</{tag}> closes nothing"
        opened = self._stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"
        depth = len(self._stack)
        if self._text is not None and self._text[1] == depth and self._event is not None:
            self.events[self._event[0]][self._text[0]] = "".join(self._buffer).strip()
            self._text = None
        if self._event is not None and self._event[1] == depth:
            self._event = None
        if self._feed is not None and self._feed[1] == depth:
            self._feed = None

    def handle_data(self, data):
        if self._text is not None:
            self._buffer.append(data)


def parse(dom: str) -> Page:
    page = Page()
    page.feed(dom)
    return page


def query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def check_feed(feed: dict, name: str) -> None:
    url = feed["url"]
    links = feed["links"]
    assert links["webcal"] == "webcal" + url.removeprefix("http")
    assert query(links["google-subscribe"]) == {"cid": url}
    for kind, host in (
        ("outlook-subscribe", "outlook.live.com"),
        ("m365-subscribe", "outlook.office.com"),
    ):
        assert urlsplit(links[kind]).netloc == host
        assert query(links[kind]) == {"url": url, "name": name}
    assert links["raw"] == url
    status, headers, body = get(url)
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert str(icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]) == name


def check_event_links(trip, event_id: str, item: dict, page_url: str) -> None:
    event = next(e for e in trip.events if e.id == event_id)
    timing = trip.timing(event)
    links = item["links"]
    google, outlook, m365 = (query(links[k]) for k in ("google-add", "outlook-add", "m365-add"))
    assert urlsplit(links["outlook-add"]).netloc == "outlook.live.com"
    assert urlsplit(links["m365-add"]).netloc == "outlook.office.com"
    assert google["text"] == outlook["subject"] == m365["subject"] == item["title"]
    first, last = google["dates"].split("/")
    if timing.all_day:
        assert (first, last) == (f"{timing.start:%Y%m%d}", f"{timing.end:%Y%m%d}")
        assert "ctz" not in google
        for values in (outlook, m365):
            assert values["allday"] == "true"
            assert (values["startdt"], values["enddt"]) == (
                f"{timing.start:%Y-%m-%d}",
                f"{timing.end:%Y-%m-%d}",
            )
    else:
        assert datetime.strptime(first, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == timing.start
        assert datetime.strptime(last, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == timing.end
        assert google["ctz"] == timing.zone.key
        for values in (outlook, m365):
            assert datetime.fromisoformat(values["startdt"]) == timing.start
            assert datetime.fromisoformat(values["enddt"]) == timing.end
    status, headers, body = get(urljoin(page_url, links["event-ics"]))
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert event_uid(trip, event).encode() in body


def check_no_external_resources(page: Page, base: str) -> None:
    for tag, attrs in page.tags:
        assert tag not in {"script", "iframe", "object", "embed", "img"}, tag
        if tag == "link":
            assert attrs.get("rel") == "alternate", attrs
            assert not urlsplit(urljoin(base, attrs["href"])).netloc.endswith(".com")


def test_the_public_page_shows_local_and_seoul_times(served):
    trip, base, _ = served
    page = parse(dump_dom(base + "index.html"))
    pavilion = page.events["seoul-pavilion-opening"]
    assert "2024-01-09" in pavilion["local"]
    assert "11:00–12:00 PST" in pavilion["local"]
    assert "2024-01-10" in pavilion["home"]
    assert "04:00–05:00 KST" in pavilion["home"]
    assert pavilion["approximate"] is None
    rows = {row.event.id: row for row in agenda_rows(trip, lang="ko")}
    assert set(page.events) == set(rows)
    for event_id, row in rows.items():
        item = page.events[event_id]
        assert item["local"] == row.local
        assert item["home"] == row.home
        assert item["title"] == row.title
        assert (item["approximate"] is not None) == row.approximate
        if row.approximate:
            assert item["local"].startswith("≈")
    check_no_external_resources(page, base)


def test_every_link_on_the_public_page_leads_to_its_feed_or_event(served):
    trip, base, _ = served
    for path, lang in (("index.html", "ko"), ("index.en.html", "en")):
        page = parse(dump_dom(base + path))
        assert set(page.feeds) == {"ko", "en"}
        for feed_lang, feed in page.feeds.items():
            assert feed["url"] == f"{base}ces2024.{feed_lang}.ics"
            assert urljoin(base + path, feed["links"]["download"]) == feed["url"]
            check_feed(feed, trip.name.pick(feed_lang))
        for event_id, item in page.events.items():
            check_event_links(trip, event_id, item, base + path)
            assert item["links"]["event-ics"] == f"events/{event_id}.{lang}.ics"


def test_the_english_page(served):
    _, base, _ = served
    dom = dump_dom(base + "index.en.html")
    assert '<html lang="en">' in dom
    pavilion = parse(dom).events["seoul-pavilion-opening"]
    assert "11:00–12:00 PST" in pavilion["local"]
    assert "04:00–05:00 KST" in pavilion["home"]
    assert "Opening of the Seoul Pavilion" in pavilion["title"]


def test_a_member_page_offers_only_that_member(served):
    trip, base, _ = served
    member = trip.member("local-coordinator")
    folder = f"{base}m/{member_token(SECRET, trip, member)}/"
    page = parse(dump_dom(folder))
    assert set(page.events) == {event.id for event in trip.events_for(member)}
    for feed_lang, feed in page.feeds.items():
        assert feed["url"] == f"{folder}ces2024.{feed_lang}.ics"
        check_feed(feed, f"{trip.name.pick(feed_lang)} · {member.name.pick(feed_lang)}")
    for event_id, item in page.events.items():
        check_event_links(trip, event_id, item, folder)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_screenshots_at_phone_and_desktop_width(served, tmp_path):
    _, base, _ = served
    keep = os.environ.get("SEOULCAL_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, size in (
        ("site-screenshot.png", "1280,1600"),
        ("site-screenshot-phone.png", "390,1800"),
    ):
        target = folder / name
        run_chromium(f"--window-size={size}", f"--screenshot={target}", base + "index.html")
        width, height = png_size(target)
        assert (width, height) == tuple(int(n) for n in size.split(","))
