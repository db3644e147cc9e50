"""The reply card (a post and the institution's answer) always fits: on every layout and
screen size its box stays on screen, no text overflows its box, both texts stay above the
readability floor, and on `stage` the question sits above the answer inside the card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.wall_helpers import (
    OVERFLOWING,
    SIZES,
    approved,
    calm,
    expect,
    open_wall,
    settle,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"

# 26 px on a 1080p screen, scaled with the screen's smaller side (52 px in 4K).
FLOOR_1080 = 26
QUESTION = (
    "Bonjour ! Je viens pour la première fois sur le campus avec mes parents : où se trouve "
    "l’amphithéâtre où a lieu la présentation des licences de sciences, et faut-il "
    "s’inscrire à l’avance pour la visite des laboratoires de l’après-midi ? Merci "
    "beaucoup pour votre aide #JPO2026 #PremièreVisite"
)
ANSWER = (
    "Bienvenue ! La présentation a lieu à l’amphi A, bâtiment Sciences 1, à 14 h. La visite "
    "des laboratoires est libre, sans inscription : rendez-vous au hall B à 15 h, un "
    "étudiant vous accompagnera. Bonne journée sur le campus !"
)


@pytest.fixture(scope="module")
def answered(server, bob) -> int:
    for n in range(6):
        approved(server, bob, "jpo", f"Un message d’avant, le numéro {n} #JPO2026")
    post_id = approved(server, bob, "jpo", QUESTION, name="Camille")
    assert bob.post(f"/api/events/jpo/posts/{post_id}/pin").status == 200
    reply = bob.request(
        "PUT", f"/api/events/jpo/posts/{post_id}/reply", {"text": ANSWER, "replaces": None}
    )
    assert reply.status == 200, reply.body
    return post_id


def measure(page: Any, selector: str) -> dict[str, Any]:
    figures: dict[str, Any] = page.locator(selector).evaluate(
        """card => {
            const box = (e) => e && e.getBoundingClientRect().toJSON();
            const size = (e) => e && parseFloat(getComputedStyle(e).fontSize);
            const text = card.querySelector(".card-text, .tick-text");
            const reply = card.querySelector(".card-reply");
            return {
                card: box(card), text: box(text), reply: box(reply),
                textSize: size(text), replySize: size(card.querySelector(".card-reply-text")),
                replyText: card.querySelector(".card-reply-text")?.textContent ?? null,
            };
        }"""
    )
    figures["overflowing"] = page.locator(selector).evaluate(OVERFLOWING)
    return figures


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("layout", ["grid", "single", "stage", "ticker"])
def test_a_pinned_answered_post_fits_the_screen_on_every_layout(
    server, tabs, olga, answered, layout, size
):
    viewport = SIZES[size]
    calm(olga, "jpo", layout=layout)
    page = open_wall(tabs, f"/wall/jpo?layout={layout}", viewport)
    selector = (
        f'.tick[data-id="{answered}"] >> nth=0'
        if layout == "ticker"
        else f'#posts > article.card[data-id="{answered}"]'
    )
    expect(page.locator(selector)).to_be_visible()
    settle(page)
    m = measure(page, selector)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reply-{layout}-{size}.png"))
    floor = FLOOR_1080 * min(viewport["width"], viewport["height"]) / 1080
    card = m["card"]
    assert card["top"] >= -0.5 and card["bottom"] <= viewport["height"] + 0.5, m
    assert m["overflowing"] == [], m
    assert m["textSize"] >= floor - 0.01, m
    assert m["replyText"], "the answer is shown"
    if layout == "ticker":
        # One line that scrolls by: the answer follows the question on it, as large.
        assert m["reply"]["left"] >= m["text"]["right"] - 0.5, m
        assert m["replySize"] >= m["textSize"] - 0.01, m
        return
    assert card["left"] >= -0.5 and card["right"] <= viewport["width"] + 0.5, m
    assert m["replyText"], "the answer is shown"
    assert m["replySize"] >= floor - 0.01, m
    reply = m["reply"]
    # Inside the card, under the question, never over it.
    assert reply["top"] >= m["text"]["bottom"] - 0.5, m
    assert reply["bottom"] <= card["bottom"] + 0.5 and reply["top"] >= card["top"], m
