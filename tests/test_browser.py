"""A real browser (headless Chromium) opens the served site: times, links, access and screenshots.

Chromium comes from the Debian package ``chromium``. Without it these tests fail, naming the
package, unless ``SEOULCAL_SKIP_BROWSER=1`` is set. ``SEOULCAL_SCREENSHOTS=DIR`` keeps the
screenshots in DIR (``docs/`` holds the ones the README shows).

The accessibility check (KWCAG 2.2, that is WCAG 2.1 A and AA) runs axe-core in the same Chromium,
driven by ``tests/js/axe_pages.mjs`` through playwright-core (which never downloads a browser of
its own): installed with ``npm ci --prefix tests/js``; these tests are marked ``node`` and fail,
not skip, without it (``SEOULCAL_SKIP_NODE=1`` skips them). The same run reads Chromium's
accessibility tree (the names a screen reader reads) and walks the page with the Tab key.
"""

from __future__ import annotations

import http.client
import json
import os
import re
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
from url_rules import uri_of

import seoulcal
from seoulcal import links as calendar_links
from seoulcal import wording
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


# --- accessibility: axe-core, the accessibility tree and the keyboard, in the same Chromium -------

JS_DIR = Path(__file__).resolve().parent / "js"
AXE_PAGES = JS_DIR / "axe_pages.mjs"
NPM_HINT = "run `npm ci --prefix tests/js` (CI does), or set SEOULCAL_SKIP_NODE=1 to skip"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
"""KWCAG 2.2 follows WCAG 2.1: every rule axe tags A or AA of WCAG 2.0 and 2.1."""
CHECKS = {"wcag": WCAG21_AA, "best-practice": ["best-practice"]}
SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def run_axe(pages: list[dict], *, checks: dict[str, list[str]] = CHECKS) -> dict:
    """Open *pages* in Chromium with axe_pages.mjs (one node run) and return what it saw."""
    if os.environ.get("SEOULCAL_SKIP_NODE") == "1":
        pytest.skip("SEOULCAL_SKIP_NODE=1: the axe-core checks are skipped")
    if shutil.which("node") is None:
        pytest.fail(f"Node.js (18 or later) is not on PATH: install it, then {NPM_HINT}")
    for package in ("axe-core", "playwright-core"):
        if not (JS_DIR / "node_modules" / package / "package.json").is_file():
            pytest.fail(f"{package} is not installed in {JS_DIR / 'node_modules'}: {NPM_HINT}")
    request = {
        "executable": chromium(),
        # playwright-core passes --headless and a fresh profile itself
        "args": [flag for flag in FLAGS if flag != "--headless"],
        "checks": checks,
        "pages": pages,
    }
    with tempfile.TemporaryDirectory(prefix="seoulcal-axe-") as folder:
        path = Path(folder) / "request.json"
        path.write_text(json.dumps(request), "utf-8")
        run = subprocess.run(
            ["node", str(AXE_PAGES), str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            timeout=600,
            env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
        )
    assert run.returncode == 0, f"axe_pages.mjs failed:\n{run.stderr}"
    return json.loads(run.stdout)


def page_urls(trip, base: str) -> dict[str, str]:
    member = trip.member("local-coordinator")  # an English-speaking member
    return {
        "public-ko": base + "index.html",
        "public-en": base + "index.en.html",
        "member": f"{base}m/{member_token(SECRET, trip, member)}/",
        "members-folder": base + "m/",
    }


@pytest.fixture(scope="module")
def audited(served):
    """axe, the accessibility tree and a Tab walk of every kind of page, at both widths."""
    trip, base, _ = served
    urls = page_urls(trip, base)
    pages = [
        {"url": url, "width": width, "height": height, "mobile": mobile, "keyboard": True}
        for url in urls.values()
        for width, height, mobile in SIZES.values()
    ]
    result = run_axe(pages)
    seen = {}
    for (name, url), (size, (width, _, _)) in (
        ((n, u), s) for n, u in urls.items() for s in SIZES.items()
    ):
        seen[name, size] = next(
            p for p in result["pages"] if p["url"] == url and p["width"] == width
        )
    return result, seen


def described(violations: list[dict]) -> str:
    return "\n".join(
        f"{rule['id']} ({rule['impact']}): {rule['help']}\n"
        + "\n".join(f"    {node['target']} {node['html'][:160]}" for node in rule["nodes"][:5])
        for rule in violations
    )


@pytest.mark.node
def test_no_wcag_2_1_a_or_aa_violation_on_any_page_at_any_width(audited):
    result, seen = audited
    assert result["axe"].startswith("4.")
    # the rules that matter here ran: names, contrast, languages, lists, labels, skipping
    essential = {"color-contrast", "link-name", "html-has-lang", "valid-lang", "bypass", "label"}
    assert essential <= set(result["rules"]["wcag"])
    for (name, size), page in seen.items():
        found = page["results"]["wcag"]
        assert found["violations"] == [], f"{name} ({size}):\n{described(found['violations'])}"
        # nothing left undecided either (a contrast axe cannot compute is a check not made)
        assert found["incomplete"] == [], f"{name} ({size}):\n{described(found['incomplete'])}"
        passed = set(found["passes"])
        assert {"color-contrast", "link-name", "html-has-lang"} <= passed, name
        if name != "member":  # the member's page is in one language only: no lang inside
            assert "valid-lang" in passed, name
        if name != "members-folder":
            assert {"bypass", "label", "list", "listitem"} <= passed, name


@pytest.mark.node
def test_headings_in_order_landmarks_and_a_skip_link(audited):
    _, seen = audited
    for (name, size), page in seen.items():
        found = page["results"]["best-practice"]
        assert found["violations"] == [], f"{name} ({size}):\n{described(found['violations'])}"
        passed = set(found["passes"])
        assert {"heading-order", "landmark-one-main", "region", "page-has-heading-one"} <= passed
        if name != "members-folder":
            assert "skip-link" in passed, name  # its target exists


BROKEN = (
    '<div id="broken">'
    '<img id="no-alt" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="20" height="20">'
    '<a id="no-name" href="#agenda"></a>'
    '<p id="faint" style="color:#c8c8c8;background:#fff">faint text</p>'
    '<h6 id="skipped-heading">after h1, an h6</h6>'
    "</div>"
)


@pytest.mark.node
def test_the_check_reports_a_page_with_known_violations(served, tmp_path):
    """The check can fail: the real page with an image without alt, a link without a name,
    text too faint to read and a heading that skips levels, each reported where it is."""
    _, _, root = served
    text = (root / "index.html").read_text("utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(text.replace('<main class="wrap">', f'<main class="wrap">{BROKEN}'), "utf-8")
    page = {"url": broken.as_uri(), "width": 1280, "height": 900, "mobile": False}
    found = run_axe([page])["pages"][0]["results"]
    wcag = {rule["id"]: rule for rule in found["wcag"]["violations"]}
    best = {rule["id"]: rule for rule in found["best-practice"]["violations"]}
    for rules, rule_id, target in (
        (wcag, "image-alt", "#no-alt"),
        (wcag, "link-name", "#no-name"),
        (wcag, "color-contrast", "#faint"),
        (best, "heading-order", "#skipped-heading"),
    ):
        assert rule_id in rules, (rule_id, sorted(rules))
        assert [node["target"] for node in rules[rule_id]["nodes"]] == [[target]], rule_id
    assert set(wcag) == {"image-alt", "link-name", "color-contrast"}  # the page itself passes


def events_on(root: Path, path: str) -> Page:
    return parse((root / path).read_text("utf-8"))


@pytest.mark.node
def test_every_link_says_which_event_or_calendar_it_is_for(audited, served):
    trip, base, root = served
    _, seen = audited
    urls = page_urls(trip, base)
    for (name, size), page in seen.items():
        by_name: dict[str, set[str]] = {}
        for item in page["names"]:
            assert item["name"].strip(), (name, item)
            by_name.setdefault(item["name"], set()).add(item["href"] or item["link"] or "")
        repeated = {text: len(hrefs) for text, hrefs in by_name.items() if len(hrefs) > 1}
        assert not repeated, f"{name} ({size}): names shared by several destinations: {repeated}"
        if name == "members-folder":
            continue
        lang = "en" if name in {"public-en", "member"} else "ko"
        path = urlsplit(urls[name]).path.lstrip("/") + ("index.html" if name == "member" else "")
        built = events_on(root, path)
        names = {item["href"]: item["name"] for item in page["names"] if item["role"] == "link"}
        for event in built.events.values():
            check_event_names(event, names, lang)
        for feed in built.feeds.values():
            calendar = spoken_calendar(feed, lang)
            for kind, href in feed["links"].items():
                if kind not in {"raw", "google-addbyurl"}:  # that page is the same for both
                    assert names[href].startswith(f"{calendar} — "), (kind, names[href])
        fallbacks = sorted(i["name"] for i in page["names"] if i["link"] == "google-addbyurl")
        expected = [
            f"{spoken_calendar(feed, lang)} — {wording.page_word('google-fallback', lang)}"
            for feed in built.feeds.values()
        ]
        assert fallbacks == sorted(expected), name
        fields = [item["name"] for item in page["names"] if item["role"] == "textbox"]
        assert len(fields) == len(set(fields)) == len(built.feeds), fields
    href = events_on(root, "index.html").events["seoul-pavilion-opening"]["links"]["google-add"]
    spoken = {item["href"]: item["name"] for item in seen["public-ko", "desktop"]["names"]}
    assert spoken[href] == "CES 2024 서울관 개관식 — Google 캘린더에 추가"  # the example


@pytest.mark.node
def test_every_link_opens_the_percent_encoded_address_it_was_built_as(audited, served):
    """Links are written as IRIs (Korean as itself); Chromium opens the URI each one maps to."""
    trip, _, _ = served
    _, seen = audited
    korean = 0
    for (name, size), page in seen.items():
        for item in page["names"]:
            href = item["href"]
            if item["role"] != "link" or not href or not href.startswith("https://"):
                continue
            assert item["url"] == uri_of(href), (name, size, item["link"], href)
            korean += not href.isascii()
    titles = [event.title.ko for event in trip.events]
    assert korean >= 3 * len(titles), korean  # the Korean page's add links, at the least


def check_event_names(event: dict, names: dict[str, str], lang: str) -> None:
    """Each add-event link is named "<the event's title> — <what the eye reads>"."""
    title = event["title"]
    for kind, key in (
        ("google-add", "add-google"),
        ("outlook-add", "add-outlook"),
        ("m365-add", "add-m365"),
    ):
        if kind in event["links"]:
            visible = wording.page_word(key, lang)
            assert names[event["links"][kind]] == f"{title} — {visible}", event["title"]
    if "event-ics" in event["links"]:
        spoken = names[event["links"]["event-ics"]]
        assert spoken.startswith(f"{title} — "), spoken
        assert ".ics" in spoken, spoken


def spoken_calendar(feed: dict, lang: str) -> str:
    feed_lang = "ko" if feed["url"].endswith(".ko.ics") else "en"
    return wording.page_word(f"calendar-{feed_lang}", lang)


def luminance(css: str) -> float:
    red, green, blue = (int(n) / 255 for n in re.findall(r"[\d.]+", css)[:3])

    def linear(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_arithmetic():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(118, 118, 118)", "rgb(255, 255, 255)"), 2) == 4.54


@pytest.mark.node
def test_the_keyboard_reaches_everything_and_focus_is_always_visible(audited):
    _, seen = audited
    for (name, size), page in seen.items():
        stops = page["focus"]
        assert len(stops) == page["focusable"], f"{name} ({size}): Tab missed some elements"
        for stop in stops:
            where = f"{name} ({size}) {stop['tag']} {stop['href']}"
            assert stop["inView"], f"{where}: focused but out of sight"
            assert stop["outlineStyle"] == "solid", where
            assert float(stop["outlineWidth"].removesuffix("px")) >= 2, where
            # WCAG 1.4.11: a focus indicator contrasts 3:1 with what is around it
            assert contrast(stop["outlineColor"], stop["background"]) >= 3, where
        if name == "members-folder":
            assert page["afterSkip"] is None
            continue
        assert stops[0]["link"] == "skip", stops[0]
        assert stops[0]["href"] == "#agenda", stops[0]
        assert page["skipHiddenUnfocused"] is True  # out of sight until it has focus
        assert page["afterSkip"] == "agenda"  # Enter on it, then Tab: inside the agenda


@pytest.mark.node
def test_every_text_is_in_the_language_its_block_says(audited):
    _, seen = audited
    for (name, size), page in seen.items():
        for item in page["lang"]:
            if HANGUL.search(item["text"]):
                assert item["lang"] == "ko", f"{name} ({size}): {item}"
            assert item["lang"] in {"ko", "en"}, item
        languages = {item["lang"] for item in page["lang"]}
        if name != "member":  # public pages link to the other language; the folder speaks both
            assert languages == {"ko", "en"}, name


@pytest.mark.node
def test_the_pages_ask_nothing_of_any_other_host(audited, served):
    _, base, _ = served
    _, seen = audited
    for (name, size), page in seen.items():
        assert page["requests"], name
        elsewhere = [url for url in page["requests"] if not url.startswith(base)]
        assert elsewhere == [], f"{name} ({size})"
        refused = [m for m in page["console"] if "Content Security Policy" in m or "pageerror" in m]
        assert refused == [], f"{name} ({size})"


class Times(HTMLParser):
    """Every <time> of a page: which event and which column it is in, its datetime, its text."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[dict] = []
        self.event: str | None = None
        self.column = "page"
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        values = {key: value or "" for key, value in attrs}
        if tag == "li" and "data-event" in values:
            self.event = values["data-event"]
        if "data-time" in values:
            self.column = values["data-time"]
        if tag == "h3" and values.get("class") == "day":
            self.column, self.event = "day", None
        if tag == "footer":
            self.column, self.event = "footer", None
        if tag == "time":
            self._open = {
                "event": self.event,
                "column": self.column,
                "datetime": values["datetime"],
                "text": "",
            }
            self.times.append(self._open)

    def handle_endtag(self, tag):
        if tag == "time":
            self._open = None
        if tag == "span" and self.column in {"local", "home"}:
            self.column = "page"

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def test_every_time_is_a_time_element_with_its_instant_and_offset(served):
    trip, base, _ = served
    for path, lang in (("index.html", "ko"), ("index.en.html", "en")):
        parser = Times()
        parser.feed(dump_dom(base + path))
        by_event: dict[tuple[str | None, str], list[str]] = {}
        for item in parser.times:
            by_event.setdefault((item["event"], item["column"]), []).append(item["datetime"])
        for row in agenda_rows(trip, lang=lang):
            timing = row.timing
            local = by_event[row.event.id, "local"]
            home = by_event[row.event.id, "home"]
            if timing.all_day or row.approximate:
                # a day, or a window the source does not time: the day only, never an instant
                for value in (*local, *home):
                    assert re.fullmatch(r"\d{4}-\d\d-\d\d", value), (row.event.id, value)
                continue
            start = timing.start.astimezone(timing.zone)
            assert local[0] == start.isoformat(timespec="minutes"), row.event.id
            assert local[1] == timing.end.isoformat(timespec="minutes"), row.event.id
            assert [datetime.fromisoformat(v) for v in home] == [timing.start, timing.end]
            assert all(v.endswith("+09:00") for v in home), home  # Seoul's offset, written out
            assert datetime.fromisoformat(local[0]).utcoffset() == start.utcoffset()
        days = by_event[None, "day"]
        assert days
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", day) for day in days)
        revised = by_event[None, "footer"]
        assert [datetime.fromisoformat(v) for v in revised] == [trip.revised]
        assert revised[0].endswith("+09:00")


def test_android_users_are_told_to_add_the_calendar_by_url_on_the_web(served):
    trip, base, _ = served
    for url, lang in (
        (base + "index.html", "ko"),
        (base + "index.en.html", "en"),
        (page_urls(trip, base)["member"], "en"),
    ):
        dom = dump_dom(url)
        assert 'id="android"' in dom
        block = dom[dom.index('id="android"') :]
        block = block[: block.index("</ol>")]
        assert wording.page_word("android", lang) in block
        assert f'href="{calendar_links.GOOGLE_ADD_BY_URL}"' in block
        assert ">calendar.google.com<" in block
        text = re.sub(r"<[^>]+>", "", block)
        assert ("Google 캘린더 앱" if lang == "ko" else "Google Calendar app") in text
        assert ("URL로 추가" if lang == "ko" else "From URL") in text
