"""The published site's pages: the public page of a trip and each member's private page.

Pages are plain HTML5 built with :func:`html.escape`: one inline style sheet, system fonts, no
script, no external request of any kind, readable from a phone's width up. Every page lists the
calendars to subscribe to (with a button per client, see :mod:`seoulcal.links`) and then the agenda,
with each event's time at its place and at home (the same rows as :mod:`seoulcal.agenda`).

Pages carry ``<meta name="referrer" content="no-referrer">``, so that following a link from a
member's page never sends the page's secret address to another site.
"""

from __future__ import annotations

__all__ = ["PUBLIC_ROOT", "Pages", "member_page", "members_folder_page", "public_page"]

import functools
import string
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING

from seoulcal import links, wording, zones
from seoulcal.agenda import AgendaRow, Segment, agenda_rows, home_segments, local_segments
from seoulcal.publish import layout

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from seoulcal.model import Contact, Event, Language, Member, Trip
    from seoulcal.publish.layout import Feed


_ADD = "addlink"
PUBLIC_ROOT = ""
"""The site's root relative to the public pages (they are at the root): their items' links."""

_STYLE = """
:root{--ink:#1b1f24;--muted:#57606a;--line:#d8dee4;--paper:#fff;--wash:#f4f6f8;
--brand:#0b3d91;--brand-ink:#fff;--accent:#c8102e;--focus:#ffb000}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--wash);color:var(--ink);line-height:1.55;
font-family:system-ui,-apple-system,"Segoe UI","Apple SD Gothic Neo","Malgun Gothic",
"Noto Sans KR","Noto Sans CJK KR","NanumGothic",Roboto,"Helvetica Neue",Arial,sans-serif;
word-break:keep-all;overflow-wrap:anywhere}
a{color:var(--brand)}
a:focus-visible,summary:focus-visible,input:focus-visible{outline:3px solid var(--ink);
outline-offset:2px}
.top a:focus-visible{outline-color:var(--focus)}
.vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;
clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}
.skip{position:absolute;left:.5rem;top:-10rem;z-index:1;padding:.6rem 1rem;background:var(--focus);
color:var(--ink);font-weight:700;border-radius:0 0 .45rem .45rem}
.skip:focus{top:0}
.skip:focus-visible{outline:3px solid var(--ink);outline-offset:0}
.wrap{max-width:62rem;margin:0 auto;padding:0 1rem}
.top{background:var(--brand);color:var(--brand-ink);padding:1.25rem 0 1.5rem;
border-bottom:4px solid var(--accent)}
.top a{color:var(--brand-ink)}
.bar{display:flex;justify-content:space-between;gap:1rem;align-items:baseline;flex-wrap:wrap}
.org{margin:0;font-size:.9rem;opacity:.9}
.lang{font-size:.95rem;font-weight:600}
h1{font-size:clamp(1.45rem,4.5vw,2.2rem);line-height:1.25;margin:.6rem 0 .4rem}
.lede{margin:0;max-width:48rem;opacity:.95}
main.wrap{padding-top:1.25rem;padding-bottom:2rem}
section{background:var(--paper);border:1px solid var(--line);border-radius:.75rem;
padding:1rem 1rem 1.25rem;margin:0 0 1.25rem}
h2{font-size:1.3rem;margin:.2rem 0 .5rem}
h3{font-size:1.05rem;margin:1.1rem 0 .5rem}
.note{color:var(--muted);font-size:.92rem;margin:.4rem 0}
.private{background:#fff7e6;border:1px solid #f0c36d;border-radius:.5rem;padding:.6rem .8rem}
.feeds{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr))}
.feed{border:1px solid var(--line);border-radius:.6rem;padding:.8rem;background:var(--wash)}
.feed h3{margin:0 0 .6rem}
.buttons{list-style:none;margin:0;padding:0;display:grid;gap:.45rem}
.button{display:block;padding:.6rem .8rem;border-radius:.45rem;background:var(--paper);
border:1px solid #9fb3d1;text-decoration:none;font-weight:600;min-height:2.75rem}
.button:hover{background:#e8effa}
.button.primary{background:var(--brand);color:var(--brand-ink);border-color:var(--brand)}
label{display:block;font-size:.85rem;color:var(--muted);margin:.7rem 0 .2rem}
input.url{width:100%;font:inherit;font-size:.85rem;padding:.45rem;border:1px solid var(--line);
border-radius:.35rem;background:var(--paper);color:var(--ink)}
details{margin-top:.8rem}
summary{cursor:pointer;color:var(--brand);font-weight:600}
.day{font-size:1.05rem;border-bottom:2px solid var(--brand);padding-bottom:.2rem;
margin-top:1.4rem}
ol.events{list-style:none;margin:0;padding:0}
.event{display:grid;gap:.3rem 1rem;padding:.8rem 0;border-bottom:1px solid var(--line)}
@media (min-width:44rem){.event{grid-template-columns:19rem 1fr}}
.times p{margin:0;display:flex;gap:.5rem;font-variant-numeric:tabular-nums}
.times .tag{flex:0 0 2.6rem;font-size:.78rem;font-weight:700;padding-top:.15rem;
color:var(--muted);letter-spacing:.02em}
.times .home{color:var(--muted)}
.event h4{margin:0;font-size:1.02rem;line-height:1.4}
.event .place,.event .contact{margin:.1rem 0 0;color:var(--muted);font-size:.93rem}
.links{list-style:none;margin:.3rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem .8rem;
font-size:.9rem}
.approx{display:inline-block;margin-top:.2rem;font-size:.8rem;font-weight:700;color:#8a4b00;
background:#fff1d6;border-radius:.3rem;padding:0 .35rem}
.cancelled h4{text-decoration:line-through;color:var(--muted)}
.add{display:flex;flex-wrap:wrap;gap:.35rem .6rem;margin:.45rem 0 0;padding:0;list-style:none;
font-size:.88rem}
.add .lead{color:var(--muted)}
.android{margin-top:1rem;border-left:4px solid var(--brand);padding:.1rem 0 .1rem .9rem}
.android h3{margin:.2rem 0 .3rem}
.android p,.android ol{margin:.3rem 0}
.android ol{padding-left:1.4rem}
.android li{margin:.25rem 0}
footer{color:var(--muted);font-size:.88rem;padding:0 0 2rem}
@media print{.top{background:none;color:var(--ink)}.top a{color:var(--ink)}
#subscribe{display:none}section{border:none}}
"""


