"""The events page in Chromium: states, creating a copy of last year's event with a window
(its wall says when it starts), archiving an event while its wall is open (the closing
slide comes without a reload) and bringing it back; a taken address refused beside its
field. French at 1440×900, English on a tablet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import SCREEN, launch
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("olga", PASSWORD, "organiser")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def test_an_organiser_copies_an_event_with_a_window_and_archives_another(pages, live):
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale="fr-FR", timezone_id="Europe/Paris")
    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    page = pages.open(
        "/admin", login="olga", viewport=DESKTOP, locale="fr-FR", timezone_id="Europe/Paris"
    )
    jpo = page.locator('tr[data-slug="jpo"]')
    expect(jpo.locator(".state")).to_have_text("En cours")

    tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0)
    page.fill("#new-slug", "jpo-2027")
    page.fill("#new-title", "JPO 2027")
    page.fill("#new-hashtags", "#JPO2027")
    page.select_option("#new-copy", "jpo")
    page.fill("#new-starts", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.click("#create button[type=submit]")
    expect(page.locator("#create-status")).to_have_text("Créé\u00a0: JPO 2027.")
    new = page.locator('tr[data-slug="jpo-2027"]')
    expect(new.locator(".state")).to_have_text("À venir")
    assert live.hub.events["jpo-2027"].rules == live.hub.events["jpo"].rules
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "events-fr.png"), full_page=True)

    upcoming = pages.open(
        "/wall/jpo-2027", viewport=SCREEN, locale="fr-FR", timezone_id="Europe/Paris"
    )
    expect(upcoming.locator(".schedule-text")).to_contain_text("Commence le ")
    expect(upcoming.locator(".schedule-text")).to_contain_text("à 10:00")
    upcoming.screenshot(path=str(ARTIFACTS / "wall-upcoming-fr.png"))

    # Archive JPO: its open wall closes at once; bring it back: it opens again.
    page.on("dialog", lambda dialog: dialog.accept())
    jpo.locator("button").click()
    expect(jpo.locator(".state")).to_have_text("Archivé")
    expect(wall.locator(".schedule-text")).to_have_text(
        "Merci d’avoir participé\u00a0! Le mur est fermé."
    )
    wall.screenshot(path=str(ARTIFACTS / "wall-closed-fr.png"))
    jpo.locator("button").click()
    expect(jpo.locator(".state")).to_have_text("En cours")
    expect(wall.locator(".schedule-slide")).to_have_count(0)


def test_a_taken_address_is_refused_beside_its_field_on_an_english_tablet(pages, live):
    page = pages.open("/admin", login="olga", viewport=TABLET, locale="en-GB")
    expect(page.locator('tr[data-slug="jpo"]')).to_be_visible()
    page.fill("#new-slug", "jpo")
    page.fill("#new-title", "Again")
    page.click("#create button[type=submit]")
    error = page.locator('.field[data-path="slug"] .field-error')
    expect(error).to_have_text("There is already an event called “jpo”: choose another address.")
    assert page.locator("#new-slug").get_attribute("aria-invalid") == "true"
