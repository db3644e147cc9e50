"""One screen that never reads: the others' latency beside a run without it, and the laggard
resynchronised without losing a post.

    python bench/slow_screen.py [--screens 100] [--posts 800] [--json]

Two runs of Murmur as ``latency.py`` runs it (N screens, approvals every 20 ms): one
without, one with a laggard, a screen that connects, takes its snapshot and then reads
nothing (a frozen kiosk browser: its receive window shrinks to nothing). The figure to
read is the others' p99 with the laggard over their p99 without it. Then the laggard
wakes up: it reads what the server had sent it, is told to resynchronise (close 4000)
once its buffer on the server overflowed, comes back with ``?since=`` the last change it
read, and must end with every approved post. Exits 1 if any screen, the laggard
included, misses a post. bench/README.md says more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.frames import Close, Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # this folder's own module; its children run with --role

SPACING = 0.02  # seconds between two approvals
# The server's kernel send buffer per socket, fixed so that the laggard's buffer on the
# server overflows within a short run; Linux would let it grow to net.ipv4.tcp_wmem's
# maximum (4 MiB), which only delays the overflow (about 8,000 posts later).
SNDBUF = 32 * 1024
Json = dict[str, Any]


class Laggard:
    """A screen on a raw socket that reads nothing until ``wake`` (websockets' sans-I/O)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.protocol = ClientProtocol(parse_uri(url))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A small receive window, as a stalled browser's soon is.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.approved: set[int] = set()
        self.last_seq = 0
        self.closed: int | None = None

    async def open(self) -> None:
        uri = parse_uri(self.url)
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        await loop.sock_connect(self.sock, (uri.host, uri.port))
        request = self.protocol.connect()
        request.headers["Origin"] = f"http://{uri.host}:{uri.port}"
        self.protocol.send_request(request)
        await loop.sock_sendall(self.sock, b"".join(self.protocol.data_to_send()))
        # Read the handshake and the snapshot, then nothing more.
        while not self._handle(await loop.sock_recv(self.sock, 4096), until_snapshot=True):
            pass

    def _handle(self, data: bytes, *, until_snapshot: bool = False) -> bool:
        """Feed bytes; True once the snapshot has arrived (or the socket closed)."""
        if not data:
            self.protocol.receive_eof()
        else:
            self.protocol.receive_data(data)
        snapshot = False
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                continue
            assert isinstance(event, Frame)
            if event.opcode is Opcode.TEXT:
                snapshot = True
                self._message(json.loads(event.data))
            elif event.opcode is Opcode.CLOSE:
                self.closed = Close.parse(event.data).code
        return snapshot if until_snapshot else self.closed is not None

    def _message(self, message: Json) -> None:
        seq = message.get("seq")
        if isinstance(seq, int) and seq > 0:
            self.last_seq = max(self.last_seq, seq)
        if message.get("type") == "post.approved":
            self.approved.add(message["post"]["id"])
        for post in message.get("posts", []) if message.get("type") == "snapshot" else []:
            self.approved.add(post["id"])

    async def wake(self, expected: set[int], within: float) -> Json:
        """Read what waited, then resynchronise with ``?since=`` if told to."""
        loop = asyncio.get_running_loop()
        backlog = 0
        async with asyncio.timeout(within):
            while self.closed is None and not expected <= self.approved:
                data = await loop.sock_recv(self.sock, 65536)
                backlog += len(data)
                if self._handle(data) or not data:
                    break
        self.sock.close()
        resynced = False
        if not expected <= self.approved:
            resynced = True
            url = f"{self.url}?since={self.last_seq}"
            async with asyncio.timeout(within), connect(url, compression=None) as ws:
                while not expected <= self.approved:
                    self._message(json.loads(await ws.recv()))
        return {"backlog_bytes": backlog, "close_code": self.closed, "resynced": resynced,
                "missing": len(expected - self.approved)}  # fmt: skip


async def run(n: int, posts: int, laggard: bool) -> Json:
    children: list[latency.Child] = []
    lag: Laggard | None = None
    try:
        cfg = {"posts": latency.WARMUP + posts, "sndbuf": SNDBUF}
        server = await latency.Child.start("murmur", cfg, children)
        info = await server.read()
        ids, base = info["ids"], f"http://127.0.0.1:{info['port']}"
        url = f"ws://127.0.0.1:{info['port']}/ws/wall/{latency.EVENT}"
        clients = await latency.Child.start("screens", {"url": url, "screens": n, "ids": ids},
                                            children)  # fmt: skip
        await clients.read()
        if laggard:
            lag = Laggard(url)
            await lag.open()
        sent: list[int] = []
        jar = aiohttp.CookieJar(unsafe=True)
        connector = aiohttp.TCPConnector(limit=1)
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession(base, cookie_jar=jar, connector=connector) as http:
            login = {"username": latency.USER, "password": latency.PASSWORD}
            async with http.post("/api/login", json=login) as r:
                r.raise_for_status()
                headers["X-CSRF-Token"] = (await r.json())["csrf_token"]
            async with asyncio.timeout(latency.PHASE * 4):
                for pid in ids:
                    sent.append(time.monotonic_ns())
                    async with http.post(latency.APPROVE.format(pid), data=b"{}",
                                         headers=headers) as r:  # fmt: skip
                        r.raise_for_status()
                        await r.read()
                    await asyncio.sleep(max(0.0, SPACING - (time.monotonic_ns() - sent[-1]) / 1e9))
        await clients.send()
        report = await clients.read(latency.PHASE + latency.GRACE)
        woken = await lag.wake(set(ids), latency.PHASE) if lag is not None else None
    finally:
        if lag is not None:
            lag.sock.close()
        for child in reversed(children):
            await child.stop()
    latencies, missing = [], report["errors"]
    for row in report["times"]:
        for received, t0 in list(zip(row, sent, strict=True))[latency.WARMUP :]:
            if received:
                latencies.append((received - t0) / 1e6)
            else:
                missing += 1
    latencies.sort()
    return {
        "laggard": laggard,
        "screens": n,
        "p50_ms": latency._rank(latencies, 50),
        "p99_ms": latency._rank(latencies, 99),
        "missing": missing,
        "laggard_run": woken,
    }


async def drive(n: int, posts: int) -> Json:
    without = await run(n, posts, laggard=False)
    with_laggard = await run(n, posts, laggard=True)
    return {"screens": n, "posts": posts, "without": without, "with": with_laggard,
            "p99_ratio": round(with_laggard["p99_ms"] / without["p99_ms"], 3)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=100, help="screens that read")
    parser.add_argument("--posts", type=int, default=800, help="approvals per run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.screens < 1 or args.posts < 1:
        parser.error("--screens and --posts take positive counts")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        report = asyncio.run(drive(args.screens, args.posts))
    except (RuntimeError, OSError, aiohttp.ClientError) as exc:
        print(f"slow_screen: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key in ("without", "with"):
            row = report[key]
            print(f"{key:<8} laggard: p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  "
                  f"missing {row['missing']}")  # fmt: skip
        print(f"p99 with / without the laggard: {report['p99_ratio']:.2f}x")
        print(f"the laggard: {json.dumps(report['with']['laggard_run'])}")
    lost = report["without"]["missing"] + report["with"]["missing"]
    lost += report["with"]["laggard_run"]["missing"]
    if lost:
        print(f"slow_screen: FAILED, {lost} deliveries missing", file=sys.stderr)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
