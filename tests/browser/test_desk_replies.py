"""Answering on Mastodon from the desk, in Chromium on a 1024×768 tablet, French and English:
the answer dialog offers the reply on the network for a Mastodon post (and not for others),
counts as Mastodon counts, and the card links to the reply once it is under the original
on the fake Mastodon; the screens show the answer either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, SCREEN, TABLET, Pages, card
from tests.browser.test_wall_emoji import coloured_pixels
from tests.chromium import launch
from tests.factories import make_post
from tests.fakes.jetstream import FakeBluesky, post_record
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.mastodon_writes import WRITE_TOKEN
from tests.fakes.pds import APP_PASSWORD, FakePds
from tests.live import LiveServer, test_event
from tests.test_replies import BSKY_ENV, LEA, TOKEN_ENV, Loop
from wall.settings import BlueskyReplies, MastodonReplies, RepliesSettings, ServerSettings
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


class Networks(NamedTuple):
    mastodon: FakeMastodon
    appview: FakeBluesky
    pds: FakePds


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Any]]:
    monkeypatch.setenv(TOKEN_ENV, WRITE_TOKEN)
    monkeypatch.setenv(BSKY_ENV, APP_PASSWORD)
    loop = Loop()
    fake = loop.run(lambda: FakeMastodon().start())
    appview = loop.run(lambda: FakeBluesky().__aenter__())
    pds = loop.run(lambda: FakePds(appview).start())
    appview.add_profile(LEA, "lea.bsky.example", "Léa")
    event = test_event("jpo")
    event.answer_on_networks = True
    event.replies = RepliesSettings(
        mastodon=MastodonReplies(server=fake.url, token_env=TOKEN_ENV),
        bluesky=BlueskyReplies(
            handle=pds.handle, token_env=BSKY_ENV, pds=pds.url, appview=appview.url
        ),
    )
    live = LiveServer(
        tmp_path / "data", events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    live.add_user("alice", PASSWORD, "moderator")
    try:
        yield live, Networks(fake, appview, pds)
    finally:
        live.stop()
        loop.run(fake.close)
        loop.run(pds.close)
        loop.run(lambda: appview.__aexit__(None, None, None))
        loop.close()


@pytest.fixture
def pages(browser: Any, world: tuple[LiveServer, Any]) -> Iterator[Pages]:
    opened = Pages(browser, world[0])
    yield opened
    opened.close()
    assert opened.problems == []


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_the_desk_answers_a_mastodon_post_on_mastodon_too(pages, world, locale):
    live, networks = world
    fake = networks.mastodon
    offer, done = WORDS[locale]
    status = fake.publish(text="Où est l'amphi B ?", tags=["JPO2026"])
    post_id = live.ingest("jpo", parse_status(json.dumps(status), server="m.example").post)
    other = live.ingest("jpo", make_post("Bonjour #JPO2026", network="rss"))
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale=locale)
    page = pages.open(
        "/moderate/jpo", login="alice", viewport=TABLET, locale=locale, has_touch=True
    )
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    for one in (post_id, other):
        card(page, one).locator("button[data-action=approve]").tap()

    # A feed's entry: no account on that network, so no offer.
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


def test_the_desk_answers_a_bluesky_post_on_bluesky_too(pages, world):
    live, networks = world
    appview, pds = networks.appview, networks.pds
    uri = appview.add_post(LEA, post_record("Le wifi ? #JPO2026"))
    post = make_post("Le wifi ? #JPO2026", network="bluesky", network_id=uri,
                     handle="lea.bsky.example", name="Léa")  # fmt: skip
    post_id = live.ingest("jpo", post)
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale="fr-FR")
    page = pages.open(
        "/moderate/jpo", login="alice", viewport=TABLET, locale="fr-FR", has_touch=True
    )
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    card(page, post_id).locator("button[data-action=approve]").tap()
    card(page, post_id, "#onscreen-list").locator(".card-text").tap()
    card(page, post_id).locator("button[data-tool=reply]").tap()
    expect(page.locator("#reply-publish-row")).to_contain_text("Bluesky")
    page.locator("#reply-publish").check()
    page.locator("#reply-text").fill("Réseau Campus-Invité 👋")
    # Bluesky counts graphemes: the waving hand is one.
    expected = len("@lea.bsky.example Réseau Campus-Invité ") + 1
    expect(page.locator("#reply-network-count")).to_contain_text(f"{expected} / 300")
    page.locator("#reply-save").tap()
    expect(card(page, post_id).locator(".card-reply-published a")).to_have_text(
        "Publiée sur Bluesky ↗"
    )
    (reply,) = pds.thread(uri)
    assert reply["text"] == "@lea.bsky.example Réseau Campus-Invité 👋"
    expect(card(wall, post_id).locator(".card-reply-text")).to_contain_text("Campus-Invité")
    page.screenshot(path=str(ARTIFACTS / "desk-reply-bluesky-fr.png"))
    # The emoji is drawn in colour on the desk too, by the font Murmur ships (this machine
    # has no emoji font of its own): not a box.
    answer = card(page, post_id).locator(".card-reply-text")
    page.evaluate("document.fonts.ready.then(() => true)")
    expect(answer).to_have_js_property("textContent", "Réseau Campus-Invité 👋")
    deadline = 50
    while coloured_pixels(answer.screenshot()) < 200 and deadline:
        page.wait_for_timeout(100)  # the emoji part of the font arrives after the text
        deadline -= 1
    assert coloured_pixels(answer.screenshot()) >= 200
