"""Each audience gets a view made for it (issue 9, findings 3 and 4; DESIGN.md promise 10).

Screens and every anonymous client receive what a screen shows and nothing more: no
moderator's name or note, no rule, no removed or hidden content, not even when replaying
history from ``?since=0``; a hidden or removed picture is not served to them. The tests
search the raw JSON for secret strings, so a new leaky field fails them too, and compare
the keys of a screen's post with what the wall draws, so a new field is a decision.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from starlette.routing import Route
from websockets.sync.client import connect

from moderation import Author, Emoji, LinkCard, Media
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer
from tests.uploads import Attendee, phone_photo
from wall.screen_view import NOT_ACCEPTED
from wall.views import WALL, LogEntry

PASSWORD = "correct horse battery"
MODERATOR = "zoe-the-moderator"
ORGANISER = "olga-the-organiser"
REASON = "private-note-about-this-author"
REMOVED_TEXT = "removed-text-that-must-never-be-replayed"
PROFILE = "https://social.example/@kept-author-profile"

# What the wall draws of a post (wall/static/wall/cards.js, conversation.js): nothing more.
SCREEN_POST = {
    "id",
    "network",
    "author",
    "text",
    "media",
    "language",
    "content_warning",
    "created_at",
    "pinned",
    "reply",
    "emoji",
}
SCREEN_AUTHOR = {"name", "handle", "avatar_url"}
SCREEN_REPLY = {"text"}
MODERATION_KEYS = ('"reason"', '"decided_by"', '"decided_at"', '"rule"', '"by"', '"set_by"')


@pytest.fixture
def live(tmp_path):
    server = LiveServer(tmp_path / "data").start()
    server.add_user(MODERATOR, PASSWORD)
    server.add_user(ORGANISER, PASSWORD, "organiser")
    yield server
    server.stop()


def _picture(live: LiveServer, size: tuple[int, int] = (800, 600)) -> Media:
    return live.call(lambda: live.hub.media.put_image(phone_photo(size), alt="a view"))


def _stem(media: Media) -> str:
    """The picture's name without ``.webp``: matches its smaller copies too."""
    return media.url.removesuffix(".webp")


def _moderator(live: LiveServer) -> Client:
    mod = Client(live.url)
    assert mod.login(MODERATOR, PASSWORD).status == 200
    return mod


def _scene(live: LiveServer) -> dict[str, Any]:
    """A shown post approved with a private reason by a named moderator, answered,
    spotlit, then its picture hidden; another shown post with its own picture, removed."""
    mod = _moderator(live)
    hidden_pic, removed_pic = _picture(live), _picture(live, (640, 480))
    assert hidden_pic.url != removed_pic.url
    author = Author(
        name="Inès", handle="ines@campus.example", profile_url=PROFILE, bot=True,
        created_at=datetime(2019, 5, 4, tzinfo=UTC),
    )  # fmt: skip
    kept_post = make_post("kept on the wall #JPO2026", media=(hidden_pic,))
    kept = live.ingest("jpo", msgspec.structs.replace(kept_post, author=author))
    gone = live.ingest("jpo", make_post(REMOVED_TEXT, media=(removed_pic,)))
    base = "/api/events/jpo/posts"
    assert mod.post(f"{base}/{kept}/approve", {"reason": REASON}).status == 200
    assert mod.post(f"{base}/{gone}/approve", {"reason": REASON}).status == 200
    reply = mod.request("PUT", f"{base}/{kept}/reply", {"text": "Bienvenue !", "replaces": None})
    assert reply.status == 200
    assert mod.post(f"{base}/{kept}/spotlight", {"seconds": 600, "reason": REASON}).status == 200
    assert mod.post(f"{base}/{kept}/hide-media", {"reason": REASON}).status == 200
    assert mod.post(f"{base}/{gone}/remove", {"reason": REASON}).status == 200
    return {"mod": mod, "kept": kept, "hidden": _stem(hidden_pic), "removed": _stem(removed_pic)}


