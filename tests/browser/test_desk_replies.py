"""Answering on Mastodon from the desk, in Chromium on a 1024×768 tablet, French and English:
the answer dialog offers the reply on the network for a Mastodon post (and not for others),
counts as Mastodon counts, and the card links to the reply once it is under the original
on the fake Mastodon; the screens show the answer either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, SCREEN, TABLET, Pages, card
from tests.chromium import launch
from tests.factories import make_post
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.mastodon_writes import WRITE_TOKEN
from tests.live import LiveServer, test_event
from tests.test_replies import TOKEN_ENV, Loop
from wall.settings import MastodonReplies, RepliesSettings, ServerSettings
from wall.sources.mastodon_wire import parse_status

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WORDS = {
    "fr-FR": (
        "Répondre aussi sur Mastodon, depuis le compte de l’événement",
        "Publiée sur Mastodon ↗",
    ),
    "en-GB": ("Also reply on Mastodon, from the event's account", "Published on Mastodon ↗"),
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Any]]:
    monkeypatch.setenv(TOKEN_ENV, WRITE_TOKEN)
    loop = Loop()
    fake = loop.run(lambda: FakeMastodon().start())
    event = test_event("jpo")
    event.replies = RepliesSettings(mastodon=MastodonReplies(server=fake.url, token_env=TOKEN_ENV))
    live = LiveServer(
        tmp_path / "data", events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    live.add_user("alice", PASSWORD, "moderator")
    try:
        yield live, fake
    finally:
        live.stop()
        loop.run(fake.close)
        loop.close()


@pytest.fixture
def pages(browser: Any, world: tuple[LiveServer, Any]) -> Iterator[Pages]:
    opened = Pages(browser, world[0])
    yield opened
    opened.close()
    assert opened.problems == []


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_the_desk_answers_a_mastodon_post_on_mastodon_too(pages, world, locale):
    live, fake = world
    offer, done = WORDS[locale]
    status = fake.publish(text="Où est l'amphi B ?", tags=["JPO2026"])
    post_id = live.ingest("jpo", parse_status(json.dumps(status), server="m.example").post)
    other = live.ingest("jpo", make_post("Bonjour #JPO2026", network="bluesky"))
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale=locale)
    page = pages.open(
        "/moderate/jpo", login="alice", viewport=TABLET, locale=locale, has_touch=True
    )
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    for one in (post_id, other):
        card(page, one).locator("button[data-action=approve]").tap()

    # A Bluesky post: no account on that network, so no offer.
    card(page, other, "#onscreen-list").locator(".card-text").tap()
    card(page, other).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-dialog")).to_be_visible()
    expect(page.locator("#reply-publish-row")).to_be_hidden()
    page.locator("#reply-cancel").tap()

    card(page, post_id, "#onscreen-list").locator(".card-text").tap()
    card(page, post_id).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-publish-row")).to_have_text(offer)
    assert not page.locator("#reply-publish").is_checked()  # off unless asked
    page.locator("#reply-publish").check()
    page.locator("#reply-text").fill(
        "Au bout du couloir : https://univ.example/plan-du-campus-complet"
    )
    # Mastodon's count: the link as 23, the author's mention (@name@server) by name only.
    handle = status["account"]["acct"]
    expected = len(f"@{handle} Au bout du couloir : ") + 23
    expect(page.locator("#reply-network-count")).to_contain_text(f"{expected} / 500")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-reply-mastodon-{locale[:2]}.png"))
    page.locator("#reply-save").tap()
    expect(page.locator("#reply-dialog")).to_be_hidden()

    link = card(page, post_id).locator(".card-reply-published a")
    expect(link).to_have_text(done)
    (reply,) = fake.writes.thread(status["id"])
    assert link.get_attribute("href") == reply["url"]
    assert reply["text"].startswith(f"@{handle}@m.example Au bout du couloir")
    expect(card(wall, post_id).locator(".card-reply-text")).to_contain_text("Au bout du couloir")
    page.screenshot(path=str(ARTIFACTS / f"desk-reply-published-{locale[:2]}.png"))

    # Opened again: the answer is on Mastodon, so an edit follows it there (no box).
    card(page, post_id).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-follows")).to_contain_text("Mastodon")
    expect(page.locator("#reply-publish-row")).to_be_hidden()
    page.locator("#reply-cancel").tap()
