"""The People panel and the invitation page in Chromium, French and English: an organiser
invites a moderator for one event; a tablet (another browser, 1024×768) opens the link,
chooses a name and a password and lands on that event's desk; the organiser then sees
the new moderator's session and logs it out, and the tablet's desk asks to log in again.
A used link gets a page that says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import playwright.sync_api as playwright_api
import pytest

from tests.browser.language import english_left
from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import launch
from tests.live import LiveServer, test_event

expect = playwright_api.expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1440, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
NEW_PASSWORD = "tablet in the hall"
FORUM = msgspec.structs.replace(test_event("forum"), title="Forum des métiers")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "data", events=[test_event("jpo"), FORUM]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("olga", PASSWORD, "organiser")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


WORDS = {
    "fr-FR": {
        "ready": "Il ne sert qu’une fois",
        "intro": "On vous invite à modérer Forum des métiers.",
        "ended": "1 session terminée.",
        "used": "Cette invitation a déjà servi\u00a0: si c’était vous, connectez-vous\u00a0;",
    },
    "en-GB": {
        "ready": "It works once",
        "intro": "You are invited to moderate Forum des métiers.",
        "ended": "1 session ended.",
        "used": "This invitation has already been used: if it was you, log in;",
    },
}


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_an_organiser_invites_a_moderator_who_joins_from_a_tablet(pages, live, locale):
    said = WORDS[locale]
    admin = pages.open("/admin/jpo", login="olga", viewport=DESKTOP, locale=locale)
    panel = admin.locator(".panel--people")
    expect(panel.locator('tr[data-user="olga"]')).to_be_visible()
    panel.locator("#invite-role").select_option("moderator")
    panel.locator('#invite-events input[value="forum"]').check()
    panel.locator("#invite-hours").select_option("4")
    panel.locator("#invite-create").click()

    expect(panel.locator("#invite-ready")).to_contain_text(said["ready"])
    qr = panel.locator("#invite-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 300 and box["height"] >= 300
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    link = panel.locator("#invite-link").get_attribute("href")
    assert link is not None and link.startswith(f"{live.url}/invite/")
    expect(panel.locator("#invites-pending li")).to_have_count(1)
    if locale == "fr-FR":
        assert english_left(admin) == []
    ARTIFACTS.mkdir(exist_ok=True)
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / f"admin-people-invite-{locale[:2]}.png"))

    # The tablet: another browser, not logged in, opens the link.
    tablet = pages.open(urlsplit(link).path, viewport=TABLET, locale=locale, has_touch=True)
    expect(tablet.locator("#intro")).to_contain_text(said["intro"])
    if locale == "fr-FR":
        assert english_left(tablet) == []
    tablet.locator("#username").fill("camille")
    tablet.locator("#password").fill(NEW_PASSWORD)
    tablet.locator("#again").fill(NEW_PASSWORD)
    tablet.screenshot(path=str(ARTIFACTS / f"invite-tablet-{locale[:2]}.png"))
    tablet.locator("#submit").tap()

    expect(tablet).to_have_url(f"{live.url}/moderate/forum")
    expect(tablet.locator("body")).to_have_attribute("data-connection", "online")
    tablet.screenshot(path=str(ARTIFACTS / f"invite-desk-{locale[:2]}.png"))

    # Back on the organiser's page: the new moderator, limited to the forum, online.
    admin.reload()
    row = admin.locator('tr[data-user="camille"]')
    expect(row.locator(".people-events-now")).to_have_text("Forum des métiers")
    expect(row.locator(".people-session")).to_have_count(1)
    expect(admin.locator("#invites-empty")).to_be_visible()
    admin.locator(".panel--people").screenshot(
        path=str(ARTIFACTS / f"admin-people-{locale[:2]}.png")
    )
    row.locator(".people-session button").click()
    expect(admin.locator("#people-status")).to_have_text(said["ended"])
    # The tablet's desk is closed at once and asks for the password again.
    expect(tablet.locator("#relogin")).to_be_visible()
    expect(row.locator(".people-session")).to_have_count(0)

    # The same link, a second time: used, said so, with a way to log in.
    again = pages.open(urlsplit(link).path, viewport=TABLET, locale=locale)
    expect(again.locator("#gone-text")).to_contain_text(said["used"])
    expect(again.locator("#gone-login")).to_be_visible()
    if locale == "fr-FR":
        assert english_left(again) == []
    again.screenshot(path=str(ARTIFACTS / f"invite-used-{locale[:2]}.png"))


def test_a_mismatched_password_and_a_taken_name_are_said_beside_the_form(pages, live):
    admin = pages.open("/admin/jpo", login="olga", viewport=TABLET, locale="fr-FR")
    admin.locator("#invite-create").click()
    link = admin.locator("#invite-link")
    expect(link).to_have_attribute("href", re.compile("/invite/"))
    href = link.get_attribute("href")
    assert href is not None
    tablet = pages.open(urlsplit(href).path, viewport=TABLET, locale="fr-FR")
    tablet.locator("#username").fill("olga")
    tablet.locator("#password").fill(NEW_PASSWORD)
    tablet.locator("#again").fill("something else")
    tablet.locator("#submit").click()
    expect(tablet.locator("#error")).to_have_text(
        "Les deux mots de passe diffèrent\u00a0: saisissez-les à nouveau."
    )
    tablet.locator("#again").fill(NEW_PASSWORD)
    tablet.locator("#submit").click()
    expect(tablet.locator("#error")).to_have_text(
        "Le nom d’utilisateur «\u00a0olga\u00a0» est déjà pris\u00a0: choisissez-en un autre."
    )
    expect(tablet.locator("#username")).to_have_attribute("aria-invalid", "true")
