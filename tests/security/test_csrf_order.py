"""A request from an ended session is told to log in again (401), not that its CSRF token
is wrong (403): the pages act on the 401 with an inline login that keeps the person's
place. A live session without its token is still refused."""

from __future__ import annotations

from tests.client import Client

PASSWORD = "correct horse battery"


def test_an_ended_session_gets_a_401_to_log_in_again_not_a_csrf_refusal(live):
    live.add_user("alice", PASSWORD, "moderator")
    alice = Client(live.url)
    assert alice.login("alice", PASSWORD).status == 200
    cookie = alice.cookie_header()
    assert alice.post("/api/logout").status in {200, 204}
    stale = Client(live.url)
    reply = stale.request(
        "POST",
        "/api/events/jpo/posts/1/approve",
        {},
        headers={"Cookie": cookie, "X-CSRF-Token": "whatever"},
        csrf=False,
    )
    assert reply.status == 401 and reply.json()["code"] == "session_expired"


def test_a_live_session_without_its_token_is_still_refused(live):
    live.add_user("alice", PASSWORD, "moderator")
    alice = Client(live.url)
    assert alice.login("alice", PASSWORD).status == 200
    reply = alice.request("POST", "/api/events/jpo/posts/1/approve", {}, csrf=False)
    assert reply.status == 403 and reply.json()["code"] == "csrf"
    anonymous = Client(live.url).request("POST", "/api/events/jpo/posts/1/approve", {})
    assert anonymous.status == 401 and anonymous.json()["code"] == "login_required"
