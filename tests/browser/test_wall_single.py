"""`single` shows one large text at a time: the outgoing post fades out before the next
one comes in, so two large texts never cross-fade over each other. Measured in the page
(each card's computed opacity, sampled through the change), not looked at."""

from __future__ import annotations

import time
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

SLIDE = "Prochaine conférence à 14 h, amphi A : « Le climat en 2050 », entrée libre"
# Above this opacity a card's text reads through another's.
SEEN = 0.05
OPACITIES = """() => [...document.querySelectorAll("#posts > article.card")].map((card) => ({
    id: card.dataset.id ?? "slide",
    opacity: parseFloat(getComputedStyle(card).opacity),
}))"""


def test_the_next_post_enters_once_the_last_one_has_left(server, tabs, olga, bob):
    # An announcement on screen (the event has no post yet): a new post replaces it at once.
    calm(olga, "jpo", layout="single", quiet_seconds=5, announcements=[{"text": SLIDE}])
    page = open_wall(tabs, "/wall/jpo", SIZES["1080p"])
    expect(page.locator("#posts > article.card--announcement")).to_be_visible()
    settle(page)
    post_id = approved(
        server, bob, "jpo", "Le hall B est plein, venez tôt pour la démo de robotique #JPO2026"
    )
    samples: list[list[dict[str, Any]]] = []
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        samples.append(page.evaluate(OPACITIES))
        time.sleep(0.02)
    both = [s for s in samples if sum(card["opacity"] > SEEN for card in s) > 1]
    fading = [s for s in samples if any(SEEN < card["opacity"] < 0.95 for card in s)]
    print(f"{len(samples)} samples, {len(fading)} mid-fade, {len(both)} with two texts")
    assert fading, "the change was animated (otherwise this test proves nothing)"
    assert both == [], both[:3]
    last = samples[-1]
    assert [card["id"] for card in last if card["opacity"] > SEEN] == [str(post_id)]
