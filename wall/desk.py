"""The moderation desk: several moderators, one truth.

The desk sits between the API and the store for everything moderators do. It keeps who is
online and who holds which card (in memory, or in Redis for several processes; pushed to
moderators as messages without a ``seq``: see ``LogEntry``), refuses an action on a card
someone else holds unless the moderator overrides (taking a post off the screens is never
held up), and keeps the authors moderators blocked, merged into the event's rules when
posts are decided.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from moderation import Action, AuthorAction, AuthorRule, Rules, Status
from moderation.flags import Change
from wall.bus import Bus
from wall.claims import Claim, ClaimBook, Claims, Held
from wall.presence import Presence, PresenceBook
from wall.settings import DeskSettings
from wall.store import Conflict, NotFound, protocol
from wall.views import (
    EPHEMERAL,
    MODERATE,
    BlockedAuthor,
    ClaimInfo,
    ClaimsChanged,
    LogEntry,
    Moderator,
    PostView,
    PresenceChanged,
    encode,
)

if TYPE_CHECKING:
    from wall.shared.notices import Notices

log = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0
BULK_ACTIONS = (Action.APPROVE, Action.REJECT, Action.REMOVE, Action.RESTORE)


class ClaimHeld(Exception):
    """Someone else holds the card: the action waits, or overrides."""

    def __init__(self, claim: Claim, clock: Callable[[], float]) -> None:
        left = max(1, round(claim.until - clock()))
        super().__init__(
            f"{claim.by} is working on this post (reserved for {left} more seconds): "
            "wait for their decision, or act anyway."
        )
        self.claim = claim


def claim_view(claim: Claim) -> ClaimInfo:
    return ClaimInfo(id=claim.post_id, by=claim.by, until=datetime.fromtimestamp(claim.until, UTC))


def block_rule(block: BlockedAuthor) -> AuthorRule:
    """A desk block as the pure core's author rule."""
    return AuthorRule(
        author=f"{block.network}:{block.handle}",
        action=AuthorAction.BLOCK,
        set_by=block.set_by,
        set_at=block.set_at,
        why=block.why,
        expires_at=block.expires_at,
    )


