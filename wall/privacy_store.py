"""Erasing a person, and what Murmur holds about them, in the store (see docs/privacy.md).

A person is an author on one network (``network`` and ``handle``, compared as author
blocks compare them), or the attendee's device behind a post from the attendees' page.
Erasing them, in one transaction, across every event:

- deletes their posts;
- rewrites every log entry about those posts as a bare ``post.removed`` with
  ``erased: true`` (no text, no reason, no state before), so that a screen or a desk
  resuming with ``?since=`` from before the erasure never receives the words again;
- appends one ``post.removed`` (``erased: true``) per post for every connected page: the
  screens take it down, the desks forget the card, within the same broadcast;
- writes one audit line per event: who erased, how many posts, and the receipt's number,
  never the person.

Author blocks naming the person are kept: they are the event's protection, and name only
a handle (the receipt says so). The media files the posts used are returned for the
caller to delete once nothing else uses them.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec

from moderation import Post, Why
from wall.announce_store import AnnounceStore
from wall.sql import Conn
from wall.store.rows import POST_COLUMNS, post_decoder, utc_now, view_of
from wall.views import MODERATE, WALL, Erased, LogEntry, PostRemoved, PostView, encode

# Network ids of posts from the attendees' page start with 16 hex digits of the device's
# hash and a dash (wall.web.submit.device_prefix).
_DEVICE_PREFIX_LENGTH = 17


def author_key(handle: str) -> str:
    """How handles compare: no leading ``@``, case-insensitive (as author blocks do)."""
    return handle.strip().lstrip("@").casefold()


class Person(msgspec.Struct, frozen=True, kw_only=True):
    """Whom to find: an author on a network, or the device behind an attendee's post."""

    network: str
    handle: str = ""
    # For "submit": the device's prefix of its posts' network ids (wall.web.submit).
    device: str = ""


class ErasedPost(msgspec.Struct, frozen=True, kw_only=True):
    event: str
    id: int
    status: str
    received_at: datetime


class Receipt(msgspec.Struct, kw_only=True):
    """What an erasure removed, for the organiser to keep (it is not kept by Murmur)."""

    number: str
    at: datetime
    by: str
    person: Person
    posts: list[ErasedPost]
    log_entries: int
    pictures: int = 0
    # What stays, and why (an author block: the event's protection).
    kept: list[str] = []


def media_urls(post: Post) -> set[str]:
    """The ``/media/…`` pictures a post uses: its own, its author's avatar, its emoji, its
    link card's."""
    urls = {m.url for m in post.media} | {e.url for e in post.emoji}
    if post.link is not None and post.link.image is not None:
        urls.add(post.link.image.url)
    if post.author.avatar_url:
        urls.add(post.author.avatar_url)
    return {url for url in urls if url.startswith("/media/")}


def _matches(person: Person, network: str, network_id: str, post: Post) -> bool:
    if network != person.network:
        return False
    if person.device:
        return network_id.startswith(person.device)
    return bool(person.handle) and author_key(post.author.handle) == author_key(person.handle)


def person_behind(post: PostView) -> Person:
    """The person who wrote ``post``: its author, or for the attendees' page, its device."""
    device = post.network_id[:_DEVICE_PREFIX_LENGTH]
    if post.network == "submit" and device.endswith("-") and len(post.network_id) > len(device):
        return Person(network="submit", handle=post.author.handle, device=device)
    return Person(network=post.network, handle=post.author.handle)


def _removal(post_id: int, seq: int) -> PostRemoved:
    return PostRemoved(seq=seq, id=post_id, by=None, erased=True)


def _erased(count: int, seq: int) -> Erased:
    return Erased(seq=seq, count=count)


