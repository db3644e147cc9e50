"""Small things people read on the wall: attendees by their name (or "A visitor"), the QR
panel's address whole, a long post cut after a whole word."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.wall_helpers import (
    SIZES,
    approved,
    calm,
    expect,
    open_wall,
    settle,
)

pytestmark = pytest.mark.browser


def card(page: Any, post_id: int) -> Any:
    return page.locator(f'#posts > article.card[data-id="{post_id}"]')


@pytest.mark.parametrize(
    ("locale", "visitor", "on_site"),
    [("en-US", "A visitor", "On site"), ("fr-FR", "Un·e participant·e", "Sur place")],
)
def test_an_attendee_without_a_name_shows_as_a_visitor_on_site(
    server, tabs, olga, bob, locale, visitor, on_site
):
    calm(olga, "jpo")
    anonymous = approved(
        server, bob, "jpo", "Super!", network="submit", name="Anonymous", handle="d87ddd0c"
    )
    named = approved(server, bob, "jpo", "Top", network="submit", name="Zoé", handle="a1b2c3d4")
    page = open_wall(tabs, "/wall/jpo", SIZES["1080p"], locale=locale)
    expect(card(page, anonymous).locator(".card-name")).to_have_text(visitor)
    expect(card(page, anonymous).locator(".card-network")).to_have_text(on_site)
    expect(card(page, anonymous)).not_to_contain_text("d87ddd0c")
    expect(card(page, anonymous)).not_to_contain_text("Anonymous")
    expect(card(page, named).locator(".card-name")).to_have_text("Zoé")
    expect(card(page, named)).not_to_contain_text("a1b2c3d4")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_qr_panel_keeps_the_event_name_whole(server, tabs, olga, size):
    calm(olga, "two")
    page = open_wall(tabs, "/wall/two", SIZES[size])
    url = page.locator("#join-url")
    expect(url).to_have_text(f"{server.url.split('//')[1]}/submit/two")
    # The event's name takes one line box: the address never breaks inside it.
    assert page.locator("#join-url .join-slug").evaluate("e => e.getClientRects().length") == 1


def test_a_long_post_is_cut_after_a_whole_word_never_inside_a_hashtag(server, tabs, olga, bob):
    calm(olga, "jpo")
    words = " ".join(f"mot{n} #Hashtag{n}" for n in range(200))
    post_id = approved(server, bob, "jpo", words)
    page = open_wall(tabs, "/wall/jpo", SIZES["1080p"])
    text = card(page, post_id).locator(".card-text")
    expect(text).to_be_visible()
    settle(page)
    shown = text.text_content()
    assert shown.endswith("…") and len(shown) < len(words)
    kept = shown.removesuffix("…").split()
    assert kept == words.split()[: len(kept)]  # whole words, the first ones, in order
    assert text.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
