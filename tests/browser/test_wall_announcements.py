"""Announcements on a schedule, in Chromium: over a busy wall every N posts and every N
minutes, and "show now" from the organiser's page on two screens of different layouts at
once, gone after its seconds. Uses the shared wall fixtures (tests/browser/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import playwright.sync_api as playwright_api
import pytest

from tests.browser.test_pages import Pages
from tests.browser.wall_helpers import approved, calm, open_wall
from tests.chromium import SCREEN

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
TAKEOVER = ".takeover .takeover-text"


def test_an_every_n_posts_announcement_comes_over_a_busy_wall(server, tabs, olga, bob):
    slide = {"text": "Conférence à 14 h, amphi A", "every_posts": 3, "seconds": 3}
    calm(olga, "jpo", announcements=[slide])
    page = open_wall(tabs, "/wall/jpo", SCREEN, locale="fr-FR")
    takeover = page.locator(TAKEOVER)
    ids = [approved(server, bob, "jpo", f"Message numéro {n} #JPO2026") for n in range(2)]
    for post_id in ids:
        expect(page.locator(f'#posts article.card[data-id="{post_id}"]')).to_be_visible()
    expect(takeover).to_have_count(0)  # two posts: not yet
    ids.append(approved(server, bob, "jpo", "Message numéro 2 #JPO2026"))
    expect(takeover).to_have_text("Conférence à 14 h, amphi A")
    expect(page.locator(".takeover-label")).to_have_text("Les organisateurs")
    # The cards under it stay: nothing was blanked to make room.
    for post_id in ids:
        expect(page.locator(f'#posts article.card[data-id="{post_id}"]')).to_have_count(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # its entrance over (0.35 s)
    page.screenshot(path=str(ARTIFACTS / "announcement-grid-fr-1080p.png"))
    expect(takeover).to_have_count(0, timeout=6_000)  # gone after its 3 seconds


def test_an_every_n_minutes_announcement_comes_while_posts_keep_arriving(server, tabs, olga, bob):
    slide = {"text": "Pensez au plan du campus", "every_minutes": 0.05, "seconds": 3}
    calm(olga, "jpo", layout="single", announcements=[slide])
    page = open_wall(tabs, "/wall/jpo", SCREEN)
    takeover = page.locator(TAKEOVER)
    seen = False
    for n in range(12):  # a post about every half second: never a quiet moment
        approved(server, bob, "jpo", f"Encore un message {n} #JPO2026")
        page.wait_for_timeout(500)
        if takeover.count():
            seen = True
            break
    assert seen, "the announcement never came over the busy wall"
    expect(takeover).to_have_text("Pensez au plan du campus")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "announcement-single-1080p.png"))


def test_show_now_goes_over_two_screens_at_once_then_leaves(server, browser, olga, bob):
    slide = {"text": "Remise des diplômes dans 5 minutes !", "seconds": 4}
    calm(olga, "jpo", announcements=[slide])
    approved(server, bob, "jpo", "Bravo à tous #JPO2026")
    pages = Pages(browser, server)
    try:
        grid = pages.open("/wall/jpo?layout=grid", viewport=SCREEN)
        ticker = pages.open("/wall/jpo?layout=ticker", viewport=SCREEN)
        for page in (grid, ticker):
            expect(page.locator("body")).to_have_attribute("data-connection", "online")
        admin = pages.open("/admin/jpo", login="olga", viewport={"width": 1440, "height": 900})
        show = admin.locator(".announcement-show").first
        expect(show).to_be_visible()
        show.click()
        expect(admin.locator("#save-status")).to_have_text("Shown on every screen for 4 seconds.")
        for page in (grid, ticker):
            expect(page.locator(TAKEOVER)).to_have_text("Remise des diplômes dans 5 minutes !")
            assert page.locator("body").get_attribute("data-announcing") == "now"
        for page in (grid, ticker):
            expect(page.locator(TAKEOVER)).to_have_count(0, timeout=7_000)
        assert pages.problems == []
    finally:
        pages.close()
