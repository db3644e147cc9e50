"""``GET /metrics``: real figures from a real server, for the allowed addresses only."""

from __future__ import annotations

import re

import pytest
from websockets.sync.client import connect

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer
from wall.settings import ServerSettings

PASSWORD = "correct horse battery"


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name}{{{wanted}}} not in:\n{text}"
    return float(match.group(1))


@pytest.fixture
def live(tmp_path):
    server = LiveServer(tmp_path / "data").start()
    server.add_user("alice", PASSWORD)
    yield server
    server.stop()


def test_metrics_count_queue_screens_approvals_ingest_and_failed_logins(live):
    ids = [live.ingest("jpo", make_post(f"post {n} #JPO2026")) for n in range(3)]
    alice = Client(live.url)
    assert alice.login("alice", PASSWORD).status == 200
    assert Client(live.url).login("alice", "not her password").status == 401
    with connect(f"{live.ws_url}/ws/wall/jpo?screen=hall") as screen:
        screen.recv(timeout=10)  # the snapshot: the screen is connected
        assert alice.post(f"/api/events/jpo/posts/{ids[0]}/approve").status == 200
        reply = Client(live.url).get("/metrics")
        assert reply.status == 200
        assert reply.headers["content-type"].startswith("text/plain")
        text = reply.body.decode()

    assert _value(text, "murmur_queue_depth", event="jpo") == 2
    assert _value(text, "murmur_queue_oldest_seconds", event="jpo") >= 0
    assert _value(text, "murmur_screens_connected", event="jpo") == 1
    assert _value(text, "murmur_approve_to_broadcast_seconds_count", event="jpo") == 1
    assert _value(text, "murmur_failed_logins_total") == 1


def test_metrics_are_refused_to_addresses_not_allowed(tmp_path):
    server = LiveServer(
        tmp_path / "data", server=ServerSettings(metrics_allow=["192.0.2.0/24"])
    ).start()
    try:
        reply = Client(server.url).get("/metrics")
        assert reply.status == 404
        assert b"murmur_" not in reply.body
    finally:
        server.stop()


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(tmp_path):
    server = LiveServer(
        tmp_path / "data",
        server=ServerSettings(metrics_allow=["192.0.2.0/24"], trusted_proxies=["127.0.0.1"]),
    ).start()
    try:
        allowed = Client(server.url).get("/metrics", headers={"X-Forwarded-For": "192.0.2.10"})
        assert allowed.status == 200 and b"murmur_queue_depth" in allowed.body
        # A client cannot put an allowed address before the one the proxy appended.
        spoofed = Client(server.url).get(
            "/metrics", headers={"X-Forwarded-For": "192.0.2.10, 203.0.113.5"}
        )
        assert spoofed.status == 404
    finally:
        server.stop()


def test_forwarding_headers_are_ignored_without_trusted_proxies(live):
    # metrics_allow is loopback by default; a forged header must not change who we are.
    reply = Client(live.url).get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert reply.status == 200
