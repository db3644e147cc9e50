"""An event's figures, read from the store: what came in, from where, how moderation went.

Computed on request from the posts table (nothing is counted twice or kept aside), so the
figures during the event and after it are the same numbers. Times are seconds.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

import msgspec

from wall.screen_log import ScreensAt, screens_over_time
from wall.sql import Conn
from wall.store.protocol import Database
from wall.store.rows import post_decoder

TOP = 10


class PerMinute(msgspec.Struct, kw_only=True):
    minute: str  # "2026-06-12T09:05" (UTC)
    network: str
    posts: int


class Moderator(msgspec.Struct, kw_only=True):
    name: str
    decisions: int
    # From the post's arrival to the moderator's decision, in seconds.
    median_seconds: float
    p90_seconds: float


class Contributor(msgspec.Struct, kw_only=True):
    network: str
    handle: str
    name: str
    approved: int


class QueueAt(msgspec.Struct, kw_only=True):
    minute: str
    # Posts waiting for a moderator at the end of that minute; it stays so until the next.
    waiting: int


class Figures(msgspec.Struct, kw_only=True):
    posts: int
    by_status: dict[str, int]
    by_network: dict[str, int]
    per_minute: list[PerMinute]
    # Posts waiting for a moderator now.
    queue: int
    # Approved among decided posts (0 to 1); None before any decision.
    approval_rate: float | None
    # What settled each post, by rule (mode, blocked_words, moderator…).
    by_rule: dict[str, int]
    # Why posts were turned down, by reason code (moderation.verdict.REASON_CODES).
    rejected_why: dict[str, int]
    # Time from arrival to a moderator's decision, in seconds.
    wait_median_seconds: float | None
    wait_p90_seconds: float | None
    moderators: list[Moderator]
    top_contributors: list[Contributor]
    answered: int
    # Answers also published as replies on their network, by network (wall.replier), and
    # those that could not be.
    published_replies: dict[str, int]
    unpublished_replies: int
    # From a post's arrival to the institution's answer, in seconds.
    answer_median_seconds: float | None
    # How the queue grew and emptied: one entry per minute in which it changed.
    queue_per_minute: list[QueueAt]
    # Screens online, the most seen in each minute with at least one.
    screens: list[ScreensAt]
    screens_peak: int


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _figures(conn: Conn, event: str) -> Figures:
    rows = conn.execute(
        "SELECT network, status, rule, decided_by, decided_at, received_at, why, data, reply"
        " FROM posts WHERE event = ?",
        (event,),
    ).fetchall()
    by_status: Counter[str] = Counter()
    by_network: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    rejected_why: Counter[str] = Counter()
    minutes: Counter[tuple[str, str]] = Counter()
    waits: list[float] = []
    per_moderator: defaultdict[str, list[float]] = defaultdict(list)
    approved_by: Counter[tuple[str, str]] = Counter()
    names: dict[tuple[str, str], str] = {}
    answered = 0
    published: Counter[str] = Counter()
    unpublished = 0
    answer_waits: list[float] = []
    queue_moves: Counter[str] = Counter()
    for network, status, rule, decided_by, decided_at, received_at, why, data, reply in rows:
        by_status[status] += 1
        by_network[network] += 1
        by_rule[rule] += 1
        minutes[(received_at[:16], network)] += 1
        if status in {"rejected", "removed"} and why:
            rejected_why[msgspec.json.decode(why)["code"]] += 1
        if status == "pending":
            queue_moves[received_at[:16]] += 1
        elif decided_by and decided_at:
            # A post a moderator decided waited in the queue until then.
            queue_moves[received_at[:16]] += 1
            queue_moves[decided_at[:16]] -= 1
        if decided_by and decided_at:
            seconds = (
                datetime.fromisoformat(decided_at) - datetime.fromisoformat(received_at)
            ).total_seconds()
            waits.append(max(0.0, seconds))
            per_moderator[decided_by].append(max(0.0, seconds))
        if status == "approved":
            author = post_decoder.decode(data).author
            key = (network, author.handle)
            approved_by[key] += 1
            names[key] = author.name
        answered += reply is not None
        if reply is not None:
            answer = msgspec.json.decode(reply)
            answer_waits.append(max(0.0, (
                datetime.fromisoformat(answer["at"]) - datetime.fromisoformat(received_at)
            ).total_seconds()))  # fmt: skip
            out = answer.get("published") or {}
            if out.get("state") == "published":
                published[str(out.get("network"))] += 1
            elif out.get("state") == "failed":
                unpublished += 1
    queue: list[QueueAt] = []
    waiting = 0
    for minute in sorted(queue_moves):
        waiting += queue_moves[minute]
        if not queue or queue[-1].waiting != waiting:
            queue.append(QueueAt(minute=minute, waiting=waiting))
    screens = screens_over_time(conn, event)
    decided = by_status["approved"] + by_status["rejected"] + by_status["removed"]
    return Figures(
        posts=len(rows),
        by_status=dict(by_status),
        by_network=dict(by_network),
        per_minute=[
            PerMinute(minute=minute, network=network, posts=count)
            for (minute, network), count in sorted(minutes.items())
        ],
        queue=by_status["pending"],
        approval_rate=round(by_status["approved"] / decided, 4) if decided else None,
        by_rule=dict(by_rule),
        rejected_why=dict(rejected_why),
        wait_median_seconds=statistics.median(waits) if waits else None,
        wait_p90_seconds=_p90(waits) if waits else None,
        moderators=sorted(
            (
                Moderator(
                    name=name,
                    decisions=len(times),
                    median_seconds=statistics.median(times),
                    p90_seconds=_p90(times),
                )
                for name, times in per_moderator.items()
            ),
            key=lambda m: (-m.decisions, m.name),
        ),
        top_contributors=[
            Contributor(network=network, handle=handle, name=names[(network, handle)], approved=n)
            for (network, handle), n in sorted(approved_by.items(), key=lambda kv: (-kv[1], kv[0]))[
                :TOP
            ]
        ],
        answered=answered,
        published_replies=dict(published),
        unpublished_replies=unpublished,
        answer_median_seconds=statistics.median(answer_waits) if answer_waits else None,
        queue_per_minute=queue,
        screens=screens,
        screens_peak=max((s.screens for s in screens), default=0),
    )


async def figures(store: Database, event: str) -> Figures:
    return await store.query(lambda conn: _figures(conn, event))


__all__ = ["Figures", "figures"]