def _no_secrets(text: str, *also: str, keys: tuple[str, ...] = MODERATION_KEYS) -> None:
    for secret in (MODERATOR, REASON, PROFILE, *also):
        assert secret not in text, f"{secret!r} reached an anonymous client: {text}"
    for key in keys:
        assert key not in text, f"{key} reached an anonymous client: {text}"


def _taken_down(scene: dict[str, Any]) -> tuple[str, ...]:
    return (REMOVED_TEXT, scene["hidden"], scene["removed"])


def _assert_screen_post(post: dict[str, Any]) -> None:
    assert set(post) == SCREEN_POST
    assert set(post["author"]) == SCREEN_AUTHOR
    assert post["reply"] is None or set(post["reply"]) == SCREEN_REPLY


def _replay(live: LiveServer, path: str, **kw: Any) -> list[str]:
    """Every frame of a socket opened with ``?since=0``, up to the server's head."""
    head = live.call(live.hub.store.head)
    frames = []
    with connect(f"{live.ws_url}{path}?since=0", **kw) as ws:
        while not frames or json.loads(frames[-1]).get("seq", 0) < head:
            frames.append(ws.recv(timeout=10))
    return frames


def test_a_screens_snapshot_carries_no_moderation_data_nor_hidden_content(live):
    scene = _scene(live)
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = ws.recv(timeout=10)
    _no_secrets(snapshot, *_taken_down(scene))
    message = json.loads(snapshot)
    posts = message["posts"]
    assert [p["text"] for p in posts] == ["kept on the wall #JPO2026"]
    assert posts[0]["reply"]["text"] == "Bienvenue !" and posts[0]["media"] == []
    assert message["spotlight"]["id"] == scene["kept"]
    assert message["spotlight"]["post"]["media"] == []
    for post in (*posts, message["spotlight"]["post"]):
        _assert_screen_post(post)


def test_a_screen_replaying_from_zero_gets_the_absence_of_removed_content(live):
    scene = _scene(live)
    frames = _replay(live, "/ws/wall/jpo")
    # The spotlight began before the picture was hidden: replayed, it shows the post as
    # it is now, without the picture.
    _no_secrets("\n".join(frames), *_taken_down(scene))
    messages = [json.loads(f) for f in frames]
    removed = [m["id"] for m in messages if m["type"] == "post.removed"]
    shown = [m["post"]["id"] for m in messages if m["type"] in {"post.approved", "post.updated"}]
    assert len(removed) == 1 and shown == [scene["kept"]]  # each post once, its latest state
    for m in messages:
        for post in (m.get("post"),):
            if post:
                _assert_screen_post(post)


def test_live_updates_to_screens_carry_no_moderation_data(live):
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        ws.recv(timeout=10)
        scene = _scene(live)
        frames = [ws.recv(timeout=10) for _ in range(6)]
    # approve, approve, reply, spotlight, hide, remove: the removed post and the picture
    # were legitimately on the screens until taken down, never after.
    _no_secrets("\n".join(frames))
    _no_secrets("\n".join(frames[4:]), *_taken_down(scene))
    assert [json.loads(f)["type"] for f in frames[3:]] == [
        "spotlight",
        "post.updated",
        "post.removed",
    ]
    for frame in frames:
        post = json.loads(frame).get("post")
        if post:
            _assert_screen_post(post)


def test_moderators_still_get_their_full_view_live_and_replayed(live):
    mod = _moderator(live)
    desk = {"additional_headers": {"Cookie": mod.cookie_header()}, "origin": live.url}
    with connect(f"{live.ws_url}/ws/moderate/jpo", **desk) as ws:
        ws.recv(timeout=10)  # the snapshot
        scene = _scene(live)
        head = live.call(live.hub.store.head)
        live_frames: list[str] = []
        while not live_frames or json.loads(live_frames[-1]).get("seq", 0) < head:
            live_frames.append(ws.recv(timeout=10))
    replayed = _replay(live, "/ws/moderate/jpo", **desk)
    for frames in (live_frames, replayed):
        text = "\n".join(frames)
        for secret in (REASON, MODERATOR, REMOVED_TEXT, PROFILE, *_taken_down(scene)[1:]):
            assert secret in text


