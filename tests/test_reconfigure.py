"""Organisers change an event live: sources resubscribe, other events keep running."""

from __future__ import annotations

import json
import time

import msgspec
import pytest
from websockets.sync.client import connect

from tests.client import Client
from tests.live import LiveServer, test_event
from wall.settings import DemoSource


@pytest.fixture
def two_events(tmp_path):
    jpo = msgspec.structs.replace(test_event("jpo"), sources=[DemoSource(rate=20, seed=1)])
    other = msgspec.structs.replace(test_event("other"), sources=[DemoSource(rate=20, seed=2)])
    server = LiveServer(tmp_path, events=[jpo, other]).start()
    server.add_user("olga", "correct horse", "organiser")
    server.add_user("mo", "correct horse", "moderator")
    try:
        yield server
    finally:
        server.stop()


def login(server, name):
    client = Client(server.url)
    assert client.login(name, "correct horse").status == 200
    return client


def wait_live(client, slug):
    for _ in range(200):
        sources = client.get(f"/api/events/{slug}/sources").json()["sources"]
        if sources and sources[0]["state"] == "live" and sources[0]["posts"] > 0:
            return sources[0]
        time.sleep(0.05)
    raise AssertionError(f"the sources of {slug} did not go live")


def test_changing_hashtags_resubscribes_that_event_only_and_tells_every_page(two_events):
    olga = login(two_events, "olga")
    wait_live(olga, "jpo")
    other_before = wait_live(olga, "other")
    with connect(f"{two_events.ws_url}/ws/wall/jpo") as ws:
        seq = json.loads(ws.recv(timeout=10))["seq"]
        reply = olga.request(
            "PATCH",
            "/api/events/jpo/settings",
            {"hashtags": ["Graduation2026"], "title": "Remise des diplômes"},
        )
        assert reply.status == 200, reply.body
        assert reply.json()["settings"]["hashtags"] == ["Graduation2026"]
        while True:  # skip the queued demo posts until the change arrives
            message = json.loads(ws.recv(timeout=10))
            if message["type"] == "event":
                break
        assert message["seq"] > seq and message["event"]["title"] == "Remise des diplômes"
    # The event's demo source restarted with the new hashtags: new posts carry them.
    wait_live(olga, "jpo")
    for _ in range(200):
        posts = olga.get("/api/events/jpo/posts?status=pending&limit=500").json()["posts"]
        if any("Graduation2026" in p["hashtags"] for p in posts):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("no post with the new hashtag")
    # The other event's source was never restarted: its counter only grew.
    other_after = wait_live(olga, "other")
    assert other_after["posts"] >= other_before["posts"]
    assert olga.get("/api/events/jpo").json()["title"] == "Remise des diplômes"


def test_live_settings_survive_a_restart(two_events):
    olga = login(two_events, "olga")
    olga.request("PATCH", "/api/events/jpo/settings", {"moderation": "post"})
    two_events.restart()
    olga = login(two_events, "olga")
    assert olga.get("/api/events/jpo/settings").json()["moderation"] == "post"


def test_bad_live_settings_are_refused_with_the_field_and_change_nothing(two_events):
    olga = login(two_events, "olga")
    before = olga.get("/api/events/jpo/settings").json()
    bad = olga.request("PATCH", "/api/events/jpo/settings", {"moderation": "sometimes"})
    assert bad.status == 400 and bad.json()["field"] == "moderation"
    assert olga.request("PATCH", "/api/events/jpo/settings", {"slug": "x"}).json()["field"] == (
        "slug"
    )
    bad_source = olga.request(
        "PATCH", "/api/events/jpo/settings", {"sources": [{"type": "demo", "rate": -1}]}
    )
    assert bad_source.status == 400
    assert olga.get("/api/events/jpo/settings").json() == before


def test_only_organisers_change_settings(two_events):
    mo = login(two_events, "mo")
    assert mo.request("PATCH", "/api/events/jpo/settings", {"title": "x"}).status == 403
    assert mo.get("/api/events/jpo/settings").status == 403


def test_organisers_upload_announcement_pictures_cleaned_and_served_by_murmur(two_events):
    import io

    from PIL import Image

    olga, mo = login(two_events, "olga"), login(two_events, "mo")
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 30, 30)).save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    headers = {"Content-Type": "image/jpeg"}
    reply = olga.request("POST", "/api/events/jpo/media", raw=jpeg, headers=headers)
    assert reply.status == 201, reply.body
    body = reply.json()
    assert body["url"].startswith("/media/") and max(body["width"], body["height"]) <= 1600
    assert olga.get(body["url"]).status == 200
    assert mo.request("POST", "/api/events/jpo/media", raw=jpeg, headers=headers).status == 403
    text = olga.request(
        "POST", "/api/events/jpo/media", raw=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert text.status == 415
    lying = olga.request(
        "POST", "/api/events/jpo/media", raw=b"not an image at all", headers=headers
    )
    assert lying.status in {400, 415} and lying.json()["error"]
    no_csrf = olga.request("POST", "/api/events/jpo/media", raw=jpeg, headers=headers, csrf=False)
    assert no_csrf.status == 403


def test_an_organiser_returns_an_event_to_the_files_settings(two_events):
    olga = login(two_events, "olga")
    changed = olga.request("PATCH", "/api/events/jpo/settings", {"hashtags": ["Live2026"]})
    assert changed.status == 200
    assert olga.request("PUT", "/api/events/jpo/display", {"theme": "default"}).status == 200
    assert login(two_events, "mo").request("DELETE", "/api/events/jpo/settings").status == 403
    with connect(f"{two_events.ws_url}/ws/wall/jpo") as ws:
        ws.recv(timeout=10)  # snapshot
        reset = olga.request("DELETE", "/api/events/jpo/settings")
        assert reset.status == 200, reset.body
        assert reset.json()["settings"]["hashtags"] == ["JPO2026"]
        kinds = set()
        while not {"event", "display"} <= kinds:
            message = json.loads(ws.recv(timeout=10))
            kinds.add(message["type"])
            if message["type"] == "event":
                assert message["event"]["hashtags"] == ["JPO2026"]
    assert olga.get("/api/events/jpo/settings").json()["hashtags"] == ["JPO2026"]
    assert olga.get("/api/events/jpo/display").json()["theme"] == "dark"  # the file's
    # After a restart too: nothing live is left to win over the file.
    two_events.restart()
    assert two_events.hub.events["jpo"].hashtags == ["JPO2026"]
