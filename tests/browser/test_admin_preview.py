"""The screen preview on the organiser page: the real wall page in a frame shows the
display settings as the form says them, before they are applied; the screens change only
when applied; the preview is not counted as a screen; only a preview may be framed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import PASSWORD, Pages
from tests.chromium import SCREEN, launch
from tests.client import Client
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


def screens(live: LiveServer) -> int:
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    reply = olga.get("/api/events/jpo/screens")
    assert reply.status == 200
    return sum(1 for s in reply.json()["screens"] if s["state"] != "offline")


def test_the_preview_shows_unsaved_settings_and_the_screens_wait_for_apply(pages, live):
    screen = pages.open("/wall/jpo", viewport=SCREEN)
    expect(screen.locator("body")).to_have_attribute("data-theme", "dark")
    admin = pages.open("/admin/jpo", login="olga", viewport=DESKTOP, locale="fr-FR")
    preview = admin.frame_locator("#preview-frame")
    expect(preview.locator("body")).to_have_attribute("data-theme", "dark")
    expect(preview.locator("body")).to_have_attribute("data-preview", "true")
    assert screens(live) == 1  # the preview is not a screen

    admin.locator("#theme").select_option("high-contrast")
    admin.locator("#layout").select_option("single")
    expect(preview.locator("body")).to_have_attribute("data-theme", "high-contrast")
    expect(preview.locator("body")).to_have_attribute("data-layout", "single")
    screen.wait_for_timeout(500)
    assert screen.locator("body").get_attribute("data-theme") == "dark"  # not applied yet
    ARTIFACTS.mkdir(exist_ok=True)
    admin.locator(".panel--display").screenshot(path=str(ARTIFACTS / "admin-preview-fr.png"))

    admin.click("#save")
    expect(screen.locator("body")).to_have_attribute("data-theme", "high-contrast")
    expect(screen.locator("body")).to_have_attribute("data-layout", "single")


def test_only_a_preview_may_be_framed_and_only_by_murmur(live):
    plain = Client(live.url).get("/wall/jpo")
    assert "frame-ancestors 'none'" in plain.headers["content-security-policy"]
    assert plain.headers["x-frame-options"] == "DENY"
    framed = Client(live.url).get("/wall/jpo?preview=1")
    assert "frame-ancestors 'self'" in framed.headers["content-security-policy"]
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    for path in ("/admin/jpo?preview=1", "/moderate/jpo?preview=1", "/wall/jpo/x?preview=1"):
        assert (
            "frame-ancestors 'none'"
            in Client(live.url).get(path).headers["content-security-policy"]
        ), path
