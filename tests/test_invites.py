"""Invitations on a real port: an organiser invites by link or QR code; the link works once,
until it expires, for the role and events chosen; tokens are braked like logins."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.client import Client
from tests.live import LiveServer, test_event
from tests.test_people import PASSWORD, logged_in, users

NEW_PASSWORD = "a tablet for the hall"


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


def invite(olga: Client, **body) -> dict:
    reply = olga.post("/api/invites", body)
    assert reply.status == 201, reply.body
    created: dict = reply.json()
    return created


def join(live: LiveServer, token: str, username: str, password: str = NEW_PASSWORD) -> tuple:
    client = Client(live.url)
    reply = client.post(f"/api/join/{token}", {"username": username, "password": password})
    if reply.status == 201:
        client.csrf = reply.json()["csrf_token"]
    return client, reply


def stored(live: LiveServer, sql: str, *args) -> list:
    return live.call(lambda: live.hub.store.query(lambda c: c.execute(sql, args).fetchall()))


def test_an_invitation_gives_a_link_and_a_qr_code_and_keeps_only_the_tokens_hash(live, olga):
    created = invite(olga, role="moderator", events=["two"], hours=2)
    token = created["token"]
    assert len(token) >= 32
    assert created["path"] == f"/invite/{token}"
    assert created["url"] == f"{live.url}/invite/{token}"
    assert created["qr_svg"].startswith("<svg") and created["url"] in created["qr_svg"]
    assert created["role"] == "moderator" and created["events"] == ["two"]
    assert created["created_by"] == "olga"
    rows = stored(live, "SELECT token_hash FROM invites")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert not stored(live, "SELECT 1 FROM invites WHERE token_hash = ?", token)

    listed = olga.get("/api/invites").json()["invites"]
    assert [i["id"] for i in listed] == [created["id"]]
    assert token not in olga.get("/api/invites").body.decode()


def test_the_invited_person_sees_the_offer_then_joins_logged_in_with_its_role_and_events(
    live, olga
):
    token = invite(olga, role="moderator", events=["two"], hours=2)["token"]
    offer = Client(live.url).get(f"/api/join/{token}")
    assert offer.status == 200
    assert offer.json()["role"] == "moderator" and offer.json()["events"] == ["two"]
    assert offer.json()["next"] == "/moderate/two"

    client, reply = join(live, token, "camille")

    assert reply.status == 201
    assert reply.json()["username"] == "camille" and reply.json()["next"] == "/moderate/two"
    assert "murmur_session=" in reply.headers["Set-Cookie"]
    assert client.get("/api/events/two/posts").status == 200
    assert client.get("/api/events/jpo/posts").json()["code"] == "not_your_event"
    assert users(olga)["camille"]["events"] == ["two"]
    assert olga.get("/api/invites").json()["invites"] == []
    assert Client(live.url).login("camille", NEW_PASSWORD).status == 200


def test_an_invitation_works_once(live, olga):
    token = invite(olga)["token"]
    assert join(live, token, "camille")[1].status == 201
    _, second = join(live, token, "mallory")
    assert (second.status, second.json()["code"]) == (410, "invite_used")
    offer = Client(live.url).get(f"/api/join/{token}")
    assert (offer.status, offer.json()["code"]) == (410, "invite_used")
    assert "mallory" not in users(olga)


def test_an_expired_invitation_is_refused_and_creates_nobody(live, olga):
    created = invite(olga, hours=1)
    live.call(
        lambda: live.hub.store.transact(
            lambda c: c.execute("UPDATE invites SET expires_at = 0 WHERE id = ?", (created["id"],))
        )
    )
    offer = Client(live.url).get(f"/api/join/{created['token']}")
    assert (offer.status, offer.json()["code"]) == (410, "invite_expired")
    _, reply = join(live, created["token"], "camille")
    assert (reply.status, reply.json()["code"]) == (410, "invite_expired")
    assert "camille" not in users(olga)
    assert olga.get("/api/invites").json()["invites"] == []


def test_an_invitation_expires_by_the_clock(live, olga):
    token = invite(olga, hours=1)["token"]
    clock = live.app.state.sessions.clock
    live.app.state.sessions.clock = lambda: clock() + 3601
    try:
        assert Client(live.url).get(f"/api/join/{token}").json()["code"] == "invite_expired"
    finally:
        live.app.state.sessions.clock = clock
    assert Client(live.url).get(f"/api/join/{token}").status == 200


def test_a_withdrawn_or_unknown_invitation_is_not_valid(live, olga):
    created = invite(olga)
    assert olga.request("DELETE", f"/api/invites/{created['id']}").status == 204
    _, reply = join(live, created["token"], "camille")
    assert (reply.status, reply.json()["code"]) == (404, "invite_unknown")
    again = olga.request("DELETE", f"/api/invites/{created['id']}")
    assert (again.status, again.json()["code"]) == (404, "no_invite")


def test_a_taken_name_or_a_short_password_is_refused_and_the_invitation_kept(live, olga):
    token = invite(olga)["token"]
    _, taken = join(live, token, "olga")
    assert (taken.status, taken.json()["code"], taken.json()["field"]) == (
        409,
        "username_taken",
        "username",
    )
    _, short = join(live, token, "camille", "short")
    assert (short.status, short.json()["code"], short.json()["field"]) == (
        400,
        "password_length",
        "password",
    )
    _, odd = join(live, token, "tab\there")
    assert (odd.status, odd.json()["code"]) == (400, "username_invalid")
    assert Client(live.url).login("olga", PASSWORD).status == 200  # her password unchanged
    assert join(live, token, "camille")[1].status == 201


def test_the_role_and_hours_are_checked(live, olga):
    for body, field in [
        ({"role": "admin"}, "role"),
        ({"hours": 0}, "hours"),
        ({"hours": 169}, "hours"),
        ({"events": ["nowhere"]}, "events"),
    ]:
        reply = olga.post("/api/invites", body)
        assert reply.status == 400 and reply.json()["field"] == field, body
    assert olga.get("/api/invites").json()["invites"] == []


def test_an_organiser_invitation_makes_an_organiser_sent_to_the_first_events_desk(live, olga):
    token = invite(olga, role="organiser")["token"]
    client, reply = join(live, token, "oscar")
    assert reply.json()["role"] == "organiser" and reply.json()["next"] == "/moderate/jpo"
    assert client.get("/api/users").status == 200


def test_only_organisers_of_every_event_invite(live, olga):
    alice = logged_in(live, "alice")
    refused = alice.post("/api/invites", {})
    assert (refused.status, refused.json()["code"]) == (403, "organisers_only")
    live.add_user("oscar", PASSWORD, "organiser")
    assert olga.request("PATCH", "/api/users/oscar", {"events": ["jpo"]}).status == 200
    oscar = logged_in(live, "oscar")
    for method, path in [("POST", "/api/invites"), ("GET", "/api/invites")]:
        reply = oscar.request(method, path, {} if method == "POST" else None)
        assert (reply.status, reply.json()["code"]) == (403, "every_event_only")
    assert Client(live.url).get("/api/invites").status == 401


def test_accepting_from_another_site_is_refused(live, olga):
    token = invite(olga)["token"]
    client = Client(live.url)
    reply = client.request(
        "POST",
        f"/api/join/{token}",
        {"username": "camille", "password": NEW_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert (reply.status, reply.json()["code"]) == (403, "origin")
    assert "camille" not in users(olga)


def test_guessing_tokens_is_braked_like_logins(live, olga):
    token = invite(olga)["token"]
    guesser = Client(live.url)
    statuses = [guesser.get(f"/api/join/guess-{n}").status for n in range(7)]
    assert statuses[:5] == [404] * 5 and 429 in statuses[5:]
    refused = guesser.get(f"/api/join/{token}")  # even the right one, from this address
    assert refused.status == 429 and "Retry-After" in refused.headers
    assert refused.json()["code"] == "login_throttled"


def test_the_invitation_page_is_served_for_any_token_and_never_cached(live):
    reply = Client(live.url).get("/invite/whatever-token")
    assert reply.status == 200 and reply.headers["Cache-Control"] == "no-store"
    assert b"invite.js" in reply.body
