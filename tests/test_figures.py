"""An event's figures and export on a real port: computed exactly from posts that went
through the real rules and a moderator, as JSON and as CSV, for organisers only; a
hostile text stays data in the spreadsheet."""

from __future__ import annotations

import csv
import io

import msgspec

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer, test_event

PASSWORD = "correct horse battery"


def login(live: LiveServer, name: str, role: str) -> Client:
    live.add_user(name, PASSWORD, role)
    client = Client(live.url)
    assert client.login(name, PASSWORD).status == 200
    return client


def seeded(tmp_path):
    event = test_event("jpo", blocked_words=("arnaque",))
    live = LiveServer(tmp_path / "data", events=[event]).start()
    bob, olga = login(live, "bob", "moderator"), login(live, "olga", "organiser")
    ines = dict(handle="ines@campus.example", name="Inès", network="mastodon")
    a = live.ingest("jpo", make_post("Bravo #JPO2026", **ines))
    b = live.ingest("jpo", make_post('=HYPERLINK("http://evil") encore', **ines))
    live.ingest("jpo", make_post("Quelle arnaque", network="bluesky", handle="x.bsky.social"))
    c = live.ingest("jpo", make_post("Où est l'amphi ?", network="bluesky", handle="lea.bsky"))
    live.ingest("jpo", make_post("En attente", network="bluesky", handle="lea.bsky"))
    for post_id in (a, b):
        assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    assert bob.post(f"/api/events/jpo/posts/{c}/reject").status == 200
    answer = {"text": "Au bout du couloir", "replaces": None}
    assert bob.request("PUT", f"/api/events/jpo/posts/{a}/reply", answer).status == 200
    return live, bob, olga


def test_the_figures_are_exact_and_the_same_in_csv(tmp_path):
    live, _, olga = seeded(tmp_path)
    try:
        reply = olga.get("/api/events/jpo/figures")
        assert reply.status == 200
        found = reply.json()
        assert found["posts"] == 5 and found["queue"] == 1
        assert found["by_status"] == {"approved": 2, "rejected": 2, "pending": 1}
        assert found["by_network"] == {"mastodon": 2, "bluesky": 3}
        assert found["by_rule"] == {"moderator": 3, "blocked_words": 1, "mode": 1}
        assert found["rejected_why"] == {"word": 1, "decided": 1}
        assert found["approval_rate"] == 0.5  # 2 approved of 4 decided (a rule's included)
        assert [(m["name"], m["decisions"]) for m in found["moderators"]] == [("bob", 3)]
        assert found["wait_median_seconds"] is not None and found["wait_median_seconds"] >= 0
        assert found["top_contributors"] == [
            {"network": "mastodon", "handle": "ines@campus.example", "name": "Inès", "approved": 2}
        ]
        assert found["answered"] == 1
        assert sum(m["posts"] for m in found["per_minute"]) == 5
        table = list(
            csv.reader(io.StringIO(olga.get("/api/events/jpo/figures?format=csv").body.decode()))
        )
        assert table[0] == ["figure", "key", "value"]
        assert ["by_status", "approved", "2"] in table and ["queue", "", "1"] in table
        assert ["top_contributor", "mastodon:ines@campus.example", "2"] in table
    finally:
        live.stop()


def test_the_export_holds_every_post_with_its_decision_and_no_formula(tmp_path):
    live, bob, olga = seeded(tmp_path)
    try:
        as_json = olga.get("/api/events/jpo/export")
        assert "attachment" in as_json.headers["content-disposition"]
        posts = as_json.json()["posts"]
        assert [p["status"] for p in posts] == [
            "approved", "approved", "rejected", "rejected", "pending"
        ]  # fmt: skip
        assert posts[0]["answer"] == "Au bout du couloir" and posts[0]["decided_by"] == "bob"
        assert posts[2]["why"] == "word" and posts[2]["rule"] == "blocked_words"
        rows = list(
            csv.DictReader(io.StringIO(olga.get("/api/events/jpo/export?format=csv").body.decode()))
        )
        assert len(rows) == 5
        assert rows[1]["text"].startswith("'=HYPERLINK")  # data, not a formula
        assert msgspec.json.decode(as_json.body)["posts"][1]["text"].startswith("=HYPERLINK")
        for path in ("/api/events/jpo/figures", "/api/events/jpo/export"):
            assert bob.get(path).status == 403
            assert Client(live.url).get(path).status == 401
    finally:
        live.stop()
