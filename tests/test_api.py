"""The HTTP API on a real port: logins, CSRF, decisions, errors and limits."""

from __future__ import annotations

import time

import msgspec
import pytest

from tests.client import Client
from tests.factories import make_post


@pytest.fixture
def alice(live):
    live.add_user("alice", "correct horse", "moderator")
    client = Client(live.url)
    assert client.login("alice", "correct horse").status == 200
    return client


def test_health_answers_ok(live):
    reply = Client(live.url).get("/healthz")
    assert reply.status == 200 and reply.json() == {"status": "ok"}


def test_login_sets_an_httponly_samesite_cookie_and_returns_a_csrf_token(live):
    live.add_user("alice", "correct horse", "moderator")
    reply = Client(live.url).post("/api/login", {"username": "alice", "password": "correct horse"})
    assert reply.status == 200
    body = reply.json()
    assert body["username"] == "alice" and body["role"] == "moderator"
    assert len(body["csrf_token"]) >= 32
    cookie = reply.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_wrong_password_or_user_gets_the_same_401(live):
    live.add_user("alice", "correct horse", "moderator")
    wrong_pw = Client(live.url).login("alice", "wrong password")
    no_user = Client(live.url).login("mallory", "wrong password")
    assert wrong_pw.status == no_user.status == 401
    assert (
        wrong_pw.json()
        == no_user.json()
        == {"error": "Wrong user name or password.", "code": "wrong_login"}
    )


def test_repeated_failed_logins_are_slowed_then_refused(live):
    live.add_user("alice", "correct horse", "moderator")
    client = Client(live.url)
    statuses = [client.login("alice", f"guess {i}").status for i in range(7)]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]
    refused = client.login("alice", "correct horse")
    assert refused.status == 429 and "Retry-After" in refused.headers
    assert "wait" in refused.json()["error"]


def test_posts_need_a_login(live):
    reply = Client(live.url).get("/api/events/jpo/posts?status=pending")
    assert reply.status == 401


def test_a_moderator_lists_pending_posts_and_approves_one(live, alice):
    post_id = live.ingest("jpo", make_post("Bienvenue à la JPO"))
    listed = alice.get("/api/events/jpo/posts?status=pending").json()
    assert [p["id"] for p in listed["posts"]] == [post_id]
    assert listed["posts"][0]["reason"] == "pre-moderation: waiting for a moderator"
    reply = alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    assert reply.status == 200
    assert reply.json()["post"]["status"] == "approved"
    assert reply.json()["post"]["decided_by"] == "alice"
    approved = alice.get("/api/events/jpo/posts?status=approved").json()["posts"]
    assert [p["id"] for p in approved] == [post_id]


def test_a_second_decision_gets_409_with_the_current_state(live, alice):
    live.add_user("bob", "battery staple", "moderator")
    bob = Client(live.url)
    bob.login("bob", "battery staple")
    post_id = live.ingest("jpo", make_post())
    assert alice.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    late = bob.post(f"/api/events/jpo/posts/{post_id}/reject")
    assert late.status == 409
    body = late.json()
    assert body["post"]["status"] == "approved" and body["post"]["decided_by"] == "alice"
    assert "already approved" in body["error"] and "alice" in body["error"]


def test_a_decision_on_what_the_moderator_saw_is_refused_once_another_decided(live, alice):
    live.add_user("bob", "battery staple", "moderator")
    bob = Client(live.url)
    bob.login("bob", "battery staple")
    post_id = live.ingest("jpo", make_post())
    assert bob.post(f"/api/events/jpo/posts/{post_id}/reject", {"seen": "pending"}).status == 200
    # Alice saw it waiting: her approve does not overturn Bob's reject.
    late = alice.post(f"/api/events/jpo/posts/{post_id}/approve", {"seen": "pending"})
    assert late.status == 409, late.body
    body = late.json()
    assert body["code"] == "conflict" and body["params"]["seen"] == "pending"
    assert body["post"]["status"] == "rejected" and body["post"]["decided_by"] == "bob"
    # Looking again, she may approve the rejected post on purpose.
    again = alice.post(f"/api/events/jpo/posts/{post_id}/approve", {"seen": "rejected"})
    assert again.status == 200 and again.json()["post"]["status"] == "approved"
    assert alice.post(f"/api/events/jpo/posts/{post_id}/remove", {"seen": "nonsense"}).status == 400


def test_remove_then_restore(live, alice):
    post_id = live.ingest("jpo", make_post())
    alice.post(f"/api/events/jpo/posts/{post_id}/approve")
    assert alice.post(f"/api/events/jpo/posts/{post_id}/remove").json()["post"]["status"] == (
        "removed"
    )
    assert alice.post(f"/api/events/jpo/posts/{post_id}/restore").json()["post"]["status"] == (
        "approved"
    )


def test_a_mutating_request_without_the_csrf_token_is_refused(live, alice):
    post_id = live.ingest("jpo", make_post())
    reply = alice.post(f"/api/events/jpo/posts/{post_id}/approve", csrf=False)
    assert reply.status == 403 and "CSRF" in reply.json()["error"]
    forged = alice.post(
        f"/api/events/jpo/posts/{post_id}/approve", headers={"X-CSRF-Token": "forged"}, csrf=False
    )
    assert forged.status == 403
    assert alice.get("/api/events/jpo/posts?status=pending").json()["posts"][0]["id"] == post_id


