"""The event's settings in Chromium, without a text editor: an organiser changes hashtags,
moderation, words and sources; the server applies them at once; a refused value is said
beside its field in the organiser's language; a source's token shows as set or missing,
never its value; and the way back to the file's settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import launch
from tests.live import LiveServer, test_event
from wall.settings import MastodonSource

expect = playwright_api.expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKEN = "MURMUR_TEST_MASTODON_TOKEN"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    # A source whose token the operator set in the file; its host answers nothing here.
    source = MastodonSource(server="https://mastodon.invalid", token_env=TOKEN)
    event = msgspec.structs.replace(test_event("jpo"), sources=[source])
    live = LiveServer(tmp_path / "data", events=[event]).start()
    live.add_user("olga", PASSWORD, "organiser")
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def pages(browser: Any, server: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, server)
    yield opened
    opened.close()
    assert opened.problems == []


def field(page: Any, path: str) -> Any:
    return page.locator(f'.field[data-path="{path}"] [data-kind]')


def test_an_organiser_sets_up_the_event_in_french_and_it_applies_at_once(pages, server):
    os.environ.pop(TOKEN, None)
    page = pages.open("/admin/jpo/event", login="olga", viewport=DESKTOP, locale="fr-FR")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#origin")).to_have_text(
        "Tous les réglages viennent du fichier de configuration."
    )
    # The token is the operator's: its variable and whether it is set, never a value.
    expect(page.locator(".credential")).to_have_text(
        f"Jeton manquant\u00a0: réglez {TOKEN} dans l’environnement du serveur, puis "
        "redémarrez Murmur."
    )
    assert page.locator(".credential").get_attribute("data-set") == "false"

    field(page, "hashtags").fill("#JPO2026 #Campus")
    field(page, "moderation").select_option("post")
    field(page, "rules.blocked_words").fill("arnaque\nspam")
    page.locator(".sources-editor button.btn:not(.btn--danger-outline)").click()
    new = page.locator(".source-row").last
    new.locator('select[name="type"]').select_option("bluesky")
    new.locator('input[name="where"]').fill("wss://jetstream.invalid")
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text(
        "Enregistré\u00a0: écrans, bureaux de modération et sources suivent aussitôt."
    )
    event = server.hub.events["jpo"]
    assert event.hashtags == ["JPO2026", "Campus"] and event.moderation == "post"
    assert event.rules.blocked_words == ["arnaque", "spam"]
    assert [type(s).__name__ for s in event.sources] == ["MastodonSource", "BlueskySource"]
    assert event.sources[1].jetstream == "wss://jetstream.invalid"
    assert event.sources[0].token_env == TOKEN  # kept as the file bound it
    expect(page.locator(".origin-badge").first).to_have_text("modifié en direct")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "event-settings-fr.png"), full_page=True)

    # A refused value is said beside its field, in French.
    field(page, "rules.flood_minutes").fill("0")
    page.click("#save")
    error = page.locator('.field[data-path="rules.flood_minutes"] .field-error')
    expect(error).to_have_text("Comptés sur (minutes) doit valoir plus de 0.")
    assert field(page, "rules.flood_minutes").get_attribute("aria-invalid") == "true"

    # Back to the file.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#reset")
    expect(page.locator("#save-status")).to_have_text("Retour aux réglages du fichier.")
    assert server.hub.events["jpo"].hashtags == ["JPO2026"]


def test_a_set_token_is_said_set_on_a_tablet_in_english(pages, server):
    os.environ[TOKEN] = "not shown anywhere"
    try:
        page = pages.open("/admin/jpo/event", login="olga", viewport=TABLET, locale="en-GB")
        expect(page.locator(".credential")).to_have_text(f"Token set in {TOKEN}.")
        assert "not shown anywhere" not in page.content()
        page.screenshot(path=str(ARTIFACTS / "event-settings-en-tablet.png"), full_page=True)
    finally:
        os.environ.pop(TOKEN, None)
