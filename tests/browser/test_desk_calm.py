"""A calm desk, measured in real Chromium with touch: swipes say what they will do, one
message at a time and never on the undo bar, the On-screen column keeps still under a
finger or the focus, and undo gives the focus back to the card it restored.

DOM hooks: while a card is dragged it holds a ``.swipe-label`` (``data-action``); the one
message is ``#toast`` (``data-visible``) and the undo offer ``#undo-bar``; the note over a
still On-screen column is ``#onscreen-held``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from moderation import Status
from tests.browser.test_desk import client
from tests.browser.test_pages import PASSWORD, TABLET, Pages, card, card_ids
from tests.chromium import launch
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    for name in ("alice", "bob"):
        live.add_user(name, PASSWORD, "moderator")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def desk(pages: Pages, *, viewport: dict[str, int] = TABLET, locale: str = "en-US") -> Any:
    page = pages.open(
        "/moderate/jpo", login="alice", viewport=viewport, locale=locale, has_touch=True
    )
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


class Finger:
    """One finger on the page (Chrome DevTools Protocol touch events): down, move, up."""

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.x = self.y = 0.0

    def down(self, x: float, y: float) -> None:
        self.x, self.y = x, y
        self._send("touchStart", [{"x": x, "y": y}])

    def move(self, dx: float, steps: int = 10) -> None:
        start = self.x
        for step in range(1, steps + 1):
            self.x = start + dx * step / steps
            self._send("touchMove", [{"x": self.x, "y": self.y + step * 0.5}])

    def up(self) -> None:
        self._send("touchEnd", [])
        self.cdp.detach()

    def _send(self, kind: str, points: list[dict[str, float]]) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def finger_on(page: Any, target: Any) -> Finger:
    box = target.bounding_box()
    finger = Finger(page)
    finger.down(box["x"] + box["width"] / 2, box["y"] + 30)
    return finger


def tops(page: Any, selector: str) -> list[float]:
    found: list[float] = page.eval_on_selector_all(
        selector, "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    return found


def rect(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"
    )
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


# ---------------------------------------------------------------- swipes


@pytest.mark.parametrize(
    ("locale", "approve", "reject"),
    [("en-US", "Approve", "Reject"), ("fr-FR", "Approuver", "Refuser")],
    ids=["en", "fr"],
)
def test_a_swipe_says_what_letting_go_will_do(live, pages, locale, approve, reject):
    yes = live.ingest("jpo", make_post("glisser à droite"))
    no = live.ingest("jpo", make_post("glisser à gauche"))
    page = desk(pages, locale=locale)
    target = card(page, yes)
    finger = finger_on(page, target)
    finger.move(200)
    label = target.locator(".swipe-label")
    expect(label).to_be_visible()
    expect(label).to_have_text(approve)
    expect(label).to_have_attribute("data-action", "approve")
    expect(target).to_have_attribute("data-swipe-ready", "true")
    inside = target.evaluate(
        """el => { const c = el.getBoundingClientRect();
            const l = el.querySelector(".swipe-label").getBoundingClientRect();
            return l.left >= c.left && l.right <= c.right && l.top >= c.top
                && l.bottom <= c.bottom; }"""
    )
    assert inside  # on the card, where the thumb is, not somewhere else
    tint = target.evaluate("el => getComputedStyle(el).backgroundColor")
    finger.up()
    expect(card(page, yes, "#onscreen-list")).to_have_count(1)
    expect(card(page, yes).locator(".swipe-label")).to_have_count(0)
    assert tint != card(page, yes).evaluate("el => getComputedStyle(el).backgroundColor")

    finger = finger_on(page, card(page, no))
    finger.move(-60)  # not far enough yet: the word shows, fainter, and nothing happens
    expect(card(page, no).locator(".swipe-label")).to_have_text(reject)
    expect(card(page, no)).not_to_have_attribute("data-swipe-ready", "true")
    finger.move(-200)
    expect(card(page, no)).to_have_attribute("data-swipe-ready", "true")
    finger.up()
    expect(card(page, no, "#decided-list")).to_have_count(1)


# ---------------------------------------------------------------- messages

NETWORK_ERROR = {"en-US": "your action was not saved", "fr-FR": "votre action n’a pas été"}


@pytest.mark.parametrize(
    ("viewport", "locale"), [(TABLET, "en-US"), (PORTRAIT, "fr-FR")], ids=["1024", "768-fr"]
)
def test_one_message_at_a_time_and_never_on_the_undo_bar(live, pages, viewport, locale):
    ids = [live.ingest("jpo", make_post(f"message {n}")) for n in range(4)]
    page = desk(pages, viewport=viewport, locale=locale)
    card(page, ids[0]).locator("button[data-action=approve]").tap()
    expect(page.locator("#undo-bar")).to_be_visible()
    # Two actions fail in a row while the undo offer stands.
    for post_id in ids[1:3]:
        page.route(f"{live.url}/api/events/jpo/posts/{post_id}/approve", lambda r: r.abort())
        card(page, post_id).locator("button[data-action=approve]").tap()
        expect(page.locator('#toast[data-visible="true"]')).to_be_visible()
    messages = page.locator(".toast, [role=alert]:not([hidden]):not(:empty)")
    shown = [m for m in messages.all() if m.is_visible()]
    assert len(shown) == 1
    expect(page.locator("#toast")).to_contain_text(NETWORK_ERROR[locale])  # the last one
    message, offer = rect(page, "#toast"), rect(page, "#undo-bar")
    assert not overlap(message, offer)
    # Nor on any card or button a thumb may be reaching for.
    covered = page.evaluate(
        """(boxes) => [...document.querySelectorAll("article.card, button")]
            .filter((el) => el.offsetParent && !el.closest(".notices"))
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && boxes.some((b) => r.left < b.right
                && b.left < r.right && r.top < b.bottom && b.top < r.bottom))
            .map(([el]) => el.id || el.dataset.id || el.textContent.trim())""",
        [message, offer],
    )
    assert covered == []
    expect(page.locator("#undo-button")).to_be_visible()
    page.locator("#undo-button").tap()  # nothing covers it
    expect(card(page, ids[0], "#queue-list")).to_have_count(1)


# ---------------------------------------------------------------- nothing moves under a finger


def approve_as(live: LiveServer, who: str) -> Callable[[str], int]:
    moderator = client(live, who)

    def approve(text: str) -> int:
        post_id = live.ingest("jpo", make_post(text))
        assert moderator.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        return post_id

    return approve


def test_the_on_screen_column_keeps_its_order_under_a_finger(live, pages):
    approve = approve_as(live, "bob")
    shown = [approve(f"on screen {n}") for n in range(4)]
    page = desk(pages)
    expect(page.locator("#onscreen-list article.card")).to_have_count(4)
    before = card_ids(page, "#onscreen-list article.card")
    assert before == [str(i) for i in reversed(shown)]

    places = tops(page, "#onscreen-list article.card")
    finger = finger_on(page, card(page, shown[2]))  # resting on a card, reading it
    newcomers = [approve(f"arrives {n}") for n in range(2)]
    expect(page.locator("#onscreen-count")).to_have_text("6")
    expect(page.locator("#onscreen-held")).to_be_visible()
    assert card_ids(page, "#onscreen-list article.card") == before
    assert tops(page, "#onscreen-list article.card") == places  # not a pixel moved
    finger.up()  # a tap: it opens the card under the finger, and nothing else
    expect(card(page, newcomers[1], "#onscreen-list")).to_have_count(1)
    after = [str(newcomers[1]), str(newcomers[0]), *before]
    expect(page.locator("#onscreen-list article.card")).to_have_count(6)
    assert card_ids(page, "#onscreen-list article.card") == after
    expect(page.locator("#onscreen-held")).to_be_hidden()
    expect(card(page, shown[2])).to_have_class(re.compile(r"\bis-selected\b"))
    still_shown = live.call(lambda: live.hub.store.posts("jpo", Status.APPROVED, limit=10))[1]
    assert len(still_shown) == 6  # nothing was removed by a tap that landed elsewhere


def test_the_on_screen_column_keeps_its_order_while_the_focus_is_in_it(live, pages):
    approve = approve_as(live, "bob")
    waiting = live.ingest("jpo", make_post("waiting"))
    shown = [approve(f"on screen {n}") for n in range(3)]
    page = desk(pages)
    expect(page.locator("#onscreen-list article.card")).to_have_count(3)
    page.keyboard.press("l")  # to the On-screen column, from the keyboard
    page.keyboard.press("j")
    expect(card(page, shown[1])).to_be_focused()
    before = card_ids(page, "#onscreen-list article.card")
    newcomer = approve("arrives while the focus is there")
    expect(page.locator("#onscreen-count")).to_have_text("4")
    expect(page.locator("#onscreen-held")).to_be_visible()
    assert card_ids(page, "#onscreen-list article.card") == before
    expect(card(page, shown[1])).to_be_focused()
    page.keyboard.press("h")  # back to the queue: the column catches up
    expect(card(page, waiting)).to_be_focused()
    expect(card(page, newcomer, "#onscreen-list")).to_have_count(1)
    assert card_ids(page, "#onscreen-list article.card")[0] == str(newcomer)


# ---------------------------------------------------------------- undo


def active_card(page: Any) -> str | None:
    found: str | None = page.evaluate(
        "() => document.activeElement?.closest('article.card')?.dataset.id ?? null"
    )
    return found


def test_undo_from_the_keys_gives_the_focus_to_the_restored_card(live, pages):
    ids = [live.ingest("jpo", make_post(f"undo {n}")) for n in range(3)]
    page = desk(pages)
    expect(page.locator("#queue-list article.card")).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(card(page, ids[0], "#onscreen-list")).to_have_count(1)
    expect(card(page, ids[1])).to_be_focused()  # the next one waiting
    page.keyboard.press("u")
    expect(card(page, ids[0], "#queue-list")).to_have_count(1)
    expect(card(page, ids[0])).to_be_focused()
    assert active_card(page) == str(ids[0])
    page.keyboard.press("r")  # and the keys go on from there
    expect(card(page, ids[0], "#decided-list")).to_have_count(1)


def test_undo_from_the_bar_gives_the_focus_to_the_restored_card(live, pages):
    approve = approve_as(live, "bob")
    shown = [approve(f"shown {n}") for n in range(3)]
    page = desk(pages)
    card(page, shown[1]).locator("button[data-action=remove]").tap()
    expect(card(page, shown[1], "#decided-list")).to_have_count(1)
    page.locator("#undo-button").tap()
    expect(card(page, shown[1], "#onscreen-list")).to_have_count(1)
    expect(card(page, shown[1])).to_be_focused()
    assert active_card(page) == str(shown[1])