_w = wording.page_word


def _e(text: str) -> str:
    return escape(text, quote=True)


def _page(  # noqa: PLR0913 - keyword-only parts of one page
    *,
    lang: Language,
    title: str,
    head_extra: str,
    top: str,
    body: Iterable[str | bytes],
    footer: str,
    skip: str = "",
) -> bytes:
    """Return a page's bytes; parts of *body* may be UTF-8 already (the agenda's shared items)."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="color-scheme" content="light">',
        head_extra,
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE.strip()}</style>",
        "</head>",
        "<body>",
        skip,
        f'<header class="top"><div class="wrap">{top}</div></header>',
        '<main class="wrap">',
        *body,
        "</main>",
        f'<footer class="wrap">{footer}</footer>',
        "</body>",
        "</html>",
        "",
    ]
    return b"\n".join(
        part if isinstance(part, bytes) else part.encode("utf-8") for part in parts if part
    )


def _named(visible: str, key: str, lang: Language, **values: str) -> str:
    """Return *visible* (escaped) inside the rest of its accessible name, visually hidden.

    The name is the page word *key* with ``{visible}`` at the place of the visible words, and
    ``{title}`` or ``{calendar}`` filled from *values*: ``CES 2024 서울관 개관식 — Google 캘린더에
    추가`` where the eye reads "Google 캘린더에 추가". Hidden text rather than ``aria-label``: the
    visible words stay part of the name by construction (WCAG 2.5.3), and browsers' page
    translation, which leaves attributes alone, translates the whole name with the page.
    """
    fields = {name: "{" + name + "}" for name in ("title", "calendar")}
    template = _w(key, lang, visible="{visible}", **fields)
    before, _, after = template.partition("{visible}")
    parts = []
    for hidden in (before, after):
        for name, value in values.items():
            hidden = hidden.replace("{" + name + "}", value)  # noqa: PLW2901 - one half at a time
        parts.append(f'<span class="vh">{_e(hidden)}</span>' if hidden else "")
    return f"{parts[0]}{_e(visible)}{parts[1]}"


def _external(href: str, name: str, *, kind: str, css: str = "button") -> str:
    """Return a link that opens *href* in a new tab; *name* is its content, already HTML.

    Callers give *href* as an IRI (:func:`links.iri`, or a link built with ``iri=True``): the
    browser opens the same address, and a Korean page's links take a third of the bytes.
    """
    css = f' class="{css}"' if css else ""
    return (
        f'<a{css} href="{_e(href)}" data-link="{kind}" rel="noopener noreferrer" '
        f'target="_blank">{name}</a>'
    )


def _feed_card(feed: Feed, lang: Language, heading: str) -> str:
    """Return the buttons of one calendar.

    The card is in the page's language whatever the calendar's (its words are the page's), and
    each control's name says which calendar it is for, as the page has a card per calendar.
    """

    def name(key: str) -> str:
        return _feed_control(key, lang, heading)

    buttons = [
        (
            f'<a class="button primary" href="{_e(links.webcal_url(feed.url))}" '
            f'data-link="webcal">{name("apple")}</a>'
        ),
        _external(
            links.iri(links.google_subscribe_url(feed.url)), name("google"), kind="google-subscribe"
        ),
        _external(
            links.iri(links.outlook_subscribe_url(feed.url, feed.name, host="outlook.com")),
            name("outlook"),
            kind="outlook-subscribe",
        ),
        _external(
            links.iri(links.outlook_subscribe_url(feed.url, feed.name, host="microsoft365")),
            name("m365"),
            kind="m365-subscribe",
        ),
        (
            f'<a class="button" href="{_e(feed.href)}" download data-link="download">'
            f"{name('download')}</a>"
        ),
    ]
    field = f"url-{feed.lang}"
    items = "".join(f"<li>{button}</li>" for button in buttons)
    fallback = _external(
        links.GOOGLE_ADD_BY_URL, name("google-fallback"), kind="google-addbyurl", css="fallback"
    )
    return (
        f'<div class="feed" data-feed="{feed.lang}" data-url="{_e(feed.url)}">'
        f"<h3>{_e(heading)}</h3>"
        f'<ul class="buttons">{items}</ul>'
        f'<label for="{field}">{name("copy")}</label>'
        f'<input class="url" id="{field}" type="text" readonly value="{_e(feed.url)}" '
        f'data-link="raw">'
        f'<p class="note">{fallback}</p>'
        "</div>"
    )


@functools.cache
def _feed_control(key: str, lang: Language, heading: str) -> str:
    """Return the accessible name of the control *key* of the calendar *heading* (no member's)."""
    return _named(_w(key, lang), "name-feed", lang, calendar=heading)


@functools.cache
def _android(lang: Language) -> str:
    """Tell Android users how to subscribe: on the web, by URL (the app cannot from a link)."""
    google = _external(
        links.GOOGLE_ADD_BY_URL,
        _named("calendar.google.com", "android-link", lang),
        kind="android-addbyurl",
        css="",
    )
    steps = "".join(
        f"<li>{_e(_w(key, lang)).replace('{link}', google)}</li>"
        for key in ("android-copy", "android-web", "android-sync")
    )
    return (
        '<div class="android" id="android">'
        f"<h3>{_e(_w('android', lang))}</h3>"
        f"<p>{_e(_w('android-intro', lang))}</p>"
        f"<ol>{steps}</ol>"
        f'<p class="note">{_e(_w("android-other", lang))}</p>'
        "</div>"
    )


_ROOT_MARK = "\x03"
"""The place of a page's root in an agenda item rendered for every root (see Pages._item)."""
_ROOT_MARK_BYTES = _ROOT_MARK.encode()

_TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")
"""A member token's alphabet (URL-safe base64): neither percent-encoding nor HTML changes it."""
_TOKEN_MARK = "\x01"  # noqa: S105 - a placeholder, not a password
_NAME_MARK = "\x02"
"""Placeholders of a card template (no feed's address or name holds them: see _CardTemplate)."""


class _CardTemplate:
    """A calendar's card (:func:`_feed_card`) rendered once for every member's copy of it.

    Members' copies of a calendar differ in the token in its address (URL-safe base64, which
    neither percent-encoding nor HTML escaping changes) and in its name, which the card only
    gives in Outlook's links, percent-encoded and written as an IRI. The card is rendered with
    placeholders of both and filled in with each member's token and name. A template that does
    not give, for the feed it was made from, the card rendered directly is not used
    (:meth:`Pages._card`).
    """

    __slots__ = ("encoded", "name", "raw", "text")

    def __init__(self, feed: Feed, prefix: str, token: str, lang: Language, heading: str) -> None:
        """Render the card of *feed* (address: *prefix*, *token*, ``/``, href) with placeholders."""
        self.raw = _TOKEN_MARK * len(token)
        self.encoded = links.query_value(self.raw)
        self.name = links.query_value(_NAME_MARK)
        marked = layout.Feed(feed.lang, _NAME_MARK, feed.href, f"{prefix}{self.raw}/{feed.href}")
        self.text = _feed_card(marked, lang, heading)

    def fill(self, token: str, name: str) -> str:
        """Return the card of the feed with *token* in its address and *name* as its name."""
        return (
            self.text.replace(self.raw, token)
            .replace(self.encoded, token)
            .replace(self.name, links.iri_query_value(name))
        )


def _split_feed_url(feed: Feed) -> tuple[str, str] | None:
    """Return (prefix, token) of a member's feed address ``prefix + token + "/" + href``."""
    head, slash, href = feed.url.rpartition("/")
    prefix, _, token = head.rpartition("/")
    if not slash or href != feed.href or not token or not _TOKEN_CHARACTERS.issuperset(token):
        return None
    return f"{prefix}/", token


def _subscribe(
    feeds: Sequence[Feed],
    lang: Language,
    *,
    heading: str,
    card: Callable[[Feed, Language, str], str] = _feed_card,
) -> str:
    cards = "".join(card(feed, lang, _w(f"calendar-{feed.lang}", lang)) for feed in feeds)
    return (
        '<section id="subscribe" aria-labelledby="subscribe-heading">'
        f'<h2 id="subscribe-heading">{_e(heading)}</h2>'
        f'<p class="note">{_e(_w("subscribe-intro", lang))}</p>'
        f'<div class="feeds">{cards}</div>'
        f"{_android(lang)}"
        f'<p class="note">{_e(_w("refresh-note", lang))}</p>'
        "</section>"
    )


def _instant(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _time(text: str, value: datetime | date) -> str:
    """Return *text* as a ``<time>`` of *value*: the instant with its offset, or the day."""
    return f'<time datetime="{_instant(value)}">{_e(text)}</time>'


def _times(segments: Sequence[Segment], *, approximate: bool) -> str:
    """Return a time's text with each piece that shows an instant (or a day) in ``<time>``.

    An approximate time is a window the source does not give: its pieces carry the day only.
    """
    parts = []
    for text, value in segments:
        if value is None:
            parts.append(_e(text))
        elif approximate and isinstance(value, datetime):
            parts.append(_time(text, value.date()))
        else:
            parts.append(_time(text, value))
    return "".join(parts)


@functools.cache
def _day_heading(day: date, lang: Language) -> bytes:
    """Return the heading of *day* in the agenda (the same on every page), in UTF-8."""
    return f'<h3 class="day">{_time(wording.day_text(day, lang), day)}</h3>'.encode()


def _local_day(row: AgendaRow) -> date:
    start = row.timing.start
    if isinstance(start, datetime):
        return start.astimezone(row.timing.zone).date()
    return start


def _details(trip: Trip, row: AgendaRow, lang: Language) -> str:
    event = row.event
    blocks = []
    if event.description is not None:
        blocks.append(event.description.pick(lang))
    if row.timing.approximate is not None:
        blocks.append(wording.approximate_note(row.timing, lang))
    if event.source is not None:
        blocks.append(f"{wording.label('source', lang)}: {event.source.document}")
    blocks.append(trip.name.pick(lang))
    return "\n\n".join(blocks)


def _location(trip: Trip, row: AgendaRow, lang: Language) -> str:
    venue = trip.venue_of(row.event)
    return "" if venue is None else wording.place_line(venue, lang)


def _event_item(trip: Trip, row: AgendaRow, lang: Language, root_href: str) -> str:
    event = row.event
    timing = row.timing
    home = wording.home_name(trip.home_zone, lang)
    local = local_segments(timing, lang)
    at_home = home_segments(timing, zones.zone(trip.home_zone), lang)
    classes = "event cancelled" if event.status == "cancelled" else "event"
    approx = ""
    if row.approximate:
        assert timing.approximate is not None  # noqa: S101 - row.approximate says so
        approx = (
            f'<span class="approx" data-approximate="{timing.approximate.value}">≈ '
            f"{_e(wording.part_name(timing.approximate, lang))} · {_e(_w('tbc', lang))}</span>"
        )
    adds = ""
    if event.status != "cancelled":
        details = _details(trip, row, lang)
        location = _location(trip, row, lang)
        zone = timing.zone.key if not timing.all_day else None
        span = (row.title, timing.start, timing.end)
        google = links.google_event_url(
            *span, details=details, location=location, zone=zone, iri=True
        )
        outlook = links.outlook_event_url(*span, details=details, location=location, iri=True)
        m365 = links.outlook_event_url(
            *span, details=details, location=location, host="microsoft365", iri=True
        )
        ics = root_href + layout.event_path(event.id, lang)

        def name(key: str, pattern: str = "name-event") -> str:
            return _named(_w(key, lang), pattern, lang, title=row.title)

        adds = (
            '<ul class="add">'
            f'<li class="lead">{_e(_w("add-label", lang))}</li>'
            f"<li>{_external(google, name('add-google'), kind='google-add', css=_ADD)}</li>"
            f"<li>{_external(outlook, name('add-outlook'), kind='outlook-add', css=_ADD)}</li>"
            f"<li>{_external(m365, name('add-m365'), kind='m365-add', css=_ADD)}</li>"
            f'<li><a class="{_ADD}" href="{_e(ics)}" download data-link="event-ics">'
            f"{name('add-ics', 'name-event-ics')}</a></li>"
            "</ul>"
        )
    place = f'<p class="place">{_e(row.place)}</p>' if row.place else ""
    venue = trip.venue_of(event)
    if venue is not None and venue.contact is not None:
        place += _contact(venue.contact, lang)
    if event.contact is not None:
        place += _contact(event.contact, lang)
    if event.links:
        items = "".join(
            "<li>"
            + _external(
                links.iri(link.url),
                _e(wording.link_name(link, lang)),
                kind=f"event-{link.kind}",
                css="",
            )
            + "</li>"
            for link in event.links
        )
        place += f'<ul class="links" aria-label="{_e(wording.label("links", lang))}">{items}</ul>'
    return (
        f'<li class="{classes}" id="event-{event.id}" data-event="{event.id}" '
        f'data-start="{_instant(timing.start)}" data-end="{_instant(timing.end)}" '
        f'data-zone="{timing.zone.key}">'
        '<div class="times">'
        f'<p class="local"><span class="tag">{_e(_w("local", lang))}</span> '
        f'<span data-time="local">{_times(local, approximate=row.approximate)}</span></p>'
        f'<p class="home"><span class="tag">{_e(home)}</span> '
        f'<span data-time="home">{_times(at_home, approximate=row.approximate)}</span></p>'
        "</div>"
        f'<div class="what"><h4>{_e(row.title)}</h4>{place}{approx}{adds}</div>'
        "</li>"
    )


def _contact(contact: Contact, lang: Language) -> str:
    """Render a public contact: its name, a phone (a ``tel:`` link) and an address."""
    parts = [_e(contact.name.pick(lang))] if contact.name is not None else []
    if contact.phone is not None:
        dial = "".join(char for char in contact.phone if char.isdigit() or char == "+")
        parts.append(f'<a href="tel:{_e(dial)}">{_e(contact.phone)}</a>')
    if contact.email is not None:
        parts.append(f'<a href="mailto:{_e(contact.email)}">{_e(contact.email)}</a>')
    return f'<p class="contact">{_e(wording.label("contact", lang))}: {", ".join(parts)}</p>'


class Pages:
    """The pages of one trip, rendering what they share only once.

    An agenda item depends on the event, the language and the address of the one-event files,
    never on whom the page is for, so every member's page joins the same rendered items (as
    :class:`seoulcal.ics.CalendarWriter` joins VEVENTs). Each page is byte-identical to the
    one rendered on its own.
    """

    def __init__(self, trip: Trip) -> None:
        """Prepare to render *trip*'s pages."""
        self.trip = trip
        self._rows: dict[Language, list[AgendaRow]] = {}
        self._items: dict[tuple[str, Language, str], bytes] = {}
        self._templates: dict[tuple[str, Language], bytes | None] = {}
        """Each item rendered once with :data:`_ROOT_MARK` for its pages' root (``None``: not
        used, the mark being in the event's own text)."""
        self._footers: dict[tuple[Language, datetime], str] = {}
        self._days: dict[int, date] = {}
        self._cards: dict[tuple[str, ...], _CardTemplate | None] = {}

    def _all_rows(self, lang: Language) -> list[AgendaRow]:
        rows = self._rows.get(lang)
        if rows is None:
            rows = self._rows[lang] = agenda_rows(self.trip, lang=lang)
        return rows

    def _item(self, row: AgendaRow, lang: Language, root_href: str) -> bytes:
        """Return *row*'s item for pages at *root_href*, from the item rendered for any root.

        The root is only in the href of the one-event file: an item is rendered once per
        event and language with a mark in its place, and each root's copy replaces the mark.
        """
        key = (row.event.id, lang, root_href)
        item = self._items.get(key)
        if item is None:
            marked = (row.event.id, lang)
            if marked not in self._templates:
                text = _event_item(self.trip, row, lang, _ROOT_MARK)
                self._templates[marked] = text.encode() if text.count(_ROOT_MARK) == 1 else None
            template = self._templates[marked]
            if template is None:
                item = _event_item(self.trip, row, lang, root_href).encode()
            else:
                item = template.replace(_ROOT_MARK_BYTES, _e(root_href).encode())
            self._items[key] = item
        return item

    def _card(self, feed: Feed, lang: Language, heading: str) -> str:
        """Return :func:`_feed_card`, filled in from a template that members' copies share."""
        split = _split_feed_url(feed)
        if split is None:
            return _feed_card(feed, lang, heading)
        prefix, token = split
        key = (prefix, str(len(token)), feed.lang, feed.href, lang, heading)
        if key not in self._cards:
            made = _CardTemplate(feed, prefix, token, lang, heading)
            direct = _feed_card(feed, lang, heading)
            self._cards[key] = made if made.fill(token, feed.name) == direct else None
            return direct
        template = self._cards[key]
        if template is None:
            return _feed_card(feed, lang, heading)
        return template.fill(token, feed.name)

    def prepare(self, lang: Language, *, root_href: str) -> None:
        """Render every agenda item in *lang* for pages at *root_href* (before workers fork)."""
        for row in self._all_rows(lang):
            self._item(row, lang, root_href)

    def rendered(
        self, lang: Language, *, root_href: str, events: Iterable[Event]
    ) -> dict[str, bytes]:
        """Return the agenda items of *events* in *lang*, rendered, by event id.

        Events that are not the trip's (withdrawn ones) have none. A build has a worker process
        render some so, or takes them back from the last build, and hands them to :meth:`adopt`.
        """
        wanted = {event.id for event in events}
        return {
            row.event.id: self._item(row, lang, root_href)
            for row in self._all_rows(lang)
            if row.event.id in wanted
        }

    def adopt(self, lang: Language, *, root_href: str, items: Mapping[str, bytes]) -> None:
        """Take agenda items that another Pages of the same trip :meth:`rendered`, by event id."""
        for event_id, item in items.items():
            self._items.setdefault((event_id, lang, root_href), item)

    def _footer(self, lang: Language, revised: datetime | None) -> str:
        key = (lang, self.trip.revised if revised is None else revised)
        footer = self._footers.get(key)
        if footer is None:
            footer = self._footers[key] = _footer(self.trip, lang, key[1])
        return footer

    def _agenda(
        self, rows: Sequence[AgendaRow], lang: Language, *, heading: str, root_href: str
    ) -> bytes:
        """Return the agenda of *rows*, in UTF-8: the items are encoded once, then joined."""
        home = wording.home_name(self.trip.home_zone, lang)
        head = [
            '<section id="agenda" aria-labelledby="agenda-heading">',
            f'<h2 id="agenda-heading">{_e(heading)}</h2>',
            f'<p class="note">{_e(_w("agenda-intro", lang, home=home))}</p>',
        ]
        if any(row.approximate for row in rows):
            head.append(f'<p class="note">{_e(_w("approx-note", lang))}</p>')
        if not rows:
            head.append(f"<p>{_e(_w('no-events', lang))}</p>")
        parts = ["".join(head).encode()]
        day: date | None = None
        days = self._days
        for row in rows:
            this_day = days.get(id(row))
            if this_day is None:  # a row of the trip's own list, kept alive by self._rows
                this_day = days[id(row)] = _local_day(row)
            if this_day != day:
                if day is not None:
                    parts.append(b"</ol>")
                parts.append(_day_heading(this_day, lang))
                parts.append(b'<ol class="events">')
                day = this_day
            parts.append(self._item(row, lang, root_href))
        if day is not None:
            parts.append(b"</ol>")
        parts.append(b"</section>")
        return b"".join(parts)

    def public_page(
        self,
        lang: Language,
        feeds: Sequence[Feed],
        *,
        other_language_href: str,
        revised: datetime | None = None,
    ) -> bytes:
        """Return the public page in *lang*: the public calendars, then the agenda.

        It names no member and links to no member page. *revised* is the time its footer gives
        (see :meth:`member_page`).
        """
        trip = self.trip
        other = "en" if lang == "ko" else "ko"
        description = trip.description
        lede = f'<p class="lede">{_e(description.pick(lang))}</p>' if description else ""
        alternate = f'<link rel="alternate" hreflang="{other}" href="{_e(other_language_href)}">'
        top = (
            '<div class="bar">'
            f'<p class="org">{_e(trip.organizer.name.pick(lang))}</p>'
            f'<a class="lang" href="{_e(other_language_href)}" hreflang="{other}" lang="{other}">'
            f"{_e(_w('other-language', lang))}</a>"
            "</div>"
            f"<h1>{_e(trip.name.pick(lang))}</h1>{lede}"
        )
        rows = self._all_rows(lang)
        body: list[str | bytes] = [
            _subscribe(feeds, lang, heading=_w("subscribe", lang)),
            self._agenda(rows, lang, heading=_w("agenda", lang), root_href=PUBLIC_ROOT),
        ]
        return _page(
            lang=lang,
            title=trip.name.pick(lang),
            head_extra=alternate,
            top=top,
            body=body,
            footer=self._footer(lang, revised),
            skip=_skip(lang),
        )

    def member_page(  # noqa: PLR0913 - the member, the page's feeds and its four options
        self,
        member: Member,
        feeds: Sequence[Feed],
        *,
        root_href: str,
        events: Iterable[Event] | None = None,
        printout: str | None = None,
        revised: datetime | None = None,
    ) -> bytes:
        """Return *member*'s private page, in the member's language: their calendars and agenda.

        *printout* is the address (relative to the page) of the member's printable itinerary.
        *revised* is the time the footer gives the itinerary as of (default: the trip's
        ``revised``); a site gives the latest revision of the page's own events, so that a
        change to other members' events leaves this page's bytes alone.

        *root_href* is the site's root relative to the page (``../../``), for the one-event files.
        *events* are the member's events (as the build decided them); by default the trip's
        :meth:`~seoulcal.model.Trip.events_for` the member.
        """
        trip = self.trip
        lang = member.language
        name = member.name.pick(lang)
        top = (
            '<div class="bar">'
            f'<p class="org">{_e(trip.organizer.name.pick(lang))}</p>'
            "</div>"
            f"<h1>{_e(name)}</h1>"
            f'<p class="lede">{_e(trip.name.pick(lang))} · {_e(member.role.pick(lang))}</p>'
        )
        # The trip's rows are in time order, so the member's are too (as agenda_rows gives them).
        theirs = {id(event) for event in (trip.events_for(member) if events is None else events)}
        rows = [row for row in self._all_rows(lang) if id(row.event) in theirs]
        body: list[str | bytes] = [
            f'<p class="private">{_e(_w("private", lang, name=name))}</p>',
            (
                f'<p class="note"><a href="{_e(printout)}" data-link="printout">'
                f"{_e(_w('printout', lang))}</a></p>"
                if printout is not None
                else ""
            ),
            _subscribe(feeds, lang, heading=_w("your-calendars", lang), card=self._card),
            self._agenda(rows, lang, heading=_w("your-agenda", lang), root_href=root_href),
        ]
        return _page(
            lang=lang,
            title=f"{name} · {trip.name.pick(lang)}",
            head_extra='<meta name="robots" content="noindex, nofollow, noarchive">',
            top=top,
            body=body,
            footer=self._footer(lang, revised),
            skip=_skip(lang),
        )


def _skip(lang: Language) -> str:
    """Return the link that skips the header and the calendars, straight to the agenda."""
    return f'<a class="skip" href="#agenda" data-link="skip">{_e(_w("skip", lang))}</a>'


def _footer(trip: Trip, lang: Language, revised: datetime | None = None) -> str:
    revised = (trip.revised if revised is None else revised).astimezone(zones.zone(trip.home_zone))
    when = f"{wording.day_text(revised.date(), lang)} {revised:%H:%M} {revised.tzname() or ''}"
    return (
        f"<p>{_e(_w('published-by', lang))}: {_e(trip.organizer.name.pick(lang))}"
        + (
            f' · <a href="mailto:{_e(trip.organizer.email)}">{_e(trip.organizer.email)}</a>'
            if trip.organizer.email
            else ""
        )
        + "</p>"
        f"<p>{_e(_w('revised', lang))}: {_time(when.strip(), revised)} · "
        f"{_e(_w('generator', lang))}</p>"
    )


def public_page(
    trip: Trip, lang: Language, feeds: Sequence[Feed], *, other_language_href: str
) -> bytes:
    """Return the public page of *trip* in *lang* (see :meth:`Pages.public_page`)."""
    return Pages(trip).public_page(lang, feeds, other_language_href=other_language_href)


def members_folder_page(trip: Trip) -> bytes:
    """Return the page of the members' folder itself: it lists nothing.

    A host that lists folders would otherwise show every member's token here.
    """
    body = (
        '<div class="private">'
        f"<p>{_e(_w('members-folder', 'ko'))}</p>"
        f'<p lang="en">{_e(_w("members-folder", "en"))}</p>'
        "</div>"
        f'<p><a href="../{layout.page_path("ko")}">← {_e(_w("public-page", "ko"))}</a> · '
        f'<a href="../{layout.page_path("en")}" hreflang="en" lang="en">'
        f"{_e(_w('public-page', 'en'))}</a></p>"
    )
    return _page(
        lang="ko",
        title=trip.name.pick("ko"),
        head_extra='<meta name="robots" content="noindex, nofollow, noarchive">',
        top=f"<h1>{_e(trip.name.pick('ko'))}</h1>",
        body=[body],
        footer=_footer(trip, "ko"),
    )


def member_page(trip: Trip, member: Member, feeds: Sequence[Feed], *, root_href: str) -> bytes:
    """Return *member*'s private page (see :meth:`Pages.member_page`)."""
    return Pages(trip).member_page(member, feeds, root_href=root_href)
