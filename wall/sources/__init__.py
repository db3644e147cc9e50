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
    - it heals itself: a dropped connection or a failed request is retried inside the
      generator with exponential backoff and full jitter, honouring the network's rate-limit
      headers, and resumes from a cursor where the network offers one. It never raises a
      transport error to the caller;
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
