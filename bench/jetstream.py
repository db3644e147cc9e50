"""Bluesky ingest on one core: a replayed Jetstream-sized stream, beside a same-run baseline.

    python bench/jetstream.py [--frames 100000] [--share 0.01] [--seed 1] [--json]

A generated stream of ``--frames`` compact JSON frames, as Jetstream sends them for
``wantedCollections=app.bsky.feed.post`` (post creates with replies, images, links, quotes,
facets and several languages; deletes; identity and account events), of which ``--share``
carry the event's hashtags (in any case, in the text's facets or only in ``tags[]``), goes
through Murmur's path:

1. frames: ``Sieve.pick`` (the connector's raw pre-check, then one typed decode of the
   frames that may match, then exact tag matching);
2. posts: ``parse_post``, then ``wall.ingest.judge`` (sanitise with nh3, then
   ``moderation.decide``), then ``Store.ingest`` (one transaction per post, with its log
   entry) on a temporary SQLite file.

Baselines, measured in the same run on the same data: ``json.loads`` of every frame (a
connector that decodes everything with the standard library, before doing any work), and
one ``executemany`` of the matching posts' JSON in a single SQLite transaction (the
fastest a store can take them, with no log, no rules and no per-post commit).

The network's own rate is an assumption, not a measurement: see ``NETWORK_POSTS_PER_S``.
Profile look-ups and picture fetches are I/O against other hosts and are left out; the
websocket itself is measured separately with ``--wire`` (frames/s through the real
connector, from the fake Jetstream over 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Post, Rules  # noqa: E402
from tests.fakes.jetstream import (  # noqa: E402
    POST,
    account_frame,
    cid,
    commit_frame,
    did,
    identity_frame,
    post_record,
    tid,
)
from wall.hub import rules_for  # noqa: E402
from wall.ingest import judge  # noqa: E402
from wall.settings import EventSettings, RulesSettings  # noqa: E402
from wall.sources.bluesky_wire import Frame, Profile, Sieve, parse_post  # noqa: E402
from wall.store import Store  # noqa: E402

# Assumed, not measured: the order of magnitude of app.bsky.feed.post creates on the whole
# Bluesky network (a few million posts a day, i.e. tens per second on average), with peaks
# of a few times that. Jetstream adds deletes, identity and account events on top.
NETWORK_POSTS_PER_S = 50
NETWORK_PEAK_PER_S = 500

EVENT = EventSettings(
    slug="bench",
    title="Bench",
    hashtags=["JPO2026", "CampusLife"],
    rules=RulesSettings(blocked_words=["spam", "arnaque"]),
)
Json = dict[str, Any]

WORDS = {  # split into words once, in _text
    "en": "the talk was great and I loved the demo at the library today see you at the "
    "next workshop coffee first then code what a day for science honestly",
    "ja": "今日は 本当に 楽しかった です ね 新しい カフェ に 行き ました 明日 も 頑張ろう",
    "pt": "hoje foi um dia incrível na universidade com amigos e muito café bom dia vamos",
    "de": "heute war ein toller Tag an der Uni mit Freunden und viel Kaffee bis morgen",
    "fr": "super ambiance dans l'amphi ce matin merci aux bénévoles on se retrouve à la pause",
    "es": "qué día tan bonito en la biblioteca con mis amigos y mucho café hasta mañana",
}
LANGS = ["en"] * 45 + ["ja"] * 20 + ["pt"] * 12 + ["de"] * 8 + ["fr"] * 8 + ["es"] * 7
EMOJI = "🎉📚☕🤖🔥✨👏🎶😍🙌💡🥐🌸😂❤️"
OTHER_TAGS = ["art", "photography", "bookclub", "AI", "science", "NowPlaying", "猫", "música"]
EVENT_TAGS = ["JPO2026", "jpo2026", "CampusLife", "CAMPUSLIFE", "campuslife"]


@functools.cache
def _words(lang: str) -> list[str]:
    return WORDS[lang].split(" ")


def _text(rng: random.Random, lang: str) -> str:
    words = _words(lang)
    length = min(int(rng.expovariate(1 / 14)) + 1, 50)
    text = " ".join(rng.choice(words) for _ in range(length))
    if rng.random() < 0.4:
        text += " " + rng.choice(EMOJI)
    return text[:290]


def make_stream(count: int, share: float, seed: int) -> tuple[list[bytes], int]:
    """``count`` frames; returns them and how many carry the event's hashtags."""
    rng = random.Random(seed)
    authors = [did(rng) for _ in range(5000)]
    clock = 1_764_000_000_000_000
    frames: list[bytes] = []
    wanted = 0
    for n in range(count):
        clock += rng.randrange(500, 40_000)
        time_us = clock - (rng.randrange(1, 300) if n % 4 == 3 else 0)
        author = rng.choice(authors)
        roll = rng.random()
        if roll < 0.03:
            frames.append(identity_frame(author, time_us, f"u{n}.bsky.social", n).encode())
            continue
        if roll < 0.05:
            frames.append(account_frame(author, time_us, active=True, seq=n).encode())
            continue
        if roll < 0.11:
            frame = commit_frame(
                author, time_us, operation="delete", collection=POST, rkey=tid(time_us - 9**9),
                record=None,
            )  # fmt: skip
            frames.append(frame.encode())
            continue
        lang = rng.choice(LANGS)
        text = _text(rng, lang)
        tags: list[str] = []
        if rng.random() < share / 0.89:
            wanted += 1
            tag = rng.choice(EVENT_TAGS)
            if rng.random() < 0.8:
                text = f"{text} #{tag}"
            else:
                tags.append(tag)  # only in the record's tags[]
            if rng.random() < 0.1:
                text += " spam"
        elif rng.random() < 0.13:
            text = f"{text} #{rng.choice(OTHER_TAGS)}"
            if rng.random() < 0.3:
                text += f" #{rng.choice(OTHER_TAGS)}"
        kind = rng.random()
        images: list[tuple[str, str, tuple[int, int] | None]] = []
        quote = reply = None
        links: list[str] = []
        if kind < 0.2:
            images = [
                (cid(rng), _text(rng, lang)[:120] if rng.random() < 0.4 else "", (1200, 900))
                for _ in range(rng.choice((1, 1, 1, 2, 3, 4)))
            ]
        elif kind < 0.25:
            quote = f"at://{rng.choice(authors)}/{POST}/{tid(time_us - 10**8)}"
        elif kind < 0.32:
            url = f"https://example.org/news/{rng.randrange(10**6)}"
            text = f"{text} {url}"
            links.append(url)
        if rng.random() < 0.35:
            reply = f"at://{rng.choice(authors)}/{POST}/{tid(time_us - 10**7)}"
        record = post_record(
            text, tags=tags, langs=[lang], images=images, quote=quote, reply=reply, links=links,
            created_at="2025-11-24T16:00:00.000Z",
        )  # fmt: skip
        frame = commit_frame(
            author, time_us, operation="create", collection=POST, rkey=tid(time_us, n),
            record=record, record_cid=cid(rng, prefix="bafyrei"),
        )  # fmt: skip
        frames.append(frame.encode())
    return frames, wanted


