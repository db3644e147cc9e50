"""The spotlight (one post full-screen for a moment) is composed for what it holds: a
picture as large as the screen allows, whole and in its own shape, never a small picture
beside a large empty area; the words and the answer inside the card, none cut off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.wall_helpers import (
    SIZES,
    approved,
    calm,
    expect,
    open_wall,
    photo,
    settle,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
# The picture's share of the screen: the old spotlight showed a portrait photo on 8 % of
# a 1080p screen, in a card five times its size.
PICTURE_SHARE = 0.2
LONG = (
    "Merci à toute l’équipe de la bibliothèque pour l’accueil ce matin : la visite des "
    "réserves était passionnante, et les étudiants de master ont répondu à toutes nos "
    "questions sur les fonds anciens. On revient l’an prochain avec toute la classe ! "
) * 2 + "#JPO2026"
ANSWER = (
    "Merci à vous ! Les réserves rouvrent pour une visite guidée samedi à 10 h, sur "
    "inscription à l’accueil de la bibliothèque. À bientôt sur le campus !"
)


def spotlight(bob: Any, post_id: int) -> None:
    reply = bob.post(f"/api/events/jpo/posts/{post_id}/spotlight", {"seconds": 600})
    assert reply.status == 200, reply.body


def figures(page: Any) -> dict[str, Any]:
    card = page.locator(".spotlight .spotlight-card")
    expect(card).to_be_visible()
    settle(page)
    result: dict[str, Any] = card.evaluate(
        """card => {
            const box = (e) => e && e.getBoundingClientRect().toJSON();
            const img = card.querySelector(".spotlight-media img");
            return {
                card: box(card), img: box(img),
                natural: img && img.naturalWidth / img.naturalHeight,
            };
        }"""
    )
    result["overflowing"] = card.evaluate(
        """card => [card, ...card.querySelectorAll("*")]
            .filter((e) => e.scrollHeight > e.clientHeight + 1
                && getComputedStyle(e).overflow !== "visible")
            .map((e) => `${e.className}: ${e.scrollHeight} > ${e.clientHeight}`)"""
    )
    return result


def inside(box: dict[str, float], viewport: dict[str, int]) -> bool:
    return (
        box["left"] >= -0.5
        and box["top"] >= -0.5
        and box["right"] <= viewport["width"] + 0.5
        and box["bottom"] <= viewport["height"] + 0.5
    )


@pytest.mark.parametrize("size", ["1080p", "portrait"])
@pytest.mark.parametrize("shape", [(900, 1200), (1280, 720)], ids=["portrait", "landscape"])
def test_a_spotlit_picture_fills_its_side_of_the_screen_whole(server, tabs, olga, bob, size, shape):
    viewport = SIZES[size]
    calm(olga, "jpo")
    page = open_wall(tabs, "/wall/jpo", viewport)
    post_id = approved(
        server, bob, "jpo", "Le stand de robotique 🤖 #JPO2026", media=(photo(server, *shape),)
    )
    spotlight(bob, post_id)
    m = figures(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"spotlight-{'x'.join(map(str, shape))}-{size}.png"))
    assert inside(m["card"], viewport), m
    assert m["overflowing"] == [], m
    img = m["img"]
    share = img["width"] * img["height"] / (viewport["width"] * viewport["height"])
    print(f"spotlight {shape} at {size}: the picture covers {share:.0%} of the screen")
    assert share >= PICTURE_SHARE, m
    assert img["width"] / img["height"] == pytest.approx(m["natural"], rel=0.03), m


@pytest.mark.parametrize("size", list(SIZES))
def test_a_spotlit_long_post_and_its_answer_stay_inside_the_card(server, tabs, olga, bob, size):
    viewport = SIZES[size]
    calm(olga, "jpo")
    page = open_wall(tabs, "/wall/jpo", viewport)
    post_id = approved(server, bob, "jpo", LONG, name="Classe de 1re B")
    reply = bob.request(
        "PUT", f"/api/events/jpo/posts/{post_id}/reply", {"text": ANSWER, "replaces": None}
    )
    assert reply.status == 200, reply.body
    spotlight(bob, post_id)
    expect(page.locator(".spotlight .card-reply-text")).to_have_text(ANSWER)
    m = figures(page)
    page.screenshot(path=str(ARTIFACTS / f"spotlight-reply-{size}.png"))
    assert inside(m["card"], viewport), m
    assert m["overflowing"] == [], m