def test_an_entry_without_a_screen_view_reaches_no_screen():
    # Fail closed: a message written for everyone but with no screen view sends nothing.
    entry = LogEntry(seq=1, event="jpo", audience=WALL, text='{"type":"x","by":"zoe"}')
    assert entry.text_for(WALL) is None


# ---------------------------------------------------------------- pictures


def test_hidden_and_removed_pictures_are_not_served_to_anonymous_clients(live):
    scene = _scene(live)
    anonymous, mod = Client(live.url), scene["mod"]
    for stem in (scene["hidden"], scene["removed"]):
        for rendition in (f"{stem}.webp", f"{stem}-480.webp"):  # the smaller copy too
            assert anonymous.get(rendition).status == 404
            assert mod.get(rendition).status == 200  # the desk still shows what it moderates


def test_a_picture_taken_down_is_refused_at_once_even_just_after_screens_fetched_it(live):
    mod = _moderator(live)
    anonymous = Client(live.url)
    hidden, removed = _picture(live), _picture(live, (320, 240))
    for picture, action in ((hidden, "hide-media"), (removed, "remove")):
        post_id = live.ingest("jpo", make_post("with a view", media=(picture,)))
        assert anonymous.get(picture.url).status == 404  # waiting: not shown yet
        assert mod.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        assert anonymous.get(picture.url).status == 200  # shown: every screen fetches it
        assert mod.post(f"/api/events/jpo/posts/{post_id}/{action}").status == 200
        assert anonymous.get(picture.url).status == 404
        assert mod.get(picture.url).status == 200


def test_a_shown_posts_avatar_and_emoji_stay_public_when_its_pictures_are_hidden(live):
    # Refusing too much would blank the wall: only the hidden pictures go.
    mod, anonymous = _moderator(live), Client(live.url)
    face, blobcat, photo = _picture(live, (96, 96)), _picture(live, (64, 64)), _picture(live)
    post = msgspec.structs.replace(
        make_post("hello :blobcat:", media=(photo,)),
        author=Author(name="Inès", handle="ines@campus.example", avatar_url=face.url),
        emoji=(Emoji(shortcode="blobcat", url=blobcat.url),),
    )
    post_id = live.ingest("jpo", post)
    base = f"/api/events/jpo/posts/{post_id}"

    def public() -> list[int]:
        return [anonymous.get(p.url).status for p in (face, blobcat, photo)]

    assert public() == [404, 404, 404]  # waiting: nothing of it is public yet
    assert mod.post(f"{base}/approve").status == 200
    assert public() == [200, 200, 200]
    assert mod.post(f"{base}/hide-media").status == 200
    assert public() == [200, 200, 404]
    assert mod.post(f"{base}/remove").status == 200
    assert public() == [404, 404, 404]


def test_a_link_cards_picture_is_hidden_like_a_photo_even_on_a_post_without_one(live):
    # The desk's "hide picture" applies to a post whose only picture is its link card's:
    # screens lose it, anonymous clients are refused it, the desk still has it.
    mod, anonymous = _moderator(live), Client(live.url)
    card = _picture(live, (600, 315))
    link = LinkCard(url="https://www.univ.example/jpo", title="Programme", image=card)
    post_id = live.ingest("jpo", msgspec.structs.replace(make_post("À lire"), link=link))
    base = f"/api/events/jpo/posts/{post_id}"
    assert mod.post(f"{base}/approve").status == 200
    assert anonymous.get(card.url).status == 200

    assert mod.post(f"{base}/hide-media").status == 200

    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = ws.recv(timeout=10)
    _no_secrets(snapshot, _stem(card))
    shown = json.loads(snapshot)["posts"][0]
    assert shown["link"]["title"] == "Programme" and shown["link"]["image"] is None
    assert anonymous.get(card.url).status == 404
    assert mod.get(card.url).status == 200
    assert mod.post(f"{base}/show-media").status == 200
    assert anonymous.get(card.url).status == 200


