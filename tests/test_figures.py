"""An event's figures and export on a real port: computed exactly from posts that went
through the real rules and a moderator, as JSON and as CSV, for organisers only; a
hostile text stays data in the spreadsheet."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import msgspec
from websockets.sync.client import connect

from tests.client import Client
from tests.factories import make_post
from tests.live import LiveServer, test_event
from wall.sql import Conn

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


def gone(live: LiveServer, screen: str) -> None:
    """Wait until the server has seen the screen's socket close."""
    for _ in range(200):
        states = {s["screen"]: s["state"] for s in live.call(lambda: live.hub.fleet.of("jpo"))}
        if states.get(screen, "offline") == "offline":
            return
        time.sleep(0.025)
    raise AssertionError(f"{screen} still connected: {states}")


def test_screens_online_are_kept_minute_by_minute_and_survive_a_restart(tmp_path):
    live = LiveServer(tmp_path / "data", events=[test_event("jpo")]).start()
    olga = login(live, "olga", "organiser")
    try:
        nine = datetime(2026, 6, 12, 9, 0, 10, tzinfo=UTC)
        with connect(f"{live.ws_url}/ws/wall/jpo?screen=hall") as hall:
            hall.recv(timeout=10)
            live.call(lambda: live.hub.sample_screens(nine))
            with connect(f"{live.ws_url}/ws/wall/jpo?screen=stage") as stage:
                stage.recv(timeout=10)
                live.call(lambda: live.hub.sample_screens(nine + timedelta(seconds=30)))
                live.call(lambda: live.hub.sample_screens(nine + timedelta(minutes=1)))
            gone(live, "stage")
            # the stage left: the next minute counts only the hall, the minute before keeps 2
            live.call(lambda: live.hub.sample_screens(nine + timedelta(minutes=1, seconds=40)))
            live.call(lambda: live.hub.sample_screens(nine + timedelta(minutes=2)))
        gone(live, "hall")
        live.call(lambda: live.hub.sample_screens(nine + timedelta(minutes=3)))  # none: no row
        live.restart()
        found = olga.get("/api/events/jpo/figures").json()
        assert found["screens"] == [
            {"minute": "2026-06-12T09:00", "screens": 2},
            {"minute": "2026-06-12T09:01", "screens": 2},
            {"minute": "2026-06-12T09:02", "screens": 1},
        ]
        assert found["screens_peak"] == 2
        table = olga.get("/api/events/jpo/figures?format=csv").body.decode()
        assert "screens_online,2026-06-12T09:02,1" in table
    finally:
        live.stop()


def test_the_queue_over_time_follows_arrivals_and_decisions(tmp_path):
    live = LiveServer(tmp_path / "data", events=[test_event("jpo")]).start()
    bob, olga = login(live, "bob", "moderator"), login(live, "olga", "organiser")
    try:
        ids = [live.ingest("jpo", make_post(f"question {n} #JPO2026")) for n in range(3)]
        for post_id in ids[:2]:
            assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        # Put the arrivals and the decisions at known minutes, in the real store.
        times = {
            ids[0]: ("2026-06-12T09:00:05+00:00", "2026-06-12T09:03:00+00:00"),
            ids[1]: ("2026-06-12T09:00:40+00:00", "2026-06-12T09:03:30+00:00"),
            ids[2]: ("2026-06-12T09:01:10+00:00", None),
        }

        def write(db: Conn) -> None:
            for post_id, (received, decided) in times.items():
                db.execute(
                    "UPDATE posts SET received_at = ?, decided_at = ? WHERE id = ?",
                    (received, decided, post_id),
                )

        live.call(lambda: live.hub.store.transact(write))
        found = olga.get("/api/events/jpo/figures").json()
        assert found["queue_per_minute"] == [
            {"minute": "2026-06-12T09:00", "waiting": 2},
            {"minute": "2026-06-12T09:01", "waiting": 3},
            {"minute": "2026-06-12T09:03", "waiting": 1},
        ]
        assert found["queue"] == 1
    finally:
        live.stop()
