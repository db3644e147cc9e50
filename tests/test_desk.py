"""The moderation desk on a real server: claims, presence, pin, spotlight, media, replies,
undo, bulk, author blocks and the audit, through the HTTP API and the websockets."""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.sync.client import connect

from moderation import Media
from tests.client import Client
from tests.factories import make_post
from wall.sql import Conn

PASSWORD = "correct horse"
PICTURE = Media(url="/media/" + "ab" * 16 + ".webp", alt="A lecture hall", width=4, height=3)


def recv(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return message


def recv_type(ws: Any, kind: str) -> dict[str, Any]:
    """The next message of type ``kind``, skipping others (claims and presence come and go)."""
    for _ in range(50):
        message = recv(ws)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


def logged(ws: Any) -> dict[str, Any]:
    """The next message with a seq: a logged change, not claims or presence."""
    for _ in range(50):
        message = recv(ws)
        if "seq" in message:
            return message
    raise AssertionError("no logged message")


def user(live: Any, name: str, role: str = "moderator") -> Client:
    live.add_user(name, PASSWORD, role)
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


@pytest.fixture
def alice(live):
    return user(live, "alice")


@pytest.fixture
def bob(live):
    return user(live, "bob")


@contextmanager
def desk_socket(live: Any, client: Client, since: int | None = None) -> Any:
    query = f"?since={since}" if since is not None else ""
    with connect(
        f"{live.ws_url}/ws/moderate/jpo{query}",
        additional_headers={"Cookie": client.cookie_header()},
    ) as ws:
        yield ws


@contextmanager
def wall_socket(live: Any, since: int | None = None) -> Any:
    query = f"?since={since}" if since is not None else ""
    with connect(f"{live.ws_url}/ws/wall/jpo{query}") as ws:
        yield ws


def approved(live: Any, client: Client, text: str = "on screen", **kw: Any) -> int:
    post_id = live.ingest("jpo", make_post(text, **kw))
    assert client.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id


def path(post_id: int, action: str) -> str:
    return f"/api/events/jpo/posts/{post_id}/{action}"


# ---------------------------------------------------------------- claims and presence


def test_a_claimed_card_refuses_another_moderators_action_and_names_who_holds_it(live, alice, bob):
    post_id = live.ingest("jpo", make_post("mine for now"))
    taken = alice.post(path(post_id, "claim"))
    assert taken.status == 200 and taken.json()["claim"]["by"] == "alice"

    refused = bob.post(path(post_id, "claim"))
    assert refused.status == 409 and refused.json()["claim"]["by"] == "alice"
    late = bob.post(path(post_id, "approve"))
    assert late.status == 409
    assert "alice is working on this post" in late.json()["error"]
    assert late.json()["post"]["status"] == "pending"

    # An explicit override goes through; the holder's own action always does.
    assert bob.post(path(post_id, "reject"), {"override": True}).status == 200


def test_taking_a_post_off_the_screens_is_never_held_up_by_a_claim(live, alice, bob):
    post_id = approved(live, alice, media=(PICTURE,))
    alice.post(path(post_id, "claim"))
    assert bob.post(path(post_id, "pin")).status == 409
    assert bob.post(path(post_id, "hide-media")).status == 200
    assert bob.post(path(post_id, "remove")).status == 200


def test_a_moderator_holds_one_card_at_a_time_and_acting_releases_it(live, alice, bob):
    first, second = (live.ingest("jpo", make_post(f"p{n}")) for n in range(2))
    alice.post(path(first, "claim"))
    alice.post(path(second, "claim"))
    state = bob.get("/api/events/jpo/desk").json()
    assert [(c["id"], c["by"]) for c in state["claims"]] == [(second, "alice")]
    assert alice.post(path(second, "approve")).status == 200
    assert bob.get("/api/events/jpo/desk").json()["claims"] == []
    assert state["undo_seconds"] == 10 and state["claim_seconds"] == 30


def test_claims_reach_every_moderator_live_and_lapse_after_their_time(live, alice, bob):
    clock = [datetime.now(UTC).timestamp()]
    live.hub.desk.claims.clock = lambda: clock[0]
    post_id = live.ingest("jpo", make_post("reserved"))
    with desk_socket(live, bob) as ws:
        assert recv(ws)["type"] == "snapshot"
        assert recv_type(ws, "claims")["claims"] == []
        alice.post(path(post_id, "claim"))
        message = recv_type(ws, "claims")
        assert "seq" not in message  # ephemeral: never logged, never replayed
        assert [(c["id"], c["by"]) for c in message["claims"]] == [(post_id, "alice")]

        clock[0] += 31  # past claim_seconds, without waiting

        async def sweep() -> None:
            await live.hub.desk.sweep()

        live.call(sweep)
        assert recv_type(ws, "claims")["claims"] == []
    assert bob.post(path(post_id, "claim")).status == 200


def test_presence_lists_who_has_the_desk_open(live, alice, bob):
    post_id = live.ingest("jpo", make_post("held by bob"))
    with desk_socket(live, alice) as mine:
        assert recv_type(mine, "presence")["moderators"] == [{"name": "alice", "role": "moderator"}]
        with desk_socket(live, bob) as theirs:
            names = [m["name"] for m in recv_type(mine, "presence")["moderators"]]
            assert names == ["alice", "bob"]
            assert [m["name"] for m in recv_type(theirs, "presence")["moderators"]] == names
            bob.post(path(post_id, "claim"))
            assert recv_type(mine, "claims")["claims"][0]["by"] == "bob"
        # Bob left: he is offline, and his reservation went with him.
        assert [m["name"] for m in recv_type(mine, "presence")["moderators"]] == ["alice"]
        assert recv_type(mine, "claims")["claims"] == []


def test_ephemeral_messages_are_not_replayed(live, alice):
    with desk_socket(live, alice) as ws:
        seq = recv(ws)["seq"]
    post_id = live.ingest("jpo", make_post("after"))
    alice.post(path(post_id, "claim"))
    with desk_socket(live, alice, since=seq) as ws:
        first = recv(ws)
        assert first["type"] == "post.queued" and first["post"]["id"] == post_id


# ---------------------------------------------------------------- pin, spotlight, media, reply


def test_pin_spotlight_hide_media_and_reply_reach_screens_and_moderators(live, alice):
    post_id = approved(live, alice, "answer me", media=(PICTURE,))
    with wall_socket(live) as wall, desk_socket(live, alice) as desk:
        recv(wall)
        recv(desk)

        assert alice.post(path(post_id, "pin")).status == 200
        for ws in (wall, desk):
            message = logged(ws)
            assert message["type"] == "post.updated" and message["post"]["pinned"] is True

        assert alice.post(path(post_id, "hide-media")).status == 200
        for ws in (wall, desk):
            message = logged(ws)
            assert message["post"]["text"] == "answer me"
            if ws is desk:  # moderators see the picture, and that it is hidden
                assert message["post"]["media_hidden"] is True and message["post"]["media"]
            else:  # screens get no picture at all (wall.screen_view)
                assert message["post"]["media"] == [] and "media_hidden" not in message["post"]

        reply = alice.request(
            "PUT", path(post_id, "reply"), {"text": "Rendez-vous à 14 h !", "replaces": None}
        )
        assert reply.status == 200
        for ws in (wall, desk):
            message = logged(ws)
            assert message["type"] == "post.updated"
            assert message["post"]["reply"]["text"] == "Rendez-vous à 14 h !"
            if ws is desk:  # the moderators' view only: no name on the screens
                assert message["post"]["reply"]["by"] == "alice"
            else:
                assert "by" not in message["post"]["reply"]

        shown = alice.post(path(post_id, "spotlight"), {"seconds": 20})
        assert shown.status == 200
        for ws in (wall, desk):
            message = logged(ws)
            assert message["type"] == "spotlight" and message["id"] == post_id
            assert message["post"]["reply"]["text"] == "Rendez-vous à 14 h !"
            until = datetime.fromisoformat(message["until"])
            assert timedelta(seconds=15) < until - datetime.now(UTC) <= timedelta(seconds=20)


def test_changes_to_a_post_not_on_screen_reach_moderators_only(live, alice):
    waiting = live.ingest("jpo", make_post("not yet", media=(PICTURE,)))
    with wall_socket(live) as wall, desk_socket(live, alice) as desk:
        recv(wall)
        recv(desk)
        alice.post(path(waiting, "hide-media"))
        alice.request("PUT", path(waiting, "reply"), {"text": "Merci", "replaces": None})
        assert logged(desk)["post"]["media_hidden"] is True
        assert logged(desk)["post"]["reply"]["text"] == "Merci"
        assert alice.post(path(waiting, "pin")).status == 409  # only what is on screen
        alice.post(path(waiting, "approve"))
        # The screen's next message is the approval, answer and hidden media included.
        message = recv(wall)
        assert message["type"] == "post.approved"
        assert message["post"]["reply"]["text"] == "Merci" and message["post"]["media"] == []


def test_a_screen_resuming_with_since_replays_pins_replies_and_spotlights(live, alice):
    post_id = approved(live, alice, "resume me")
    with wall_socket(live) as ws:
        seq = recv(ws)["seq"]
    alice.post(path(post_id, "pin"))
    alice.request("PUT", path(post_id, "reply"), {"text": "Oui", "replaces": None})
    alice.post(path(post_id, "spotlight"))
    with wall_socket(live, since=seq) as ws:
        missed = [recv(ws) for _ in range(2)]
    # The pin and the answer arrive as the post's latest state, once (superseded entries
    # are not replayed to screens), then the spotlight.
    assert [m["type"] for m in missed] == ["post.updated", "spotlight"]
    assert missed[0]["post"]["pinned"] and missed[0]["post"]["reply"]["text"] == "Oui"


def test_a_new_screen_starts_with_pinned_posts_first_and_the_current_spotlight(live, alice):
    pinned = approved(live, alice, "pinned early")
    alice.post(path(pinned, "pin"))
    later = [approved(live, alice, f"later {n}") for n in range(3)]
    alice.post(path(later[0], "spotlight"), {"seconds": 60})
    with wall_socket(live) as ws:
        snapshot = recv(ws)
    assert [p["id"] for p in snapshot["posts"]] == [pinned, *reversed(later)]
    assert snapshot["spotlight"]["id"] == later[0]
    assert snapshot["spotlight"]["post"]["text"] == "later 0"
    assert alice.request("DELETE", "/api/events/jpo/spotlight", {}).status == 200
    with wall_socket(live) as ws:
        assert recv(ws)["spotlight"] is None


def test_two_moderators_editing_one_answer_get_one_winner(live, alice, bob):
    post_id = approved(live, alice)
    first = alice.request("PUT", path(post_id, "reply"), {"text": "v1", "replaces": None})
    at = first.json()["post"]["reply"]["at"]
    assert bob.request("PUT", path(post_id, "reply"), {"text": "v2", "replaces": at}).status == 200
    stale = alice.request("PUT", path(post_id, "reply"), {"text": "v3", "replaces": at})
    assert stale.status == 409 and "changed the answer" in stale.json()["error"]
    assert stale.json()["post"]["reply"]["text"] == "v2"
    current = stale.json()["post"]["reply"]["at"]
    withdrawn = alice.request("DELETE", path(post_id, "reply"), {"replaces": current})
    assert withdrawn.status == 200 and withdrawn.json()["post"]["reply"] is None


def test_a_bad_answer_is_refused_with_the_field_named(live, alice):
    post_id = approved(live, alice)
    empty = alice.request("PUT", path(post_id, "reply"), {"text": "  ", "replaces": None})
    assert empty.status == 400 and empty.json()["field"] == "text"
    long = alice.request("PUT", path(post_id, "reply"), {"text": "x" * 501, "replaces": None})
    assert long.status == 400 and long.json()["field"] == "text"
    missing = alice.request("PUT", path(post_id, "reply"), {"text": "ok"})
    assert missing.status == 400 and missing.json()["field"] == "replaces"


# ---------------------------------------------------------------- undo


def backdate(live: Any, seconds: float) -> None:
    """Make every logged action ``seconds`` older, as if time had passed."""

    def write(db: Conn) -> None:
        for seq, at in db.execute("SELECT seq, created_at FROM log").fetchall():
            older = datetime.fromisoformat(at) - timedelta(seconds=seconds)
            db.execute("UPDATE log SET created_at = ? WHERE seq = ?", (older.isoformat(), seq))

    live.call(lambda: live.hub.store.transact(write))


def test_undo_within_the_window_takes_an_approval_back_off_every_screen(live, alice):
    post_id = live.ingest("jpo", make_post("oops"))
    with wall_socket(live) as wall, desk_socket(live, alice) as desk:
        recv(wall)
        recv(desk)
        alice.post(path(post_id, "approve"))
        assert recv(wall)["type"] == "post.approved"
        assert logged(desk)["type"] == "post.approved"
        undone = alice.post(path(post_id, "undo"))
        assert undone.status == 200 and undone.json()["post"]["status"] == "pending"
        removed = recv(wall)
        assert removed["type"] == "post.removed" and removed["id"] == post_id
        # Moderators see it leave the screens, then wait in the queue again.
        assert logged(desk)["type"] == "post.removed"
        queued = logged(desk)
        assert queued["type"] == "post.queued" and queued["post"]["decided_by"] is None
    again = alice.post(path(post_id, "undo"))
    assert again.status == 409 and "nothing to undo" in again.json()["error"]


def test_undo_restores_pins_replies_and_media(live, alice):
    post_id = approved(live, alice, media=(PICTURE,))
    alice.post(path(post_id, "pin"))
    assert alice.post(path(post_id, "undo")).json()["post"]["pinned"] is False
    alice.post(path(post_id, "hide-media"))
    assert alice.post(path(post_id, "undo")).json()["post"]["media_hidden"] is False
    alice.request("PUT", path(post_id, "reply"), {"text": "hi", "replaces": None})
    assert alice.post(path(post_id, "undo")).json()["post"]["reply"] is None


def test_undo_after_the_window_is_refused(live, alice):
    post_id = live.ingest("jpo", make_post("too late"))
    alice.post(path(post_id, "reject"))
    backdate(live, 11)
    late = alice.post(path(post_id, "undo"))
    assert late.status == 409
    assert "Too late to undo" in late.json()["error"] and "10 seconds" in late.json()["error"]
    assert late.json()["post"]["status"] == "rejected"


def test_only_ones_own_last_action_can_be_undone(live, alice, bob):
    post_id = approved(live, alice)
    bob.post(path(post_id, "pin"))
    refused = alice.post(path(post_id, "undo"))
    assert refused.status == 409 and "bob acted on this post after you" in refused.json()["error"]
    assert bob.post(path(post_id, "undo")).status == 200


def test_undo_of_a_spotlight_ends_it_on_every_screen(live, alice):
    post_id = approved(live, alice)
    with wall_socket(live) as wall:
        recv(wall)
        alice.post(path(post_id, "spotlight"))
        assert recv(wall)["id"] == post_id
        assert alice.post(path(post_id, "undo")).status == 200
        ended = recv(wall)
        assert ended["type"] == "spotlight" and ended["id"] is None


# ---------------------------------------------------------------- bulk


def test_bulk_approve_reports_each_post_with_the_conflict_among_them(live, alice, bob):
    ids = [live.ingest("jpo", make_post(f"bulk {n}")) for n in range(3)]
    bob.post(path(ids[1], "reject"))
    reply = alice.post(
        "/api/events/jpo/posts/bulk", {"action": "approve", "ids": [ids[0], ids[1], ids[2], 999]}
    )
    assert reply.status == 200
    results = reply.json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (ids[0], 200),
        (ids[1], 200),  # a rejected post can still be approved
        (ids[2], 200),
        (999, 404),
    ]
    again = alice.post("/api/events/jpo/posts/bulk", {"action": "reject", "ids": ids})
    statuses = [r["status"] for r in again.json()["results"]]
    assert statuses == [409, 409, 409]
    first = again.json()["results"][0]
    assert "already approved" in first["error"] and "(by alice)" in first["error"]
    assert first["post"]["status"] == "approved"


