"""Claims: a moderator who opens a card reserves it for a short while.

Claims are never logged (a restart forgets them, which is harmless: they last seconds).
A moderator holds at most one claim per event: opening another card moves it. A claim
lapses ``ttl`` seconds after it was last taken or renewed, and when its moderator leaves
the desk.

``ClaimBook`` is the interface; ``Claims`` keeps them in this process's memory (one
process), ``wall.shared.claims.RedisClaims`` in Redis (several processes: one winner per
post across all of them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Claim:
    post_id: int
    by: str
    until: float  # Unix time


class Held(Exception):
    """Someone else holds the post."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(f"{claim.by} holds post {claim.post_id}")
        self.claim = claim


class ClaimBook(Protocol):
    """Every event's claims. ``clock`` returns Unix time (a seam for tests)."""

    ttl: float
    clock: Callable[[], float]

    async def holder(self, event: str, post_id: int) -> Claim | None:
        """The live claim on a post, if any."""
        ...

    async def take(self, event: str, post_id: int, user: str) -> tuple[Claim, bool]:
        """Reserve a post for ``user`` (or renew their claim on it), releasing their other.

        Returns the claim and whether the event's claims changed in a way others should
        hear (a renewal only pushes ``until`` and is not worth a message). Raises Held.
        """
        ...

    async def release(self, event: str, post_id: int, user: str) -> bool:
        """Drop ``user``'s claim on a post; whether there was one."""
        ...

    async def drop_user(self, event: str, user: str) -> bool:
        """Drop every claim of ``user`` in an event (they left); whether there was one."""
        ...

    async def sweep(self) -> list[str]:
        """Forget lapsed claims; the events whose claims changed."""
        ...

    async def of(self, event: str) -> list[Claim]:
        """The event's live claims, by post."""
        ...


class Claims:
    """``ClaimBook`` in this process's memory: no await inside, so each call is atomic."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.clock = clock
        self._claims: dict[str, dict[int, Claim]] = {}

    async def holder(self, event: str, post_id: int) -> Claim | None:
        return self._live(event, post_id)

    def _live(self, event: str, post_id: int) -> Claim | None:
        claim = self._claims.get(event, {}).get(post_id)
        return claim if claim is not None and claim.until > self.clock() else None

    async def take(self, event: str, post_id: int, user: str) -> tuple[Claim, bool]:
        """Reserve a post for ``user`` (or renew their claim on it), releasing their other.

        Returns the claim and whether the event's claims changed in a way others should
        hear (a renewal only pushes ``until`` and is not worth a message). Raises Held.
        """
        claims = self._claims.setdefault(event, {})
        current = self._live(event, post_id)
        if current is not None and current.by != user:
            raise Held(current)
        changed = current is None
        for other in [c for c in claims.values() if c.by == user and c.post_id != post_id]:
            del claims[other.post_id]
            changed = True
        claim = Claim(post_id=post_id, by=user, until=self.clock() + self.ttl)
        claims[post_id] = claim
        return claim, changed

    async def release(self, event: str, post_id: int, user: str) -> bool:
        """Drop ``user``'s claim on a post; whether there was one."""
        claims = self._claims.get(event, {})
        claim = claims.get(post_id)
        if claim is None or claim.by != user:
            return False
        del claims[post_id]
        return True

    async def drop_user(self, event: str, user: str) -> bool:
        """Drop every claim of ``user`` in an event (they left); whether there was one."""
        claims = self._claims.get(event, {})
        mine = [post_id for post_id, c in claims.items() if c.by == user]
        for post_id in mine:
            del claims[post_id]
        return bool(mine)

    async def sweep(self) -> list[str]:
        """Forget lapsed claims; the events whose claims changed."""
        now = self.clock()
        changed = []
        for event, claims in self._claims.items():
            lapsed = [post_id for post_id, c in claims.items() if c.until <= now]
            for post_id in lapsed:
                del claims[post_id]
            if lapsed:
                changed.append(event)
        return changed

    async def of(self, event: str) -> list[Claim]:
        """The event's live claims, by post."""
        now = self.clock()
        return sorted(
            (c for c in self._claims.get(event, {}).values() if c.until > now),
            key=lambda c: c.post_id,
        )