def test_login_only_accepts_json_so_a_cross_site_form_cannot_post_it(live):
    reply = Client(live.url).request(
        "POST",
        "/api/login",
        raw=b"username=a&password=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 415


def test_bad_input_names_the_field(live, alice):
    post_id = live.ingest("jpo", make_post())
    reply = alice.post(f"/api/events/jpo/posts/{post_id}/approve", {"reason": "x" * 501})
    assert reply.status == 400 and reply.json()["field"] == "reason"
    reply = alice.post(f"/api/events/jpo/posts/{post_id}/approve", {"colour": "red"})
    assert reply.status == 400 and reply.json()["field"] == "colour"
    reply = alice.request("POST", f"/api/events/jpo/posts/{post_id}/approve", raw=b"{nope")
    assert reply.status == 400 and "not valid JSON" in reply.json()["error"]
    reply = alice.get("/api/events/jpo/posts?status=maybe")
    assert reply.status == 400 and reply.json()["field"] == "status"
    reply = alice.get("/api/events/jpo/posts?limit=100000")
    assert reply.status == 400 and reply.json()["field"] == "limit"


def test_an_oversized_body_is_refused_with_413(live, alice):
    post_id = live.ingest("jpo", make_post())
    reply = alice.post(f"/api/events/jpo/posts/{post_id}/approve", {"reason": "x" * 40_000})
    assert reply.status == 413


def test_unknown_events_posts_and_actions_are_404(live, alice):
    assert alice.get("/api/events/nope").status == 404
    assert alice.post("/api/events/jpo/posts/999/approve").status == 404
    post_id = live.ingest("jpo", make_post())
    assert alice.post(f"/api/events/jpo/posts/{post_id}/explode").status == 404


def test_logout_ends_the_session(live, alice):
    assert alice.post("/api/logout").status == 204
    assert alice.get("/api/session").status == 401


def test_pages_send_a_strict_content_security_policy(live):
    for path in ("/wall/jpo", "/login", "/api/events"):
        csp = Client(live.url).get(path).headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'self'" in csp


def test_the_moderator_page_redirects_to_login_when_logged_out(live):
    reply = Client(live.url).get("/moderate/jpo")
    assert reply.status == 303 and reply.headers["Location"] == "/login?next=/moderate/jpo"


def test_an_unknown_wall_is_a_404_page(live):
    assert Client(live.url).get("/wall/nope").status == 404


def test_an_action_without_a_body_takes_the_defaults(live, alice):
    post_id = live.ingest("jpo", make_post())
    reply = alice.request("POST", f"/api/events/jpo/posts/{post_id}/approve")
    assert reply.status == 200 and reply.json()["post"]["status"] == "approved"
    reply = alice.request("POST", f"/api/events/jpo/posts/{post_id}/pin")
    assert reply.status == 200 and reply.json()["post"]["pinned"] is True
    # A body that is there must still be JSON.
    reply = alice.request(
        "POST",
        f"/api/events/jpo/posts/{post_id}/unpin",
        raw=b"reason=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 415


def test_an_unknown_api_path_is_a_json_404(live, alice):
    for path in ("/api/nope", "/api/events/jpo/nope", "/api/events/jpo/posts/1/explode"):
        reply = alice.get(path)
        assert reply.status == 404, path
        assert reply.headers["Content-Type"] == "application/json"
        assert "/api/openapi.json" in reply.json()["error"]


def test_a_method_a_path_does_not_take_is_a_json_405_listing_every_method_it_takes(live, alice):
    reply = alice.request("PATCH", "/api/events/jpo/display", {})
    assert reply.status == 405
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Allow"] == "GET, HEAD, PUT, OPTIONS"
    assert "PATCH" in reply.json()["error"]
    reply = alice.request("GET", "/api/events/jpo/posts/1/reply")
    assert reply.status == 405 and reply.headers["Allow"] == "DELETE, PUT, OPTIONS"


def test_options_answers_with_the_methods_a_path_takes(live):
    reply = Client(live.url).request("OPTIONS", "/api/events/jpo/display")
    assert reply.status == 204 and reply.headers["Allow"] == "GET, HEAD, PUT, OPTIONS"
    assert Client(live.url).request("OPTIONS", "/api/nope").status == 404


def test_source_health_is_reported_to_moderators(tmp_path):
    from tests.live import LiveServer, test_event
    from wall.settings import DemoSource

    event = msgspec.structs.replace(test_event(), sources=[DemoSource(rate=50, seed=1)])
    server = LiveServer(tmp_path, events=[event]).start()
    try:
        server.add_user("alice", "correct horse")
        client = Client(server.url)
        assert client.get("/api/events/jpo/sources").status == 401
        client.login("alice", "correct horse")
        for _ in range(200):
            sources = client.get("/api/events/jpo/sources").json()["sources"]
            if sources and sources[0]["posts"] > 0:
                break
            time.sleep(0.05)
        assert sources[0]["name"] == "demo-1"
        assert sources[0]["state"] == "live" and sources[0]["posts"] > 0
        assert sources[0]["last_error"] is None
    finally:
        server.stop()