def test_an_announcements_picture_is_public_and_a_picture_of_nothing_is_not(live):
    organiser = Client(live.url)
    assert organiser.login(ORGANISER, PASSWORD).status == 200
    upload = organiser.request(
        "POST",
        "/api/events/jpo/media",
        raw=phone_photo((200, 100)),
        headers={"Content-Type": "image/jpeg"},
    )
    assert upload.status == 201
    url = upload.json()["url"]
    anonymous = Client(live.url)
    assert anonymous.get(url).status == 404  # uploaded, not announced yet
    slide = {"announcements": [{"text": "Next talk at 14:00", "image": url}]}
    assert organiser.request("PUT", "/api/events/jpo/display", slide).status == 200
    assert anonymous.get(url).status == 200
    assert anonymous.get(_picture(live).url).status == 404  # no post, no slide uses it


# ---------------------------------------------------------------- other anonymous answers


def test_the_anonymous_api_carries_no_moderation_data(live):
    scene = _scene(live)
    anonymous = Client(live.url)
    for path in (
        "/api/events",
        "/api/events/jpo",
        "/api/events/jpo/display",
        "/api/events/jpo/submissions",
    ):
        reply = anonymous.get(path)
        assert reply.status == 200, path
        _no_secrets(reply.body.decode(), *_taken_down(scene))
    for path in ("/api/events/jpo/posts?status=approved", "/api/events/jpo/audit"):
        assert anonymous.get(path).status == 401, path


def _get_routes(app: Any) -> list[str]:
    """Every GET route of the app, its path parameters filled in (mounted static files
    are the package's own pages, scripts and themes)."""
    return sorted(
        {r.path for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or ())}
    )


def test_no_anonymous_get_route_answers_with_moderation_data_or_taken_down_content(live):
    # Every route, not a list: a route added later is searched too.
    scene = _scene(live)
    anonymous = Client(live.url)
    picture = scene["hidden"].rsplit("/", 1)[-1]
    organiser = Client(live.url)
    assert organiser.login(ORGANISER, PASSWORD).status == 200
    token = organiser.post("/api/invites", {}).json()["token"]  # a live invitation's offer
    fill = {
        "{event}": "jpo",
        "{id}": str(scene["kept"]),
        "{name}": f"{picture}.webp",
        "{token}": token,
    }
    paths = []
    for route in _get_routes(live.app):
        path = route.replace("{rest:path}", "posts/1")
        for name, value in fill.items():
            path = path.replace(name, value)
        assert "{" not in path, f"a path parameter this test does not fill: {route}"
        paths.append(path)
        reply = anonymous.get(path)
        assert reply.status < 500, path
        _no_secrets(reply.body.decode(errors="replace"), *_taken_down(scene), keys=())
        if path.startswith("/media/"):
            assert reply.status == 404
    assert {"/api/events/jpo", "/api/events/jpo/posts", "/qr/jpo.svg"} <= set(paths)
    assert f"/api/join/{token}" in paths


def test_an_attendee_blocked_from_a_card_is_not_told_who_blocked_them_nor_why(live):
    phone = Attendee(live.url)
    assert phone.open_page().status == 200
    assert phone.send("Premier message").status == 201
    mod = _moderator(live)
    queued = mod.get("/api/events/jpo/posts?status=pending").json()["posts"]
    blocked = mod.post(f"/api/events/jpo/posts/{queued[0]['id']}/block-author", {"why": REASON})
    assert blocked.status == 200
    reply = phone.send("Deuxième message")
    assert reply.status == 201
    # Told it was turned down, in a sentence of its own: not by whom, nor their note.
    assert reply.json() == {
        "status": "rejected",
        "reason": NOT_ACCEPTED,
        "why": {"code": "not_accepted"},
        "id": reply.json()["id"],
    }
    _no_secrets(reply.body.decode(), keys=())
