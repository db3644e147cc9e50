"""A long run of several Murmur processes on PostgreSQL and Redis, one killed midway.

    python bench/cluster_soak.py                                   # 10 minutes, 1,000 screens
    python bench/cluster_soak.py --seconds 40 --screens 100        # the CI size

What runs: a real PostgreSQL and Redis (tests/servers.py), ``--processes`` ``murmur serve``
processes sharing them, a fake Jetstream sending ``--rate`` matching posts a second (and
as many that do not match), a moderator approving ``--approvals`` posts a second through
the API of any living process, and ``--screens`` screens spread over the processes in a
process of their own. Halfway, one process is killed with SIGKILL and started again 5 s
later; its screens reconnect to another process with ``?since=``, as behind the shipped
proxy. At the end every screen must hold every approved post, none twice, and the store
every matching post once. What it prints: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

SELF = Path(__file__).resolve()
ROOT = SELF.parent.parent
sys.path.insert(0, str(ROOT))

EVENT, USER, PASSWORD = "soak", "soak", "soak-password-1234"
SECRET_ENV = "MURMUR_SOAK_SECRET"
GOAL_P99_MS = 1000.0  # "within a blink": an approved post on every screen in under a second
WORDS = (  # noqa: SIM905
    "library amphi campus talk robot poster lunch queue wifi stage music badge quiz "
    "coffee garden lab demo map tour welcome student teacher photo screen question "
    "answer room hall bus train rain sun great thanks where when how why"
).split()
GRACE = 15.0  # seconds the screens get to catch up after the last approval
PHASE = 90.0
Json = dict[str, Any]


def _emit(obj: Json) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- child: the screens ------------------------------------------------------------------------


class Screen:
    """One screen as the wall page behaves: it applies messages by seq, and when its
    socket drops it reconnects (to the next process, as the proxy would send it) with
    ``?since=`` the last seq it applied."""

    def __init__(self, index: int, urls: list[str]) -> None:
        self.index, self.urls = index, urls
        self.seq = 0
        self.shown: dict[int, int] = {}  # post id -> when it first arrived (monotonic ns)
        self.live: set[int] = set()  # ids that arrived as a live post.approved
        self.twice = 0  # an entry with a seq already applied
        self.reconnects = 0
        self.connected = False

    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        target = self.index % len(self.urls)
        while not stop.is_set():
            url = f"{self.urls[target]}/ws/wall/{EVENT}" + (
                f"?since={self.seq}" if self.seq else ""
            )
            try:
                async with connect(url, compression=None, ping_interval=None, open_timeout=10,
                                   max_queue=None) as ws:  # fmt: skip
                    attempt = 0
                    async for text in ws:
                        self.apply(json.loads(text), time.monotonic_ns())
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError):
                pass
            if stop.is_set():
                return
            self.reconnects += 1
            target = (target + 1) % len(self.urls)
            await asyncio.sleep(min(5.0, 0.25 * 2**attempt) * random.uniform(0.5, 1.0))
            attempt += 1

    def apply(self, msg: Json, now: int) -> None:
        kind, seq = msg.get("type"), msg.get("seq")
        if kind == "snapshot":
            self.connected = True
            self.seq = max(self.seq, int(msg["seq"]))
            for post in msg["posts"]:
                self.shown.setdefault(int(post["id"]), now)
            return
        if seq is None:
            return
        if seq <= self.seq:
            self.twice += 1
            return
        self.seq = seq
        if kind == "post.approved":
            post_id = int(msg["post"]["id"])
            if post_id not in self.shown:
                self.shown[post_id] = now
                self.live.add(post_id)


async def screens(cfg: Json) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(target=lambda: (sys.stdin.readline(), loop.call_soon_threadsafe(stop.set)),
                     daemon=True).start()  # fmt: skip
    all_screens = [Screen(i, cfg["urls"]) for i in range(cfg["screens"])]
    gate = asyncio.Semaphore(50)

    async def start(screen: Screen) -> None:
        async with gate:
            await asyncio.sleep(0)
        await screen.run(stop)

    tasks = [asyncio.create_task(start(s)) for s in all_screens]
    await asyncio.sleep(0)
    while not all(s.connected for s in all_screens) and not stop.is_set():  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # N screens' flags: polling is simpler than N events
    _emit({"ready": True})
    await stop.wait()
    approved = {
        int(k): v for k, v in json.loads(await asyncio.to_thread(sys.stdin.readline)).items()
    }
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies: list[float] = []
    missing = twice = reconnects = resumed = 0
    for s in all_screens:
        missing += sum(1 for post_id in approved if post_id not in s.shown)
        twice += s.twice
        reconnects += s.reconnects
        for post_id, sent in approved.items():
            if post_id in s.live and sent:
                latencies.append((s.shown[post_id] - sent) / 1e6)
            elif post_id in s.shown:
                resumed += 1  # arrived in a snapshot after a reconnect
    latencies.sort()
    _emit({
        "missing": missing, "twice": twice, "reconnects": reconnects, "resumed": resumed,
        "samples": len(latencies), "p50_ms": _rank(latencies, 0.50),
        "p99_ms": _rank(latencies, 0.99), "max_ms": latencies[-1] if latencies else 0.0,
    })  # fmt: skip


def _rank(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(p * len(ordered)) - 1))]


# -- the driver ---------------------------------------------------------------------------------


class Cluster:
    def __init__(self, tmp: Path, processes: int, store_url: str, bus_url: str, jetstream: str,
                 appview: str) -> None:  # fmt: skip
        self.tmp = tmp
        self.ports = [_free_port() for _ in range(processes)]
        self.procs: list[asyncio.subprocess.Process | None] = [None] * processes
        self.config = tmp / "murmur.toml"
        self.config.write_text(
            f'[server]\nsecret_key_env = "{SECRET_ENV}"\nfetch_allow = ["127.0.0.0/8"]\n'
            f'[store]\nurl = "{store_url}"\n[bus]\nurl = "{bus_url}"\nnamespace = "soak"\n'
            f'[[events]]\nslug = "{EVENT}"\ntitle = "Soak"\nhashtags = ["JPO2026"]\n'
            'moderation = "pre"\n'
            f'[[events.sources]]\ntype = "bluesky"\njetstream = "{jetstream}"\n'
            f'appview = "{appview}"\ncdn = "{appview}"\n'
        )
        secret = secrets.token_urlsafe(48)  # shared: a session from one process works on all
        self.env = {**os.environ, SECRET_ENV: secret, "PYTHONPATH": str(ROOT)}

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    async def add_user(self) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wall", "user", "add", USER, "--role", "moderator",
            "--password-stdin", "--config", str(self.config), "--data", str(self.tmp / "d0"),
            stdin=asyncio.subprocess.PIPE, env=self.env,
        )  # fmt: skip
        await proc.communicate(PASSWORD.encode() + b"\n")
        if proc.returncode != 0:
            raise RuntimeError("murmur user add failed")

    async def start(self, i: int) -> None:
        self.procs[i] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "wall", "serve", "--config", str(self.config),
            "--data", str(self.tmp / f"d{i}"), "--port", str(self.ports[i]),
            env=self.env, stdout=asyncio.subprocess.DEVNULL,
            stderr=(self.tmp / f"murmur-{i}.log").open("ab"),
        )  # fmt: skip
        log = self.tmp / f"murmur-{i}.log"
        try:
            async with aiohttp.ClientSession() as http, asyncio.timeout(PHASE):
                while self.procs[i].returncode is None:  # type: ignore[union-attr]
                    try:
                        async with http.get(self.url(i) + "/healthz") as r:
                            if r.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
        except TimeoutError:
            pass
        raise RuntimeError(f"murmur process {i} did not start:\n{log.read_text()[-3000:]}")

    def kill(self, i: int) -> None:
        proc = self.procs[i]
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        for proc in self.procs:
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            if proc is not None:
                try:
                    async with asyncio.timeout(20):
                        await proc.wait()
                except TimeoutError:
                    proc.kill()


async def run(args: argparse.Namespace) -> Json:
    from tests import servers
    from tests.fakes.jetstream import FakeBluesky, FakeJetstream, post_record

    pg, redis = servers.Postgres().start(), servers.Redis().start()
    screens_proc: asyncio.subprocess.Process | None = None
    with tempfile.TemporaryDirectory(prefix="murmur-soak-") as folder:
        tmp = Path(folder)
        async with FakeJetstream() as jetstream, FakeBluesky() as bluesky:
            cluster = Cluster(tmp, args.processes, pg.database("soak"), redis.url,
                              jetstream.url, bluesky.url)  # fmt: skip
            try:
                await cluster.add_user()
                for i in range(args.processes):
                    await cluster.start(i)
                screens_proc = await asyncio.create_subprocess_exec(
                    sys.executable, str(SELF), "--role", "screens",
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26,
                )  # fmt: skip
                assert screens_proc.stdin is not None and screens_proc.stdout is not None
                urls = [cluster.url(i).replace("http", "ws") for i in range(args.processes)]
                screens_proc.stdin.write(
                    json.dumps({"urls": urls, "screens": args.screens}).encode() + b"\n"
                )
                async with asyncio.timeout(PHASE):
                    json.loads(await screens_proc.stdout.readline())  # ready
                report = await _drive(args, cluster, jetstream, post_record, pg.database("soak"))
                screens_proc.stdin.write(b"\n" + json.dumps(report.pop("sent")).encode() + b"\n")
                await screens_proc.stdin.drain()
                async with asyncio.timeout(PHASE):
                    report["screens"] = json.loads(await screens_proc.stdout.readline())
                return report
            finally:
                if screens_proc is not None and screens_proc.returncode is None:
                    screens_proc.kill()
                await cluster.stop()
                pg.close()
                redis.close()


async def _drive(args: argparse.Namespace, cluster: Cluster, jetstream: Any, post_record: Any,
                 store_url: str) -> Json:  # fmt: skip
    import psycopg

    alive = set(range(args.processes))
    sent: dict[int, int] = {}
    published = 0
    killed_at = restarted_at = None
    errors = 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.post(cluster.url(0) + "/api/login",
                             json={"username": USER, "password": PASSWORD}) as r:  # fmt: skip
            csrf = (await r.json())["csrf_token"]
        next_post = next_approval = start
        victim = args.processes - 1
        while (now := loop.time()) < start + args.seconds:
            if killed_at is None and now >= start + args.seconds / 2 and args.processes > 1:
                cluster.kill(victim)
                alive.discard(victim)
                killed_at = now - start
            if killed_at is not None and restarted_at is None and now >= start + killed_at + 5:
                await cluster.start(victim)
                alive.add(victim)
                restarted_at = loop.time() - start
            while next_post <= now:  # the matching posts, and as many others
                words = " ".join(random.sample(WORDS, 9))
                jetstream.post(f"did:plc:{published % 997:024d}",
                               post_record(f"{published}: {words} #JPO2026"))  # fmt: skip
                jetstream.post(
                    f"did:plc:{published % 991:024d}", post_record(f"{words} {published}")
                )
                published += 1
                next_post += 1 / args.rate
            if next_approval <= now:
                next_approval += 1 / args.approvals
                target = cluster.url(random.choice(sorted(alive)))
                try:
                    async with http.get(
                        f"{target}/api/events/{EVENT}/posts?status=pending&limit=1"
                    ) as r:
                        pending = (await r.json())["posts"] if r.status == 200 else []
                    if pending:
                        post_id = pending[0]["id"]
                        began = time.monotonic_ns()
                        async with http.post(f"{target}/api/events/{EVENT}/posts/{post_id}/approve",
                                             headers={"X-CSRF-Token": csrf}) as r:  # fmt: skip
                            if r.status == 200:
                                sent[post_id] = began
                            else:
                                errors += 1
                except aiohttp.ClientError:
                    errors += 1  # the process was just killed: the next approval goes elsewhere
            await asyncio.sleep(0.005)
    await asyncio.sleep(GRACE)
    with psycopg.connect(store_url) as conn:
        stored = conn.execute("SELECT COUNT(*) FROM posts WHERE event = %s", (EVENT,)).fetchone()
        approved = [row[0] for row in conn.execute(
            "SELECT id FROM posts WHERE event = %s AND status = 'approved'", (EVENT,))]  # fmt: skip
    # Every approved post must be on every screen; latency is counted for those whose
    # approval the driver timed (one cut by the kill may have been applied unanswered).
    return {"processes": args.processes, "seconds": args.seconds, "published": published,
            "stored": stored[0] if stored else 0, "approved": len(approved),
            "approvals_sent": len(sent), "request_errors": errors, "killed_at": killed_at,
            "restarted_at": restarted_at,
            "sent": {post_id: sent.get(post_id, 0) for post_id in approved}}  # fmt: skip


def table(report: Json) -> str:
    s = report["screens"]
    lines = [
        f"{report['processes']} processes, {report['seconds']:.0f} s, one killed at"
        f" {report['killed_at'] or 0:.0f} s and started again at"
        f" {report['restarted_at'] or 0:.0f} s",
        f"ingest: {report['published']} matching posts sent, {report['stored']} stored"
        f" (each once: {'yes' if report['stored'] == report['published'] else 'NO'})",
        f"approvals: {report['approvals_sent']} answered 200, {report['approved']} approved in the"
        f" store, {report['request_errors']} requests refused or cut by the kill",
        f"screens: {s['missing']} posts missing, {s['twice']} entries twice, {s['reconnects']}"
        f" reconnects, {s['resumed']} posts caught up after a reconnect",
        f"approve-to-screen (live): p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, max"
        f" {s['max_ms']:.1f} ms over {s['samples']} samples; goal p99 < {GOAL_P99_MS:.0f} ms",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--rate", type=float, default=50.0, help="matching posts per second")
    parser.add_argument("--approvals", type=float, default=2.0, help="approvals per second")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--role", choices=["screens"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.role:
        asyncio.run(screens(json.loads(sys.stdin.readline())))
        return 0
    report = asyncio.run(run(args))
    print(json.dumps(report) if args.json else table(report))
    s = report["screens"]
    lost = s["missing"] or s["twice"] or report["stored"] != report["published"]
    return 1 if lost or report["approved"] < report["approvals_sent"] else 0


if __name__ == "__main__":
    sys.exit(main())
