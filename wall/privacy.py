"""Privacy for the people on the wall: erase one person everywhere, tell them what Murmur
holds, and forget an event's posts N days after they came in (see docs/privacy.md).

The store does the erasing in one transaction (``wall.privacy_store``); here the rest of
"everywhere" happens: the pictures only those posts used leave the media cache, the spam
rules' memory of the events concerned is dropped, and the retention runs on schedule.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from wall.privacy_store import Person, Receipt
from wall.sql import Conn
from wall.views import PostView

if TYPE_CHECKING:
    from wall.hub import Hub

log = logging.getLogger(__name__)

# How often the retention looks for posts past their time.
RETENTION_EVERY = timedelta(hours=1)


class PersonData(msgspec.Struct, kw_only=True):
    """Everything Murmur holds about one person (an access request's answer)."""

    person: Person
    at: datetime
    posts: list[PostView]
    # Author blocks naming them, by event: who set each, when and why.
    blocks: list[dict[str, Any]]


async def _still_used(hub: Hub, url: str) -> bool:
    """Whether a remaining post or an announcement of any event uses the picture."""
    stem = url.removeprefix("/media/").split("-", 1)[0].removesuffix(".webp")
    needle = f"/media/{stem}"

    def read(conn: Conn) -> bool:
        row = conn.execute("SELECT 1 FROM posts WHERE instr(data, ?) > 0 LIMIT 1", (needle,))
        return row.fetchone() is not None

    if await hub.store.query(read):
        return True
    for slug in hub.events:
        display = await hub.display(slug)
        if any(needle in (a.image or "") for a in display.announcements):
            return True
    return False


async def _out_of_the_log(hub: Hub) -> None:
    """Empty SQLite's write-ahead log, which still holds the erased rows as they were."""
    for _ in range(50):
        if await hub.store.checkpoint():
            return
        await asyncio.sleep(0.02)
    log.warning("privacy: the write-ahead log could not be emptied now; SQLite will soon")


async def _forget_pictures(hub: Hub, urls: set[str]) -> int:
    """Delete the pictures nothing else uses; how many pictures went."""
    deleted = 0
    for url in sorted(urls):
        if await _still_used(hub, url):
            continue
        files: int = await asyncio.to_thread(hub.media.forget, url)
        deleted += 1 if files else 0
    return deleted


async def erase(hub: Hub, person: Person, *, actor: str) -> Receipt:
    """Erase ``person`` from every event, the media cache and every page; the receipt."""
    receipt, pictures = await hub.store.erase(person, actor=actor)
    await _out_of_the_log(hub)
    receipt.pictures = await _forget_pictures(hub, pictures)
    for slug in {post.event for post in receipt.posts}:
        hub.history.pop(slug, None)  # the spam rules' memory holds their words
    log.info(
        "privacy: %s erased %d post(s) and %d picture(s) (receipt %s)",
        actor,
        len(receipt.posts),
        receipt.pictures,
        receipt.number,
    )
    return receipt


async def access(hub: Hub, person: Person) -> PersonData:
    """Everything Murmur holds about ``person``: their posts everywhere, blocks naming them."""
    posts = await hub.store.posts_of(person)
    blocks: list[dict[str, Any]] = []
    for slug in hub.events:
        for rule in await hub.store.blocked_authors(slug):
            if (
                person.handle
                and rule.network == person.network
                and (rule.handle == person.handle.strip().lstrip("@").casefold())
            ):
                blocks.append({"event": slug, **msgspec.to_builtins(rule)})
    return PersonData(person=person, at=datetime.now(UTC), posts=posts, blocks=blocks)


async def apply_retention(hub: Hub, now: datetime | None = None) -> list[Receipt]:
    """Erase, in every event that keeps posts for N days, those received before that."""
    now = now or datetime.now(UTC)
    receipts = []
    for slug, event in hub.events.items():
        days = event.privacy.retention_days
        if days <= 0:
            continue
        receipt, pictures = await hub.store.erase_older(
            slug, now - timedelta(days=days), actor="retention"
        )
        if not receipt.posts:
            continue
        await _out_of_the_log(hub)
        receipt.pictures = await _forget_pictures(hub, pictures)
        hub.history.pop(slug, None)
        log.info(
            "privacy: retention of %d day(s) erased %d post(s) and %d picture(s) of %s",
            days,
            len(receipt.posts),
            receipt.pictures,
            slug,
        )
        receipts.append(receipt)
    return receipts


async def retention_loop(hub: Hub, every: timedelta = RETENTION_EVERY) -> None:
    """Run the retention now, then every ``every``, until cancelled."""
    while True:
        try:
            await apply_retention(hub)
        except Exception:  # one failed round is logged; the next one tries again
            log.exception("privacy: the retention round failed")
        await asyncio.sleep(every.total_seconds())


__all__ = ["PersonData", "access", "apply_retention", "erase", "retention_loop"]
