"""The desk's status strip: a moderator sees a failing source and the open screens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from playwright.sync_api import expect

from tests.chromium import SCREEN, Tabs, launch
from tests.live import LiveServer, test_event
from wall.settings import RssSource, ServerSettings

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


FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Campus news</title>
<item><guid>https://news.example/2</guid><title>Open day #JPO2026</title></item>
<item><guid>https://news.example/1</guid></item>
</channel></rss>"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, *args: object) -> None:
            pass

    feed = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=feed.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{feed.server_port}/feed.xml"
    finally:
        feed.shutdown()
        feed.server_close()


def test_the_desk_and_the_organiser_see_what_a_source_could_not_read(tmp_path, browser, feed_url):
    event = msgspec.structs.replace(test_event(), sources=[RssSource(url=feed_url, poll_seconds=1)])
    server = LiveServer(
        tmp_path, events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    server.add_user("olga", "correct horse", "organiser")
    tabs = Tabs(browser, server)
    try:
        context = browser.new_context(viewport=TABLET, locale="fr-FR")
        tabs.contexts.append(context)
        context.request.post(
            f"{server.url}/api/login", data={"username": "olga", "password": "correct horse"}
        )
        desk = context.new_page()
        desk.goto(f"{server.url}/moderate/jpo")
        status = desk.locator("#desk-status")
        expect(status.locator("summary")).to_contain_text("1 sur 1")
        status.locator("summary").click()
        skipped = status.locator('li[data-source="rss-1"] .desk-status-skipped')
        expect(skipped).to_have_text(" — 1 élément illisible, ignoré")
        expect(skipped).to_have_attribute(
            "title",
            f"the feed at {feed_url}: entry 2 skipped: nothing to show in https://news.example/1",
        )

        admin = context.new_page()
        admin.goto(f"{server.url}/admin/jpo")
        cell = admin.locator('#sources-body tr[data-source="rss-1"] .source-skipped')
        expect(cell).to_have_text("1")
        expect(admin.locator("#sources thead")).to_contain_text("Ignorés")
        assert tabs.problems == []
    finally:
        tabs.close()
        server.stop()
