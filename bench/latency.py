"""Approve-to-screen latency with N screens: Murmur beside a bare ``websockets`` broadcast.

    python bench/latency.py [--screens 100,1000] [--posts 50] [--json]

Per N, each path (murmur, baseline) gets a server process and a screens process of its
own; this process drives them. What runs and how to read the figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import resource
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import DATA_OPCODES, Frame

SELF = Path(__file__).resolve()
EVENT, USER, PASSWORD = "bench", "bench", "bench-password-1234"
WARMUP = 3  # approvals sent first on each path and left out of the figures
SPACING = 0.05  # seconds between two approvals: this measures latency, not throughput
PHASE = 60.0  # every phase (start, connect, run, report) ends within this many seconds
GRACE = 5.0  # how long screens wait for late messages after the last approval
LIFETIME = 600.0  # a server stops by itself after this, whatever happens
CONNECTING = 50  # websocket handshakes in flight at once
HELLO = '{"type":"snapshot","seq":0,"posts":[]}'
APPROVE = f"/api/events/{EVENT}/posts/{{}}/approve"
Json = dict[str, Any]


def _emit(obj: Json) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _parent_signal() -> asyncio.Event:
    """Set when the parent writes a line or closes our stdin (it also closes when it dies)."""
    loop, event = asyncio.get_running_loop(), asyncio.Event()

    def watch() -> None:
        sys.stdin.readline()
        loop.call_soon_threadsafe(event.set)

    threading.Thread(target=watch, daemon=True).start()
    return event


def _listener() -> socket.socket:
    """A loopback socket on a free port, for a server to listen on.

    ``IPPROTO_TCP`` matters: asyncio turns Nagle off (TCP_NODELAY) only on connections
    accepted from a socket whose ``proto`` says TCP. Without it, a keep-alive response
    written in two parts waits ~40 ms for the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


# -- child: the Murmur server ----------------------------------------------------------------


async def murmur_server(cfg: Json) -> None:
    """Serve a fresh Murmur with a moderator and ``posts`` pending posts; print their ids."""
    sys.path.insert(0, str(SELF.parent.parent))
    import uvicorn

    from moderation import Author, Post
    from wall.auth import hash_password
    from wall.settings import EventSettings, Settings
    from wall.web.app import create_app

    stop = _parent_signal()
    with tempfile.TemporaryDirectory(prefix="murmur-bench-") as tmp:
        event = EventSettings(slug=EVENT, title="Bench", moderation="pre")
        app = create_app(Settings(events=[event], data_dir=Path(tmp)))
        config = uvicorn.Config(app, log_level="warning", lifespan="on",
                                ws_per_message_deflate=False, ws_max_size=64 * 1024)  # fmt: skip
        server = uvicorn.Server(config)
        sock = _listener()
        if cfg.get("sndbuf"):  # accepted sockets inherit it (bench/slow_screen.py)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, cfg["sndbuf"])
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(PHASE):
                while not server.started:
                    if serving.done():
                        raise RuntimeError("the Murmur server failed to start")
                    await asyncio.sleep(0.01)
            hub = app.state.hub
            await hub.store.add_user(USER, hash_password(PASSWORD), "moderator")
            author, ids = Author(name="Inès Moreau", handle="ines@campus.example"), []
            for i in range(cfg["posts"]):
                text = f"Post {i}: students follow the talk on the library screens. " * 4
                post = Post(network="bench", network_id=f"b{i}", author=author, text=text,
                            html=f"<p>{text}</p>", created_at=datetime.now(UTC))  # fmt: skip
                ids.append((await hub.ingest(EVENT, post)).id)
            _emit({"port": sock.getsockname()[1], "ids": ids})
            async with asyncio.timeout(LIFETIME):
                await stop.wait()
        finally:
            server.should_exit = True
            await serving


# -- child: the baseline server ---------------------------------------------------------------


async def baseline_server(cfg: Json) -> None:
    """Screens on one port; ``POST /fire/{id}`` on another broadcasts that post's frame."""
    from aiohttp import web
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    stop = _parent_signal()
    frames = {int(k): v.encode() for k, v in cfg["frames"].items()}  # encoded before the run
    screens: set[ServerConnection] = set()

    async def screen(ws: ServerConnection) -> None:
        screens.add(ws)
        try:
            await ws.send(HELLO)
            await ws.wait_closed()
        finally:
            screens.discard(ws)

    async def fire(request: web.Request) -> web.Response:
        broadcast(screens, frames[int(request.match_info["id"])], text=True)
        return web.Response(text="ok")

    control = web.Application()
    control.router.add_post("/fire/{id}", fire)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    ws_sock, http_sock = _listener(), _listener()
    try:
        await web.SockSite(runner, http_sock).start()
        async with serve(screen, sock=ws_sock, compression=None, max_size=64 * 1024, backlog=2048):
            _emit({"port": ws_sock.getsockname()[1], "control": http_sock.getsockname()[1]})
            async with asyncio.timeout(LIFETIME):
                await stop.wait()
    finally:
        await runner.cleanup()


