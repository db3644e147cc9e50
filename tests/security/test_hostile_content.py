"""Hostile HTML and script through every entry, rendered in real Chromium: nothing runs.

Every payload tries to set ``document.body.dataset.pwned``; after the wall and the
moderator desk have rendered it, the marker must still be unset, no element the payload
carried may exist, and no page may have asked another host for anything (``Tabs`` fails
the test on a request off the Murmur host, a script error or a CSP violation).

Entries: the attendee's text and name, sent through the real form in Chromium; and a
source's text, HTML, display name, handle, alt text, content warning, hashtags, avatar,
profile and media URLs, sent through ``hub.ingest`` as every connector does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from moderation import Author, Media, Post, Status
from tests.chromium import SCREEN, Tabs, launch
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
MARK = "document.body.dataset.pwned=1"
PAYLOADS = [
    f'<img src=x onerror="{MARK}">',
    f"<script>{MARK}</script>",
    f"<svg/onload={MARK}>",
    f'"><iframe srcdoc="<script>parent.{MARK}</script>">',
    f'<a href="javascript:{MARK}">click</a>',
    f"<style>@import 'https://evil.example/x.css';</style><b onmouseover={MARK}>hover</b>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    f"javascript:{MARK}",
    f"{{{{constructor.constructor('{MARK}')()}}}}",  # template injection, in case
]
HOSTILE = " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as browser:
        yield browser


@pytest.fixture
def tabs(browser: Any, live: LiveServer) -> Iterator[Tabs]:
    live.add_user("alice", PASSWORD)
    opened = Tabs(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


@pytest.fixture
def alice(live: LiveServer, tabs: Tabs) -> Client:
    client = Client(live.url)
    assert client.login("alice", PASSWORD).status == 200
    return client


def desk(tabs: Tabs) -> Any:
    context = tabs.browser.new_context(viewport={"width": 1024, "height": 768})
    tabs.contexts.append(context)
    reply = context.request.post(
        f"{tabs.live.url}/api/login", data={"username": "alice", "password": PASSWORD}
    )
    assert reply.ok
    page = context.new_page()
    page.on("pageerror", lambda exc: tabs.problems.append(f"page error: {exc}"))
    page.on("console", tabs._console)
    page.on("request", tabs._request)
    page.goto(f"{tabs.live.url}/moderate/jpo")
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


def assert_inert(page: Any, card: Any) -> None:
    """Nothing the payloads carried became an element, and the marker is unset."""
    # Hover and click everything a payload might have turned into a live element.
    for target in card.locator("a, b, span").all()[:20]:
        target.hover(timeout=2_000)
    assert card.locator("script, iframe, svg, math, style, a[href^=javascript], b").count() == 0
    assert card.locator("img[src=x], img:not([src^='/media/'])").count() == 0
    assert page.locator("body").get_attribute("data-pwned") is None
    assert page.evaluate("() => document.body.dataset.pwned") is None


def test_an_attendees_hostile_text_and_name_through_the_real_form_run_nowhere(live, tabs, alice):
    phone = tabs.open("/submit/jpo")
    expect(phone.locator("body")).to_have_attribute("data-state", "ready")
    name = f'<img src=x onerror="{MARK}">'[:60]
    text = HOSTILE[:500]
    phone.fill("#name", name)
    phone.fill("#text", text)
    phone.click("#send")
    expect(phone.locator("#done")).to_be_visible()
    assert phone.locator("body").get_attribute("data-pwned") is None
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert post.author.name == name and post.text == text.strip()

    moderator = desk(tabs)
    card = moderator.locator(f'article.card[data-id="{post.id}"]')
    expect(card.locator(".card-name")).to_have_text(name)
    assert_inert(moderator, card)
    assert alice.post(f"/api/events/jpo/posts/{post.id}/approve").status == 200

    wall = tabs.open("/wall/jpo", viewport=SCREEN)
    card = wall.locator(f'article.card[data-id="{post.id}"]')
    expect(card.locator(".card-name")).to_have_text(name)
    expect(card).to_contain_text(PAYLOADS[0])
    assert_inert(wall, card)


def hostile_source_post(n: int) -> Post:
    return Post(
        network="mastodon",
        network_id=f"hostile-{n}",
        author=Author(
            name=f"<b onmouseover={MARK}>Mallory</b>\u202e",
            handle=f'mallory"><img src=x onerror={MARK}>@evil.example',
            avatar_url="https://evil.example/track.png",
            profile_url=f"javascript:{MARK}",
        ),
        text=HOSTILE,
        html=f"<p>{HOSTILE}</p>",
        url=f"javascript:{MARK}",
        media=(
            Media(url=f'/media/x" onerror="{MARK}', alt=f'"><img src=x onerror="{MARK}">'),
            Media(url="https://evil.example/pic.webp", alt="foreign"),
            Media(url=f"javascript:{MARK}", alt="script"),
        ),
        content_warning=f"<script>{MARK}</script>" if n else "",
        hashtags=(f"<img src=x onerror={MARK}>", "JPO2026"),
        created_at=make_post().created_at,
    )


def test_hostile_source_html_names_alt_text_and_urls_run_nowhere(live, tabs, alice):
    shown = live.ingest("jpo", hostile_source_post(0))
    held = live.ingest("jpo", hostile_source_post(1))  # a content warning: held for a human
    assert alice.post(f"/api/events/jpo/posts/{shown}/approve").status == 200

    stored = alice.get("/api/events/jpo/posts?status=approved").json()["posts"][0]
    for fragment in ("<script", "onerror", "onmouseover", "javascript:", "<iframe", "<svg"):
        assert fragment not in stored["html"].lower()
    assert "\u202e" not in stored["author"]["name"]

    wall = tabs.open("/wall/jpo", viewport=SCREEN)
    card = wall.locator(f'article.card[data-id="{shown}"]')
    expect(card).to_contain_text("<script>")
    assert_inert(wall, card)

    moderator = desk(tabs)
    for post_id in (shown, held):
        card = moderator.locator(f'article.card[data-id="{post_id}"]')
        expect(card).to_have_count(1)
        assert_inert(moderator, card)
    expect(moderator.locator(f'article.card[data-id="{held}"]')).to_contain_text("<script>")
