"""The moderation desk in real Chromium at tablet size with touch: swipes, reservations,
two moderators on one post, undo, answers on the wall, pause, bulk, the audit.

DOM hooks: cards are ``article.card[data-id]`` in ``#queue-list``, ``#onscreen-list`` and
``#decided-list``; a card someone else holds has ``data-claimed-by`` and a ``.card-claim``
line; the selected card shows its ``button[data-tool]`` (pin, spotlight, reply…); the undo
button is ``#undo-button``; who is online is ``#presence li``. On the wall, an answer is the
card's ``.card-reply-text``. Swipes are real touch input (Chrome DevTools Protocol).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from moderation import Media
from tests.browser.test_pages import ARGS, CHROMIUM, PASSWORD, SCREEN, TABLET, Pages, card
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

TOUCH = {"viewport": TABLET, "has_touch": True, "is_mobile": False}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's chromium "
            "(scripts/test.sh does) or set MURMUR_CHROMIUM"
        )
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("alice", PASSWORD, "moderator")
    live.add_user("bob", PASSWORD, "moderator")
    live.add_user("olga", PASSWORD, "organiser")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def desk(pages: Pages, user: str = "alice") -> Any:
    page = pages.open("/moderate/jpo", login=user, **TOUCH)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


def client(live: LiveServer, user: str) -> Client:
    c = Client(live.url)
    assert c.login(user, PASSWORD).status == 200
    return c


def swipe(page: Any, target: Any, dx: float) -> None:
    """A finger on the card, moved sideways by ``dx`` pixels, then lifted."""
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 30
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        point = {"x": x + dx * step / 10, "y": y + step * 0.5}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


# ---------------------------------------------------------------- hands


def test_swipe_right_approves_and_swipe_left_rejects(live, pages):
    yes = live.ingest("jpo", make_post("swipe me right"))
    no = live.ingest("jpo", make_post("swipe me left"))
    page = desk(pages)
    expect(page.locator("#queue-list article.card")).to_have_count(2)
    swipe(page, card(page, yes), 320)
    expect(card(page, yes, "#onscreen-list")).to_have_count(1)
    expect(card(page, yes).locator(".card-decision")).to_have_text("Approved by alice")
    swipe(page, card(page, no), -320)
    expect(card(page, no, "#decided-list")).to_have_attribute("data-status", "rejected")
    expect(page.locator("#queue-count")).to_have_text("0")


def test_a_short_or_vertical_swipe_does_nothing(live, pages):
    post_id = live.ingest("jpo", make_post("stay"))
    page = desk(pages)
    swipe(page, card(page, post_id), 30)
    expect(card(page, post_id, "#queue-list")).to_have_count(1)
    expect(card(page, post_id)).not_to_have_attribute("data-swipe", "right")


def test_a_tap_opens_a_card_and_shows_its_tools_in_large_targets(live, pages):
    alice = client(live, "alice")
    post_id = live.ingest("jpo", make_post("tools"))
    assert alice.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    page = desk(pages)
    card(page, post_id).locator(".card-text").tap()
    tools = card(page, post_id).locator("button[data-tool]")
    expect(tools).to_have_count(4)  # pin, spotlight, answer, block (no picture to hide)
    heights = tools.evaluate_all("els => els.map(e => e.offsetHeight)")
    assert min(heights) >= 48
    card(page, post_id).locator("button[data-tool=pin]").tap()
    expect(card(page, post_id).locator(".card-badge--pinned")).to_have_text("Pinned")
    expect(card(page, post_id).locator("button[data-tool=unpin]")).to_have_count(1)


def test_sensitive_media_stay_blurred_until_tapped(live, pages):
    picture = Media(url="/media/" + "cd" * 16 + ".webp", alt="")
    post_id = live.ingest("jpo", make_post("cw", media=(picture,), content_warning="spoiler"))
    page = desk(pages)
    thumb = card(page, post_id).locator(".card-thumb")
    expect(thumb).to_have_attribute("data-sensitive", "true")
    expect(thumb).not_to_have_attribute("data-revealed", "true")
    thumb.locator("[data-reveal]").tap()
    expect(thumb).to_have_attribute("data-revealed", "true")


# ---------------------------------------------------------------- several moderators


def test_two_moderators_on_one_post_see_who_holds_it_and_who_decided(live, pages):
    post_id = live.ingest("jpo", make_post("one post, two tablets"))
    mine = desk(pages, "alice")
    theirs = desk(pages, "bob")
    expect(mine.locator("#presence li")).to_have_count(2)
    expect(theirs.locator("#presence li")).to_have_text(["alice", "bob (you)"])

    # Alice opens the card: Bob's tablet shows that she holds it.
    card(mine, post_id).locator(".card-text").tap()
    held = card(theirs, post_id)
    expect(held).to_have_attribute("data-claimed-by", "alice")
    expect(held.locator(".card-claim")).to_have_text("alice is on this card")

    # Bob acts anyway: he is told plainly, and nothing happens.
    held.locator("button[data-action=reject]").tap()
    expect(theirs.locator("#toast")).to_contain_text("alice is working on this post")
    expect(card(theirs, post_id, "#queue-list")).to_have_count(1)

    # Alice decides; Bob sees it within a moment. His late override loses, clearly.
    card(mine, post_id).locator("button[data-action=approve]").tap()
    expect(card(theirs, post_id, "#onscreen-list")).to_have_count(1)
    expect(card(theirs, post_id).locator(".card-decision")).to_have_text("Approved by alice")
    expect(held).not_to_have_attribute("data-claimed-by", "alice")


def test_the_loser_of_a_race_is_told_who_won(live, pages):
    post_id = live.ingest("jpo", make_post("both at once"))
    mine = desk(pages, "alice")
    theirs = desk(pages, "bob")
    url = f"{live.url}/api/events/jpo/posts/{post_id}/reject"

    def alice_first(route: Any) -> None:
        # The desk decides on what the moderator saw, so a late reject never overturns.
        assert route.request.post_data_json["seen"] == "pending"
        card(mine, post_id).locator("button[data-action=approve]").tap()
        expect(card(mine, post_id, "#onscreen-list")).to_have_count(1)
        route.continue_()

    theirs.route(url, alice_first)
    card(theirs, post_id).locator("button[data-action=reject]").tap()
    expect(theirs.locator("#toast")).to_contain_text("already approved (by alice)")
    expect(card(theirs, post_id, "#onscreen-list")).to_have_count(1)


# ---------------------------------------------------------------- undo, answers, pause, bulk


def test_undo_brings_a_decision_back_for_a_few_seconds(live, pages):
    post_id = live.ingest("jpo", make_post("oops"))
    page = desk(pages)
    card(page, post_id).locator("button[data-action=approve]").tap()
    expect(card(page, post_id, "#onscreen-list")).to_have_count(1)
    expect(page.locator("#undo-bar")).to_be_visible()
    expect(page.locator("#undo-text")).to_have_text("Approved: the post is on the screens.")
    page.locator("#undo-button").tap()
    expect(card(page, post_id, "#queue-list")).to_have_count(1)
    expect(page.locator("#undo-bar")).to_be_hidden()
    # And from the keyboard.
    page.keyboard.press("j")
    page.keyboard.press("r")
    expect(card(page, post_id, "#decided-list")).to_have_count(1)
    page.keyboard.press("u")
    expect(card(page, post_id, "#queue-list")).to_have_count(1)


def test_undo_pressed_before_the_decision_is_answered_still_undoes_it(live, pages):
    # The socket can move the card before the server's answer to the decision arrives (CI
    # saw it under load); "u" pressed in that moment waits for the answer and undoes.
    post_id = live.ingest("jpo", make_post("too quick"))
    page = desk(pages)
    url = f"{live.url}/api/events/jpo/posts/{post_id}/reject"

    def answer_late(route: Any) -> None:
        response = route.fetch()
        expect(card(page, post_id, "#decided-list")).to_have_count(1)  # moved by the socket
        page.keyboard.press("u")
        page.wait_for_timeout(300)
        route.fulfill(response=response)

    page.route(url, answer_late)
    with page.expect_response(lambda r: r.url.endswith(f"/{post_id}/undo")) as undone:
        page.keyboard.press("j")
        page.keyboard.press("r")
    assert undone.value.ok
    expect(card(page, post_id, "#queue-list")).to_have_count(1)
    expect(page.locator("#undo-bar")).to_be_hidden()


def test_an_answer_written_on_the_tablet_shows_with_its_post_on_the_wall(live, pages):
    post_id = live.ingest("jpo", make_post("Where is the library?"))
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    page = desk(pages)
    card(page, post_id).locator("button[data-action=approve]").tap()
    expect(card(wall, post_id).locator(".card-text")).to_have_text("Where is the library?")

    card(page, post_id, "#onscreen-list").locator(".card-text").tap()  # open it: its tools
    card(page, post_id).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-dialog")).to_be_visible()
    page.locator("#reply-text").fill("Building B, first floor: welcome!")
    page.locator("#reply-save").tap()
    expect(page.locator("#reply-dialog")).to_be_hidden()
    expect(card(page, post_id).locator(".card-reply-text")).to_have_text(
        "Building B, first floor: welcome!"
    )

    answer = card(wall, post_id).locator(".card-reply-text")
    expect(answer).to_have_text("Building B, first floor: welcome!")
    expect(card(wall, post_id).locator(".card-text")).to_have_text("Where is the library?")
    size = answer.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 28  # readable from across a room, like the post itself

    # Edited, then withdrawn: the wall follows.
    card(page, post_id).locator("button[data-tool=reply]").tap()
    page.locator("#reply-text").fill("Building B, ground floor.")
    page.locator("#reply-save").tap()
    expect(answer).to_have_text("Building B, ground floor.")
    card(page, post_id).locator("button[data-tool=reply]").tap()
    page.locator("#reply-withdraw").tap()
    expect(card(wall, post_id).locator(".card-reply")).to_have_count(0)


def test_a_spotlight_shows_one_post_full_screen_on_the_wall(live, pages):
    alice = client(live, "alice")
    post_id = live.ingest("jpo", make_post("Look at this!"))
    alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    page = desk(pages)
    card(page, post_id).locator(".card-text").tap()
    card(page, post_id).locator("button[data-tool=spotlight]").tap()
    expect(wall.locator(".spotlight .spotlight-text")).to_have_text("Look at this!")
    expect(page.locator("#spotlight-bar")).to_be_visible()
    page.locator("#spotlight-end").tap()
    expect(wall.locator(".spotlight")).to_have_count(0)


def test_a_paused_queue_holds_newcomers_until_resumed(live, pages):
    first = live.ingest("jpo", make_post("already here"))
    page = desk(pages)
    expect(card(page, first)).to_have_count(1)
    page.locator("#pause").tap()
    later = live.ingest("jpo", make_post("arrives during the pause"))
    expect(page.locator("#queue-count")).to_have_text("2")
    expect(page.locator("#queue-paused")).to_have_text("Paused — 1 new post waits below")
    expect(card(page, later)).to_have_count(0)
    page.locator("#queue-paused").tap()
    expect(card(page, later, "#queue-list")).to_have_count(1)


def test_several_posts_are_approved_at_once(live, pages):
    ids = [live.ingest("jpo", make_post(f"bulk {n}")) for n in range(3)]
    page = desk(pages)
    page.locator("#select-mode").tap()
    for post_id in ids[:2]:
        card(page, post_id).locator("input[data-mark]").tap()
    expect(page.locator("#bulk-approve")).to_have_text("Approve 2")
    page.locator("#bulk-approve").tap()
    for post_id in ids[:2]:
        expect(card(page, post_id, "#onscreen-list")).to_have_count(1)
    expect(card(page, ids[2], "#queue-list")).to_have_count(1)
    expect(page.locator("#bulk-bar")).to_be_hidden()


def test_keys_pin_hide_pictures_and_open_the_answer(live, pages):
    alice = client(live, "alice")
    picture = Media(url="/media/" + "ef" * 16 + ".webp", alt="A hall")
    post_id = live.ingest("jpo", make_post("keys", media=(picture,)))
    alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    page = desk(pages)
    expect(card(page, post_id)).to_be_visible()  # the snapshot is on the page
    page.keyboard.press("l")  # to the on-screen column
    expect(card(page, post_id)).to_be_focused()
    # Two keys in quick succession: the second waits for the first, none is lost.
    page.keyboard.press("p")
    page.keyboard.press("m")
    expect(card(page, post_id)).to_have_attribute("data-pinned", "true")
    expect(card(page, post_id).locator(".card-thumb")).to_have_attribute("data-hidden", "true")
    page.keyboard.press("e")
    expect(page.locator("#reply-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#reply-dialog")).to_be_hidden()


def test_organisers_read_the_audit_log_on_the_desk(live, pages):
    post_id = live.ingest("jpo", make_post("audited"))
    client(live, "alice").post(f"/api/events/jpo/posts/{post_id}/reject", {"reason": "off topic"})
    moderator = desk(pages, "alice")
    expect(moderator.locator("#audit-button")).to_be_hidden()
    page = desk(pages, "olga")
    page.locator("#audit-button").tap()
    rows = page.locator("#audit-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("alice")
    expect(rows.first).to_contain_text("off topic")
    expect(page.locator("#audit-csv")).to_have_attribute("href", "/api/events/jpo/audit?format=csv")


def test_an_attendee_s_post_says_on_site_on_the_desk_as_on_the_wall(live, pages):
    # The desk showed the raw network name, "submit", where the wall says "On site".
    post_id = live.ingest("jpo", make_post("Bonjour", network="submit", handle="d87ddd0c"))
    other = live.ingest("jpo", make_post("Salut", network="mastodon"))
    page = desk(pages)
    expect(card(page, post_id).locator(".card-network")).to_have_text("On site")
    expect(card(page, other).locator(".card-network")).to_have_text("mastodon")
