"""An attendee's phone follows its own posts (GET …/submissions/mine) on a real port: waiting,
on the wall with the organisers' answer, declined or taken down; only its own posts, and
never a moderator's name or note."""

from __future__ import annotations

import json

from tests.client import Client
from tests.live import LiveServer, test_event
from tests.uploads import Attendee, phone_photo

PASSWORD = "correct horse battery"
MINE = "/api/events/jpo/submissions/mine"


def phone(live: LiveServer) -> Attendee:
    attendee = Attendee(live.url)
    assert attendee.open_page().status == 200
    return attendee


def moderator(live: LiveServer, name: str = "claire") -> Client:
    live.add_user(name, PASSWORD, "moderator")
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def mine(attendee: Attendee) -> list[dict[str, object]]:
    reply = attendee.get(MINE)
    assert reply.status == 200, reply.body
    assert reply.headers.get("cache-control") == "no-store"
    posts: list[dict[str, object]] = reply.json()["posts"]
    return posts


def test_a_phone_follows_its_post_from_the_queue_to_the_wall_with_its_answer(live):
    attendee = phone(live)
    sent = attendee.send("Où est l’amphi B ?", name="Inès", photo=phone_photo())
    assert sent.status == 201
    post_id = sent.json()["id"]
    [waiting] = mine(attendee)
    assert waiting["id"] == post_id
    assert (waiting["where"], waiting["text"], waiting["name"]) == (
        "waiting",
        "Où est l’amphi B ?",
        "Inès",
    )
    assert waiting["photo"] is True and "picture" not in waiting  # not served until shown

    claire = moderator(live)
    assert claire.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    [shown] = mine(attendee)
    assert shown["where"] == "shown"
    picture = str(shown["picture"])
    assert picture.startswith("/media/") and attendee.get(picture).status == 200
    assert "answer" not in shown

    answer = {"text": "Au bout du couloir, à gauche !", "replaces": None}
    assert claire.request("PUT", f"/api/events/jpo/posts/{post_id}/reply", answer).status == 200
    [answered] = mine(attendee)
    assert answered["answer"] == "Au bout du couloir, à gauche !"
    assert "claire" not in json.dumps(answered)  # who answered stays on the desk

    assert claire.post(f"/api/events/jpo/posts/{post_id}/remove").status == 200
    [removed] = mine(attendee)
    assert removed["where"] == "removed"
    assert "picture" not in removed and "answer" not in removed


def test_a_declined_post_says_so_without_the_moderators_name_or_note(live):
    attendee = phone(live)
    post_id = attendee.send("Un message").json()["id"]
    claire = moderator(live)
    reply = claire.post(f"/api/events/jpo/posts/{post_id}/reject", {"reason": "hors sujet"})
    assert reply.status == 200
    [declined] = mine(attendee)
    assert declined["where"] == "declined"
    assert declined["why"] == {"code": "not_accepted"}
    body = json.dumps(declined)
    assert "claire" not in body and "hors sujet" not in body


def test_a_post_the_rules_refuse_is_told_with_the_words_they_matched(tmp_path):
    event = test_event(blocked_words=("arnaque",))
    live = LiveServer(tmp_path / "data", events=[event]).start()
    try:
        attendee = phone(live)
        assert attendee.send("Quelle arnaque").status == 201
        [declined] = mine(attendee)
        assert declined["where"] == "declined"
        assert declined["why"] == {
            "code": "word",
            "params": {"written": "arnaque", "word": "arnaque", "held": False, "phrase": False},
        }
    finally:
        live.stop()


def test_a_phone_sees_only_its_own_posts_newest_first(live):
    first, second = phone(live), phone(live)
    a1 = first.send("premier").json()["id"]
    a2 = first.send("deuxième").json()["id"]
    b1 = second.send("de l’autre téléphone").json()["id"]
    assert [p["id"] for p in mine(first)] == [a2, a1]
    assert [p["id"] for p in mine(second)] == [b1]


def test_without_the_pages_cookie_a_phone_is_told_to_reload(live):
    stranger = Attendee(live.url)  # never opened the page: no device cookie
    reply = stranger.get(MINE)
    assert reply.status == 403
    assert reply.json()["code"] == "device"
    forged = Attendee(live.url)  # an id without the server's signature: refused the same
    assert forged.get(MINE, headers={"Cookie": f"murmur_device={'0' * 32}"}).status == 403


def test_an_unknown_event_is_a_404(live):
    attendee = phone(live)
    assert attendee.get("/api/events/nope/submissions/mine").status == 404
