"""Announcements on a schedule and "show now", on a real port with real websockets: the
settings are validated, only organisers show one, every screen gets it (without who), a
screen that connects or resumes meanwhile shows it too, and one after it does not."""

from __future__ import annotations

import json
from datetime import datetime

from websockets.sync.client import connect

from tests.client import Client

PASSWORD = "correct horse battery"
SLIDE = {"text": "Conférence à 14 h, amphi A", "seconds": 30, "every_posts": 5}


def login(live, name: str, role: str) -> Client:
    live.add_user(name, PASSWORD, role)
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def recv(ws) -> dict:
    return json.loads(ws.recv(timeout=10))


def test_schedules_are_validated_and_kept(live):
    olga = login(live, "olga", "organiser")
    bad = olga.request(
        "PUT", "/api/events/jpo/display", {"announcements": [{**SLIDE, "every_posts": -1}]}
    )
    assert bad.status == 400
    assert (bad.json()["code"], bad.json()["params"]["path"]) == (
        "too_small",
        "announcements[0].every_posts",
    )
    short = olga.request(
        "PUT", "/api/events/jpo/display", {"announcements": [{**SLIDE, "seconds": 2}]}
    )
    assert short.status == 400 and short.json()["code"] == "too_small"
    ok = olga.request("PUT", "/api/events/jpo/display", {"announcements": [SLIDE]})
    assert ok.status == 200
    saved = ok.json()["display"]["announcements"][0]
    assert (saved["every_posts"], saved["every_minutes"], saved["seconds"]) == (5, 0, 30)


def test_show_now_reaches_every_screen_and_screens_that_connect_meanwhile(live):
    olga = login(live, "olga", "organiser")
    bob = login(live, "bob", "moderator")
    assert olga.request("PUT", "/api/events/jpo/display", {"announcements": [SLIDE]}).status == 200
    with connect(f"{live.ws_url}/ws/wall/jpo") as screen:
        start = recv(screen)
        assert start["type"] == "snapshot" and start.get("announcing") is None
        assert bob.post("/api/events/jpo/announcements/0/show").status == 403
        missing = olga.post("/api/events/jpo/announcements/3/show")
        assert missing.status == 404 and missing.json()["code"] == "no_announcement"
        shown = olga.post("/api/events/jpo/announcements/0/show")
        assert shown.status == 200
        message = recv(screen)
        assert message["type"] == "announce" and "by" not in message  # not who
        assert message["announcement"]["text"] == SLIDE["text"]
        until = datetime.fromisoformat(message["until"])
        assert (until - datetime.fromisoformat(shown.json()["until"])).total_seconds() == 0
        seq = message["seq"]
    # A screen that connects now shows it; one that resumes from before gets it too.
    with connect(f"{live.ws_url}/ws/wall/jpo") as late:
        assert recv(late)["announcing"]["announcement"]["text"] == SLIDE["text"]
    with connect(f"{live.ws_url}/ws/wall/jpo?since={seq - 1}") as resumed:
        assert recv(resumed)["type"] == "announce"
    # Taken down early: screens are told, and a screen that connects after sees nothing.
    assert olga.request("DELETE", "/api/events/jpo/announcements/now").status == 200
    with connect(f"{live.ws_url}/ws/wall/jpo") as after:
        assert recv(after).get("announcing") is None
