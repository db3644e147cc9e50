"""Each audience gets a view made for it (issue 9, findings 3 and 4; DESIGN.md promise 10).

Screens and every anonymous client receive what a screen shows and nothing more: no
moderator's name or note, no rule, no removed or hidden content, not even when replaying
history from ``?since=0``; a hidden or removed picture is not served to them. The tests
search the raw JSON for secret strings, so a new leaky field fails them too.
"""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from moderation import Media
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer
from tests.uploads import phone_photo

PASSWORD = "correct horse battery"
MODERATOR = "zoe-the-moderator"
REASON = "private-note-about-this-author"
REMOVED_TEXT = "removed-text-that-must-never-be-replayed"


@pytest.fixture
def live(tmp_path):
    server = LiveServer(tmp_path / "data").start()
    server.add_user(MODERATOR, PASSWORD)
    yield server
    server.stop()


def _picture(live: LiveServer, size: tuple[int, int] = (400, 300)) -> Media:
    return live.call(lambda: live.hub.media.put_image(phone_photo(size), alt="a view"))


def _frames(ws, count: int) -> list[str]:
    return [ws.recv(timeout=10) for _ in range(count)]


def _scene(live: LiveServer) -> dict[str, object]:
    """A shown post answered by a named moderator with a private reason and a hidden
    picture; another shown post with its own picture, then removed."""
    mod = Client(live.url)
    assert mod.login(MODERATOR, PASSWORD).status == 200
    hidden_pic, removed_pic = _picture(live), _picture(live, (320, 240))
    assert hidden_pic.url != removed_pic.url
    kept = live.ingest("jpo", make_post("kept on the wall #JPO2026", media=(hidden_pic,)))
    gone = live.ingest("jpo", make_post(REMOVED_TEXT, media=(removed_pic,)))
    base = "/api/events/jpo/posts"
    assert mod.post(f"{base}/{kept}/approve", {"reason": REASON}).status == 200
    assert mod.post(f"{base}/{gone}/approve", {"reason": REASON}).status == 200
    reply = mod.request("PUT", f"{base}/{kept}/reply", {"text": "Bienvenue !", "replaces": None})
    assert reply.status == 200
    assert mod.post(f"{base}/{kept}/hide-media").status == 200
    assert mod.post(f"{base}/{gone}/remove", {"reason": REASON}).status == 200
    return {"mod": mod, "hidden": hidden_pic.url, "removed": removed_pic.url}


def _no_secrets(text: str, scene: dict[str, object], *, live: bool = False) -> None:
    # Live, a post shown then removed was legitimately on screens in between.
    shown_then = () if live else (REMOVED_TEXT, scene["hidden"], scene["removed"])
    for secret in (MODERATOR, REASON, *shown_then):
        assert str(secret) not in text, f"{secret!r} reached an anonymous client: {text}"
    for key in ('"reason"', '"decided_by"', '"rule"', '"by"', '"decided_at"'):
        assert key not in text, f"{key} reached an anonymous client: {text}"


def test_a_screens_snapshot_carries_no_moderation_data_nor_hidden_content(live):
    scene = _scene(live)
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = ws.recv(timeout=10)
    _no_secrets(snapshot, scene)
    posts = json.loads(snapshot)["posts"]
    assert [p["text"] for p in posts] == ["kept on the wall #JPO2026"]
    assert posts[0]["reply"]["text"] == "Bienvenue !" and posts[0]["media"] == []


def test_a_screen_replaying_from_zero_gets_the_absence_of_removed_content(live):
    scene = _scene(live)
    with connect(f"{live.ws_url}/ws/wall/jpo?since=0") as ws:
        frames = []
        while True:
            frames.append(ws.recv(timeout=10))
            if json.loads(frames[-1])["seq"] >= live.call(live.hub.store.head):
                break
    replay = "\n".join(frames)
    _no_secrets(replay, scene)
    types = [json.loads(f)["type"] for f in frames]
    assert "post.removed" in types


def test_live_updates_to_screens_carry_no_moderation_data(live):
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        ws.recv(timeout=10)
        scene = _scene(live)
        frames = _frames(ws, 5)  # approve, approve, reply, hide, remove
    _no_secrets("\n".join(frames), scene, live=True)
    hidden = json.loads(frames[3])
    assert hidden["post"]["media"] == [] and scene["hidden"] not in frames[3]


def test_moderators_still_get_their_full_view(live):
    scene = _scene(live)
    mod = scene["mod"]
    assert isinstance(mod, Client)
    from websockets.sync.client import connect as ws_connect

    with ws_connect(
        f"{live.ws_url}/ws/moderate/jpo?since=0",
        additional_headers={"Cookie": mod.cookie_header()},
        origin=live.url,
    ) as ws:
        frames = []
        while True:
            frames.append(ws.recv(timeout=10))
            if json.loads(frames[-1]).get("seq", 0) >= live.call(live.hub.store.head):
                break
    text = "\n".join(frames)
    assert REASON in text and MODERATOR in text and REMOVED_TEXT in text


def test_hidden_and_removed_pictures_are_not_served_to_anonymous_clients(live):
    scene = _scene(live)
    anonymous = Client(live.url)
    for url in (scene["hidden"], scene["removed"]):
        assert anonymous.get(str(url)).status == 404
        mod = scene["mod"]
        assert isinstance(mod, Client)
        assert mod.get(str(url)).status == 200  # the desk still shows what it moderates


def test_a_shown_picture_is_served_to_anonymous_clients(live):
    mod = Client(live.url)
    assert mod.login(MODERATOR, PASSWORD).status == 200
    picture = _picture(live)
    post_id = live.ingest("jpo", make_post("with a view", media=(picture,)))
    anonymous = Client(live.url)
    assert anonymous.get(picture.url).status == 404  # waiting: not shown yet
    assert mod.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    import time

    time.sleep(2.1)  # the server remembers a picture's visibility for two seconds
    assert anonymous.get(picture.url).status == 200


def test_a_since_made_of_unicode_digits_gets_a_snapshot_not_a_dropped_socket(live):
    for since in ("²", "٣", "１２", "9" * 30, "-1", "1e3"):
        with connect(f"{live.ws_url}/ws/wall/jpo?since={since}") as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
