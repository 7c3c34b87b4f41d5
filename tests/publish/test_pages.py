"""Pages: a member page put together from shared parts is the page rendered on its own."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

import seoulcal
from seoulcal.agenda import agenda_rows
from seoulcal.publish import pages
from seoulcal.publish.access import member_site
from seoulcal.publish.layout import Feed

SECRET = b"test-secret-for-member-tokens-0123"


@pytest.mark.parametrize(
    "base_url",
    [
        "https://trips.example.org/ces2024/",
        "http://127.0.0.1:8000/",
        # What a card's placeholders become, already in the address: no template is used.
        "https://trips.example.org/%02/",
        "https://trips.example.org/" + "%01" * 27 + "/",
        "https://trips.example.org/\u00e9v\u00e9nements/",
    ],
)
def test_member_pages_from_card_templates_are_the_pages_rendered_alone(base_url: str) -> None:
    trip = seoulcal.ces2024()
    shared = pages.Pages(trip)
    for member in trip.members:
        _, site = member_site(trip, member, base_url=base_url, secret=SECRET)
        got = shared.member_page(member, site.feeds, root_href="../../")
        # A fresh Pages renders each card of its first page directly.
        alone = pages.Pages(trip).member_page(member, site.feeds, root_href="../../")
        assert got == alone
    templates = list(shared._cards.values())
    assert len(templates) == 2 * 2  # a card per calendar language, in the pages' two languages
    placeholders_in_address = "%0" in base_url
    assert all((template is None) == placeholders_in_address for template in templates)


_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"


@given(
    data=st.data(),
    length=st.integers(min_value=1, max_value=40),
    name=st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    lang=st.sampled_from(["ko", "en"]),
)
def test_a_card_template_fills_in_any_token_and_name(
    data: st.DataObject, length: int, name: str, lang: str
) -> None:
    first, other = (
        data.draw(st.text(alphabet=_TOKEN_ALPHABET, min_size=length, max_size=length))
        for _ in range(2)
    )
    prefix = "https://trips.example.org/ces2024/m/"
    href = f"calendar-{lang}.ics"

    def feed(token: str, title: str) -> Feed:
        return Feed(lang, title, href, f"{prefix}{token}/{href}")  # type: ignore[arg-type]

    template = pages._CardTemplate(feed(first, "x"), prefix, first, "ko", "heading")
    assert template.fill(other, name) == pages._feed_card(feed(other, name), "ko", "heading")
    assert pages._split_feed_url(feed(other, name)) == (prefix, other)


def test_a_feed_address_of_another_shape_has_no_template() -> None:
    assert pages._split_feed_url(Feed("ko", "x", "a.ics", "https://h.example/m/t/b.ics")) is None
    assert pages._split_feed_url(Feed("ko", "x", "a.ics", "https://h.example/m/t%/a.ics")) is None


@pytest.mark.parametrize("root_href", ["", "../../", '../a&b "c"/', "https://cdn.example/ces/"])
def test_an_agenda_item_for_any_root_is_the_item_rendered_for_it(root_href: str) -> None:
    trip = seoulcal.ces2024()
    shared = pages.Pages(trip)
    for lang in ("ko", "en"):
        shared.prepare(lang, root_href="../../")  # the marked items are rendered here
        for row in agenda_rows(trip, lang=lang):
            alone = pages._event_item(trip, row, lang, root_href).encode()
            assert shared._item(row, lang, root_href) == alone
    assert shared._templates
    assert all(shared._templates.values())  # the mark is in no event's text
