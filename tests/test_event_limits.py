"""Roles limited to some events, on a real port with two events: a limited moderator or
organiser acts on their events only, through the API, the desk's socket and the pages;
what reaches beyond one event needs an organiser of every event."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer, test_event
from tests.test_people import PASSWORD, closing_code, logged_in, users


@pytest.fixture
def live(tmp_path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "data", events=[test_event("jpo"), test_event("two")])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def olga(live: LiveServer) -> Client:
    return logged_in(live, "olga", "organiser")


def limited(live: LiveServer, olga: Client, name: str, role: str, events: list[str]) -> Client:
    live.add_user(name, PASSWORD, role)
    reply = olga.request("PATCH", f"/api/users/{name}", {"events": events})
    assert reply.status == 200 and reply.json()["events"] == events
    return logged_in(live, name)


def socket_close(live: LiveServer, client: Client, slug: str) -> int:
    with connect(
        f"{live.ws_url}/ws/moderate/{slug}", additional_headers={"Cookie": client.cookie_header()}
    ) as ws:
        return closing_code(ws)


def test_a_moderator_limited_to_one_event_is_refused_on_another_events_desk_api(live, olga):
    mine = live.ingest("jpo", make_post("À modérer", network_id="a"))
    other = live.ingest("two", make_post("Pas pour moi", network_id="b"))
    alice = limited(live, olga, "alice", "moderator", ["jpo"])

    for method, path in [
        ("GET", "/api/events/two/posts"),
        ("GET", "/api/events/two/desk"),
        ("GET", "/api/events/two/sources"),
        ("POST", f"/api/events/two/posts/{other}/approve"),
        ("POST", f"/api/events/two/posts/{other}/claim"),
        ("POST", "/api/events/two/posts/bulk"),
        ("GET", "/api/events/two/audit"),
    ]:
        reply = alice.request(method, path, {} if method == "POST" else None)
        assert reply.status == 403, (path, reply.body)
        assert reply.json()["code"] == "not_your_event"
        assert reply.json()["params"] == {"slug": "two"}
    assert live.call(lambda: live.hub.store.get_post("two", other)).status == "pending"

    assert alice.get("/api/events/jpo/posts").status == 200
    assert alice.post(f"/api/events/jpo/posts/{mine}/approve").status == 200


def test_a_limited_moderators_desk_socket_on_another_event_is_closed_with_4403(live, olga):
    alice = limited(live, olga, "alice", "moderator", ["jpo"])
    assert socket_close(live, alice, "two") == 4403
    with connect(
        f"{live.ws_url}/ws/moderate/jpo", additional_headers={"Cookie": alice.cookie_header()}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"


def test_a_limited_moderator_gets_the_forbidden_page_for_another_events_desk(live, olga):
    alice = limited(live, olga, "alice", "moderator", ["jpo"])
    assert alice.get("/moderate/two").status == 403
    assert alice.get("/moderate/jpo").status == 200


def test_a_limited_organiser_keeps_to_their_events_and_cannot_reach_beyond(live, olga):
    oscar = limited(live, olga, "oscar", "organiser", ["jpo"])
    assert oscar.get("/api/events/jpo/settings").status == 200
    assert oscar.get("/admin/jpo").status == 200
    refused = oscar.get("/api/events/two/settings")
    assert (refused.status, refused.json()["code"]) == (403, "not_your_event")
    assert oscar.get("/admin/two").status == 403
    beyond = [
        ("GET", "/api/users", None),
        ("PATCH", "/api/users/oscar", {"events": []}),
        ("DELETE", "/api/users/olga/sessions", None),
        ("POST", "/api/events", {"slug": "three", "title": "Three"}),
        ("POST", "/api/privacy/erase", {"network": "mastodon", "handle": "someone"}),
    ]
    for method, path, body in beyond:
        reply = oscar.request(method, path, body)
        assert (reply.status, reply.json()["code"]) == (403, "every_event_only"), path
    assert users(olga)["oscar"]["events"] == ["jpo"]
    assert "three" not in live.hub.events


def test_new_events_end_the_users_sessions_and_close_their_open_desk_at_once(live, olga):
    live.app.state.sessions.recheck = 3600  # only the change itself can close the desk
    alice = logged_in(live, "alice")
    with connect(
        f"{live.ws_url}/ws/moderate/two", additional_headers={"Cookie": alice.cookie_header()}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        assert olga.request("PATCH", "/api/users/alice", {"events": ["jpo"]}).status == 200
        with pytest.raises(ConnectionClosed) as info:
            while True:
                ws.recv(timeout=20)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4401
    assert alice.get("/api/events/jpo/posts").json()["code"] == "session_expired"
    assert logged_in(live, "alice").get("/api/events/two/posts").status == 403


def test_an_unknown_event_is_refused_with_the_field_named(live, olga):
    live.add_user("alice", PASSWORD, "moderator")
    reply = olga.request("PATCH", "/api/users/alice", {"events": ["jpo", "nowhere"]})
    assert reply.status == 400
    assert reply.json()["code"] == "no_event" and reply.json()["field"] == "events"
    assert users(olga)["alice"]["events"] == []


def test_the_last_organiser_of_every_event_cannot_limit_themself(live, olga):
    limited(live, olga, "oscar", "organiser", ["jpo"])  # an organiser, but of one event
    reply = olga.request("PATCH", "/api/users/olga", {"events": ["jpo"]})
    assert (reply.status, reply.json()["code"]) == (409, "last_organiser")
    removed = olga.request("DELETE", "/api/users/olga")
    assert (removed.status, removed.json()["code"]) == (409, "last_organiser")
    # Once Oscar has every event, Olga may keep to one.
    assert olga.request("PATCH", "/api/users/oscar", {"events": []}).status == 200
    assert olga.request("PATCH", "/api/users/olga", {"events": ["two"]}).status == 200
