"""Several real ``murmur serve`` processes on one PostgreSQL and one Redis (tests/servers.py).

Approve on process A, the screens on B show it; a process killed with SIGKILL mid-event,
its screen reconnects to the other with ``?since=`` and gets everything it missed, once;
an organiser's live change on one process applies on the other; two moderators on A and B
deciding one post at once, exactly one wins; a feed read by one process only, and by the
other once the first is killed. tests/browser/test_cluster_proxy.py puts the shipped nginx
in front of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests import servers
from tests.client import Client, Reply
from tests.fakes.feed import FakeFeed
from tests.live import _free_port
from tests.uploads import Attendee, phone_photo

ROOT = Path(__file__).resolve().parent.parent
SECRET_ENV = "MURMUR_CLUSTER_SECRET"
PASSWORD = "a long passphrase"


class Cluster:
    """N ``murmur serve`` processes sharing one config: store, bus and session secret."""

    def __init__(
        self,
        tmp: Path,
        n: int,
        *,
        server: str = "",
        event: str = "",
        tables: str = "",
        ports: list[int] | None = None,
    ) -> None:
        """``server`` and ``event``: more TOML lines for ``[server]`` and the event;
        ``tables``: more tables (``[media]``…)."""
        self.tmp = tmp
        self.ports = ports or [_free_port() for _ in range(n)]
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * n
        self.config = tmp / "murmur.toml"
        self.config.write_text(
            f'[server]\nsecret_key_env = "{SECRET_ENV}"\n{server}{tables}'
            f'[store]\nurl = "{servers.postgres().database(servers.name_for(tmp))}"\n'
            f'[bus]\nurl = "{servers.redis().url}"\nnamespace = "{servers.name_for(tmp)}"\n'
            '[[events]]\nslug = "jpo"\ntitle = "JPO"\nhashtags = ["JPO2026"]\n'
            f'moderation = "pre"\n{event}'
        )
        self.env = {**os.environ, SECRET_ENV: secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT)}

    def murmur(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wall", *args, "--config", str(self.config),
             "--data", str(self.tmp / "d0")],
            input=stdin, capture_output=True, text=True, env=self.env, timeout=60, check=True,
        )  # fmt: skip

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def ws(self, i: int) -> str:
        return f"ws://127.0.0.1:{self.ports[i]}"

    def start(self, i: int) -> None:
        with (self.tmp / f"murmur-{i}.log").open("ab") as log:  # the child keeps its own
            self.procs[i] = subprocess.Popen(
                [sys.executable, "-m", "wall", "serve", "--config", str(self.config),
                 "--data", str(self.tmp / f"d{i}"), "--port", str(self.ports[i])],
                env=self.env, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            proc = self.procs[i]
            assert proc is not None and proc.poll() is None, self.log(i)
            try:
                if Client(self.url(i)).get("/healthz").status == 200:
                    return
            except OSError:
                pass  # not listening yet
            time.sleep(0.1)
        raise AssertionError(f"process {i} did not start:\n{self.log(i)}")

    def log(self, i: int, *, whole: bool = False) -> str:
        text = (self.tmp / f"murmur-{i}.log").read_text()
        return text if whole else text[-3000:]

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            if proc is not None:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path, 2)
    c.murmur("user", "add", "alice", "--role", "organiser", "--password-stdin", stdin=PASSWORD)
    c.murmur("user", "add", "bob", "--role", "moderator", "--password-stdin", stdin=PASSWORD)
    c.start(0)
    c.start(1)
    try:
        yield c
    finally:
        c.stop()


def login(url: str, user: str = "alice") -> Client:
    client = Client(url)
    assert client.login(user, PASSWORD).status == 200
    return client


def submit(client: Client, text: str) -> int:
    """A post from the attendees' page, as a phone sends it (to the same process as the
    moderator ``client``); its id once queued."""
    attendee = Attendee(client.base)
    assert attendee.open_page().status == 200
    sent = attendee.send(text, name="Inès")
    assert sent.status in (200, 201, 202), sent.body
    for _ in range(100):
        posts = client.get("/api/events/jpo/posts?status=pending").json()["posts"]
        mine = [p["id"] for p in posts if p["text"] == text]
        if mine:
            return int(mine[0])
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached the queue")


def next_approved(screen: ClientConnection) -> dict[str, object]:
    while True:
        message = json.loads(screen.recv(timeout=10))
        if message["type"] == "post.approved":
            return message


def test_approved_on_one_process_the_screens_of_the_other_show_it(cluster):
    on_a, on_b = login(cluster.url(0)), login(cluster.url(1))  # one session, any process
    with connect(f"{cluster.ws(1)}/ws/wall/jpo") as screen:
        assert json.loads(screen.recv(timeout=10))["type"] == "snapshot"
        post_id = submit(on_b, "Where is the library?")
        assert on_a.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        message = next_approved(screen)
        assert message["post"]["id"] == post_id  # type: ignore[index]


def test_a_killed_process_s_screen_resumes_on_the_other_with_nothing_lost_or_repeated(cluster):
    moderator = login(cluster.url(0))
    seen: list[int] = []
    with connect(f"{cluster.ws(1)}/ws/wall/jpo") as screen:
        assert json.loads(screen.recv(timeout=10))["type"] == "snapshot"
        first = submit(moderator, "Before the crash")
        moderator.post(f"/api/events/jpo/posts/{first}/approve")
        message = next_approved(screen)
        seen.append(int(message["seq"]))  # type: ignore[arg-type]
        cluster.kill(1)  # mid-event, its screen's socket drops
    missed = []
    for n in range(5):
        post_id = submit(moderator, f"While B is down {n}")
        assert moderator.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        missed.append(post_id)
    # The screen reconnects through the proxy to A, with the last seq it applied.
    with connect(f"{cluster.ws(0)}/ws/wall/jpo?since={seen[-1]}") as screen:
        got = [next_approved(screen) for _ in missed]
        seqs = [int(m["seq"]) for m in got]  # type: ignore[arg-type]
        assert [m["post"]["id"] for m in got] == missed  # type: ignore[index]
        assert seqs == sorted(set(seqs)) and seqs[0] > seen[-1]
        # B comes back; what is approved on it reaches the screen on A.
        cluster.start(1)
        on_b = login(cluster.url(1))
        after = submit(on_b, "After the restart")
        assert on_b.post(f"/api/events/jpo/posts/{after}/approve").status == 200
        assert next_approved(screen)["post"]["id"] == after  # type: ignore[index]


def test_an_organiser_s_live_change_on_one_process_applies_on_the_other(cluster):
    on_a, on_b = login(cluster.url(0)), login(cluster.url(1))
    changed = on_a.request("PATCH", "/api/events/jpo/settings", {"title": "JPO 2026"})
    assert changed.status == 200, changed.body
    for _ in range(100):
        if on_b.get("/api/events/jpo").json().get("title") == "JPO 2026":
            break
        time.sleep(0.05)
    assert on_b.get("/api/events/jpo").json()["title"] == "JPO 2026"


def test_two_moderators_on_two_processes_decide_one_post_at_once_and_exactly_one_wins(cluster):
    alice, bob = login(cluster.url(0)), login(cluster.url(1), "bob")
    posts = [submit(alice, f"Which one wins? {n}") for n in range(8)]

    def race(post_id: int) -> dict[str, Reply]:
        start = threading.Barrier(2)
        answers: dict[str, Reply] = {}

        def decide(who: str, client: Client, action: str) -> None:
            start.wait()
            # As the desk sends it: the status the moderator saw.
            answers[who] = client.post(
                f"/api/events/jpo/posts/{post_id}/{action}", {"seen": "pending"}
            )

        racers = [
            threading.Thread(target=decide, args=("alice", alice, "approve")),
            threading.Thread(target=decide, args=("bob", bob, "reject")),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(30)
        return answers

    for post_id in posts:
        answers = race(post_id)
        statuses = sorted(reply.status for reply in answers.values())
        assert statuses == [200, 409], {k: (v.status, v.body) for k, v in answers.items()}
        winner = next(who for who, reply in answers.items() if reply.status == 200)
        loser = answers["bob" if winner == "alice" else "alice"].json()
        # The loser is told who decided first, and both processes hold that one decision.
        assert loser["post"]["decided_by"] == winner, loser
        expected = "approved" if winner == "alice" else "rejected"
        for client in (alice, bob):
            listed = client.get(f"/api/events/jpo/posts?status={expected}").json()["posts"]
            post = next(p for p in listed if p["id"] == post_id)
            assert post["decided_by"] == winner


def test_a_card_claimed_on_one_process_is_held_on_the_other(cluster):
    alice, bob = login(cluster.url(0)), login(cluster.url(1), "bob")
    post_id = submit(alice, "Mine for now")
    assert alice.post(f"/api/events/jpo/posts/{post_id}/claim").status == 200
    held = bob.post(f"/api/events/jpo/posts/{post_id}/approve")
    assert held.status == 409 and held.json()["claim"]["by"] == "alice", held.body
    desk = bob.get("/api/events/jpo/desk").json()
    assert [c["by"] for c in desk["claims"] if c["id"] == post_id] == ["alice"]
    # Released on A, B may decide.
    assert alice.post(f"/api/events/jpo/posts/{post_id}/release").status == 204
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200


class FeedThread:
    """tests/fakes/feed.py's server on an event loop of its own, for synchronous tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.feed = FakeFeed()
        self.call(self.feed.__aenter__())

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def publish(self, title: str) -> None:
        async def publish() -> None:
            self.feed.publish(title)

        self.call(publish())

    def close(self) -> None:
        self.call(self.feed.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


_RUNS_HERE = re.compile(r"source jpo/(\S+) runs in this process")


def test_a_feed_is_read_by_one_process_and_moves_to_the_other_when_it_is_killed(tmp_path):
    feed = FeedThread()
    feed.publish("Open day starts at nine")
    cluster = Cluster(
        tmp_path,
        2,
        server='fetch_allow = ["127.0.0.1/32"]\n',
        event=f'[[events.sources]]\ntype = "rss"\nurl = "{feed.feed.url}"\npoll_seconds = 0.2\n',
    )
    cluster.murmur(
        "user", "add", "alice", "--role", "organiser", "--password-stdin", stdin=PASSWORD
    )
    try:
        cluster.start(0)
        cluster.start(1)
        moderator = login(cluster.url(0))

        def queued() -> list[str]:
            posts = moderator.get("/api/events/jpo/posts?status=pending").json()["posts"]
            return sorted(p["text"] for p in posts)

        def holders() -> list[int]:
            return [i for i in (0, 1) if _RUNS_HERE.search(cluster.log(i, whole=True))]

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (holders() and queued()):
            time.sleep(0.1)
        assert len(holders()) == 1, [cluster.log(i) for i in (0, 1)]
        holder = holders()[0]
        time.sleep(1.5)  # a few of the other process's lease rounds: it never starts the feed
        assert holders() == [holder]
        assert len(queued()) == 1, queued()
        # Its health is known to both: the desk and the console ask whichever one.
        for i in (holder, 1 - holder):
            asked = login(cluster.url(i))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                sources = asked.get("/api/events/jpo/sources").json()["sources"]
                if sources and sources[0]["posts"] == 1:
                    break
                time.sleep(0.2)
            assert [(s["state"], s["posts"]) for s in sources] == [("live", 1)], (i, sources)

        cluster.kill(holder)
        other = 1 - holder
        moderator = login(cluster.url(other))
        feed.publish("Lunch is served in the great hall")
        deadline = time.monotonic() + 30  # the lease lapses after 6 s, then moves
        while time.monotonic() < deadline and len(queued()) < 2:
            time.sleep(0.2)
        assert other in holders(), cluster.log(other)
        texts = queued()
        assert len(texts) == 2 and any("Lunch" in t for t in texts), texts  # each once
        # The dead process's word on the feed lapses; the new holder's is what is shown.
        sources = moderator.get("/api/events/jpo/sources").json()["sources"]
        assert [(s["state"], s["posts"]) for s in sources] == [("live", 1)], sources
    finally:
        cluster.stop()
        feed.close()


def submit_photo(cluster: Cluster, moderator: Client) -> tuple[int, str]:
    """An attendee's post with a photo, sent to process 0: its id and picture, queued."""
    attendee = Attendee(cluster.url(0))
    assert attendee.open_page().status == 200
    assert attendee.send("Le hall", name="Inès", photo=phone_photo()).status in (200, 201, 202)
    for _ in range(100):
        pending = moderator.get("/api/events/jpo/posts?status=pending").json()["posts"]
        if pending and pending[0]["media"]:
            return int(pending[0]["id"]), str(pending[0]["media"][0]["url"])
        time.sleep(0.05)
    raise AssertionError("the photo never reached the queue")


def test_a_picture_hidden_through_one_process_is_refused_by_the_other_at_once(cluster):
    # Both processes hold the picture (here a copy of the media folder; a shared
    # [media] folder, as docs/scaling.md advises, does the same). Before, a process learnt
    # of another's change only through its own commits, and went on serving a hidden
    # picture to anyone for up to 2 s.
    on_a, on_b = login(cluster.url(0)), login(cluster.url(1))
    post_id, url = submit_photo(cluster, on_a)
    shutil.copytree(cluster.tmp / "d0" / "media", cluster.tmp / "d1" / "media", dirs_exist_ok=True)
    assert on_a.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    anyone = Client(cluster.url(1))
    assert anyone.get(url).status == 200  # shown: public, and B remembers it is
    with connect(f"{cluster.ws(1)}/ws/wall/jpo") as screen:
        assert json.loads(screen.recv(timeout=10))["type"] == "snapshot"
        assert on_a.post(f"/api/events/jpo/posts/{post_id}/hide-media").status == 200
        while True:  # B has the change: its screens have it
            message = json.loads(screen.recv(timeout=10))
            if message.get("post", {}).get("id") == post_id:
                break
        assert not message["post"]["media"]
        assert anyone.get(url).status == 404
    assert on_b.get(url).status == 200  # moderators still see what they moderate


def test_with_one_media_folder_a_picture_one_process_stored_shows_through_the_other(tmp_path):
    # [media] folder: every process's pictures in one folder (docs/scaling.md). Without it,
    # each process has its own, and B's screens showed A's posts without their pictures.
    shared = tmp_path / "media"
    cluster = Cluster(tmp_path, 2, tables=f'[media]\nfolder = "{shared}"\n')
    cluster.murmur(
        "user", "add", "alice", "--role", "organiser", "--password-stdin", stdin=PASSWORD
    )
    try:
        cluster.start(0)
        cluster.start(1)
        on_a, on_b = login(cluster.url(0)), login(cluster.url(1))
        post_id, url = submit_photo(cluster, on_a)
        assert on_a.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
        shown = Client(cluster.url(1)).get(url)  # a screen on B, no login
        assert shown.status == 200 and shown.body[:4] == b"RIFF", shown.status
        assert not (tmp_path / "d0" / "media").exists()  # nothing in the data folders
        # Erased through B: the picture A stored is gone for everyone, from the one folder.
        erased = on_b.post("/api/privacy/erase", {"event": "jpo", "post": post_id})
        assert erased.status == 200 and erased.json()["pictures"] == 1, erased.body
        assert not [p for p in shared.iterdir() if p.suffix == ".webp"]
        assert Client(cluster.url(0)).get(url).status == 404
        assert on_a.get(url).status == 404
    finally:
        cluster.stop()
