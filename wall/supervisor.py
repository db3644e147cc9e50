"""Runs every source of every event, restarts the ones that fail, and keeps their health.

A source is anything with ``posts()`` (see ``wall.sources``). When its iterator raises,
the supervisor waits with exponential backoff and full jitter (a random delay between 0
and ``min(cap, base × 2^failures)``), then starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from moderation import Post
from wall.sources import Source
from wall.sources.errors import SourceFailure

log = logging.getLogger(__name__)


@dataclass
class Health:
    """What moderators and organisers see about one source."""

    event: str
    source: str
    # connecting | live | reconnecting | rate limited | failing[: reason] | stopped
    state: str = "connecting"
    last_post_at: float | None = None
    last_error: str | None = None
    # ``last_error`` as a code (wall.sources.errors), for pages to word: "unexpected"
    # when the source failed in a way it did not foresee.
    error_code: str | None = None
    next_retry_at: float | None = None
    posts: int = 0
    # Items the source could not read and left out (a status, a frame, a feed entry):
    # each one is skipped and the source goes on.
    skipped: int = 0
    last_skipped: str | None = None
    failures: int = field(default=0, repr=False)


def backoff_delay(
    failures: int, *, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None
) -> float:
    """Full-jitter backoff: uniform between 0 and min(cap, base × 2^failures)."""
    ceiling = min(cap, base * (2 ** min(failures, 30)))
    return (rng or random).uniform(0, ceiling)


@contextlib.asynccontextmanager
async def _closing(posts: AsyncIterator[Post]) -> AsyncIterator[AsyncIterator[Post]]:
    """Close an async generator on exit (a cancelled source closes its socket at once)."""
    try:
        yield posts
    finally:
        aclose = getattr(posts, "aclose", None)
        if aclose is not None:
            await aclose()


class Supervisor:
    def __init__(
        self,
        ingest: Callable[[str, Post], Awaitable[object]],
        *,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
    ) -> None:
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._ingest = ingest
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.health: dict[tuple[str, str], Health] = {}

    def start(self, event: str, source: Source) -> None:
        key = (event, source.name)
        self.health[key] = Health(event=event, source=source.name)
        self._tasks[key] = asyncio.create_task(
            self._run(event, source), name=f"source {event}/{source.name}"
        )

    async def _run(self, event: str, source: Source) -> None:
        health = self.health[(event, source.name)]
        while True:
            health.state = "connecting"
            try:
                async with _closing(source.posts()) as posts:
                    async for post in posts:
                        health.state = "live"
                        health.next_retry_at = None
                        health.failures = 0
                        health.last_post_at = time.time()
                        health.posts += 1
                        await self._ingest(event, post)
                raise SourceFailure("the source ended; starting it again")
            except asyncio.CancelledError:
                health.state = "stopped"
                raise
            except SourceFailure as exc:
                health.failures += 1
                health.last_error = str(exc)
                health.error_code = exc.code
                health.state = exc.state
                if exc.retry_after is not None:
                    delay = exc.retry_after
                else:
                    base = self.backoff_base * (30.0 if exc.permanent else 1.0)
                    delay = backoff_delay(health.failures, base=base, cap=self.backoff_cap)
                health.next_retry_at = time.time() + delay
                log.warning(
                    "source %s/%s: %s; retrying in %.1fs",
                    event,
                    source.name,
                    health.last_error,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            except Exception as exc:
                health.failures += 1
                health.last_error = f"unexpected error: {type(exc).__name__}"
                health.error_code = "unexpected"
                log.exception("source %s/%s failed", event, source.name)
                delay = backoff_delay(health.failures, base=self.backoff_base, cap=self.backoff_cap)
                health.state = "failing"
                health.next_retry_at = time.time() + delay
                log.warning(
                    "source %s/%s failed (%s); retrying in %.1fs",
                    event,
                    source.name,
                    health.last_error,
                    delay,
                )
                await asyncio.sleep(delay)

    def mark_live(self, event: str, source: str) -> None:
        """A source reports it is connected and listening (no post needed)."""
        health = self.health.get((event, source))
        if health is not None:
            health.state = "live"
            health.next_retry_at = None
            health.failures = 0

    def mark_skipped(self, event: str, source: str, reason: str) -> None:
        """A source left out one item it could not read (``reason`` says which and why)."""
        health = self.health.get((event, source))
        if health is not None:
            health.skipped += 1
            health.last_skipped = reason[:300]

    async def stop_event(self, event: str) -> None:
        """Stop the sources of one event (the others keep running)."""
        keys = [k for k in self._tasks if k[0] == event]
        tasks = [self._tasks.pop(k) for k in keys]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for key in keys:
            self.health.pop(key, None)

    async def stop_source(self, event: str, source: str) -> None:
        """Stop one source (its process lost the lease on it: another one runs it now)."""
        task = self._tasks.pop((event, source), None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.health.pop((event, source), None)

    def running(self, event: str) -> list[str]:
        """The names of the event's sources running here."""
        return [name for (e, name) in self._tasks if e == event]

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    def health_of(self, event: str) -> list[Health]:
        return [h for (e, _), h in self.health.items() if e == event]
