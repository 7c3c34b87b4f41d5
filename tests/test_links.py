"""Link builders (R-LINK-01…05): every link is parsed back and checked against what it encodes."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from url_rules import uri_of

import seoulcal
from seoulcal import links
from seoulcal.publish import build_site

FEED = "https://trips.example.org/ces2024/m/AbC-_123/ces2024.ko.ics?v=2"
NAME = "서울시장 CES 2024 출장 (라스베이거스) · 오세훈 서울시장"
LA = ZoneInfo("America/Los_Angeles")
SEOUL = ZoneInfo("Asia/Seoul")


def query(link: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(link).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values()), parsed
    return {key: values[0] for key, values in parsed.items()}


def raw_value(link: str, key: str) -> str:
    for pair in urlsplit(link).query.split("&"):
        name, _, value = pair.partition("=")
        if name == key:
            return value
    raise AssertionError(key)


# --- subscribe links ----------------------------------------------------------------------------


def test_google_subscribe_link_carries_the_whole_feed_url_encoded():
    link = links.google_subscribe_url(FEED)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "calendar.google.com",
        "/calendar/r",
    )
    assert query(link) == {"cid": FEED}
    encoded = raw_value(link, "cid")
    assert not set(encoded) & set("&?#/:="), encoded
    assert encoded.startswith("https%3A%2F%2F")


def test_google_subscribe_link_can_send_webcal():
    link = links.google_subscribe_url(FEED, scheme="webcal")
    assert query(link)["cid"] == "webcal" + FEED.removeprefix("https")


@pytest.mark.parametrize(
    ("host", "netloc"),
    [("outlook.com", "outlook.live.com"), ("microsoft365", "outlook.office.com")],
)
def test_outlook_subscribe_link_names_the_calendar_in_korean(host, netloc):
    link = links.outlook_subscribe_url(FEED, NAME, host=host)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", netloc, "/calendar/0/addfromweb")
    assert query(link) == {"url": FEED, "name": NAME}
    assert "%EC%84%9C%EC%9A%B8" in raw_value(link, "name")  # "서울" as percent-encoded UTF-8
    assert len(link) < links.MAX_LINK_LENGTH


def test_webcal_link_only_swaps_the_scheme():
    assert (
        links.webcal_url(FEED) == "webcal://trips.example.org/ces2024/m/AbC-_123/ces2024.ko.ics?v=2"
    )
    assert links.webcal_url("http://127.0.0.1:8000/a.ics") == "webcal://127.0.0.1:8000/a.ics"


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.org/a.ics",
        "/relative/a.ics",
        "https://user:pw@example.org/a.ics",
        "https://example.org/a.ics#frag",
    ],
)
def test_feed_urls_without_a_host_or_with_credentials_are_refused(bad):
    with pytest.raises(ValueError, match="feed URL"):
        links.google_subscribe_url(bad)
    with pytest.raises(ValueError, match="feed URL"):
        links.webcal_url(bad)


# --- add-one-event links ------------------------------------------------------------------------

START = datetime(2024, 1, 9, 11, 0, tzinfo=LA)
END = datetime(2024, 1, 9, 12, 0, tzinfo=LA)
TITLE = 'CES 2024 서울관 개관식 & 오찬; 100% "환영"'


def test_google_timed_link_uses_utc_z_and_an_iana_ctz():
    link = links.google_event_url(
        TITLE, START, END, details="줄1\n줄2", location="Eureka Park, 201 Sands Ave", zone=LA.key
    )
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == ("calendar.google.com", "/calendar/render")
    values = query(link)
    assert values["action"] == "TEMPLATE"
    assert values["text"] == TITLE
    assert values["details"] == "줄1\n줄2"
    assert values["location"] == "Eureka Park, 201 Sands Ave"
    assert values["ctz"] == "America/Los_Angeles"
    assert re.fullmatch(r"\d{8}T\d{6}Z/\d{8}T\d{6}Z", values["dates"])
    first, last = values["dates"].split("/")
    assert datetime.strptime(first, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == START
    assert datetime.strptime(last, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == END
    assert values["dates"] == "20240109T190000Z/20240109T200000Z"


def test_google_timed_link_across_zones_keeps_both_instants():
    start = datetime(2024, 1, 12, 22, 50, tzinfo=LA)
    end = datetime(2024, 1, 14, 5, 0, tzinfo=SEOUL)
    values = query(links.google_event_url("귀국", start, end))
    assert values["dates"] == "20240113T065000Z/20240113T200000Z"
    assert "ctz" not in values


def test_google_all_day_link_has_an_exclusive_end_and_never_ctz():
    link = links.google_event_url("CES", date(2024, 1, 9), date(2024, 1, 11), zone=LA.key)
    values = query(link)
    assert re.fullmatch(r"\d{8}/\d{8}", values["dates"])
    assert values["dates"] == "20240109/20240111"
    assert "ctz" not in values


@pytest.mark.parametrize(
    ("host", "netloc"),
    [("outlook.com", "outlook.live.com"), ("microsoft365", "outlook.office.com")],
)
def test_outlook_timed_link_uses_utc_z(host, netloc):
    link = links.outlook_event_url(TITLE, START, END, details="본문", location="LVCC", host=host)
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == (netloc, "/calendar/0/deeplink/compose")
    values = query(link)
    assert values["path"] == "/calendar/action/compose"
    assert values["rru"] == "addevent"
    assert values["subject"] == TITLE
    assert values["body"] == "본문"
    assert values["location"] == "LVCC"
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(pattern, values["startdt"])
    assert re.fullmatch(pattern, values["enddt"])
    assert datetime.fromisoformat(values["startdt"]) == START
    assert datetime.fromisoformat(values["enddt"]) == END
    assert "allday" not in values


def test_outlook_all_day_link_uses_dates_allday_and_an_exclusive_end():
    values = query(links.outlook_event_url("CES", date(2024, 1, 9), date(2024, 1, 11)))
    assert values["allday"] == "true"
    assert values["startdt"] == "2024-01-09"
    assert values["enddt"] == "2024-01-11"
    assert values["enddt"] > values["startdt"]


def test_long_details_are_shortened_to_fit_and_the_title_is_kept():
    details = "가나다라마바사 " * 400
    for link in (
        links.google_event_url(TITLE, START, END, details=details, zone=LA.key),
        links.outlook_event_url(TITLE, START, END, details=details),
    ):
        assert len(link) <= links.MAX_LINK_LENGTH
        values = query(link)
        body = values.get("details", values.get("body"))
        assert body is not None
        assert body.endswith("…")
        assert details.startswith(body.removesuffix("…"))
        assert values.get("text", values.get("subject")) == TITLE


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (datetime(2024, 1, 9, 11), datetime(2024, 1, 9, 12), ValueError),
        (END, START, ValueError),
        (START, START, ValueError),
        (date(2024, 1, 9), date(2024, 1, 9), ValueError),
        (START, date(2024, 1, 10), TypeError),
    ],
)
def test_impossible_spans_are_refused(start, end, error):
    with pytest.raises(error):
        links.google_event_url("x", start, end)
    with pytest.raises(error):
        links.outlook_event_url("x", start, end)


# --- links written for a page (IRIs) -----------------------------------------------------------

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@given(title=_TEXT.filter(str.strip), details=_TEXT, name=_TEXT, path=_TEXT)
def test_a_link_written_as_an_iri_is_the_same_link_to_a_browser(title, details, name, path):
    made = [
        links.google_event_url(title, date(2024, 1, 9), date(2024, 1, 10), details=details),
        links.outlook_event_url(
            title,
            datetime(2024, 1, 9, 11, tzinfo=LA),
            datetime(2024, 1, 9, 12, tzinfo=LA),
            details=details,
            location=name,
            host="microsoft365",
        ),
        links.outlook_subscribe_url(FEED, name),
        "https://example.org/" + links.query_value(path) + "#" + links.query_value(name),
    ]
    for link in made:
        written = links.iri(link)
        assert uri_of(written) == link  # what the browser sends is the link, byte for byte
        assert len(written.encode("utf-8")) <= len(link)
        for char in written:
            if not char.isascii():
                assert unicodedata.category(char)[0] not in "CZ", (char, written)
    assert links.iri(f"https://h.example/?name={links.query_value(name)}") == (
        f"https://h.example/?name={links.iri_query_value(name)}"
    )


@given(title=_TEXT.filter(str.strip), details=_TEXT, repeat=st.integers(1, 200), where=_TEXT)
def test_an_add_event_link_built_as_an_iri_is_the_link_written_as_one(
    title, details, repeat, where
):
    long = details * repeat  # often longer than a link may be: shortened alike in both forms
    day, timed = date(2024, 1, 9), datetime(2024, 1, 9, 11, tzinfo=LA)
    for build, start, end, extra in (
        (links.google_event_url, day, date(2024, 1, 10), {"zone": "America/Los_Angeles"}),
        (links.google_event_url, timed, timed.replace(hour=12), {"zone": "Asia/Seoul"}),
        (links.outlook_event_url, day, date(2024, 1, 10), {"host": "microsoft365"}),
        (links.outlook_event_url, timed, timed.replace(hour=12), {}),
    ):
        uri = build(title, start, end, details=long, location=where, **extra)
        assert build(title, start, end, details=long, location=where, iri=True, **extra) == (
            links.iri(uri)
        )


def test_an_iri_writes_out_only_visible_characters_after_the_host():
    link = links.outlook_subscribe_url(FEED, NAME)
    assert links.iri(link).endswith(
        "&name=서울시장%20CES%202024%20출장%20%28라스베이거스%29%20·%20오세훈%20서울시장"
    )
    kept = [
        "%C2%A0",  # no-break space
        "%E3%80%80",  # ideographic space
        "%E2%80%8F",  # right-to-left mark
        "%C2%85",  # a C1 control
        "%EF%BF%BF",  # a noncharacter
        "%EE%80%80",  # private use
        "%ED%A0%80",  # a surrogate's bytes: not UTF-8
        "%EC%84",  # cut short
        "%EC%84%9C%9C",  # one continuation byte too many
        "%ec%84%9c",  # lowercase hex: left as its writer spelled it
        "%26%3D%23%25%2F",  # ASCII stays encoded: & = # % /
    ]
    for encoded in kept:
        assert links.iri(f"https://h.example/p?q={encoded}") == f"https://h.example/p?q={encoded}"
    host = "https://%EC%84%9C%EC%9A%B8.example/%EC%84%9C?%EC%9A%B8#%EC%84%9C"
    assert links.iri(host) == "https://%EC%84%9C%EC%9A%B8.example/서?울#서"
    assert links.iri("https://%EC%84%9C.example") == "https://%EC%84%9C.example"
    assert links.iri("https://h.example/😀%F0%9F%98%80") == "https://h.example/😀😀"


# --- the links of a built page --------------------------------------------------------------------


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str | None, dict[str, str | None]]] = []
        self.event: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "li" and values.get("data-event"):
            self.event = values["data-event"]
        if values.get("data-link"):
            self.items.append((self.event, values))


def test_every_add_link_on_the_page_encodes_its_event(tmp_path):
    trip = seoulcal.ces2024()
    build_site(trip, tmp_path / "site", base_url="https://trips.example.org/c/", secret=b"x" * 32)
    parser = _Anchors()
    parser.feed((tmp_path / "site" / "index.html").read_text("utf-8"))
    events = {event.id: event for event in trip.events}
    seen: set[tuple[str, str]] = set()
    for event_id, attrs in parser.items:
        kind = attrs["data-link"]
        if kind not in {"google-add", "outlook-add", "m365-add", "event-ics"}:
            continue
        assert event_id is not None
        seen.add((event_id, kind))
        timing = trip.timing(events[event_id])
        href = attrs["href"]
        assert href is not None
        if kind == "event-ics":
            assert href == f"events/{event_id}.ko.ics"
            continue
        values = query(href)
        if kind == "google-add":
            first, last = values["dates"].split("/")
            if timing.all_day:
                assert (first, last) == (f"{timing.start:%Y%m%d}", f"{timing.end:%Y%m%d}")
                assert "ctz" not in values
            else:
                assert isinstance(timing.start, datetime)
                assert isinstance(timing.end, datetime)
                assert (
                    datetime.strptime(first, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == timing.start
                )
                assert datetime.strptime(last, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) == timing.end
                assert values["ctz"] == timing.zone.key
            assert values["text"].startswith(events[event_id].title.ko)
        else:
            if timing.all_day:
                assert values["allday"] == "true"
                assert values["startdt"] == f"{timing.start:%Y-%m-%d}"
                assert values["enddt"] == f"{timing.end:%Y-%m-%d}"
            else:
                assert datetime.fromisoformat(values["startdt"]) == timing.start
                assert datetime.fromisoformat(values["enddt"]) == timing.end
            assert values["subject"].startswith(events[event_id].title.ko)
        assert links.iri(uri_of(href)) == href  # written as an IRI, shorter than what is sent
        assert len(uri_of(href)) <= links.MAX_LINK_LENGTH
    expected = {
        (event.id, kind)
        for event in trip.events
        for kind in ("google-add", "outlook-add", "m365-add", "event-ics")
    }
    assert seen == expected


def test_an_event_link_compares_its_ends_as_instants_across_a_fall_back():
    la = ZoneInfo("America/Los_Angeles")
    start = datetime(2024, 11, 3, 1, 30, tzinfo=la)  # PDT, 08:30Z
    end = datetime(2024, 11, 3, 1, 10, tzinfo=la, fold=1)  # PST, 09:10Z: 40 minutes later
    link = links.google_event_url("Night", start, end)
    assert "20241103T083000Z%2F20241103T091000Z" in link
    with pytest.raises(ValueError, match="not after start"):
        links.google_event_url("Backwards", end, start)  # 09:10Z to 08:30Z
    with pytest.raises(ValueError, match="not after start"):
        links.outlook_event_url("Backwards", end, start)
