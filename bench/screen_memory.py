"""Memory per idle screen: Murmur's ``/ws/wall`` beside a bare ``websockets`` server.

    python bench/screen_memory.py [--screens 1000] [--json]

Each path gets a fresh server process (the same ones ``latency.py`` runs: Murmur as
``murmur serve`` runs it, and a bare ``websockets`` server that sends a snapshot-sized
hello and waits). A first batch of screens warms the server up (imports, caches, pools);
then N more connect, each gets its snapshot and stays idle, and the growth of the server's
resident memory (VmRSS, read from /proc) divided by N is the memory one idle screen costs.
The figure to read is the ratio; bench/README.md says more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import latency  # this folder's own module; its children run with --role

WARM = 50  # screens connected before the first reading
SETTLE = 1.0  # seconds to let the server finish each connection's work before reading
Json = dict[str, Any]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def measure(path: str, n: int) -> Json:
    children: list[latency.Child] = []
    try:
        if path == "murmur":
            server = await latency.Child.start("murmur", {"posts": 0}, children)
            info = await server.read()
            url = f"ws://127.0.0.1:{info['port']}/ws/wall/{latency.EVENT}"
        else:
            server = await latency.Child.start("baseline", {"frames": {}}, children)
            info = await server.read()
            url = f"ws://127.0.0.1:{info['port']}/"
        screens = {"url": url, "screens": WARM, "ids": []}
        await (await latency.Child.start("screens", screens, children)).read()
        await asyncio.sleep(SETTLE)
        before = rss_kib(server.proc.pid)
        screens = {"url": url, "screens": n, "ids": []}
        await (await latency.Child.start("screens", screens, children)).read()  # all have theirs
        await asyncio.sleep(SETTLE)
        after = rss_kib(server.proc.pid)
    finally:
        for child in reversed(children):
            await child.stop()
    return {"path": path, "screens": n, "rss_before_kib": before, "rss_after_kib": after,
            "kib_per_screen": round((after - before) / n, 2)}  # fmt: skip


async def drive(n: int) -> Json:
    results = [await measure(path, n) for path in ("murmur", "baseline")]
    murmur, baseline = results
    ratio = murmur["kib_per_screen"] / baseline["kib_per_screen"]
    return {"screens": n, "results": results, "ratio": round(ratio, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=1000, help="idle screens measured")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    if args.screens < 10:
        parser.error("--screens takes a count of 10 or more")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        report = asyncio.run(drive(args.screens))
    except (RuntimeError, OSError) as exc:
        print(f"screen_memory: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{'path':<10} {'screens':>8} {'KiB/screen':>11}")
    for row in report["results"]:
        print(f"{row['path']:<10} {row['screens']:>8} {row['kib_per_screen']:>11.1f}")
    print(f"ratio murmur/baseline: {report['ratio']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
