"""The desk's status strip: a moderator sees a failing source and the open screens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from playwright.sync_api import expect

from tests.chromium import SCREEN, Tabs, launch
from tests.live import LiveServer, test_event
from wall.settings import RssSource

TABLET = {"width": 1024, "height": 768}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as browser:
        yield browser


@pytest.fixture
def server(tmp_path) -> Iterator[LiveServer]:
    # A feed on a private address: the SSRF guard refuses it before any connection, so the
    # source fails at once, with a sentence, and no traffic leaves this machine.
    event = msgspec.structs.replace(
        test_event(), sources=[RssSource(url="http://10.0.0.1/feed.xml", poll_seconds=1)]
    )
    live = LiveServer(tmp_path, events=[event]).start()
    live.add_user("alice", "correct horse", "moderator")
    try:
        yield live
    finally:
        live.stop()


def test_the_desk_shows_a_failing_source_and_the_open_screens(server, browser):
    tabs = Tabs(browser, server)
    try:
        wall = tabs.open("/wall/jpo?screen=hall-a", viewport=SCREEN)
        expect(wall.locator("body")).to_have_attribute("data-connection", "online")

        context = browser.new_context(viewport=TABLET, locale="en-US")
        tabs.contexts.append(context)
        context.request.post(
            f"{server.url}/api/login", data={"username": "alice", "password": "correct horse"}
        )
        desk = context.new_page()
        desk.goto(f"{server.url}/moderate/jpo")
        status = desk.locator("#desk-status")
        expect(status).to_have_attribute("data-state", "warn")
        expect(status.locator("summary")).to_contain_text("Sources: 0 of 1 live")
        expect(status.locator("summary")).to_contain_text("Screens: 1 online")
        status.locator("summary").click()
        failing = status.locator('li[data-source="rss-1"]')
        expect(failing).to_be_visible()
        expect(failing).to_contain_text("10.0.0.1")
        expect(status.locator('li[data-screen="hall-a"]')).to_contain_text("Online")
        assert tabs.problems == []
    finally:
        tabs.close()