def test_bulk_skips_a_card_someone_else_holds(live, alice, bob):
    ids = [live.ingest("jpo", make_post(f"bulk {n}")) for n in range(2)]
    bob.post(path(ids[0], "claim"))
    results = alice.post("/api/events/jpo/posts/bulk", {"action": "approve", "ids": ids}).json()[
        "results"
    ]
    assert [r["status"] for r in results] == [409, 200]
    assert results[0]["claim"]["by"] == "bob"


def test_bulk_input_is_checked(live, alice):
    assert alice.post("/api/events/jpo/posts/bulk", {"action": "pin", "ids": [1]}).status == 400
    assert alice.post("/api/events/jpo/posts/bulk", {"action": "approve", "ids": []}).status == 400


# ---------------------------------------------------------------- author blocks


def test_blocking_an_author_rejects_their_queue_and_their_next_posts(live, alice):
    troll = {"handle": "troll@bad.example", "name": "Troll"}
    shown = approved(live, alice, "first, harmless", **troll)
    waiting = [live.ingest("jpo", make_post(f"spam {n}", **troll)) for n in range(2)]
    other = live.ingest("jpo", make_post("someone else"))
    blocked = alice.post(path(waiting[0], "block-author"), {"why": "spam"})
    assert blocked.status == 200
    body = blocked.json()
    assert body["block"]["handle"] == "troll@bad.example" and body["block"]["set_by"] == "alice"
    assert sorted(p["id"] for p in body["posts"]) == waiting
    assert all(p["status"] == "rejected" for p in body["posts"])
    # Without remove_shown, what is on screen stays; other authors are untouched.
    on_screen = alice.get("/api/events/jpo/posts?status=approved").json()["posts"]
    assert [p["id"] for p in on_screen] == [shown]
    pending = alice.get("/api/events/jpo/posts?status=pending").json()["posts"]
    assert [p["id"] for p in pending] == [other]

    later = live.call(lambda: live.hub.ingest("jpo", make_post("again", **troll)))
    assert later is not None and later.status == "rejected"
    assert "troll@bad.example" in later.reason and "alice" in later.reason

    again = alice.post(path(waiting[1], "block-author"))
    assert again.status == 409 and "already blocked" in again.json()["error"]
    blocks = alice.get("/api/events/jpo/blocks").json()["blocks"]
    assert [b["handle"] for b in blocks] == ["troll@bad.example"]
    assert alice.request("DELETE", f"/api/events/jpo/blocks/{blocks[0]['id']}", {}).status == 200
    lifted = live.call(lambda: live.hub.ingest("jpo", make_post("forgiven", **troll)))
    assert lifted is not None and lifted.status == "pending"


