"""Numbers from outside, on the real server: strict, bounded, and never a 500.

``str.isdigit`` says yes to ``²``, ``int()`` to ``٣`` and ``" 3 "``, and SQLite stores
nothing past a signed 64-bit integer. Every number in a query, a path or a JSON body is
ASCII digits within a range: a bad one is a 400 naming the parameter, and an id that
cannot exist is a 404, like one that does not.
"""

from __future__ import annotations

import pytest

from tests.client import Client
from tests.factories import make_post

BAD_NUMBERS = [
    "²",  # a digit to str.isdigit, not to int()
    "٣",  # Arabic-Indic three: a number to int()
    "३",  # Devanagari three
    "３",  # fullwidth three
    " 5",
    "+5",
    "-5",
    "5.0",
    "1e2",
    "0x10",
    "",
    "9" * 5000,  # more digits than int() converts
    str(2**63),
]
HUGE_IDS = [str(2**63), str(2**64), "9" * 30, "9" * 5000]
POST_ROUTES = [
    ("POST", "approve"),
    ("POST", "reject"),
    ("POST", "remove"),
    ("POST", "restore"),
    ("POST", "claim"),
    ("POST", "pin"),
    ("POST", "hide-media"),
    ("POST", "spotlight"),
    ("POST", "block-author"),
    ("POST", "undo"),
    ("DELETE", "reply"),
]


@pytest.fixture
def organiser(live):
    live.add_user("olga", "organiser password", "organiser")
    client = Client(live.url)
    assert client.login("olga", "organiser password").status == 200
    return client


def _quoted(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_a_limit_that_is_not_plain_ascii_digits_in_range_is_a_400_naming_it(live, organiser):
    live.ingest("jpo", make_post())
    for raw in [*BAD_NUMBERS, "0", "501"]:
        reply = organiser.get(f"/api/events/jpo/posts?limit={_quoted(raw)}")
        assert reply.status == 400, (raw, reply.status, reply.body[:200])
        body = reply.json()
        assert body["field"] == "limit" and "1 to 500" in body["error"], raw
    assert organiser.get("/api/events/jpo/posts?limit=500").status == 200


def test_a_post_id_that_cannot_exist_is_a_json_404_on_every_post_route(live, organiser):
    live.ingest("jpo", make_post())
    for raw in [*HUGE_IDS, "0", "٣", "²", "-1", "1.0"]:
        for method, action in POST_ROUTES:
            path = f"/api/events/jpo/posts/{_quoted(raw)}/{action}"
            body = {"replaces": None} if action == "reply" else {}
            reply = organiser.request(method, path, body)
            assert reply.status == 404, (raw, action, reply.status, reply.body[:200])
            assert reply.headers["Content-Type"] == "application/json", (raw, action)
            assert "error" in reply.json()
        path = f"/api/events/jpo/blocks/{_quoted(raw)}"
        reply = organiser.request("DELETE", path)
        assert reply.status == 404 and "error" in reply.json(), (raw, reply.status)


def test_ids_in_a_json_body_are_bounded_like_ids_in_the_path(live, organiser):
    post_id = live.ingest("jpo", make_post())
    for ids in ([2**63], [2**64], [10**30], [0], [post_id, -1]):
        reply = organiser.post("/api/events/jpo/posts/bulk", {"action": "approve", "ids": ids})
        assert reply.status == 400, (ids, reply.status, reply.body[:200])
        assert reply.json()["field"] == "ids"
    ok = organiser.post("/api/events/jpo/posts/bulk", {"action": "approve", "ids": [post_id]})
    assert ok.status == 200 and ok.json()["results"][0]["status"] == 200


def test_a_query_choice_outside_its_list_is_a_400_naming_it(live, organiser):
    reply = organiser.get("/api/events/jpo/audit?format=%C2%B2")
    assert reply.status == 400 and reply.json()["field"] == "format"
    assert "json" in reply.json()["error"] and "csv" in reply.json()["error"]
    reply = organiser.get("/api/events/jpo/posts?status=%C2%B2")
    assert reply.status == 400 and reply.json()["field"] == "status"
