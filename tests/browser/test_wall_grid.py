"""The grid layout packs its columns: cards, not holes, cover the wall; no column goes
blank while posts arrive; a pinned post keeps its place whatever comes after it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.wall_helpers import (
    COVERAGE,
    SIZES,
    START_SAMPLING,
    STOP_SAMPLING,
    TEXTS,
    approved,
    calm,
    expect,
    open_wall,
    photo,
    settle,
)

pytestmark = pytest.mark.browser


def card(page: Any, post_id: int) -> Any:
    return page.locator(f'#posts > article.card[data-id="{post_id}"]')


@pytest.mark.parametrize("size", list(SIZES))
def test_a_dozen_posts_cover_at_least_85_percent_of_the_grid(server, tabs, olga, bob, size):
    calm(olga, "jpo")
    page = open_wall(tabs, "/wall/jpo", SIZES[size])
    portrait = photo(server, 900, 1200, "Un poster")
    landscape = photo(server, 1280, 720, "Le hall")
    last = 0
    for n, text in enumerate(TEXTS):
        media = (portrait,) if n == 3 else (landscape,) if n == 7 else ()
        last = approved(server, bob, "jpo", text, media=media, name=f"Visiteur {n}")
    expect(card(page, last)).to_be_visible()
    settle(page)
    coverage = page.evaluate(COVERAGE)
    print(f"grid coverage at {size}: {coverage:.3f}")
    assert coverage >= 0.85


def test_a_portrait_photo_is_shown_whole_in_its_own_shape(server, tabs, olga, bob):
    calm(olga, "jpo")
    page = open_wall(tabs, "/wall/jpo", SIZES["1080p"])
    post_id = approved(server, bob, "jpo", "Le poster", media=(photo(server, 900, 1200),))
    img = card(page, post_id).locator(".card-media img")
    expect(img).to_be_visible()
    settle(page)
    shape = img.evaluate(
        """i => ({ box: i.clientWidth / i.clientHeight, picture: i.naturalWidth / i.naturalHeight,
                   fit: getComputedStyle(i).objectFit })"""
    )
    assert shape["box"] == pytest.approx(shape["picture"], rel=0.03) or shape["fit"] == "contain"
    assert shape["box"] < 1  # portrait stays portrait


def test_no_column_goes_blank_while_posts_arrive(server, tabs, olga, bob):
    calm(olga, "two")
    page = open_wall(tabs, "/wall/two", SIZES["1080p"])
    tall = photo(server, 900, 1200)
    first = 0
    for text in TEXTS:
        first = approved(server, bob, "two", text)
    expect(card(page, first)).to_be_visible()
    settle(page)
    page.evaluate(START_SAMPLING)
    last = 0
    for n in range(10):
        # A tall card now and then: the one that used to push its column empty.
        media = (tall,) if n % 3 == 0 else ()
        last = approved(server, bob, "two", TEXTS[(n * 5) % len(TEXTS)], media=media)
        page.wait_for_timeout(400)
    expect(card(page, last)).to_be_visible()
    page.wait_for_timeout(1_000)
    samples = page.evaluate(STOP_SAMPLING)
    assert len(samples) >= 30
    assert max(samples) == 0, f"{samples.count(0)} of {len(samples)} samples had no blank column"


def test_a_pinned_post_stays_in_view_after_forty_newer_posts(server, tabs, olga, bob):
    calm(olga, "two")
    page = open_wall(tabs, "/wall/two", SIZES["1080p"])
    pinned = approved(server, bob, "two", "Accueil : hall B, rez-de-chaussée #JPO2026")
    assert bob.post(f"/api/events/two/posts/{pinned}/pin").status == 200
    expect(card(page, pinned)).to_have_attribute("data-pinned", "true")
    last = 0
    for n in range(40):
        last = approved(server, bob, "two", f"{TEXTS[n % len(TEXTS)]} ({n})")
    expect(card(page, last)).to_be_visible()
    settle(page)
    expect(card(page, pinned)).to_be_visible()
    assert card(page, pinned).evaluate(
        """c => {
            const r = c.getBoundingClientRect();
            const p = document.getElementById("posts").getBoundingClientRect();
            return r.top >= p.top && r.bottom <= p.bottom + 1;
        }"""
    )