def test_blocking_an_author_can_take_their_shown_posts_off_every_screen(live, alice):
    troll = {"handle": "@Troll@bad.example"}
    shown = [approved(live, alice, f"shown {n}", **troll) for n in range(2)]
    card = live.ingest("jpo", make_post("the last straw", handle="troll@BAD.example"))
    with wall_socket(live) as wall:
        recv(wall)
        reply = alice.post(path(card, "block-author"), {"remove_shown": True})
        assert reply.status == 200
        removed = [recv(wall) for _ in range(2)]
    assert [(m["type"], m["id"]) for m in removed] == [("post.removed", i) for i in shown]
    assert alice.get("/api/events/jpo/posts?status=approved").json()["posts"] == []

    # Undo brings it all back, and lifts the block.
    undone = alice.post(path(card, "undo"))
    assert undone.status == 200
    assert sorted(p["id"] for p in undone.json()["posts"]) == [*shown, card]
    assert alice.get("/api/events/jpo/blocks").json()["blocks"] == []
    assert len(alice.get("/api/events/jpo/posts?status=approved").json()["posts"]) == 2


def test_moderators_see_author_blocks_live(live, alice):
    post_id = live.ingest("jpo", make_post("hm", handle="someone@x.example"))
    with desk_socket(live, alice) as desk:
        recv(desk)
        alice.post(path(post_id, "block-author"), {"why": "insults"})
        message = logged(desk)
        assert message["type"] == "author.blocked"
        assert message["rule"]["why"] == "insults" and message["rule"]["network"] == "test"
        assert logged(desk)["type"] == "post.rejected"


