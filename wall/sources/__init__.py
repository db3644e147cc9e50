"""The source seam: where posts come from.

A source is anything with a ``name`` and a ``posts()`` async generator. The lifespan starts
one task per configured source and does ``async for post in source.posts()``; everything a
network needs (connecting, paging, cursors, polling, rate limits) stays inside the
generator. Each connector lives in its own module here, with a pure ``parse_*`` or
``make_*`` function that is tested without an event loop and an I/O loop around it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from moderation.post import Post


class Source(Protocol):
    """A connector that turns one network (or a generator) into a stream of posts.

    Contract of ``posts()``:

    - it yields parsed, normalised ``Post`` values, one per post, for as long as it is
      iterated; it ends only when cancelled (or, for a finite source, when exhausted);
    - it heals itself with the supervisor's help: on a dropped connection, an HTTP error or
      a stall it raises a ``wall.sources.errors.SourceFailure`` subclass (``Disconnected``,
      ``RateLimited`` with the network's ``retry_after``, ``BadCredentials``,
      ``NotFoundOnNetwork``) translated from the transport's exception; the supervisor
      records the health, waits (the network's instruction, else exponential backoff with
      full jitter) and iterates ``posts()`` again, which resumes from the cursor it saved
      (``ctx.cursor``) after each post was consumed. It never lets a transport exception
      (aiohttp, websockets) escape;
    - a payload it cannot parse is logged and skipped, never fatal;
    - the same post may be yielded again after a reconnect: ``(network, network_id)``
      identifies it, and ingest drops the duplicate.

    ``name`` identifies the source in logs and in the health shown to moderators.
    """

    name: str

    def posts(self) -> AsyncIterator[Post]:
        """Yield posts as they arrive, forever (an ``async def`` generator)."""
        ...


__all__ = ["Source"]
