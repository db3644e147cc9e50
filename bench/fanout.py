"""Approve-to-screen latency over two Murmur processes through Redis, beside a bare relay.

    python bench/fanout.py                          # 5,000 screens, 50 approvals
    python bench/fanout.py --screens 100 --posts 10 # the CI size

Two paths, the same shape: a request to the first process, a hop through Redis, and a
websocket fan-out from both processes, each holding half of the screens.

- murmur: two ``murmur`` processes on one PostgreSQL and one Redis (tests/servers.py
  starts both); the moderator approves on the first; each process's screens get the post
  through the store, the bus on Redis and their own socket tasks.
- baseline: two small servers subscribed to one Redis channel; ``POST /fire/{id}`` on the
  first publishes the post's frame (a real Murmur ``post.approved``, encoded before the
  run) and each broadcasts it with ``websockets.broadcast``.

The screens are bench/latency.py's (one process per server, stamping arrival times); how
to read the figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import latency  # this folder's own module: the screens, the child processes, the ranks
from latency import APPROVE, EVENT, PASSWORD, USER, WARMUP, Child, Json

SELF = Path(__file__).resolve()
CHANNEL = "bench:frames"


# -- child: a Murmur process of the cluster ---------------------------------------------------


async def node(cfg: Json) -> None:
    """One Murmur on ``cfg``'s store and bus; the first also makes the moderator and posts."""
    sys.path.insert(0, str(SELF.parent.parent))
    import uvicorn

    from moderation import Author, Post
    from wall.auth import hash_password
    from wall.settings import BusSettings, EventSettings, Settings, StoreSettings
    from wall.web.app import create_app

    stop = latency._parent_signal()
    with tempfile.TemporaryDirectory(prefix="murmur-fanout-") as tmp:
        event = EventSettings(slug=EVENT, title="Bench", moderation="pre")
        settings = Settings(
            events=[event], data_dir=Path(tmp), store=StoreSettings(url=cfg["store"]),
            bus=BusSettings(url=cfg["bus"], namespace="fanout"),
        )  # fmt: skip
        app = create_app(settings)
        config = uvicorn.Config(app, log_level="warning", lifespan="on",
                                ws_per_message_deflate=False, ws_max_size=64 * 1024)  # fmt: skip
        server = uvicorn.Server(config)
        sock = latency._listener()
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(latency.PHASE):
                while not server.started:
                    if serving.done():
                        raise RuntimeError("the Murmur server failed to start")
                    await asyncio.sleep(0.01)
            hub, ids = app.state.hub, []
            if cfg["seed"]:
                await hub.store.add_user(USER, hash_password(PASSWORD), "moderator")
                author = Author(name="Inès Moreau", handle="ines@campus.example")
                for i in range(cfg["posts"]):
                    text = f"Post {i}: students follow the talk on the library screens. " * 4
                    post = Post(network="bench", network_id=f"b{i}", author=author, text=text,
                                html=f"<p>{text}</p>", created_at=datetime.now(UTC))  # fmt: skip
                    ids.append((await hub.ingest(EVENT, post)).id)
            latency._emit({"port": sock.getsockname()[1], "ids": ids})
            async with asyncio.timeout(latency.LIFETIME):
                await stop.wait()
        finally:
            server.should_exit = True
            await serving


# -- child: the baseline relay ------------------------------------------------------------------


async def relay(cfg: Json) -> None:
    """Screens on one port, fed from a Redis channel; the first also takes ``POST /fire``."""
    import redis.asyncio as redis
    from aiohttp import web
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    stop = latency._parent_signal()
    frames = {int(k): v.encode() for k, v in cfg["frames"].items()}  # encoded before the run
    screens: set[ServerConnection] = set()
    client = redis.Redis.from_url(cfg["bus"])
    pubsub = client.pubsub()
    await pubsub.subscribe(CHANNEL)

    async def listen() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(screens, message["data"], text=True)

    async def screen(ws: ServerConnection) -> None:
        screens.add(ws)
        try:
            await ws.send(latency.HELLO)
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async def fire(request: web.Request) -> web.Response:
        await client.publish(CHANNEL, frames[int(request.match_info["id"])])
        return web.Response(text="ok")

    control = web.Application()
    control.router.add_post("/fire/{id}", fire)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    ws_sock, http_sock = latency._listener(), latency._listener()
    listening = asyncio.create_task(listen())
    try:
        await web.SockSite(runner, http_sock).start()
        async with serve(screen, sock=ws_sock, compression=None, max_size=64 * 1024, backlog=4096):
            latency._emit({"port": ws_sock.getsockname()[1], "control": http_sock.getsockname()[1]})
            async with asyncio.timeout(latency.LIFETIME):
                await stop.wait()
    finally:
        listening.cancel()
        await runner.cleanup()
        await pubsub.aclose()
        await client.aclose()


# -- the driver -----------------------------------------------------------------------------------


