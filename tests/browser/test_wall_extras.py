"""A boost, a poll, a quote and a link card on the wall and on the desk, in Chromium: what a
person reads (who shared it, the poll's results, the quoted words, the link's title and
picture from Murmur's own host), inside the card. Shared wall fixtures (conftest.py)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import playwright.sync_api as playwright_api
import pytest

from moderation import Author, LinkCard, Poll, PollOption, Quoted
from tests.browser.test_pages import Pages
from tests.browser.wall_helpers import calm, open_wall, photo
from tests.chromium import SCREEN
from tests.factories import make_post

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


def test_a_boosted_post_with_a_poll_a_quote_and_a_link_card_reads_whole(
    server, tabs, browser, olga, bob
):
    calm(olga, "jpo")
    picture = photo(server, 800, 400)
    post = msgspec.structs.replace(
        make_post("Quel amphi pour la conférence de 14 h ? #JPO2026", network="mastodon"),
        author=Author(name="La Bibliothèque", handle="bib@campus.social"),
        boosted_by=Author(name="Inès Moreau", handle="ines@campus.social"),
        poll=Poll(
            options=(PollOption(title="Amphi A", votes=7), PollOption(title="Amphi B", votes=3)),
            closed=True,
            voters=10,
        ),
        quote=Quoted(
            author=Author(name="Plan du campus", handle="plan@campus.social"),
            text="<b>Le plan</b> est à l’entrée",
        ),
        link=LinkCard(url="https://www.univ.example/jpo", title="Programme des JPO", image=picture),
    )
    post_id = server.ingest("jpo", post)
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200

    wall = open_wall(tabs, "/wall/jpo", SCREEN, locale="fr-FR")
    card = wall.locator(f'#posts article.card[data-id="{post_id}"]')
    expect(card.locator(".card-boosted")).to_have_text("Partagé par Inès Moreau")
    expect(card.locator(".card-poll-label")).to_have_text("Résultats du sondage")
    expect(card.locator(".card-poll-share")).to_have_text(["70\u00a0%", "30\u00a0%"])
    expect(card.locator(".card-quote-text")).to_have_text("<b>Le plan</b> est à l’entrée")
    expect(card.locator(".card-link-title")).to_have_text("Programme des JPO")
    expect(card.locator(".card-link-host")).to_have_text("univ.example")
    image = card.locator(".card-link-image")
    expect(image).to_have_attribute("src", picture.url)
    assert image.evaluate("el => el.decode().then(() => el.naturalWidth)") > 0
    inside = card.evaluate(
        """card => {
            const box = card.getBoundingClientRect();
            return [...card.querySelectorAll(".card-poll, .card-quote, .card-link")].every((el) => {
                const r = el.getBoundingClientRect();
                return r.left >= box.left - 1 && r.right <= box.right + 1
                    && r.bottom <= box.bottom + 1;
            });
        }"""
    )
    assert inside, "the poll, quote and link card stay inside the card"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=str(ARTIFACTS / "extras-grid-fr-1080p.png"))

    pages = Pages(browser, server)
    try:
        desk = pages.open("/moderate/jpo", login="bob", viewport={"width": 1024, "height": 768})
        expect(desk.locator("body")).to_have_attribute("data-connection", "online")
        desk_card = desk.locator(f'article.card[data-id="{post_id}"]')
        expect(desk_card.locator(".card-boosted")).to_have_text("Shared by Inès Moreau")
        expect(desk_card.locator(".card-poll-title")).to_have_text(["Amphi A", "Amphi B"])
        expect(desk_card.locator(".card-quote-author")).to_have_text("Plan du campus")
        expect(desk_card.locator(".card-link-title")).to_have_text("Programme des JPO")
        desk.screenshot(path=str(ARTIFACTS / "extras-desk-en.png"))
        assert pages.problems == []
    finally:
        pages.close()


# Where each part of the shown card is, and whether its text was cut at the floor.
PLACES = """card => {
    const box = (sel) => card.querySelector(sel)?.getBoundingClientRect().toJSON() ?? null;
    const visible = (sel) => {
        const el = card.querySelector(sel);
        return Boolean(el) && el.getClientRects().length > 0
            && getComputedStyle(el).visibility !== "hidden";
    };
    return {
        card: card.getBoundingClientRect().toJSON(), text: box(".card-text"),
        poll: box(".card-poll"), quote: box(".card-quote"),
        boostedInHeader: Boolean(card.querySelector(".card-author .card-boosted")),
        extrasShown: visible(".card-extras"), cut: Boolean(card.querySelector("[data-cut]")),
    };
}"""


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"] - 1
        and inner["right"] <= outer["right"] + 1
        and inner["top"] >= outer["top"] - 1
        and inner["bottom"] <= outer["bottom"] + 1
    )


@pytest.mark.parametrize("layout", ["single", "stage"])
def test_one_post_at_a_time_shows_its_poll_and_quote_under_its_words(
    server, tabs, olga, bob, layout
):
    # The paged layouts lay the card out in rows: the poll and the quote go under the
    # text (not squeezed beside it), within the card, and the text is never cut for them.
    # The stage (a lower third over video) keeps to the words, like it does for pictures.
    calm(olga, "two", layout=layout)
    post = msgspec.structs.replace(
        make_post("Quel amphi pour la conférence de 14 h ? #JPO2026", network="mastodon"),
        boosted_by=Author(name="Inès Moreau", handle="ines@campus.social"),
        poll=Poll(
            options=(PollOption(title="Amphi A", votes=7), PollOption(title="Amphi B", votes=3)),
            closed=True,
            voters=10,
        ),
        quote=Quoted(
            author=Author(name="Plan du campus", handle="plan@campus.social"),
            text="Le plan est à l’entrée, suivez les flèches jaunes jusqu’au hall B",
            content_warning="Plan",
        ),
    )
    post_id = server.ingest("two", post)
    assert bob.post(f"/api/events/two/posts/{post_id}/approve").status == 200

    wall = open_wall(tabs, "/wall/two", SCREEN, reduced_motion="reduce")
    card = wall.locator(f'#posts article.card[data-id="{post_id}"]')
    expect(card.locator(".card-boosted")).to_have_text("Shared by Inès Moreau")
    wall.wait_for_timeout(500)  # fitted
    at = card.evaluate(PLACES)
    print(layout, at)
    assert at["boostedInHeader"], "who shared it sits with who wrote it"
    assert not at["cut"], "the post's own words are whole"
    assert _inside(at["text"], at["card"])
    if layout == "stage":
        assert not at["extrasShown"]
    else:
        assert at["extrasShown"]
        for block in ("poll", "quote"):
            assert _inside(at[block], at["card"]), block
            assert at[block]["top"] >= at["text"]["bottom"] - 1, f"the {block} is under the text"
            assert at[block]["width"] >= 0.9 * at["text"]["width"], f"the {block} is not squeezed"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=str(ARTIFACTS / f"extras-{layout}-1080p.png"))

    reply = bob.post(f"/api/events/two/posts/{post_id}/spotlight", {"seconds": 600})
    assert reply.status == 200, reply.body
    spot = wall.locator(".spotlight .spotlight-card")
    expect(spot.locator(".card-poll-share")).to_have_text(["70\u00a0%", "30\u00a0%"])
    expect(spot.locator(".card-quote-text")).to_have_text(
        "Le plan est à l’entrée, suivez les flèches jaunes jusqu’au hall B"
    )
    expect(spot.locator(".card-boosted")).to_have_text("Shared by Inès Moreau")
    expect(spot.locator(".card-quote-cw")).to_have_text("Plan")  # the quoted post's warning
    wall.wait_for_timeout(500)
    overflowing = spot.evaluate(
        """card => [card, ...card.querySelectorAll("*")]
            .filter((e) => e.scrollHeight > e.clientHeight + 1
                && getComputedStyle(e).overflow !== "visible")
            .map((e) => e.className)"""
    )
    assert overflowing == []
    assert bob.post(f"/api/events/two/posts/{post_id}/remove").status == 200


def test_a_link_cards_picture_is_hidden_from_the_desk_like_a_photo(
    server, tabs, browser, olga, bob
):
    # A post whose only picture is its link card's: the desk offers "Hide picture", the
    # screens lose the picture at once, the desk keeps it, dimmed.
    calm(olga, "two", layout="grid")
    picture = photo(server, 600, 315)
    post = msgspec.structs.replace(
        make_post("Le programme complet est en ligne #JPO2026", network="bluesky"),
        link=LinkCard(url="https://www.univ.example/jpo", title="Programme des JPO", image=picture),
    )
    post_id = server.ingest("two", post)
    assert bob.post(f"/api/events/two/posts/{post_id}/approve").status == 200
    wall = open_wall(tabs, "/wall/two", SCREEN)
    on_wall = wall.locator(f'#posts article.card[data-id="{post_id}"] .card-link-image')
    expect(on_wall).to_have_attribute("src", picture.url)

    pages = Pages(browser, server)
    try:
        desk = pages.open("/moderate/two", login="bob", viewport={"width": 1024, "height": 768})
        expect(desk.locator("body")).to_have_attribute("data-connection", "online")
        card = desk.locator(f'article.card[data-id="{post_id}"]')
        card.locator(".card-text").click()
        card.locator("button[data-tool=hide-media]").click()
        expect(card.locator(".card-link")).to_have_attribute("data-hidden", "true")
        expect(card.locator(".card-link-image")).to_have_attribute("src", picture.url)
        expect(card.locator("button[data-tool=show-media]")).to_have_count(1)
        assert pages.problems == []
    finally:
        pages.close()
    expect(on_wall).to_have_count(0)
    expect(wall.locator(f'#posts article.card[data-id="{post_id}"] .card-link-title')).to_have_text(
        "Programme des JPO"
    )
    assert bob.post(f"/api/events/two/posts/{post_id}/remove").status == 200


def test_a_multiple_choice_polls_shares_are_of_the_people_who_voted(server, tabs, olga, bob):
    # 15 people chose among two answers, several both: 12 and 9 of them, 80 % and 60 %
    # (as Mastodon shows it), not 57 % and 43 % of the 21 votes.
    calm(olga, "two", layout="grid")
    poll = Poll(
        options=(PollOption(title="Café", votes=12), PollOption(title="Thé", votes=9)),
        closed=True,
        voters=15,
    )
    post_id = server.ingest(
        "two", msgspec.structs.replace(make_post("Café ou thé ? #JPO2026"), poll=poll)
    )
    assert bob.post(f"/api/events/two/posts/{post_id}/approve").status == 200

    wall = open_wall(tabs, "/wall/two", SCREEN)
    card = wall.locator(f'#posts article.card[data-id="{post_id}"]')
    expect(card.locator(".card-poll-share")).to_have_text(["80\u00a0%", "60\u00a0%"])
    assert bob.post(f"/api/events/two/posts/{post_id}/remove").status == 200
