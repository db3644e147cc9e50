"""Events from the browser's API on a real port: created blank or as a copy (tokens stay
behind), kept across a restart, run only within their window, archived and brought back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from tests.client import Client
from tests.live import LiveServer, test_event
from wall.settings import BlueskySource, MastodonSource

PASSWORD = "correct horse battery"


@pytest.fixture
def live(tmp_path: Path):
    sources = [
        MastodonSource(server="https://mastodon.invalid", token_env="MASTODON_TOKEN"),
        BlueskySource(jetstream="wss://jetstream.invalid"),
    ]
    event = msgspec.structs.replace(test_event("jpo"), sources=sources)
    server = LiveServer(tmp_path / "data", events=[event]).start()
    server.add_user("olga", PASSWORD, "organiser")
    server.add_user("bob", PASSWORD, "moderator")
    try:
        yield server
    finally:
        server.stop()


def login(live: LiveServer, name: str) -> Client:
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def sources_of(live: LiveServer, slug: str) -> list[str]:
    # Source names are "<type>-<place>": the type says which ones run.
    return [
        h.source.split("-")[0] for h in live.hub.supervisor.health_of(slug) if h.state != "stopped"
    ]


def test_an_organiser_creates_an_event_by_copying_last_years(live):
    olga = login(live, "olga")
    reply = olga.post(
        "/api/events",
        {"slug": "jpo-2027", "title": "JPO 2027", "hashtags": ["#JPO2027"], "copy_from": "jpo"},
    )
    assert reply.status == 201, reply.body
    body = reply.json()
    assert body["event"]["slug"] == "jpo-2027" and body["event"]["hashtags"] == ["JPO2027"]
    assert body["left_behind"] == ["mastodon"]  # its token is bound in the file only
    created = live.hub.events["jpo-2027"]
    assert [type(s).__name__ for s in created.sources] == ["BlueskySource"]
    assert created.rules == live.hub.events["jpo"].rules
    assert sources_of(live, "jpo-2027") == ["bluesky"]
    listed = [e["slug"] for e in Client(live.url).get("/api/events").json()["events"]]
    assert listed == ["jpo", "jpo-2027"]
    # Kept across a restart.
    live.restart()
    assert "jpo-2027" in live.hub.events
    assert live.hub.events["jpo-2027"].title == "JPO 2027"


def test_creating_is_for_organisers_with_a_free_valid_address(live):
    olga, bob = login(live, "olga"), login(live, "bob")
    assert bob.post("/api/events", {"slug": "x", "title": "X"}).status == 403
    taken = olga.post("/api/events", {"slug": "jpo", "title": "Again"})
    assert taken.status == 409 and taken.json()["code"] == "event_exists"
    bad = olga.post("/api/events", {"slug": "Not A Slug", "title": "X"})
    assert bad.status == 400 and bad.json()["code"] == "pattern"
    missing = olga.post("/api/events", {"slug": "new", "title": "X", "copy_from": "nope"})
    assert missing.status == 404 and missing.json()["code"] == "no_event"
    window = {"slug": "w", "title": "W", "starts_at": "2026-06-12T10:00:00+02:00",
              "ends_at": "2026-06-12T09:00:00+02:00"}  # fmt: skip
    backwards = olga.post("/api/events", window)
    assert backwards.status == 400 and "ends_at" in backwards.json()["error"]


def test_sources_run_only_within_the_events_window(live):
    olga = login(live, "olga")
    now = datetime.now(UTC)
    window = {
        "slug": "gala",
        "title": "Gala",
        "copy_from": "jpo",
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=5)).isoformat(),
    }
    assert olga.post("/api/events", window).status == 201
    info = Client(live.url).get("/api/events/gala").json()
    assert info["starts_at"] and info["ends_at"] and info["archived"] is False
    assert live.hub.state("gala") == "upcoming" and sources_of(live, "gala") == []
    live.call(lambda: live.hub.follow_schedule(now + timedelta(hours=3)))
    assert sources_of(live, "gala") == ["bluesky"]
    assert live.hub.state("gala", now + timedelta(hours=6)) == "ended"
    live.call(lambda: live.hub.follow_schedule(now + timedelta(hours=6)))
    assert sources_of(live, "gala") == []


def test_archiving_stops_the_sources_and_tells_every_page(live):
    olga = login(live, "olga")
    assert sources_of(live, "jpo") == ["mastodon", "bluesky"]
    reply = olga.post("/api/events/jpo/archive", {"archived": True})
    assert reply.status == 200 and reply.json()["event"]["archived"] is True
    assert sources_of(live, "jpo") == [] and live.hub.state("jpo") == "archived"
    live.restart()
    assert live.hub.state("jpo") == "archived" and sources_of(live, "jpo") == []
    olga = login(live, "olga")
    back = olga.post("/api/events/jpo/archive", {"archived": False})
    assert back.json()["event"]["archived"] is False
    assert sources_of(live, "jpo") == ["mastodon", "bluesky"]