class Desk:
    def __init__(
        self,
        store: protocol.Desk,
        bus: Bus,
        settings: DeskSettings,
        *,
        clock: Callable[[], float] = time.time,
        claims: ClaimBook | None = None,
        presence: PresenceBook | None = None,
        notices: Notices | None = None,
    ) -> None:
        self.store = store
        self.bus = bus
        self.settings = settings
        self.claims: ClaimBook = claims or Claims(settings.claim_seconds, clock=clock)
        self.presence: PresenceBook = presence or Presence()
        # Several processes: how the other processes' desks hear of a change here.
        self.notices = notices
        self._listener: asyncio.Task[None] | None = None
        self._events: list[str] = []
        self._blocks: dict[str, tuple[AuthorRule, ...]] = {}
        self._merged: dict[str, tuple[Rules, Rules]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        # Told of each approval with its event and when handling began (wall.metrics).
        self.on_approved: Callable[[str, float], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, events: Iterable[str]) -> None:
        self._events = list(events)
        for slug in self._events:
            await self.reload_blocks(slug)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="murmur-desk-sweeper")
        if self.notices is not None:
            self._listener = asyncio.create_task(
                self.notices.listen(self._heard), name="murmur-desk-notices"
            )

    async def stop(self) -> None:
        for task in (self._sweeper, self._listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._sweeper = self._listener = None

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:  # one failed round is logged; the next one tries again
                log.exception("the desk's claims could not be swept")

    async def sweep(self) -> None:
        """Forget lapsed claims and departed desks, and tell moderators."""
        for slug in await self.claims.sweep():
            await self._publish_claims(slug)
        for slug in await self.presence.sweep():
            await self._publish_presence(slug)

    async def _heard(self, kind: str, slug: str | None) -> None:
        """Another process changed ``kind`` in ``slug`` (None: perhaps in any event)."""
        for event in [slug] if slug is not None else self._events:
            text = await (
                self.claims_text(event) if kind == "claims" else self.presence_text(event)
            )
            self._publish(event, text)

    # -- rules -----------------------------------------------------------------------------

    def rules(self, slug: str, base: Rules) -> Rules:
        """The event's rules with the desk's author blocks added (built once per change)."""
        blocks = self._blocks.get(slug, ())
        if not blocks:
            return base
        cached = self._merged.get(slug)
        if cached is not None and cached[0] is base:
            return cached[1]
        merged = dataclasses.replace(base, authors=(*base.authors, *blocks))
        self._merged[slug] = (base, merged)
        return merged

    async def reload_blocks(self, slug: str) -> None:
        self._blocks[slug] = tuple(block_rule(b) for b in await self.store.blocked_authors(slug))
        self._merged.pop(slug, None)

    # -- presence and claims ---------------------------------------------------------------

    async def join(self, slug: str, user: str, role: str) -> None:
        if await self.presence.join(slug, user, role):
            await self._publish_presence(slug)

    async def leave(self, slug: str, user: str) -> None:
        if await self.presence.leave(slug, user):
            await self._publish_presence(slug)
            if await self.claims.drop_user(slug, user):
                await self._publish_claims(slug)

    async def claim(self, slug: str, post_id: int, user: str) -> Claim:
        """Reserve a card for ``user``; raises ClaimHeld when someone else holds it."""
        try:
            claim, changed = await self.claims.take(slug, post_id, user)
        except Held as exc:
            raise ClaimHeld(exc.claim, self.claims.clock) from None
        if changed:
            await self._publish_claims(slug)
        return claim

    async def release(self, slug: str, post_id: int, user: str) -> None:
        if await self.claims.release(slug, post_id, user):
            await self._publish_claims(slug)

    async def check(self, slug: str, post_id: int, user: str, *, override: bool = False) -> None:
        """Raise ClaimHeld when someone else holds the card and ``override`` is not set."""
        if override:
            return
        claim = await self.claims.holder(slug, post_id)
        if claim is not None and claim.by != user:
            raise ClaimHeld(claim, self.claims.clock)

    async def moderators(self, slug: str) -> list[Moderator]:
        return [Moderator(name=user, role=role) for user, role in await self.presence.of(slug)]

    async def claim_views(self, slug: str) -> list[ClaimInfo]:
        return [claim_view(c) for c in await self.claims.of(slug)]

    async def claims_text(self, slug: str) -> str:
        return encode(ClaimsChanged(claims=await self.claim_views(slug)))

    async def presence_text(self, slug: str) -> str:
        return encode(PresenceChanged(moderators=await self.moderators(slug)))

    async def _publish_claims(self, slug: str) -> None:
        self._publish(slug, await self.claims_text(slug))
        if self.notices is not None:
            await self.notices.send("claims", slug)

    async def _publish_presence(self, slug: str) -> None:
        self._publish(slug, await self.presence_text(slug))
        if self.notices is not None:
            await self.notices.send("presence", slug)

    def _publish(self, slug: str, text: str) -> None:
        """To this process's moderators only: the others hear through ``notices``."""
        self.bus.publish([LogEntry(seq=EPHEMERAL, event=slug, audience=MODERATE, text=text)])

    async def _done(self, slug: str, post_id: int, user: str) -> None:
        """``user`` acted on the card: their reservation of it ends."""
        await self.release(slug, post_id, user)

    # -- actions ---------------------------------------------------------------------------

    async def act(
        self,
        slug: str,
        post_id: int,
        action: Action,
        *,
        user: str,
        reason: str = "",
        override: bool = False,
        seen: Status | None = None,
    ) -> tuple[int, PostView]:
        """Approve, reject, remove or restore; a removal is never held up by a claim.
        ``seen``: the status the moderator decided on (409 if it changed meanwhile)."""
        started = time.perf_counter()
        if action is not Action.REMOVE:
            await self.check(slug, post_id, user, override=override)
        result = await self.store.act(slug, post_id, action, actor=user, reason=reason, seen=seen)
        # The bus has handed the post to every screen's queue by now: publishing runs on
        # the loop before this coroutine resumes (see Store._run).
        if action is Action.APPROVE and self.on_approved is not None:
            self.on_approved(slug, started)
        await self._done(slug, post_id, user)
        return result

    async def change(
        self,
        slug: str,
        post_id: int,
        what: Change,
        *,
        user: str,
        reason: str = "",
        override: bool = False,
        text: str | None = None,
        replaces: datetime | None = None,
    ) -> tuple[int, PostView]:
        """Pin, unpin, hide or show media, write or withdraw the reply."""
        await self.check(slug, post_id, user, override=override or what is Change.HIDE_MEDIA)
        result = await self.store.change(
            slug, post_id, what, actor=user, reason=reason, text=text, replaces=replaces
        )
        await self._done(slug, post_id, user)
        return result

    async def spotlight(
        self,
        slug: str,
        post_id: int,
        *,
        user: str,
        seconds: int | None = None,
        reason: str = "",
        override: bool = False,
    ) -> tuple[int, PostView, datetime]:
        await self.check(slug, post_id, user, override=override)
        until = datetime.now(UTC) + timedelta(seconds=seconds or self.settings.spotlight_seconds)
        seq, view = await self.store.spotlight(
            slug, post_id, actor=user, until=until, reason=reason
        )
        await self._done(slug, post_id, user)
        return seq, view, until

    async def block_author(
        self,
        slug: str,
        post_id: int,
        *,
        user: str,
        why: str = "",
        remove_shown: bool = False,
        expires_at: datetime | None = None,
        override: bool = False,
    ) -> tuple[int, BlockedAuthor, list[PostView]]:
        await self.check(slug, post_id, user, override=override)
        result = await self.store.block_author(
            slug, post_id, actor=user, why=why, remove_shown=remove_shown, expires_at=expires_at
        )
        await self.reload_blocks(slug)
        await self._done(slug, post_id, user)
        return result

    async def lift_block(self, slug: str, rule_id: int, *, user: str) -> tuple[int, BlockedAuthor]:
        result = await self.store.lift_block(slug, rule_id, actor=user)
        await self.reload_blocks(slug)
        return result

    async def undo(self, slug: str, post_id: int, *, user: str) -> tuple[int, list[PostView]]:
        """Revert ``user``'s last action on the post, within ``undo_seconds``."""
        seq, views, lifted = await self.store.undo(
            slug, post_id, actor=user, window=self.settings.undo_seconds
        )
        if lifted is not None:
            await self.reload_blocks(slug)
        return seq, views

    async def bulk(
        self,
        slug: str,
        action: Action,
        ids: list[int],
        *,
        user: str,
        reason: str = "",
        override: bool = False,
    ) -> list[BulkResult]:
        """One action on several posts, each compare-and-set on its own."""
        results = []
        for post_id in dict.fromkeys(ids):
            try:
                seq, view = await self.act(
                    slug, post_id, action, user=user, reason=reason, override=override
                )
            except NotFound:
                results.append(
                    BulkResult(
                        id=post_id,
                        status=404,
                        error="There is no such post.",
                        code="no_post",
                        params={"id": post_id},
                    )
                )
            except Conflict as exc:
                who = f" (by {exc.by})" if exc.by else ""
                results.append(
                    BulkResult(
                        id=post_id,
                        status=409,
                        error=f"{exc}{who}",
                        code=exc.code,
                        params={**exc.params, **({"by": exc.by} if exc.by else {})},
                        post=exc.post,
                    )
                )
            except ClaimHeld as exc:
                results.append(
                    BulkResult(
                        id=post_id,
                        status=409,
                        error=str(exc),
                        code="claim_held",
                        params={"who": exc.claim.by},
                        claim=claim_view(exc.claim),
                    )
                )
            else:
                results.append(BulkResult(id=post_id, status=200, seq=seq, post=view))
        return results


class BulkResult(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What one post of a bulk action came to: ``status`` as if it were its own request."""

    id: int
    status: int
    seq: int | None = None
    post: PostView | None = None
    error: str | None = None
    # ``error`` as a code and facts, as in any API refusal (wall/web/errors.py).
    code: str | None = None
    params: dict[str, Any] | None = None
    claim: ClaimInfo | None = None
