"""What a source could not read reaches the people running the event: a real server with
an RSS source on a feed served from 127.0.0.1, its health read through the API and
``/metrics``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.client import Client
from tests.live import LiveServer, test_event
from wall.settings import RssSource, ServerSettings

PASSWORD = "correct horse battery"

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Campus news</title>
<item><guid>https://news.example/2</guid><title>Open day</title>
  <pubDate>Tue, 10 Mar 2026 09:30:00 CET</pubDate></item>
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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


def test_an_entry_a_feed_cannot_show_is_counted_in_the_sources_health_and_metrics(
    tmp_path: Any, feed_url: str
) -> None:
    event = test_event()
    event.sources = [RssSource(url=feed_url, poll_seconds=0.2)]
    server = LiveServer(
        tmp_path / "data", events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    try:
        server.add_user("alice", PASSWORD)
        alice = Client(server.url)
        assert alice.login("alice", PASSWORD).status == 200
        deadline = time.monotonic() + 10  # a safety net, not a measurement
        while True:
            [health] = json.loads(alice.get("/api/events/jpo/sources").body)["sources"]
            if health["posts"] == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        metrics = Client(server.url).get("/metrics").body.decode()
    finally:
        server.stop()

    assert health["state"] == "live"
    assert health["posts"] == 1
    assert health["skipped"] == 1
    assert health["last_skipped"] == (
        f"the feed at {feed_url}: entry 2 skipped: nothing to show in https://news.example/1"
    )
    assert health["last_error"] is None
    assert 'murmur_items_skipped_total{event="jpo",source="rss-1"} 1.0' in metrics
