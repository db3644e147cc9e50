"""Every connector goes through the fetch guard (issue 9, finding 2).

Each source is pointed at a real listener on 127.0.0.1 with no ``fetch_allow``: the
listener must see no connection at all, and the source's health must say, in words, that
the address may not be reached, the same whether or not anything listens there.
Bluesky's Jetstream websocket used to connect without the guard. (Mastodon's streaming
socket goes through the same guard: tests/test_source_mastodon.py refuses it on loopback.)
"""

from __future__ import annotations

import re
import socket
import threading
import time

import msgspec
import pytest

from tests.client import Client
from tests.live import LiveServer, test_event
from wall.settings import BlueskySource, MastodonSource, RssSource, XSource

PASSWORD = "correct horse"


class Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


SOURCES = {
    "mastodon": lambda port: MastodonSource(server=f"http://127.0.0.1:{port}"),
    "bluesky": lambda port: BlueskySource(jetstream=f"ws://127.0.0.1:{port}"),
    "x": lambda port: XSource(api=f"http://127.0.0.1:{port}"),
    "rss": lambda port: RssSource(url=f"http://127.0.0.1:{port}/feed.xml"),
}


def _health(live: LiveServer, source) -> dict:
    event = msgspec.structs.replace(test_event("jpo"), sources=[source])
    live.settings = msgspec.structs.replace(live.settings, events=[event])
    live.start()
    live.add_user("mo", PASSWORD)
    client = Client(live.url)
    assert client.login("mo", PASSWORD).status == 200
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        (health,) = client.get("/api/events/jpo/sources").json()["sources"]
        if health["last_error"]:
            return health
        time.sleep(0.1)
    raise AssertionError(f"no error reported: {health}")


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_a_loopback_address_is_refused_before_connecting_and_health_says_so(
    tmp_path, monkeypatch, kind
):
    monkeypatch.setenv("MASTODON_TOKEN", "t")
    monkeypatch.setenv("X_BEARER_TOKEN", "t")
    listener = Listener()
    messages = []
    for port in (listener.port, _closed_port()):  # something listens / nothing listens
        live = LiveServer(tmp_path / f"data-{port}")
        try:
            health = _health(live, SOURCES[kind](port))
        finally:
            live.stop()
        error = health["last_error"]
        assert re.search(r"may not be reached|was refused", error), health
        assert re.search(r"is not (a )?public", error), health
        messages.append(health["last_error"].replace(str(port), "PORT"))
    assert listener.connections == 0, f"{kind} connected to the loopback listener"
    assert messages[0] == messages[1], "the health message tells whether the port answered"