async def run_path(path: str, n: int, posts: int, template: str | None, urls: Json) -> Json:
    children: list[Child] = []
    try:
        if path == "murmur":
            cfg = {"store": urls["store"], "bus": urls["bus"], "posts": WARMUP + posts}
            first = await Child.start("node", {**cfg, "seed": True}, children, SELF)
            info = await first.read()
            second = await Child.start("node", {**cfg, "seed": False}, children, SELF)
            other = await second.read()
            ids, fire = info["ids"], APPROVE
            base = f"http://127.0.0.1:{info['port']}"
            sockets = [f"ws://127.0.0.1:{p}/ws/wall/{EVENT}" for p in (info["port"], other["port"])]
        else:
            assert template is not None
            ids = list(range(1, WARMUP + posts + 1))
            frames = {pid: latency._frame(template, pid) for pid in ids}
            cfg = {"bus": urls["bus"], "frames": frames}
            info = await (await Child.start("relay", cfg, children, SELF)).read()
            other = await (await Child.start("relay", cfg, children, SELF)).read()
            base, fire = f"http://127.0.0.1:{info['control']}", "/fire/{}"
            sockets = [f"ws://127.0.0.1:{p}/" for p in (info["port"], other["port"])]
        halves = [n - n // 2, n // 2]
        clients = [
            await Child.start("screens", {"url": url, "screens": k, "ids": ids}, children)
            for url, k in zip(sockets, halves, strict=True)
            if k
        ]
        for c in clients:
            await c.read()  # every screen has its snapshot
        jar = aiohttp.CookieJar(unsafe=True)
        connector = aiohttp.TCPConnector(limit=1)
        headers = {"Content-Type": "application/json"}
        sent: list[int] = []
        async with aiohttp.ClientSession(base, cookie_jar=jar, connector=connector) as http:
            if path == "murmur":
                login = {"username": USER, "password": PASSWORD}
                async with http.post("/api/login", json=login) as r:
                    r.raise_for_status()
                    headers["X-CSRF-Token"] = (await r.json())["csrf_token"]
            async with asyncio.timeout(latency.PHASE):
                for pid in ids:
                    sent.append(time.monotonic_ns())
                    async with http.post(fire.format(pid), data=b"{}", headers=headers) as r:
                        r.raise_for_status()
                        await r.read()
                    spent = (time.monotonic_ns() - sent[-1]) / 1e9
                    await asyncio.sleep(max(0.0, latency.SPACING - spent))
        reports = []
        for c in clients:
            await c.send()
        for c in clients:
            reports.append(await c.read(latency.PHASE + latency.GRACE))
    finally:
        for child in reversed(children):
            await child.stop()
    samples, missing, sample = [], 0, None
    for report in reports:
        sample = sample or report["sample"]
        missing += report["errors"]
        for row in report["times"]:
            for received, t0 in list(zip(row, sent, strict=True))[WARMUP:]:
                if received:
                    samples.append((received - t0) / 1e6)
                else:
                    missing += 1
    samples.sort()
    return {
        "screens": n, "path": path, "p50_ms": latency._rank(samples, 50),
        "p99_ms": latency._rank(samples, 99), "max_ms": samples[-1] if samples else math.nan,
        "samples": len(samples), "missing": missing, "sample": sample,
    }  # fmt: skip


async def drive(n: int, posts: int) -> Json:
    sys.path.insert(0, str(SELF.parent.parent))
    from tests import servers

    pg, redis = servers.Postgres().start(), servers.Redis().start()
    try:
        urls = {"store": pg.database("fanout"), "bus": redis.url}
        murmur = await run_path("murmur", n, posts, None, urls)
        template = murmur.pop("sample")
        if template is None:
            raise RuntimeError("no screen received a post.approved message from Murmur")
        baseline = await run_path("baseline", n, posts, template, urls)
        baseline.pop("sample", None)
    finally:
        pg.close()
        redis.close()
    ratio = {k: murmur[k] / baseline[k] for k in ("p50_ms", "p99_ms", "max_ms")}
    return {"posts": posts, "results": [murmur, baseline, {"screens": n, "path": "ratio", **ratio}]}


def table(report: Json) -> str:
    lines = [f"{'screens':>7}  {'path':<8}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}  "
             f"{'samples':>8}  {'missing':>7}"]  # fmt: skip
    for r in report["results"]:
        row = f"{r['screens']:>7}  {r['path']:<8}  "
        if r["path"] == "ratio":
            lines.append(row + "  ".join(f"{r[k]:>7.1f}x" for k in ("p50_ms", "p99_ms", "max_ms")))
        else:
            ms = "  ".join(f"{r[k]:>8.2f}" for k in ("p50_ms", "p99_ms", "max_ms"))
            lines.append(row + ms + f"  {r['samples']:>8}  {r['missing']:>7}")
    lines.append(
        f"{report['posts']} approvals, 50 ms apart, after {WARMUP} warm-up ones; two processes,"
        " half of the screens on each, through Redis"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--role", choices=["node", "relay"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.role:
        cfg = json.loads(sys.stdin.readline())
        asyncio.run({"node": node, "relay": relay}[args.role](cfg))
        return 0
    try:
        report = asyncio.run(drive(args.screens, args.posts))
    except (RuntimeError, OSError, aiohttp.ClientError) as exc:
        print(f"fanout: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else table(report))
    missing = sum(r.get("missing", 0) for r in report["results"])
    if missing:
        print(f"fanout: FAILED, {missing} (screen, post) deliveries missing", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
