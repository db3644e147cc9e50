"""The figures panel on the organiser page, in Chromium: its numbers and, per minute, the
posts, the queue and the screens online, drawn as SVG from the server's figures; French and
English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
from websockets.sync.client import connect

from tests.browser.test_pages import PASSWORD, TABLET, Pages
from tests.chromium import launch
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer

expect = playwright_api.expect

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as opened:
        yield opened


@pytest.fixture
def pages(browser: Any, live: LiveServer) -> Iterator[Pages]:
    live.add_user("olga", PASSWORD, "organiser")
    live.add_user("bob", PASSWORD, "moderator")
    opened = Pages(browser, live)
    yield opened
    opened.close()
    assert opened.problems == []


@pytest.mark.parametrize(
    ("locale", "viewport", "approved"),
    [("fr-FR", {"width": 1440, "height": 900}, "67\u00a0%"), ("en-GB", TABLET, "67%")],
)
def test_the_figures_panel_shows_the_numbers_and_a_bar_per_busy_minute(
    pages, live, locale, viewport, approved
):
    ids = [live.ingest("jpo", make_post(f"Message {n} #JPO2026")) for n in range(4)]
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    for post_id in ids[:2]:
        assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    assert bob.post(f"/api/events/jpo/posts/{ids[2]}/reject").status == 200
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    with connect(f"{live.ws_url}/ws/wall/jpo?screen=hall") as screen:
        screen.recv(timeout=10)
        live.call(lambda: live.hub.sample_screens())
    found = olga.get("/api/events/jpo/figures").json()
    busy = {m["minute"] for m in found["per_minute"]}

    page = pages.open("/admin/jpo", login="olga", viewport=viewport, locale=locale)
    numbers = page.locator("#figures-numbers dd")
    expect(numbers).to_have_count(6)
    expect(numbers.nth(0)).to_have_text("4")
    expect(numbers.nth(1)).to_have_text("1")
    expect(numbers.nth(2)).to_have_text(approved)
    expect(numbers.nth(5)).to_have_text("1")
    bars = page.locator("#figures-chart svg[data-chart=posts] rect")
    expect(bars).to_have_count(len(busy))
    drawn = sum(int(bars.nth(i).get_attribute("data-value")) for i in range(bars.count()))
    assert drawn == 4
    # The queue held four, then one once three were decided: the last minute shows one.
    queue = page.locator("#figures-chart svg[data-chart=queue] rect")
    assert queue.last.get_attribute("data-value") == "1"
    screens = page.locator("#figures-chart svg[data-chart=screens] rect")
    expect(screens).to_have_count(1)
    assert screens.first.get_attribute("data-value") == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".panel--figures").screenshot(
        path=str(ARTIFACTS / f"admin-figures-{locale[:2]}.png")
    )