class PrivacyStore(AnnounceStore):
    """The store's erasures and lookups of one person (see the module's docstring)."""

    def _rows_of(
        self, conn: Conn, person: Person, *, event: str | None = None
    ) -> list[Sequence[Any]]:
        query = f"SELECT {POST_COLUMNS}, network_id FROM posts WHERE network = ?"
        args: list[Any] = [person.network]
        if event is not None:
            query += " AND event = ?"
            args.append(event)
        rows = conn.execute(query + " ORDER BY id", args).fetchall()
        return [
            row[:-1]
            for row in rows
            if _matches(person, person.network, row[-1], post_decoder.decode(row[3]))
        ]

    async def posts_of(self, person: Person) -> list[PostView]:
        """Every post of ``person``, in every event, oldest first."""
        return await self._read(lambda conn: [view_of(r) for r in self._rows_of(conn, person)])

    async def erase(self, person: Person, *, actor: str) -> tuple[Receipt, set[str]]:
        """Erase ``person`` everywhere; the receipt, and the pictures their posts used."""
        return await self._erase(lambda conn: self._rows_of(conn, person), person, actor)

    async def erase_older(
        self, event: str, before: datetime, *, actor: str = "retention"
    ) -> tuple[Receipt, set[str]]:
        """Erase an event's posts received before ``before`` (the retention rule)."""

        def rows(conn: Conn) -> list[Sequence[Any]]:
            return list(
                conn.execute(
                    f"SELECT {POST_COLUMNS} FROM posts WHERE event = ? AND received_at < ?"
                    " ORDER BY id",
                    (event, before.isoformat()),
                ).fetchall()
            )

        return await self._erase(rows, Person(network="*"), actor)

    async def _erase(
        self,
        find: Any,
        person: Person,
        actor: str,
    ) -> tuple[Receipt, set[str]]:
        number = secrets.token_hex(4)

        def work(conn: Conn) -> tuple[tuple[Receipt, set[str]], list[LogEntry]]:
            rows = find(conn)
            pictures: set[str] = set()
            erased: list[ErasedPost] = []
            for row in rows:
                pictures |= media_urls(post_decoder.decode(row[3]))
                erased.append(
                    ErasedPost(
                        event=row[1],
                        id=row[0],
                        status=row[2],
                        received_at=datetime.fromisoformat(row[8]),
                    )
                )
            scrubbed = self._scrub(conn, [p.id for p in erased])
            entries = self._announce(conn, erased, actor, number)
            kept = self._kept(conn, person)
            receipt = Receipt(
                number=number,
                at=utc_now(),
                by=actor,
                person=person,
                posts=erased,
                log_entries=scrubbed,
                kept=kept,
            )
            return (receipt, pictures), entries

        return await self._run(work)

    def _scrub(self, conn: Conn, ids: Sequence[int]) -> int:
        """Delete the posts and rewrite every log entry about them as a bare removal."""
        count = 0
        for post_id in ids:
            rows = conn.execute("SELECT seq FROM log WHERE post_id = ?", (post_id,)).fetchall()
            for (seq,) in rows:
                bare = encode(PostRemoved(seq=seq, id=post_id, by=None, erased=True))
                conn.execute(
                    "UPDATE log SET type = 'post.removed', message = ?, reason = NULL,"
                    " why = NULL, prior = NULL WHERE seq = ?",
                    (bare, seq),
                )
                count += 1
            conn.execute("DELETE FROM posts WHERE id = ?", (post_id,))
        return count

    def _announce(
        self, conn: Conn, erased: Iterable[ErasedPost], actor: str, number: str
    ) -> list[LogEntry]:
        """One removal per post for every page, and one audit line per event."""
        entries: list[LogEntry] = []
        counts: dict[str, int] = {}
        for post in erased:
            counts[post.event] = counts.get(post.event, 0) + 1
            entries.append(
                self._append(
                    conn,
                    post.event,
                    "post.removed",
                    post.id,
                    WALL,
                    None,
                    functools.partial(_removal, post.id),
                )
            )
        for event, count in counts.items():
            entries.append(
                self._append(
                    conn,
                    event,
                    "privacy.erased",
                    None,
                    MODERATE,
                    actor,
                    functools.partial(_erased, count),
                    action="erase",
                    reason=f"{count} post(s) erased (receipt {number})",
                    why=Why(code="erased", params={"count": count, "receipt": number}),
                )
            )
        return entries

    def _kept(self, conn: Conn, person: Person) -> list[str]:
        if not person.handle:
            return []
        rows = conn.execute(
            "SELECT event, id FROM author_rules WHERE network = ? AND handle = ?"
            " AND lifted_at IS NULL",
            (person.network, author_key(person.handle)),
        ).fetchall()
        return [f"author block {rule_id} in {event}" for event, rule_id in rows]


__all__ = ["ErasedPost", "Person", "PrivacyStore", "Receipt", "media_urls", "person_behind"]
