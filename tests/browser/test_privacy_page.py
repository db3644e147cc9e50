"""The organiser's privacy panel in Chromium: erase a person from the admin page while a
wall shows their post; the wall drops it without reloading, the receipt downloads; and
what Murmur holds about someone downloads as a file. French and English."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import SCREEN, launch
from tests.client import Client
from tests.factories import make_post
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
    live.add_user("bob", PASSWORD, "moderator")
    live.add_user("olga", PASSWORD, "organiser")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


def shown(live: LiveServer, text: str, handle: str) -> int:
    post_id = live.ingest("jpo", make_post(text, network="mastodon", handle=handle))
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id


@pytest.mark.parametrize(
    ("locale", "viewport", "said"),
    [
        ("fr-FR", DESKTOP, "Effacé\u00a0: 1 message et 0 image(s)."),
        ("en-GB", TABLET, "Erased: 1 post and 0 picture(s)."),
    ],
)
def test_erasing_from_the_admin_page_takes_the_post_off_an_open_wall(
    pages, live, locale, viewport, said
):
    gone = shown(live, "Un message à effacer", "ines@campus.example")
    stays = shown(live, "Un message qui reste", "lea@campus.example")
    wall = pages.open("/wall/jpo", viewport=SCREEN, locale=locale)
    expect(wall.locator(f'article.card[data-id="{gone}"]')).to_be_visible()

    admin = pages.open("/admin/jpo", login="olga", viewport=viewport, locale=locale)
    expect(admin.locator("#retention_days")).to_have_value("0")
    admin.fill("#privacy-handle", "@ines@campus.example")
    admin.on("dialog", lambda dialog: dialog.accept())
    with admin.expect_download() as download:
        admin.click("#privacy-erase")
    expect(admin.locator("#privacy-status")).to_contain_text(said)
    receipt = json.loads(Path(download.value.path()).read_text())
    assert [p["id"] for p in receipt["posts"]] == [gone]
    # The open wall drops it without reloading; the other post stays.
    expect(wall.locator(f'article.card[data-id="{gone}"]')).to_have_count(0)
    expect(wall.locator(f'article.card[data-id="{stays}"]')).to_be_visible()
    admin.locator(".panel--privacy").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    admin.locator(".panel--privacy").screenshot(
        path=str(ARTIFACTS / f"admin-privacy-{locale[:2]}.png")
    )


def test_an_access_request_downloads_and_the_retention_is_saved(pages, live):
    shown(live, "Premier", "ines@campus.example")
    admin = pages.open("/admin/jpo", login="olga", viewport=DESKTOP, locale="fr-FR")
    expect(admin.locator("#retention_days")).to_have_value("0")
    admin.fill("#privacy-handle", "ines@campus.example")
    with admin.expect_download() as download:
        admin.click("#privacy-access")
    data = json.loads(Path(download.value.path()).read_text())
    assert [p["text"] for p in data["posts"]] == ["Premier"]
    expect(admin.locator("#privacy-status")).to_contain_text("1 message trouvé")

    admin.fill("#retention_days", "30")
    admin.click("#retention-save")
    expect(admin.locator("#privacy-status")).to_contain_text("effacés 30 jours après")
    assert live.hub.events["jpo"].privacy.retention_days == 30
    # A refused value is said in French, with the field's name.
    admin.fill("#retention_days", "99999")
    admin.click("#retention-save")
    expect(admin.locator("#privacy-status")).to_have_text(
        "Jours de conservation doit valoir au plus 3650."
    )