# ---------------------------------------------------------------- audit


def test_the_audit_says_who_did_what_when_and_why_to_organisers(live, alice):
    olga = user(live, "olga", "organiser")
    hostile = '=HYPERLINK("https://evil.example")'
    post_id = live.ingest("jpo", make_post(hostile))
    alice.post(path(post_id, "approve"), {"reason": "a fair question"})
    alice.post(path(post_id, "pin"))
    alice.post(path(post_id, "undo"))

    entries = olga.get("/api/events/jpo/audit").json()["entries"]
    assert [(e["actor"], e["action"]) for e in entries] == [
        (None, "hold"),
        ("alice", "approve"),
        ("alice", "pin"),
        ("alice", "undo"),
    ]
    assert entries[0]["reason"] == "pre-moderation: waiting for a moderator"
    assert entries[1]["reason"] == "a fair question"
    assert entries[1]["post_id"] == post_id and entries[1]["author"] == "ines@campus.example"
    assert datetime.fromisoformat(entries[1]["at"]) <= datetime.now(UTC)

    exported = olga.get("/api/events/jpo/audit?format=csv")
    assert exported.status == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.body.decode())))
    assert [r["action"] for r in rows] == ["hold", "approve", "pin", "undo"]
    assert rows[1]["actor"] == "alice" and rows[1]["reason"] == "a fair question"
    # Posted text never becomes a spreadsheet formula.
    assert rows[1]["text"] == "'" + hostile


def test_the_audit_is_for_organisers_only(live, alice):
    assert alice.get("/api/events/jpo/audit").status == 403
    assert alice.get("/api/events/jpo/audit?format=csv").status == 403
    assert Client(live.url).get("/api/events/jpo/audit").status == 401
    olga = user(live, "olga", "organiser")
    assert olga.get("/api/events/jpo/audit?format=xml").status == 400
