"""Display (theme, layout, announcements) and the fleet of screens, on a real server."""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.client import Client
from wall.screens import SILENT_AFTER, Fleet


def recv(ws) -> dict:
    return json.loads(ws.recv(timeout=10))


@pytest.fixture
def themes(tmp_path, monkeypatch):
    root = tmp_path / "themes"
    for name in ("dark", "light-campus"):
        (root / name).mkdir(parents=True)
        (root / name / "theme.css").write_text(":root { --bg: #000; }")
        (root / name / "theme.toml").write_text(f'label = "{name.title()}"\n')
    (root / "broken").mkdir()
    (root / "broken" / "theme.toml").write_text("label = \n")
    (root / "broken" / "theme.css").write_text("")
    monkeypatch.setattr("wall.themes.THEMES", root)
    return root


@pytest.fixture
def organiser(live):
    live.add_user("olga", "correct horse", "organiser")
    client = Client(live.url)
    client.login("olga", "correct horse")
    return client


def test_themes_are_listed_from_their_folders_skipping_broken_ones(live, themes):
    names = [t["name"] for t in Client(live.url).get("/api/themes").json()["themes"]]
    assert names == ["dark", "light-campus"]


def test_a_new_screen_gets_the_configured_display_in_its_snapshot(live):
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = recv(ws)
    assert snapshot["display"]["layout"] == "grid"
    assert snapshot["display"]["theme"] == "dark"


def test_an_organiser_switches_the_theme_live_and_every_screen_follows(live, themes, organiser):
    with connect(f"{live.ws_url}/ws/wall/jpo") as a, connect(f"{live.ws_url}/ws/wall/jpo") as b:
        seq = recv(a)["seq"]
        recv(b)
        reply = organiser.request(
            "PUT",
            "/api/events/jpo/display",
            {
                "theme": "light-campus",
                "announcements": [{"text": "Prochaine conférence à 14 h, amphi A"}],
            },
        )
        assert reply.status == 200, reply.body
        for ws in (a, b):
            message = recv(ws)
            assert message["type"] == "display" and message["seq"] > seq
            assert message["display"]["theme"] == "light-campus"
            assert message["display"]["layout"] == "grid"  # unchanged keys are kept
    # A screen that connects later, or after a restart, starts from the new display.
    live.restart()
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        assert recv(ws)["display"]["announcements"][0]["text"].startswith("Prochaine")
    with connect(f"{live.ws_url}/ws/wall/jpo?since={seq}") as ws:
        assert recv(ws)["type"] == "display"  # and a resuming one replays it


def test_display_changes_are_checked_and_name_the_field(live, themes, organiser):
    def put(body):
        return organiser.request("PUT", "/api/events/jpo/display", body)

    assert put({"theme": "nope"}).json()["field"] == "theme"
    assert put({"layout": "carousel"}).status == 400
    assert put({"colour": "red"}).json()["field"] == "colour"
    assert put({"announcements": [{"text": "x" * 281}]}).status == 400
    assert (
        put({"announcements": [{"text": "a", "image": "https://evil.example/x.png"}]}).status == 400
    )
    assert put({"quiet_seconds": 1}).json()["field"] == "quiet_seconds"


def test_only_organisers_change_the_display(live, themes):
    live.add_user("mo", "correct horse", "moderator")
    mod = Client(live.url)
    mod.login("mo", "correct horse")
    reply = mod.request("PUT", "/api/events/jpo/display", {"theme": "dark"})
    assert reply.status == 403
    assert Client(live.url).request("PUT", "/api/events/jpo/display", {}).status in {401, 403}
    assert mod.get("/admin/jpo").status == 403


def test_named_screens_report_in_and_go_offline_when_they_close(live, organiser):
    with connect(f"{live.ws_url}/ws/wall/jpo?screen=hall-a") as ws:
        recv(ws)
        ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "screen": "hall-a",
                    "layout": "single",
                    "width": 3840,
                    "height": 2160,
                }
            )
        )
        ws.send("not json")
        ws.send("x" * 5000)  # too big to be read: ignored
        for _ in range(100):
            screens = organiser.get("/api/events/jpo/screens").json()["screens"]
            if screens and screens[0]["width"] == 3840:
                break
            time.sleep(0.02)
        assert screens[0]["screen"] == "hall-a" and screens[0]["state"] == "online"
        assert screens[0]["layout"] == "single" and screens[0]["height"] == 2160
    for _ in range(100):
        screens = organiser.get("/api/events/jpo/screens").json()["screens"]
        if screens[0]["state"] == "offline":
            break
        time.sleep(0.02)
    assert screens[0]["state"] == "offline"


def test_a_client_message_over_the_size_limit_closes_the_socket(live):
    with connect(f"{live.ws_url}/ws/wall/jpo", max_size=None) as ws:
        recv(ws)
        ws.send("x" * (65 * 1024))
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=10)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009


async def test_a_screen_not_heard_from_is_flagged_silent():
    now = [1000.0]
    fleet = Fleet(clock=lambda: now[0])
    screen = await fleet.connect("jpo", "library")
    assert (await fleet.of("jpo"))[0]["state"] == "online"
    now[0] += SILENT_AFTER + 1
    assert (await fleet.of("jpo"))[0]["state"] == "silent"
    await fleet.heard(screen, {"type": "hello"})
    assert (await fleet.of("jpo"))[0]["state"] == "online"


async def test_unnamed_screens_are_counted_while_connected_only():
    fleet = Fleet()
    screen = await fleet.connect("jpo", None)
    assert (await fleet.of("jpo"))[0]["screen"].startswith("unnamed-")
    await fleet.disconnect(screen)
    assert await fleet.of("jpo") == []
