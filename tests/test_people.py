"""Organisers manage people over the API, on a real port: list users and their sessions,
change a role, revoke sessions, remove a user; never leave the server without an organiser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.client import Client
from tests.live import LiveServer

PASSWORD = "correct horse"


def logged_in(live: LiveServer, name: str, role: str = "moderator", *, agent: str = "") -> Client:
    if live.call(lambda: live.hub.store.get_user(name)) is None:
        live.add_user(name, PASSWORD, role)
    client = Client(live.url)
    headers = {"User-Agent": agent} if agent else None
    reply = client.request(
        "POST", "/api/login", {"username": name, "password": PASSWORD}, headers=headers
    )
    assert reply.status == 200
    client.csrf = reply.json()["csrf_token"]
    return client


@pytest.fixture
def olga(live: LiveServer) -> Client:
    return logged_in(live, "olga", "organiser")


def users(client: Client) -> dict[str, dict]:
    reply = client.get("/api/users")
    assert reply.status == 200, reply.body
    return {u["username"]: u for u in reply.json()["users"]}


def stored_keys(live: LiveServer) -> list[str]:
    rows = live.call(
        lambda: live.hub.store.query(lambda c: c.execute("SELECT id_hash FROM sessions").fetchall())
    )
    return [key for (key,) in rows]


@contextmanager
def desk(live: LiveServer, client: Client) -> Iterator[ClientConnection]:
    with connect(
        f"{live.ws_url}/ws/moderate/jpo", additional_headers={"Cookie": client.cookie_header()}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        yield ws


def closing_code(ws: ClientConnection) -> int:
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=20)
    assert info.value.rcvd is not None
    return info.value.rcvd.code


def test_an_organiser_lists_users_and_their_open_sessions_without_their_keys(live, olga):
    logged_in(live, "alice", agent="Tablet browser")
    logged_in(live, "alice", agent="Laptop browser")
    live.add_user("bob", PASSWORD, "organiser")

    reply = olga.get("/api/users")
    listed = {u["username"]: u for u in reply.json()["users"]}

    assert sorted(listed) == ["alice", "bob", "olga"]
    assert listed["bob"] == {**listed["bob"], "role": "organiser", "sessions": []}
    alice = listed["alice"]
    assert alice["role"] == "moderator"
    assert [s["agent"] for s in alice["sessions"]] == ["Tablet browser", "Laptop browser"]
    assert {s["address"] for s in alice["sessions"]} == {"127.0.0.1"}
    assert all(s["created_at"] and s["seen_at"] and not s["current"] for s in alice["sessions"])
    assert [s["current"] for s in listed["olga"]["sessions"]] == [True]
    # The ids are opaque: neither the cookie's id nor the stored key of any session.
    keys = stored_keys(live)
    assert len(keys) == 3
    assert not any(key in reply.body.decode() for key in keys)
    assert not any(key[:16] in reply.body.decode() for key in keys)


def test_people_are_for_organisers_only(live, olga):
    alice = logged_in(live, "alice")
    anonymous = Client(live.url)
    calls = [
        ("GET", "/api/users", None),
        ("PATCH", "/api/users/olga", {"role": "moderator"}),
        ("DELETE", "/api/users/olga", None),
        ("DELETE", "/api/users/olga/sessions", None),
        ("DELETE", "/api/users/olga/sessions/0123456789abcdef", None),
    ]
    for method, path, body in calls:
        refused = alice.request(method, path, body)
        assert (refused.status, refused.json()["code"]) == (403, "organisers_only"), path
        assert anonymous.request(method, path, body).status in {401, 403}, path
    assert users(olga)["olga"]["role"] == "organiser"
    assert len(users(olga)["olga"]["sessions"]) == 1


def test_a_new_role_applies_at_once_and_ends_that_users_sessions(live, olga):
    alice = logged_in(live, "alice")
    reply = olga.request("PATCH", "/api/users/alice", {"role": "organiser"})
    assert reply.status == 200
    assert reply.json()["role"] == "organiser" and reply.json()["sessions"] == []
    assert alice.get("/api/events/jpo/posts").json()["code"] == "session_expired"
    alice = logged_in(live, "alice")
    assert alice.get("/api/users").status == 200


def test_a_role_that_does_not_change_logs_nobody_out(live, olga):
    alice = logged_in(live, "alice")
    assert olga.request("PATCH", "/api/users/alice", {"role": "moderator"}).status == 200
    assert alice.get("/api/events/jpo/posts").status == 200


def test_a_bad_role_is_refused_with_the_field_named(live, olga):
    logged_in(live, "alice")
    reply = olga.request("PATCH", "/api/users/alice", {"role": "admin"})
    assert reply.status == 400 and reply.json()["field"] == "role"


def test_revoking_one_session_ends_that_one_only(live, olga):
    tablet = logged_in(live, "alice", agent="Tablet browser")
    laptop = logged_in(live, "alice", agent="Laptop browser")
    sessions = users(olga)["alice"]["sessions"]
    tablet_id = next(s["id"] for s in sessions if s["agent"] == "Tablet browser")

    assert olga.request("DELETE", f"/api/users/alice/sessions/{tablet_id}").status == 204

    assert tablet.get("/api/events/jpo/posts").json()["code"] == "session_expired"
    assert laptop.get("/api/events/jpo/posts").status == 200
    assert [s["agent"] for s in users(olga)["alice"]["sessions"]] == ["Laptop browser"]
    again = olga.request("DELETE", f"/api/users/alice/sessions/{tablet_id}")
    assert (again.status, again.json()["code"]) == (404, "no_session")


def test_revoking_all_of_a_users_sessions_ends_each_of_them(live, olga):
    first, second = logged_in(live, "alice"), logged_in(live, "alice")
    reply = olga.request("DELETE", "/api/users/alice/sessions")
    assert reply.status == 200 and reply.json() == {"ended": 2}
    for client in (first, second):
        assert client.get("/api/events/jpo/posts").json()["code"] == "session_expired"
    assert users(olga)["alice"]["sessions"] == []


def test_a_removed_users_open_desk_is_closed_at_once(live, olga):
    # No recheck before the test gives up: only the removal itself can close the desk.
    live.app.state.sessions.recheck = 3600
    alice = logged_in(live, "alice")
    with desk(live, alice) as ws:
        assert olga.request("DELETE", "/api/users/alice").status == 204
        assert closing_code(ws) == 4401
    assert "alice" not in users(olga)
    assert alice.login("alice", PASSWORD).status == 401


def test_a_revoked_session_closes_its_open_desk_at_once(live, olga):
    live.app.state.sessions.recheck = 3600
    alice = logged_in(live, "alice")
    with desk(live, alice) as ws:
        (session,) = users(olga)["alice"]["sessions"]
        assert olga.request("DELETE", f"/api/users/alice/sessions/{session['id']}").status == 204
        assert closing_code(ws) == 4401


def test_the_last_organiser_can_neither_remove_nor_demote_themself(live, olga):
    for method, body in (("DELETE", None), ("PATCH", {"role": "moderator"})):
        reply = olga.request(method, "/api/users/olga", body)
        assert (reply.status, reply.json()["code"]) == (409, "last_organiser")
    assert users(olga)["olga"]["role"] == "organiser"


def test_with_another_organiser_one_may_step_down(live, olga):
    live.add_user("bob", PASSWORD, "organiser")
    assert olga.request("PATCH", "/api/users/olga", {"role": "moderator"}).status == 200
    bob = logged_in(live, "bob")
    # Bob is now the last one.
    reply = bob.request("DELETE", "/api/users/bob")
    assert (reply.status, reply.json()["code"]) == (409, "last_organiser")
    assert bob.request("DELETE", "/api/users/olga").status == 204


def test_an_unknown_user_is_a_404_that_names_them(live, olga):
    for method, path, body in [
        ("PATCH", "/api/users/nobody", {"role": "moderator"}),
        ("DELETE", "/api/users/nobody", None),
        ("DELETE", "/api/users/nobody/sessions", None),
    ]:
        reply = olga.request(method, path, body)
        assert reply.status == 404 and reply.json()["code"] == "no_user"
        assert reply.json()["params"] == {"name": "nobody"}
