"""The pages in real Chromium against a real server: the wall, the moderator desk, login.

Waits go through locators and ``expect`` (the selector engine), never ``wait_for_function``:
the pages' Content-Security-Policy forbids the eval that it relies on, as it should.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import playwright.sync_api as playwright_api
import pytest

from moderation import Author, Post
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer
from tests.live import test_event as event_settings

expect = playwright_api.expect

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MURMUR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"
TABLET = {"width": 1024, "height": 768}
SCREEN = {"width": 1920, "height": 1080}


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


class Pages:
    """Opens pages and fails the test on a script error, a CSP violation or a foreign request."""

    def __init__(self, browser: Any, live: LiveServer) -> None:
        self.browser = browser
        self.live = live
        self.contexts: list[Any] = []
        self.problems: list[str] = []

    def open(
        self,
        path: str,
        *,
        viewport: dict[str, int] = TABLET,
        locale: str = "en-US",
        login: str | None = None,
        **options: Any,
    ) -> Any:
        context = self.browser.new_context(viewport=viewport, locale=locale, **options)
        self.contexts.append(context)
        if login is not None:
            reply = context.request.post(
                f"{self.live.url}/api/login", data={"username": login, "password": PASSWORD}
            )
            assert reply.ok, reply.text()
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("request", self._request)
        page.goto(self.live.url + path)
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith((self.live.url, self.live.ws_url)) or url.startswith("data:")):
            self.problems.append(f"request to another host: {url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("alice", PASSWORD, "moderator")
    live.add_user("bob", PASSWORD, "moderator")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


@pytest.fixture
def bob(live: LiveServer, pages: Pages) -> Client:
    client = Client(live.url)
    client.login("bob", PASSWORD)
    return client


def approved(live: LiveServer, moderator: Client, text: str, **kw: Any) -> int:
    post_id = live.ingest("jpo", make_post(text, **kw))
    assert moderator.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id


def card(page: Any, post_id: int, within: str = "") -> Any:
    return page.locator(f'{within} article.card[data-id="{post_id}"]'.strip())


def card_ids(page: Any, selector: str) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.id)")
    return ids


# ---------------------------------------------------------------- the wall


def test_the_wall_shows_approved_posts_newest_first_and_never_queued_ones(live, pages, bob):
    first = approved(live, bob, "first")
    second = approved(live, bob, "second")
    live.ingest("jpo", make_post("still waiting"))
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    expect(wall.locator("article.card")).to_have_count(2)
    assert card_ids(wall, "article.card") == [str(second), str(first)]
    expect(card(wall, second).locator(".card-text")).to_have_text("second")
    expect(wall.locator("#event-title")).to_have_text("Journées portes ouvertes")
    expect(wall.locator("#hashtags")).to_contain_text("#JPO2026")
    expect(wall.locator("#empty")).to_be_hidden()


def test_an_empty_wall_says_which_hashtags_to_post_with(live, pages):
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("#empty")).to_be_visible()
    expect(wall.locator("#empty")).to_have_text("Posts with #JPO2026 will appear here")


def test_an_approval_appears_on_an_open_wall_and_a_removal_takes_it_off_at_once(live, pages, bob):
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    post_id = approved(live, bob, "hello room")
    expect(card(wall, post_id).locator(".card-text")).to_have_text("hello room")
    seq = int(wall.locator("body").get_attribute("data-seq"))
    assert bob.post(f"/api/events/jpo/posts/{post_id}/remove").status == 200
    # No exit animation: the element leaves the DOM as soon as the message lands.
    expect(card(wall, post_id)).to_have_count(0, timeout=2_000)
    expect(wall.locator("body")).to_have_attribute("data-seq", str(seq + 1))


def test_post_content_is_shown_as_text_never_run_as_html(live, pages, bob):
    hostile = '<img src=x onerror="document.body.dataset.pwned=1"><script>alert(1)</script>'
    post = Post(
        network="test",
        network_id="hostile-1",
        author=Author(
            name="<b>Mallory</b>",
            handle="mallory@evil.example",
            avatar_url="https://evil.example/track.png",
        ),
        text=hostile,
        html=hostile,
        created_at=make_post().created_at,
    )
    post_id = live.ingest("jpo", post)
    bob.post(f"/api/events/jpo/posts/{post_id}/approve")
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    shown = card(wall, post_id)
    expect(shown.locator(".card-text")).to_have_text(hostile)
    expect(shown.locator(".card-name")).to_have_text("<b>Mallory</b>")
    # The foreign avatar is not loaded: initials stand in (Pages fails on foreign requests).
    expect(shown.locator(".avatar--initials")).to_have_count(1)
    assert shown.locator(".card-text img, .card-text script, .card-name b").count() == 0
    assert wall.locator("body").get_attribute("data-pwned") is None


def test_custom_emoji_show_as_pictures_from_murmur_and_nothing_else_is_markup(live, pages, bob):
    import io

    from PIL import Image

    from moderation import Emoji

    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (250, 180, 0, 255)).save(buffer, "PNG")
    picture = live.call(lambda: live.hub.media.put_image(buffer.getvalue(), alt=":blobcat:"))
    text = "Salut :blobcat: et :unknown: <img src=x onerror=alert(1)>"
    post = msgspec.structs.replace(
        make_post(text, network_id="emoji-1"),
        emoji=(
            Emoji(shortcode="blobcat", url=picture.url),
            Emoji(shortcode="evil", url="https://evil.example/e.png"),  # dropped at ingest
        ),
    )
    post_id = live.ingest("jpo", post)
    bob.post(f"/api/events/jpo/posts/{post_id}/approve")
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    shown = card(wall, post_id).locator(".card-text")
    expect(shown.locator("img.emoji")).to_have_count(1)
    expect(shown.locator("img.emoji")).to_have_attribute("src", picture.url)
    expect(shown.locator("img.emoji")).to_have_attribute("alt", ":blobcat:")
    expect(shown).to_contain_text(":unknown: <img src=x onerror=alert(1)>")
    # The desk shows the same picture, from the same Murmur address.
    page = pages.open("/moderate/jpo", login="alice")
    on_desk = card(page, post_id).locator(".card-text img.emoji")
    expect(on_desk).to_have_count(1)
    expect(on_desk).to_have_attribute("src", picture.url)


def test_the_wall_keeps_at_most_forty_cards(live, pages, bob):
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    ids = [approved(live, bob, f"post {n}") for n in range(45)]
    expect(card(wall, ids[-1])).to_have_count(1)
    expect(wall.locator("article.card")).to_have_count(40)
    assert card_ids(wall, "article.card")[0] == str(ids[-1])
    expect(card(wall, ids[4])).to_have_count(0)


def test_a_pinned_post_stays_on_the_wall_when_newer_posts_push_the_others_out(live, pages, bob):
    pinned = approved(live, bob, "pinned: welcome desk in hall B")
    assert bob.post(f"/api/events/jpo/posts/{pinned}/pin").status == 200
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    ids = [approved(live, bob, f"post {n}") for n in range(45)]
    expect(card(wall, ids[-1])).to_have_count(1)
    expect(wall.locator("article.card")).to_have_count(40)
    expect(card(wall, pinned)).to_have_count(1)
    expect(card(wall, ids[0])).to_have_count(0)


def test_the_paced_layouts_pool_keeps_a_pinned_post_too(live, pages):
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    kept, size = wall.evaluate(
        """async () => {
            const { Playlist, POOL_SIZE } = await import("/static/wall/playlist.js");
            const playlist = new Playlist();
            playlist.add({ id: 1, pinned: true, text: "pinned" });
            for (let id = 2; id < POOL_SIZE + 20; id += 1) playlist.add({ id, text: "new" });
            return [playlist.get(1) !== null, playlist.size === POOL_SIZE];
        }"""
    )
    assert kept and size


def test_the_wall_keeps_its_posts_while_offline_and_resumes_without_a_gap(live, pages, bob):
    kept = approved(live, bob, "kept through the outage")
    waiting = live.ingest("jpo", make_post("queued before the restart"))
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    expect(card(wall, kept)).to_have_count(1)

    live.stop()
    expect(wall.locator("body")).not_to_have_attribute("data-connection", "online")
    expect(wall.locator("#status")).not_to_have_attribute("data-state", "online")
    expect(card(wall, kept)).to_have_count(1)

    live.start()
    expect(wall.locator("body")).to_have_attribute("data-connection", "online", timeout=30_000)
    # The restart lost nothing: the queued post still waits, the approved one still shows.
    pending = bob.get("/api/events/jpo/posts?status=pending").json()["posts"]
    assert [p["id"] for p in pending] == [waiting]
    later = approved(live, bob, "after the outage")
    expect(card(wall, later)).to_have_count(1)
    assert card_ids(wall, "article.card") == [str(later), str(kept)]


def test_wall_text_is_readable_from_across_a_room(live, pages, bob):
    post_id = approved(live, bob, "A long enough post so that it is not the short style. " * 2)
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    size = (
        card(wall, post_id)
        .locator(".card-text")
        .evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    )
    assert size >= 28


def test_pages_speak_french_to_a_french_browser(live, pages):
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale="fr-FR")
    expect(wall.locator("#empty")).to_have_text("Les messages avec #JPO2026 s’afficheront ici")
    assert wall.locator("html").get_attribute("lang") == "fr"


# ---------------------------------------------------------------- login


def test_the_desk_sends_a_stranger_to_login_and_back_after_signing_in(live, pages):
    page = pages.open("/moderate/jpo")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)moderate(%2F|/)jpo$"))
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live.url}/moderate/jpo")
    expect(page.locator("body")).to_have_attribute("data-connection", "online")


def test_a_wrong_password_is_refused_and_the_user_name_stays(live, pages):
    page = pages.open("/login?next=/moderate/jpo")
    page.fill("#username", "alice")
    page.fill("#password", "nope")
    page.click("button[type=submit]")
    expect(page.locator("#error")).to_have_text("Wrong user name or password.")
    expect(page.locator("#username")).to_have_value("alice")
    expect(page).to_have_url(re.compile(r"/login"))


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_follows_a_next_that_leaves_the_site(live, pages, target):
    page = pages.open(f"/login?next={target}")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))
    assert page.url.startswith(live.url + "/")


# ---------------------------------------------------------------- the moderator desk


def desk(pages: Pages, **kw: Any) -> Any:
    page = pages.open("/moderate/jpo", login="alice", **kw)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


def test_the_queue_lists_pending_posts_oldest_first_with_a_count(live, pages):
    ids = [live.ingest("jpo", make_post(f"waiting {n}")) for n in range(3)]
    page = desk(pages)
    expect(page.locator("#queue-list article.card")).to_have_count(3)
    assert card_ids(page, "#queue-list article.card") == [str(i) for i in ids]
    expect(page.locator("#queue-count")).to_have_text("3")
    expect(card(page, ids[0], "#queue-list").locator(".card-reason")).not_to_be_empty()


def test_approving_from_the_desk_puts_the_post_on_an_open_wall(live, pages):
    post_id = live.ingest("jpo", make_post("from the desk"))
    wall = pages.open("/wall/jpo", viewport=SCREEN)
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    page = desk(pages)
    card(page, post_id).locator("button[data-action=approve]").click()
    expect(card(page, post_id, "#onscreen-list")).to_have_count(1)
    expect(page.locator("#queue-count")).to_have_text("0")
    expect(card(wall, post_id).locator(".card-text")).to_have_text("from the desk")


def test_another_moderators_decision_shows_at_once(live, pages, bob):
    post_id = live.ingest("jpo", make_post("bob decides"))
    page = desk(pages)
    expect(card(page, post_id, "#queue-list")).to_have_count(1)
    bob.post(f"/api/events/jpo/posts/{post_id}/approve")
    expect(card(page, post_id, "#onscreen-list")).to_have_count(1)
    expect(card(page, post_id).locator(".card-decision")).to_have_text("Approved by bob")


def test_a_late_decision_gets_a_clear_conflict_message(live, pages, bob):
    post_id = live.ingest("jpo", make_post("both at once"))
    page = desk(pages)
    url = f"{live.url}/api/events/jpo/posts/{post_id}/reject"

    def bob_first(route: Any) -> None:
        bob.post(f"/api/events/jpo/posts/{post_id}/approve")
        route.continue_()

    page.route(url, bob_first)
    card(page, post_id).locator("button[data-action=reject]").click()
    expect(page.locator("#toast")).to_have_text(
        "Someone else decided first: this post is already approved (by bob)."
    )
    expect(card(page, post_id, "#onscreen-list")).to_have_count(1)


def test_a_lost_connection_says_the_action_was_not_saved(live, pages):
    post_id = live.ingest("jpo", make_post("unlucky"))
    page = desk(pages)
    page.route(f"{live.url}/api/events/jpo/posts/{post_id}/approve", lambda r: r.abort())
    card(page, post_id).locator("button[data-action=approve]").click()
    expect(page.locator("#toast")).to_contain_text("your action was not saved")
    expect(card(page, post_id, "#queue-list")).to_have_count(1)


def test_keyboard_shortcuts_select_approve_reject_and_remove(live, pages):
    ids = [live.ingest("jpo", make_post(f"key {n}")) for n in range(3)]
    page = desk(pages)
    expect(page.locator("#queue-list article.card")).to_have_count(3)
    page.keyboard.press("j")
    expect(card(page, ids[0])).to_be_focused()
    page.keyboard.press("a")
    expect(card(page, ids[0], "#onscreen-list")).to_have_count(1)
    # The selection moves on to the next post waiting.
    expect(card(page, ids[1])).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(card(page, ids[2])).to_be_focused()
    page.keyboard.press("r")
    expect(card(page, ids[2], "#decided-list")).to_have_count(1)
    page.keyboard.press("ArrowRight")
    expect(card(page, ids[0])).to_be_focused()
    page.keyboard.press("d")
    expect(card(page, ids[0], "#decided-list")).to_have_attribute("data-status", "removed")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()


def test_a_removed_post_can_be_restored_from_the_list(live, pages, bob):
    post_id = approved(live, bob, "back again")
    bob.post(f"/api/events/jpo/posts/{post_id}/remove")
    page = desk(pages)
    page.locator("#decided summary").click()
    card(page, post_id, "#decided-list").locator("button[data-action=restore]").click()
    expect(card(page, post_id, "#onscreen-list")).to_have_count(1)


@pytest.mark.parametrize(
    "viewport",
    [TABLET, {"width": 768, "height": 1024}, {"width": 390, "height": 844}],
    ids=["landscape", "portrait", "phone"],
)
def test_the_desk_fits_a_tablet_or_phone_with_large_buttons(live, pages, viewport):
    live.ingest("jpo", make_post("a rather long post " * 12))
    page = desk(pages, viewport=viewport)
    expect(page.locator("#queue-list article.card")).to_have_count(1)
    heights = page.eval_on_selector_all(
        "button:not([hidden])", "els => els.filter(e => e.offsetParent).map(e => e.offsetHeight)"
    )
    assert heights and min(heights) >= 48
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_logging_out_goes_back_to_the_login_page(live, pages):
    page = desk(pages)
    page.locator("#logout").click()
    expect(page).to_have_url(f"{live.url}/login")
    # The session is gone: the desk sends us to login again.
    page.goto(f"{live.url}/moderate/jpo")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_wall_for_a_post_moderated_event_needs_no_moderator(tmp_path, browser):
    events = [event_settings("jpo", moderation="post")]
    server = LiveServer(tmp_path / "data", events=events).start()
    try:
        opened = Pages(browser, server)
        wall = opened.open("/wall/jpo", viewport=SCREEN)
        expect(wall.locator("body")).to_have_attribute("data-connection", "online")
        post_id = server.ingest("jpo", make_post("straight to the screen"))
        expect(card(wall, post_id)).to_have_count(1)
        opened.close()
        assert opened.problems == []
    finally:
        server.stop()
