"""A session that ends mid-event, on a real desk: the moderator logs in again in place and
carries on where they were. Nothing they asked for is done behind their back.

Two ways a session ends: the browser loses its cookie (the server then answers 403 on the
CSRF check), or the session is ended on the server while the browser still holds its
cookie (401 ``session_expired``, and the desk socket is closed with 4401). DOM hooks: the
login box is ``#relogin`` (``#relogin-user``, ``#relogin-password``, ``#relogin-submit``);
``#status`` has ``data-state="signed-out"`` meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from moderation import Status
from tests.browser.test_desk import client
from tests.browser.test_pages import PASSWORD, TABLET, Pages, card
from tests.chromium import launch
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser


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


def desk(pages: Pages) -> Any:
    page = pages.open("/moderate/jpo", login="alice", viewport=TABLET, has_touch=True)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


def status_of(live: LiveServer, post_id: int) -> Status:
    for status in Status:
        _, found = live.call(lambda s=status: live.hub.store.posts("jpo", s, limit=50))
        if any(p.id == post_id for p in found):
            return status
    raise AssertionError(f"post {post_id} is nowhere")


def queue_scroll(page: Any) -> float:
    top: float = page.locator("#queue .column-body").evaluate("el => el.scrollTop")
    return top


def active_card(page: Any) -> str | None:
    found: str | None = page.evaluate(
        "() => document.activeElement?.closest('article.card')?.dataset.id ?? null"
    )
    return found


def log_in_again(page: Any) -> None:
    expect(page.locator("#relogin-user")).to_have_value("alice")
    page.locator("#relogin-password").fill(PASSWORD)
    page.locator("#relogin-submit").tap()
    expect(page.locator("#relogin")).to_be_hidden()


def test_a_lost_cookie_asks_for_the_password_and_keeps_the_moderators_place(live, pages):
    ids = [live.ingest("jpo", make_post(f"waiting {n} " + "a long line " * 8)) for n in range(9)]
    page = desk(pages)
    expect(page.locator("#queue-list article.card")).to_have_count(9)
    target = ids[5]
    card(page, target).scroll_into_view_if_needed()
    card(page, target).locator(".card-text").tap()  # open it: the moderator is here
    scrolled = queue_scroll(page)
    assert scrolled > 0

    page.context.clear_cookies()  # the session is gone for this browser
    card(page, target).locator("button[data-action=approve]").tap()
    expect(page.locator("#relogin")).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("data-state", "signed-out")
    expect(page.locator("#status-text")).not_to_have_text("Live")
    expect(page.locator("#toast")).not_to_contain_text("CSRF")
    assert status_of(live, target) is Status.PENDING  # nothing done, nothing retried

    log_in_again(page)
    expect(page.locator("#status")).to_have_attribute("data-state", "online")
    assert active_card(page) == str(target)
    assert abs(queue_scroll(page) - scrolled) <= 1
    expect(card(page, target, "#queue-list")).to_have_count(1)
    assert status_of(live, target) is Status.PENDING

    page.keyboard.press("a")  # the moderator decides again, with the new session
    expect(card(page, target, "#onscreen-list")).to_have_count(1)
    assert status_of(live, target) is Status.APPROVED


def test_a_session_ended_on_the_server_signs_the_desk_out_at_once(live, pages):
    first = live.ingest("jpo", make_post("before"))
    page = desk(pages)
    expect(card(page, first)).to_have_count(1)
    kept = page.context.cookies()
    csrf = page.context.request.get(f"{live.url}/api/session").json()["csrf_token"]
    ended = page.context.request.post(f"{live.url}/api/logout", headers={"X-CSRF-Token": csrf})
    assert ended.ok
    page.context.add_cookies(kept)  # the browser still holds the ended session's cookie

    # The server closes the desk socket (4401): the desk says so without being touched.
    expect(page.locator("#relogin")).to_be_visible()
    expect(page.locator("#status-text")).to_have_text("Signed out: log in again")
    # Meanwhile the event goes on.
    later = live.ingest("jpo", make_post("while signed out"))
    client(live, "bob").post(f"/api/events/jpo/posts/{first}/approve")

    log_in_again(page)
    expect(page.locator("#status")).to_have_attribute("data-state", "online")
    expect(card(page, later, "#queue-list")).to_have_count(1)  # replayed on reconnecting
    expect(card(page, first, "#onscreen-list")).to_have_count(1)
    card(page, later).locator("button[data-action=reject]").tap()
    expect(card(page, later, "#decided-list")).to_have_count(1)


def test_a_wrong_password_in_the_login_box_says_so_and_keeps_it_open(live, pages):
    post_id = live.ingest("jpo", make_post("wait"))
    page = desk(pages)
    page.context.clear_cookies()
    card(page, post_id).locator("button[data-action=reject]").tap()
    expect(page.locator("#relogin")).to_be_visible()
    page.locator("#relogin-password").fill("not the password")
    page.locator("#relogin-submit").tap()
    expect(page.locator("#relogin-error")).to_have_text("Wrong user name or password.")
    expect(page.locator("#relogin")).to_be_visible()
    log_in_again(page)
    expect(card(page, post_id, "#queue-list")).to_have_count(1)