def _profile(frame: Frame) -> Profile:
    return Profile(did=frame.did, handle=f"{frame.did[8:20]}.bsky.social", display_name="Someone")


def pick_all(frames: list[bytes], sieve: Sieve) -> list[Frame]:
    pick = sieve.pick
    return [f for f in map(pick, frames) if f is not None]


async def run_murmur(frames: list[bytes], rules: Rules, tmp: Path) -> Json:
    sieve = Sieve(EVENT.hashtags)
    t0 = time.perf_counter()
    picked = pick_all(frames, sieve)
    t1 = time.perf_counter()
    store = Store(tmp / "murmur.sqlite3")
    await store.open()
    await store.save_event(EVENT.slug, EVENT.title, "{}")
    try:
        t2 = time.perf_counter()
        stored = 0
        for frame in picked:
            assert frame.commit is not None and frame.commit.record is not None
            post = parse_post(
                frame.did, frame.commit.rkey, frame.commit.record, _profile(frame),
                time_us=frame.time_us,
            )  # fmt: skip
            safe, verdict = judge(post, rules)
            if await store.ingest(EVENT.slug, safe, verdict) is not None:
                stored += 1
        t3 = time.perf_counter()
    finally:
        await store.close()
    frame_s, post_s = t1 - t0, t3 - t2
    return {
        "matched": len(picked),
        "stored": stored,
        "frame_seconds": frame_s,
        "post_seconds": post_s,
        "frames_per_s": len(frames) / frame_s,
        "posts_per_s": len(picked) / post_s if picked else 0.0,
        "pipeline_frames_per_s": len(frames) / (frame_s + post_s),
    }


def run_baseline(frames: list[bytes], posts: list[Post], tmp: Path) -> Json:
    loads = json.loads
    t0 = time.perf_counter()
    for raw in frames:
        loads(raw)
    t1 = time.perf_counter()
    conn = sqlite3.connect(tmp / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, network TEXT, network_id TEXT, data TEXT,"
        " UNIQUE (network, network_id))"
    )
    import msgspec

    rows = [(p.network, p.network_id, msgspec.json.encode(p).decode()) for p in posts]
    t2 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO posts (network, network_id, data) VALUES (?, ?, ?)", rows)
    conn.execute("COMMIT")
    t3 = time.perf_counter()
    conn.close()
    return {
        "frames_per_s": len(frames) / (t1 - t0),
        "posts_per_s": len(rows) / (t3 - t2) if rows else 0.0,
    }


