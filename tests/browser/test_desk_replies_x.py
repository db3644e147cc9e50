"""Answering on X from the desk, in Chromium on a 1024×768 tablet, French and English: the
answer dialog offers the reply on X for a post from X, counts as X weighs (the same count as
the server's, CJK and emoji 2, links 23), and the card links to the reply once it is under
the original on the fake X; the screens show the answer either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, SCREEN, TABLET, Pages, card
from tests.chromium import launch
from tests.fakes.x import FakeX
from tests.fakes.x_writes import READ_ONLY_TOKEN
from tests.live import LiveServer, test_event
from tests.test_replies import Loop
from tests.test_replies_x import SECRETS, x_account, x_post
from wall.reply_x import weighted_length
from wall.settings import RepliesSettings, ServerSettings

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WORDS = {
    "fr-FR": ("Répondre aussi sur X, depuis le compte de l’événement", "Publiée sur X ↗"),
    "en-GB": ("Also reply on X, from the event's account", "Published on X ↗"),
}
REFUSED = {
    "fr-FR": "Non publiée sur X : le jeton du compte a été refusé : il ne peut pas publier",
    "en-GB": "Not published on X: the account's token was refused: it may not post",
}
ANSWER = "Bienvenue 👋🏽 ! 東京からも : https://univ.example/plan-du-campus-complet"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Any]]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    loop = Loop()
    fake = loop.run(lambda: FakeX().start())
    event = test_event("jpo")
    event.answer_on_networks = True
    event.replies = RepliesSettings(x=x_account(fake.url))
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
def test_the_desk_answers_an_x_post_on_x_too(pages, world, locale, monkeypatch):
    live, fake = world
    offer, done = WORDS[locale]
    post_id, original = x_post(live, fake)
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale=locale)
    page = pages.open(
        "/moderate/jpo", login="alice", viewport=TABLET, locale=locale, has_touch=True
    )
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    card(page, post_id).locator("button[data-action=approve]").tap()
    card(page, post_id, "#onscreen-list").locator(".card-text").tap()
    card(page, post_id).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-publish-row")).to_have_text(offer)
    page.locator("#reply-publish").check()

    count = page.locator("#reply-network-count")
    page.locator("#reply-text").fill("答" * 141)  # 141 characters, 282 as X weighs them
    expect(count).to_contain_text("282 / 280")
    expect(count).to_have_attribute("data-over", "true")
    page.locator("#reply-text").fill(ANSWER)
    # No mention is added for X, and the desk's count is the server's.
    expect(count).to_contain_text(f"{weighted_length(ANSWER)} / 280")
    expect(count).to_have_attribute("data-over", "false")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"desk-reply-x-{locale[:2]}.png"))
    page.locator("#reply-save").tap()
    expect(page.locator("#reply-dialog")).to_be_hidden()

    link = card(page, post_id).locator(".card-reply-published a")
    expect(link).to_have_text(done)
    (reply,) = fake.writes.thread(original.id)
    assert reply["sent"] == ANSWER
    assert link.get_attribute("href") == f"https://x.com/univ/status/{reply['id']}"
    expect(card(wall, post_id).locator(".card-reply-text")).to_contain_text("Bienvenue")
    page.screenshot(path=str(ARTIFACTS / f"desk-reply-x-published-{locale[:2]}.png"))

    # An access token made before the app could write: said in words, for X, not Mastodon.
    monkeypatch.setenv("MURMUR_TEST_X_REPLY_TOKEN", READ_ONLY_TOKEN)
    refused, _ = x_post(live, fake)
    card(page, refused).locator("button[data-action=approve]").tap()
    card(page, refused, "#onscreen-list").locator(".card-text").tap()
    card(page, refused).locator("button[data-tool=reply]").tap()
    page.locator("#reply-publish").check()
    page.locator("#reply-text").fill("Merci !")
    page.locator("#reply-save").tap()
    said = card(page, refused).locator(".card-reply-published")
    expect(said).to_contain_text(REFUSED[locale])
    expect(said).not_to_contain_text("write:statuses")
