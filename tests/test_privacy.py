"""Privacy on a real port and the real SQLite file: erase one person everywhere (store, log,
media, every screen at once), download what Murmur holds about them, and the retention."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from PIL import Image
from websockets.sync.client import connect

from moderation import LinkCard, Status
from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer, test_event
from tests.uploads import Attendee
from wall.privacy import apply_retention
from wall.settings import PrivacySettings

PASSWORD = "correct horse battery"
SECRET_WORDS = "Zygomorphe-Quetzal sentence"


@pytest.fixture
def two_events(tmp_path: Path):
    live = LiveServer(tmp_path / "data", events=[test_event("jpo"), test_event("two")]).start()
    live.add_user("olga", PASSWORD, "organiser")
    live.add_user("bob", PASSWORD, "moderator")
    try:
        yield live
    finally:
        live.stop()


def login(live: LiveServer, name: str) -> Client:
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def picture(live: LiveServer, colour: str):
    data = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(data, "PNG")
    return live.call(lambda: live.hub.media.put_image(data.getvalue()))


def recv(ws) -> dict:
    """The next message about posts (who is at the desk, and claims, are not)."""
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] not in {"presence", "claims"}:
            return message


def files_hold(data_dir: Path, needle: str) -> list[str]:
    """The store's files (database, write-ahead log) that still hold ``needle``'s bytes."""
    raw = needle.encode()
    return [p.name for p in data_dir.glob("murmur.sqlite3*") if raw in p.read_bytes()]


def test_erasing_a_person_takes_them_off_every_screen_event_file_and_picture(two_events):
    live = two_events
    mine, shared = picture(live, "red"), picture(live, "blue")
    ines = dict(handle="ines@campus.example", network="mastodon")
    shown = live.ingest("jpo", make_post(SECRET_WORDS, media=(mine, shared), **ines))
    waiting = live.ingest("two", make_post(f"{SECRET_WORDS} encore", **ines))
    other = live.ingest(
        "jpo",
        make_post("Un autre message", media=(shared,), network="mastodon", handle="lea@ex.org"),
    )
    bob, olga = login(live, "bob"), login(live, "olga")
    for post_id in (shown, other):
        assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    assert bob.post(f"/api/events/jpo/posts/{shown}/pin").status == 200
    media_dir = live.settings.data_dir / "media"
    assert files_hold(live.settings.data_dir, SECRET_WORDS) != []  # the check reads the files
    assert (media_dir / mine.url.removeprefix("/media/")).exists()

    with (
        connect(f"{live.ws_url}/ws/wall/jpo") as screen,
        connect(
            f"{live.ws_url}/ws/moderate/two", additional_headers={"Cookie": bob.cookie_header()}
        ) as desk,
    ):
        assert {p["id"] for p in recv(screen)["posts"]} == {shown, other}
        assert recv(desk)["type"] == "snapshot"
        person = {"network": "mastodon", "handle": "@INES@campus.example"}
        reply = olga.post("/api/privacy/erase", person)
        assert reply.status == 200, reply.body
        # Every screen and desk drops the posts in the same broadcast.
        removed = recv(screen)
        assert (removed["type"], removed["id"]) == ("post.removed", shown)
        assert SECRET_WORDS not in json.dumps(removed)
        dropped = recv(desk)
        assert (dropped["type"], dropped["id"], dropped["erased"]) == (
            "post.removed",
            waiting,
            True,
        )

    receipt = reply.json()
    assert sorted(p["id"] for p in receipt["posts"]) == sorted([shown, waiting])
    assert {p["event"] for p in receipt["posts"]} == {"jpo", "two"}
    assert receipt["by"] == "olga" and receipt["pictures"] == 1
    assert receipt["log_entries"] >= 4  # queued, approved, pinned, queued in "two"

    # Gone from the store, the log (even for a page resuming from the start) and the files.
    assert live.call(lambda: live.hub.store.get_post("jpo", shown)) is None
    assert live.call(lambda: live.hub.store.get_post("two", waiting)) is None
    for slug in ("jpo", "two"):
        entries = live.call(lambda s=slug: live.hub.store.log_since(s, 0, "moderate")) or []
        assert all(SECRET_WORDS not in e.text for e in entries)
        audit = olga.get(f"/api/events/{slug}/audit").json()["entries"]
        assert all(SECRET_WORDS not in json.dumps(e) and "ines" not in json.dumps(e) for e in audit)
        assert audit[-1]["action"] == "erase" and audit[-1]["actor"] == "olga"
    assert files_hold(live.settings.data_dir, SECRET_WORDS) == []
    # Its own picture is deleted; the one another post still uses stays.
    assert not (media_dir / mine.url.removeprefix("/media/")).exists()
    assert (media_dir / shared.url.removeprefix("/media/")).exists()
    assert Client(live.url).get(mine.url).status == 404
    # Others' posts are untouched.
    assert live.call(lambda: live.hub.store.get_post("jpo", other)) is not None


def test_a_phone_is_erased_by_one_of_its_posts_and_only_that_phone(two_events):
    live = two_events
    phone, neighbour = Attendee(live.url), Attendee(live.url)
    for device in (phone, neighbour):
        assert device.open_page().status == 200
    first = phone.send(f"{SECRET_WORDS} un").json()["id"]
    phone.send(f"{SECRET_WORDS} deux")
    kept = neighbour.send("Le voisin").json()["id"]
    olga = login(live, "olga")
    reply = olga.post("/api/privacy/erase", {"event": "jpo", "post": first})
    assert reply.status == 200
    assert len(reply.json()["posts"]) == 2
    assert phone.get("/api/events/jpo/submissions/mine").json()["posts"] == []
    assert [p["id"] for p in neighbour.get("/api/events/jpo/submissions/mine").json()["posts"]] == [
        kept
    ]
    assert files_hold(live.settings.data_dir, SECRET_WORDS) == []


def test_an_access_request_gets_every_post_and_block_as_a_file(two_events):
    live = two_events
    ines = dict(handle="ines@campus.example", network="mastodon")
    a = live.ingest("jpo", make_post("premier", **ines))
    b = live.ingest("two", make_post("second", **ines))
    live.ingest("jpo", make_post("quelqu'un d'autre", network="mastodon", handle="lea@ex.org"))
    bob, olga = login(live, "bob"), login(live, "olga")
    assert bob.post(f"/api/events/jpo/posts/{a}/block-author", {"why": "spam"}).status == 200
    reply = olga.get("/api/privacy/person?network=mastodon&handle=ines@campus.example")
    assert reply.status == 200
    assert "attachment" in reply.headers["content-disposition"]
    data = reply.json()
    assert sorted(p["id"] for p in data["posts"]) == sorted([a, b])
    assert [(x["event"], x["handle"], x["why"]) for x in data["blocks"]] == [
        ("jpo", "ines@campus.example", "spam")
    ]
    # Erasing keeps the block (the event's protection) and says so.
    receipt = olga.post(
        "/api/privacy/erase", {"network": "mastodon", "handle": "ines@campus.example"}
    ).json()
    assert receipt["kept"] and "author block" in receipt["kept"][0]


def test_only_organisers_handle_privacy_and_a_person_must_be_named(two_events):
    live = two_events
    bob, olga = login(live, "bob"), login(live, "olga")
    assert bob.post("/api/privacy/erase", {"network": "x", "handle": "y"}).status == 403
    assert bob.get("/api/privacy/person?network=x&handle=y").status == 403
    assert Client(live.url).get("/api/privacy/person?network=x&handle=y").status == 401
    missing = olga.post("/api/privacy/erase", {"network": "mastodon"})
    assert missing.status == 400 and missing.json()["code"] == "no_person"
    assert (
        olga.post("/api/privacy/erase", {"event": "jpo", "post": 999}).json()["code"] == "no_post"
    )
    assert olga.post("/api/privacy/erase", {"handle": "x", "oops": 1}).status == 400


def test_the_retention_erases_an_events_posts_n_days_after_they_came_in(tmp_path):
    kept = msgspec.structs.replace(test_event("two"))
    short = msgspec.structs.replace(test_event("jpo"), privacy=PrivacySettings(retention_days=2))
    live = LiveServer(tmp_path / "data", events=[short, kept]).start()
    try:
        old = live.ingest("jpo", make_post(SECRET_WORDS))
        live.ingest("two", make_post("gardé"))
        now = datetime.now(UTC)
        assert live.call(lambda: apply_retention(live.hub, now + timedelta(days=1))) == []
        receipts = live.call(lambda: apply_retention(live.hub, now + timedelta(days=3)))
        assert [[p.id for p in r.posts] for r in receipts] == [[old]]
        assert receipts[0].by == "retention"
        assert files_hold(live.settings.data_dir, SECRET_WORDS) == []
        _, left = live.call(lambda: live.hub.store.posts("two", Status.PENDING))
        assert [p.text for p in left] == ["gardé"]
    finally:
        live.stop()


def test_erasing_a_person_deletes_their_link_cards_picture_too(two_events):
    live = two_events
    card = picture(live, "green")
    link = LinkCard(url="https://www.univ.example/jpo", title="Programme", image=card)
    post = make_post("Le programme", network="mastodon", handle="ines@campus.example")
    live.ingest("jpo", msgspec.structs.replace(post, link=link))
    media_dir = live.settings.data_dir / "media"
    assert (media_dir / card.url.removeprefix("/media/")).exists()

    person = {"network": "mastodon", "handle": "ines@campus.example"}
    reply = login(live, "olga").post("/api/privacy/erase", person)

    assert reply.status == 200, reply.body
    assert reply.json()["pictures"] == 1
    assert not (media_dir / card.url.removeprefix("/media/")).exists()