async def run_wire(frames: list[bytes], tmp: Path) -> Json:
    """Frames/s through the real connector, from the fake Jetstream over a local socket."""
    from tests.fakes.jetstream import Event, FakeBluesky, FakeJetstream
    from wall.fetch import Guard, make_session
    from wall.media import MediaStore
    from wall.settings import BlueskySource
    from wall.sources.bluesky import BlueskyFeed
    from wall.sources.context import Cursor, SourceContext

    store = Store(tmp / "wire.sqlite3")
    await store.open()
    await store.save_event(EVENT.slug, EVENT.title, "{}")
    guard = Guard(["127.0.0.0/8"])
    session = make_session(guard)
    try:
        async with FakeJetstream() as jetstream, FakeBluesky() as bluesky:
            for n, raw in enumerate(frames):  # retained, so a cursor replays them all
                jetstream.events.append(Event(n, n, POST, raw.decode()))
            author, rkey = "did:plc:" + "e" * 24, tid(len(frames))
            end = Event(len(frames), len(frames), POST, _last_frame(author, rkey), author, rkey)
            jetstream.events.append(end)
            ctx = SourceContext(
                event=EVENT,
                http=session,
                guard=guard,
                media=MediaStore(tmp / "media"),
                cursor=Cursor(store, EVENT.slug, "wire"),
                secret=lambda name: None,
            )
            await ctx.cursor.save("5000000")  # with the rewind: replay from the first frame
            settings = BlueskySource(jetstream=jetstream.url, appview=bluesky.url)
            feed = BlueskyFeed(settings, ctx, "wire", cdn=bluesky.url)
            feed.batch_seconds = 0.0
            posts = 0
            t0 = time.perf_counter()
            stream = feed.posts()
            try:
                async for post in stream:
                    posts += 1
                    if post.network_id == end.uri:
                        break
            finally:
                await stream.aclose()
            elapsed = time.perf_counter() - t0
    finally:
        await session.close()
        await store.close()
    return {"frames_per_s": (len(frames) + 1) / elapsed, "posts": posts, "seconds": elapsed}


def _last_frame(author: str, rkey: str) -> str:
    record = post_record("the end #JPO2026", created_at="2025-11-24T16:00:00.000Z")
    return commit_frame(author, 1, operation="create", collection=POST, rkey=rkey, record=record)


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = fn()
    print(f"  {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.01, help="frames with the tags")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wire", action="store_true", help="also measure over a websocket")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    print("generating the stream…", file=sys.stderr)
    frames, wanted = _timed("generated", lambda: make_stream(args.frames, args.share, args.seed))
    size = sum(map(len, frames)) / len(frames)
    rules = rules_for(EVENT)
    with tempfile.TemporaryDirectory(prefix="murmur-bench-") as name:
        tmp = Path(name)
        murmur = asyncio.run(run_murmur(frames, rules, tmp))
        if murmur["matched"] != wanted:
            sys.exit(f"the sieve kept {murmur['matched']} frames, {wanted} carry the tags")
        sieve = Sieve(EVENT.hashtags)
        posts = []
        for frame in pick_all(frames, sieve):
            assert frame.commit is not None and frame.commit.record is not None
            posts.append(
                judge(
                    parse_post(frame.did, frame.commit.rkey, frame.commit.record, _profile(frame)),
                    rules,
                )[0]
            )
        baseline = run_baseline(frames, posts, tmp)
        wire = asyncio.run(run_wire(frames, tmp)) if args.wire else None

    result = {
        "frames": len(frames),
        "mean_frame_bytes": round(size),
        "matching_frames": wanted,
        "murmur": murmur,
        "baseline": baseline,
        "ratio_frames": murmur["frames_per_s"] / baseline["frames_per_s"],
        "ratio_posts": murmur["posts_per_s"] / baseline["posts_per_s"] if posts else None,
        "assumed_network_posts_per_s": NETWORK_POSTS_PER_S,
        "headroom": murmur["pipeline_frames_per_s"] / NETWORK_POSTS_PER_S,
        "headroom_at_peak": murmur["pipeline_frames_per_s"] / NETWORK_PEAK_PER_S,
        "wire": wire,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    m, b = murmur, baseline
    print(
        f"{len(frames):,} frames (mean {size:.0f} bytes), {wanted} carrying #JPO2026 or "
        f"#CampusLife ({wanted / len(frames):.2%})\n"
        f"frames  murmur sieve (pre-check, decode, match) {m['frames_per_s']:>12,.0f} /s\n"
        f"        baseline json.loads of every frame      {b['frames_per_s']:>12,.0f} /s\n"
        f"        ratio                                   {result['ratio_frames']:>12.1f} ×\n"
        f"posts   murmur parse, sanitise, rules, store    {m['posts_per_s']:>12,.0f} /s"
        f"   ({m['stored']} stored)\n"
        f"        baseline executemany, one transaction   {b['posts_per_s']:>12,.0f} /s\n"
        f"        ratio                                   {result['ratio_posts'] or 0:>12.2f} ×\n"
        f"whole   murmur, frames through every stage      {m['pipeline_frames_per_s']:>12,.0f} /s\n"
        f"        headroom over ~{NETWORK_POSTS_PER_S} posts/s (assumed)     "
        f"{result['headroom']:>12,.0f} ×\n"
        f"        headroom over a ~{NETWORK_PEAK_PER_S}/s peak (assumed)      "
        f"{result['headroom_at_peak']:>12,.0f} ×"
    )
    if wire is not None:
        print(
            f"wire    real connector over a local websocket   {wire['frames_per_s']:>12,.0f} /s"
            f"   ({wire['posts']} posts)"
        )


if __name__ == "__main__":
    main()