# -- child: the screens ----------------------------------------------------------------------


class _Screen(ClientConnection):
    """A screen that stamps each message when its last bytes reach the process.

    While ``holding``, incoming bytes are only stamped and kept; ``release()`` feeds them to
    websockets with their stamps. The N screens sharing this process so do almost no work
    during the run, and one screen's parsing does not delay the next screen's stamp.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holding = False
        self.held: list[tuple[int, bytes]] = []
        self.arrived = 0
        self.stamps: list[int] = []  # one per complete message, in order

    def data_received(self, data: bytes) -> None:
        if self.holding:
            self.held.append((time.monotonic_ns(), data))
        else:
            self.arrived = time.monotonic_ns()
            super().data_received(data)

    def release(self) -> None:
        held, self.held = self.held, []
        for arrived, data in held:
            self.arrived = arrived
            super().data_received(data)

    def eof_received(self) -> None:
        self.release()  # what came before the end, in order
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.release()
        super().connection_lost(exc)

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.fin and event.opcode in DATA_OPCODES:
            self.stamps.append(self.arrived)
        super().process_event(event)


async def screens(cfg: Json) -> None:
    """Open N screens, say ready, and at the end report when each post reached each one."""
    finish = _parent_signal()
    ids: list[int] = cfg["ids"]
    index = {pid: k for k, pid in enumerate(ids)}
    gate = asyncio.Semaphore(CONNECTING)
    conns: list[_Screen] = []

    async def open_one() -> None:
        async with gate:
            ws = await connect(
                cfg["url"],
                compression=None,
                ping_interval=None,
                max_queue=None,  # messages wait, unread, until the run is over
                create_connection=_Screen,
            )
            assert isinstance(ws, _Screen)
            conns.append(ws)
            await ws.recv()  # the snapshot
            ws.holding = True

    try:
        async with asyncio.timeout(PHASE):
            await asyncio.gather(*(open_one() for _ in range(cfg["screens"])))
        gc.collect()
        gc.freeze()  # no collector pause in this process may delay a stamp
        gc.disable()
        _emit({"ready": True})
        async with asyncio.timeout(PHASE):
            await finish.wait()  # the parent sent its last approval
        loop, before = asyncio.get_running_loop(), -1
        until = loop.time() + GRACE
        while loop.time() < until:  # until nothing came for 0.25 s and every post is in
            await asyncio.sleep(0.25)
            held = sum(len(ws.held) for ws in conns)
            if held == before:
                for ws in conns:
                    ws.release()
                if all(len(ws.stamps) > len(ids) for ws in conns):
                    break
            before = held
        times, sample, errors = [], None, 0
        for ws in conns:
            ws.holding = False
            ws.release()
            row = [0] * len(ids)  # 0: never received
            try:
                for received in ws.stamps[1:]:  # the first one is the snapshot's
                    text = await ws.recv()
                    msg = json.loads(text)
                    k = index.get(msg["post"]["id"], -1) if "post" in msg else -1
                    if msg["type"] == "post.approved" and k >= 0 and not row[k]:
                        row[k] = received
                        sample = sample or str(text)
            except ConnectionClosed:
                errors += 1
            times.append(row)
        _emit({"times": times, "sample": sample, "errors": errors})
    finally:
        async with asyncio.timeout(15):
            await asyncio.gather(*(ws.close() for ws in conns), return_exceptions=True)


# -- the driver -------------------------------------------------------------------------------


class Child:
    """This file run as a child with ``--role``; JSON lines on its stdin and stdout."""

    def __init__(self, role: str, proc: asyncio.subprocess.Process) -> None:
        self.role, self.proc = role, proc

    @classmethod
    async def start(cls, role: str, cfg: Json, children: list[Child], script: Path = SELF) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(script), "--role", role,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26,
        )  # fmt: skip
        children.append(child := cls(role, proc))
        await child.send(json.dumps(cfg))
        return child

    async def send(self, line: str = "") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def read(self, within: float = PHASE) -> Json:
        assert self.proc.stdout is not None
        async with asyncio.timeout(within):
            line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.role} process ended early ({await self.proc.wait()})")
        result: Json = json.loads(line)
        return result

    async def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()
        try:
            async with asyncio.timeout(20):
                await self.proc.wait()
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def _frame(template: str, pid: int) -> str:
    message = json.loads(template)
    message["seq"], message["post"]["id"] = pid, pid
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


async def run_path(path: str, n: int, posts: int, template: str | None) -> Json:
    children: list[Child] = []
    try:
        if path == "murmur":
            server = await Child.start("murmur", {"posts": WARMUP + posts}, children)
            info = await server.read()
            ids, base, fire = info["ids"], f"http://127.0.0.1:{info['port']}", APPROVE
            url = f"ws://127.0.0.1:{info['port']}/ws/wall/{EVENT}"
        else:
            assert template is not None
            ids = list(range(1, WARMUP + posts + 1))
            frames = {pid: _frame(template, pid) for pid in ids}
            server = await Child.start("baseline", {"frames": frames}, children)
            info = await server.read()
            url, base = f"ws://127.0.0.1:{info['port']}/", f"http://127.0.0.1:{info['control']}"
            fire = "/fire/{}"
        clients = await Child.start("screens", {"url": url, "screens": n, "ids": ids}, children)
        await clients.read()  # every screen has its snapshot
        jar = aiohttp.CookieJar(unsafe=True)  # keep the session cookie for 127.0.0.1
        connector = aiohttp.TCPConnector(limit=1)  # one keep-alive connection, like a tablet
        headers = {"Content-Type": "application/json"}
        sent: list[int] = []
        answered: list[float] = []  # request round trips, ms
        async with aiohttp.ClientSession(base, cookie_jar=jar, connector=connector) as http:
            if path == "murmur":
                login = {"username": USER, "password": PASSWORD}
                async with http.post("/api/login", json=login) as r:
                    r.raise_for_status()
                    headers["X-CSRF-Token"] = (await r.json())["csrf_token"]
            async with asyncio.timeout(PHASE):
                for pid in ids:
                    sent.append(time.monotonic_ns())
                    async with http.post(fire.format(pid), data=b"{}", headers=headers) as r:
                        r.raise_for_status()
                        await r.read()
                    answered.append((time.monotonic_ns() - sent[-1]) / 1e6)
                    await asyncio.sleep(max(0.0, SPACING - (time.monotonic_ns() - sent[-1]) / 1e9))
        await clients.send()  # the last approval is sent: report within GRACE
        report = await clients.read(PHASE + GRACE)
    finally:
        for child in reversed(children):
            await child.stop()
    latencies, missing = [], 0
    for row in report["times"]:
        for received, t0 in list(zip(row, sent, strict=True))[WARMUP:]:
            if received:
                latencies.append((received - t0) / 1e6)
            else:
                missing += 1
    latencies.sort()
    return {
        "screens": n,
        "path": path,
        "p50_ms": _rank(latencies, 50),
        "p99_ms": _rank(latencies, 99),
        "max_ms": latencies[-1] if latencies else math.nan,
        "request_p50_ms": _rank(sorted(answered[WARMUP:]), 50),
        "samples": len(latencies),
        "missing": missing + report["errors"],
        "sample": report["sample"],
    }


def _rank(ordered: list[float], p: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def drive(counts: list[int], posts: int) -> Json:
    results: list[Json] = []
    template: str | None = None
    for n in counts:
        murmur = await run_path("murmur", n, posts, template)
        template = template or murmur.pop("sample")
        if template is None:
            raise RuntimeError("no screen received a post.approved message from Murmur")
        baseline = await run_path("baseline", n, posts, template)
        for r in (murmur, baseline):
            r.pop("sample", None)
        ratio = {k: murmur[k] / baseline[k] for k in ("p50_ms", "p99_ms", "max_ms")}
        results += [murmur, baseline, {"screens": n, "path": "ratio", **ratio}]
    frame = len(template.encode()) if template else 0
    return {"posts": posts, "spacing_ms": SPACING * 1000, "frame_bytes": frame, "results": results}


def table(report: Json) -> str:
    lines = [f"{'screens':>7}  {'path':<8}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}  "
             f"{'samples':>8}  {'missing':>7}  {'request p50':>11}"]  # fmt: skip
    for r in report["results"]:
        row = f"{r['screens']:>7}  {r['path']:<8}  "
        if r["path"] == "ratio":
            lines.append(row + "  ".join(f"{r[k]:>7.1f}x" for k in ("p50_ms", "p99_ms", "max_ms")))
        else:
            ms = "  ".join(f"{r[k]:>8.2f}" for k in ("p50_ms", "p99_ms", "max_ms"))
            counts = f"  {r['samples']:>8}  {r['missing']:>7}  {r['request_p50_ms']:>8.2f} ms"
            lines.append(row + ms + counts)
    lines.append(
        f"{report['posts']} approvals per path, {report['spacing_ms']:.0f} ms apart, "
        f"after {WARMUP} warm-up ones; {report['frame_bytes']}-byte post.approved frame"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", default="100,1000", help="comma-separated screen counts")
    parser.add_argument("--posts", type=int, default=50, help="approvals measured per path")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--role", choices=["murmur", "baseline", "screens"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # room for N sockets in every process
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.role:
        cfg = json.loads(sys.stdin.readline())
        role = {"murmur": murmur_server, "baseline": baseline_server, "screens": screens}
        asyncio.run(role[args.role](cfg))
        return 0
    try:
        counts = [int(n) for n in args.screens.split(",")]
    except ValueError:
        counts = []
    if args.posts < 1 or not counts or min(counts) < 1:
        parser.error("--screens takes positive counts such as 100,1000; --posts a positive count")
    try:
        report = asyncio.run(drive(counts, args.posts))
    except (RuntimeError, OSError, aiohttp.ClientError) as exc:  # OSError: timeouts too
        print(f"latency: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2) if args.json else table(report))
    missing = sum(r.get("missing", 0) for r in report["results"])
    if missing:
        print(f"latency: FAILED, {missing} (screen, post) deliveries missing", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
