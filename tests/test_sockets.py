"""The websockets on a real port with a real client: snapshots, live changes, resume."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from moderation import Action
from tests.client import Client
from tests.factories import make_post


def recv(ws) -> dict:
    return json.loads(ws.recv(timeout=10))


@pytest.fixture
def alice(live):
    live.add_user("alice", "correct horse", "moderator")
    client = Client(live.url)
    client.login("alice", "correct horse")
    return client


def test_a_screen_starts_from_a_snapshot_of_approved_posts_only(live, alice):
    shown = live.ingest("jpo", make_post("shown"))
    live.ingest("jpo", make_post("waiting"))
    alice.post(f"/api/events/jpo/posts/{shown}/approve")
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = recv(ws)
    assert snapshot["type"] == "snapshot"
    assert [p["text"] for p in snapshot["posts"]] == ["shown"]
    assert snapshot["seq"] == 3


def test_an_approved_post_reaches_every_open_screen_and_a_removal_follows(live, alice):
    post_id = live.ingest("jpo", make_post("hello"))
    with contextlib.ExitStack() as stack:
        screens = [stack.enter_context(connect(f"{live.ws_url}/ws/wall/jpo")) for _ in range(3)]
        for ws in screens:
            assert recv(ws)["type"] == "snapshot"
        alice.post(f"/api/events/jpo/posts/{post_id}/approve")
        for ws in screens:
            message = recv(ws)
            assert message["type"] == "post.approved" and message["post"]["id"] == post_id
        alice.post(f"/api/events/jpo/posts/{post_id}/remove")
        for ws in screens:
            assert recv(ws) == {
                "type": "post.removed",
                "seq": 3,
                "id": post_id,
            }  # no moderator name on screens


def test_screens_never_see_queued_or_rejected_posts(live, alice):
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        recv(ws)
        rejected = live.ingest("jpo", make_post("no"))
        alice.post(f"/api/events/jpo/posts/{rejected}/reject")
        shown = live.ingest("jpo", make_post("yes"))
        alice.post(f"/api/events/jpo/posts/{shown}/approve")
        message = recv(ws)
        assert message["type"] == "post.approved" and message["post"]["text"] == "yes"


def test_moderators_see_the_queue_and_every_decision_live(live, alice):
    with connect(
        f"{live.ws_url}/ws/moderate/jpo", additional_headers={"Cookie": alice.cookie_header()}
    ) as ws:
        assert recv(ws)["type"] == "snapshot"
        # Then who holds which card and who is online: messages without a seq.
        assert {recv(ws)["type"], recv(ws)["type"]} == {"claims", "presence"}
        post_id = live.ingest("jpo", make_post("new"))
        queued = recv(ws)
        assert queued["type"] == "post.queued" and queued["post"]["id"] == post_id
        alice.post(f"/api/events/jpo/posts/{post_id}/reject")
        assert recv(ws)["type"] == "post.rejected"


def test_the_moderator_socket_needs_a_login(live):
    with connect(f"{live.ws_url}/ws/moderate/jpo") as ws, pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=10)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401


def test_a_foreign_origin_is_refused_at_the_handshake(live):
    with pytest.raises(InvalidStatus) as info:
        connect(f"{live.ws_url}/ws/wall/jpo", origin="https://evil.example")
    assert info.value.response.status_code == 403


def test_the_servers_own_origin_and_configured_ones_are_accepted(tmp_path):
    from tests.live import LiveServer
    from wall.settings import ServerSettings

    server = LiveServer(
        tmp_path, server=ServerSettings(allowed_origins=["https://screens.campus.example"])
    ).start()
    try:
        for origin in (server.url, "https://screens.campus.example"):
            with connect(f"{server.ws_url}/ws/wall/jpo", origin=origin) as ws:
                assert recv(ws)["type"] == "snapshot"
    finally:
        server.stop()


def test_an_unknown_event_closes_with_4404(live):
    with connect(f"{live.ws_url}/ws/wall/nope") as ws, pytest.raises(ConnectionClosed) as info:
        ws.recv(timeout=10)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4404


def test_a_screen_resuming_with_since_gets_exactly_what_it_missed(live, alice):
    ids = [live.ingest("jpo", make_post(f"p{i}")) for i in range(4)]
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        seen = recv(ws)["seq"]
    for post_id in ids[:3]:
        alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    alice.post(f"/api/events/jpo/posts/{ids[0]}/remove")
    with connect(f"{live.ws_url}/ws/wall/jpo?since={seen}") as ws:
        # Each post's latest state, in order: the removed post comes back as its removal
        # only, never with the text it had (wall.screen_view.screen_replay).
        missed = [recv(ws) for _ in range(3)]
        assert [m["type"] for m in missed] == ["post.approved"] * 2 + ["post.removed"]
        assert [m.get("post", {}).get("id", m.get("id")) for m in missed] == [*ids[1:3], ids[0]]
        assert [m["seq"] for m in missed] == sorted(m["seq"] for m in missed)
        alice.post(f"/api/events/jpo/posts/{ids[3]}/approve")
        assert recv(ws)["post"]["id"] == ids[3]  # then live, without a gap


def test_a_since_ahead_of_the_server_gets_a_fresh_snapshot(live):
    with connect(f"{live.ws_url}/ws/wall/jpo?since=999999") as ws:
        assert recv(ws)["type"] == "snapshot"


@pytest.mark.parametrize(
    "since",
    [
        *("%C2%B2", "%D9%A3", "%EF%BC%91%EF%BC%92", "-1", "1e3", "", "%201", "0x1"),
        *(str(2**63 - 1), str(2**63), "9" * 30),  # the largest int64 is only ahead of the log
    ],
)
def test_a_since_that_is_not_plain_ascii_digits_gets_a_snapshot_not_a_dropped_socket(
    live, alice, since
):
    # ``²``, Arabic-Indic ``٣`` and full-width ``１２`` pass str.isdigit; a number past
    # SQLite's 64 bits overflowed. Each one used to drop the socket (issue 9, finding 7).
    post_id = live.ingest("jpo", make_post("then live"))
    with connect(f"{live.ws_url}/ws/wall/jpo?since={since}") as ws:
        assert recv(ws)["type"] == "snapshot"
        alice.post(f"/api/events/jpo/posts/{post_id}/approve")
        assert recv(ws)["post"]["id"] == post_id  # and the socket stays open, live


def test_a_screen_that_cannot_keep_up_is_closed_with_resync_and_resumes(tmp_path):
    from tests.live import LiveServer

    server = LiveServer(tmp_path, queue_size=2, events=None).start()
    try:
        server.add_user("alice", "correct horse")
        client = Client(server.url)
        client.login("alice", "correct horse")
        ids = [server.ingest("jpo", make_post(f"p{i}")) for i in range(12)]
        ws = connect(f"{server.ws_url}/ws/wall/jpo", legacy=True)
        seq = recv(ws)["seq"]

        async def burst():
            # Commit 12 approvals, then hand them to the bus in one go, as a burst that
            # arrives faster than this screen drains: more than its queue holds.
            bus = server.hub.bus
            held = []
            server.hub.store._on_commit = held.extend
            try:
                for post_id in ids:
                    await server.hub.act("jpo", post_id, Action.APPROVE, actor="alice")
                await asyncio.sleep(0.05)
            finally:
                server.hub.store._on_commit = bus.publish
            bus.publish(held)

        server.call(burst)
        applied = []
        with pytest.raises(ConnectionClosed) as info:
            while True:
                message = recv(ws)
                applied.append(message["post"]["id"])
                seq = message["seq"]
        assert info.value.rcvd is not None and info.value.rcvd.code == 4000
        with connect(f"{server.ws_url}/ws/wall/jpo?since={seq}") as again:
            while len(applied) < len(ids):
                applied.append(recv(again)["post"]["id"])
        assert applied == ids  # nothing skipped, nothing twice
    finally:
        server.stop()


def test_a_restart_loses_nothing_and_a_screen_resumes_from_its_seq(live, alice):
    waiting = live.ingest("jpo", make_post("waiting"))
    shown = live.ingest("jpo", make_post("shown"))
    alice.post(f"/api/events/jpo/posts/{shown}/approve")
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        seq = recv(ws)["seq"]
    live.restart()
    again = Client(live.url)
    again.login("alice", "correct horse")
    pending = again.get("/api/events/jpo/posts?status=pending").json()["posts"]
    approved = again.get("/api/events/jpo/posts?status=approved").json()["posts"]
    assert [p["id"] for p in pending] == [waiting]
    assert [p["id"] for p in approved] == [shown]
    again.post(f"/api/events/jpo/posts/{waiting}/approve")
    with connect(f"{live.ws_url}/ws/wall/jpo?since={seq}") as ws:
        message = recv(ws)
        assert message["type"] == "post.approved" and message["post"]["id"] == waiting


def test_an_edit_on_the_network_takes_an_approved_post_off_the_screens_for_review(live, alice):
    post_id = live.ingest("jpo", make_post("Rendez-vous à 14 h", network_id="m-1"))
    alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    with connect(f"{live.ws_url}/ws/wall/jpo") as ws:
        snapshot = recv(ws)
        assert [p["id"] for p in snapshot["posts"]] == [post_id]
        assert live.ingest("jpo", make_post("Rendez-vous à 15 h", network_id="m-1")) == post_id
        assert recv(ws)["type"] == "post.removed"
    pending = alice.get("/api/events/jpo/posts?status=pending").json()["posts"]
    assert [(p["id"], p["text"]) for p in pending] == [(post_id, "Rendez-vous à 15 h")]
    assert pending[0]["reason"].startswith("edited by its author")
