"""The store, plus what the moderation desk writes: pins, hidden pictures and answers, the
spotlight and undo; author blocks (``wall.store.blocks``) and the audit that reads it all
back (``wall.store.audit``) join them here.

Same rules as ``wall.store``: every change is compare-and-set, written with its log entry
in one transaction by the one writer thread, and published after commit.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from moderation import Status, Why
from moderation.flags import Change, InvalidChange, Published, Reply
from moderation.flags import change as change_flags
from wall.changes import decode_state
from wall.privacy_store import PrivacyStore
from wall.sql import Conn
from wall.store.audit import Audit
from wall.store.blocks import AuthorBlocks
from wall.store.errors import Conflict
from wall.store.rows import (
    POST_COLUMNS,
    flags_of,
    read_post,
    state_of,
    utc_now,
    view_of,
)
from wall.views import (
    WALL,
    AuthorBlocked,
    BlockedAuthor,
    LogEntry,
    PostView,
    Spotlight,
    SpotlightNow,
)

_blocked_decoder = msgspec.json.Decoder(AuthorBlocked)
_spotlight_decoder = msgspec.json.Decoder(Spotlight)


def _last_actor(conn: Conn, post_id: int) -> str | None:
    row = conn.execute(
        "SELECT actor FROM log WHERE post_id = ? AND action IS NOT NULL ORDER BY seq DESC LIMIT 1",
        (post_id,),
    ).fetchone()
    return row[0] if row else None


def _spotlight(conn: Conn, event: str) -> tuple[int, SpotlightNow] | None:
    """The seq and state of the spotlight showing now, if one is."""
    row = conn.execute(
        "SELECT seq, message FROM log WHERE event = ? AND type = 'spotlight'"
        " ORDER BY seq DESC LIMIT 1",
        (event,),
    ).fetchone()
    if row is None:
        return None
    message = _spotlight_decoder.decode(row[1])
    if message.id is None or message.until is None or message.until <= utc_now():
        return None
    post = conn.execute(
        f"SELECT {POST_COLUMNS} FROM posts WHERE id = ? AND status = ?",
        (message.id, Status.APPROVED.value),
    ).fetchone()
    if post is None:
        return None  # removed meanwhile: screens took it down
    return row[0], SpotlightNow(id=message.id, until=message.until, post=view_of(post))


# The actor of the log entries that say where an answer went on its network.
REPLIER = "murmur"


def _only_replier_since(conn: Conn, post_id: int, seq: int) -> bool:
    """Whether every change of the post after ``seq`` only said where its answer went."""
    other = conn.execute(
        "SELECT 1 FROM log WHERE post_id = ? AND seq > ? AND (actor IS NULL OR actor != ?) LIMIT 1",
        (post_id, seq, REPLIER),
    ).fetchone()
    return other is None


class DeskStore(PrivacyStore, AuthorBlocks, Audit):
    """``Store`` with the moderation desk's operations (see ``wall.desk``)."""

    # -- pins, pictures, answers, spotlight

    async def change(
        self,
        event: str,
        post_id: int,
        what: Change,
        *,
        actor: str,
        reason: str = "",
        text: str | None = None,
        replaces: datetime | None = None,
    ) -> tuple[int, PostView]:
        """Pin, unpin, hide or show media, write or withdraw the reply (see moderation.flags).

        Compare-and-set like ``act``: raises NotFound, or Conflict with the current post.
        """

        def work(conn: Conn) -> tuple[tuple[int, PostView], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            before = state_of(row)
            view = view_of(row)
            reply = Reply(text=text, by=actor, at=utc_now()) if text is not None else None
            try:
                flags = change_flags(
                    before.status,
                    before.flags,
                    what,
                    has_media=bool(view.media) or _link_picture(view),
                    reply=reply,
                    replaces=replaces,
                )
            except InvalidChange as exc:
                raise Conflict.of(exc, view, by=_last_actor(conn, post_id)) from None
            after = msgspec.structs.replace(before, flags=flags)
            view, entries = self._apply(
                conn, row, after, actor=actor, action=what.value, reason=reason
            )
            return (entries[-1].seq, view), entries

        return await self._run(work)

    async def set_published(
        self, event: str, post_id: int, reply_at: datetime, published: Published
    ) -> PostView | None:
        """Say where the answer written at ``reply_at`` went on the network (wall.replier).

        None when that answer is no longer the post's (edited or withdrawn meanwhile): the
        newer one has its own row in the outbox.
        """

        def work(conn: Conn) -> tuple[PostView | None, list[LogEntry]]:
            row = read_post(conn, event, post_id)
            before = state_of(row)
            reply = before.flags.reply
            if reply is None or reply.at != reply_at:
                return None, []
            flags = msgspec.structs.replace(
                before.flags, reply=msgspec.structs.replace(reply, published=published)
            )
            after = msgspec.structs.replace(before, flags=flags)
            view, entries = self._apply(
                conn, row, after, actor=REPLIER, action="reply-" + published.state,
                reason=published.url or published.why or "", undoable=False,
            )  # fmt: skip
            return view, entries

        return await self._run(work)

    async def note_reply(self, event: str, post_id: int, *, action: str, reason: str) -> None:
        """Log, for the audit, what became of a reply on its network once its answer left
        the post (deleted there, or not): the post itself does not change."""

        def work(conn: Conn) -> tuple[None, list[LogEntry]]:
            row = read_post(conn, event, post_id)
            _, entries = self._apply(
                conn, row, state_of(row), actor=REPLIER, action=action, reason=reason,
                undoable=False,
            )  # fmt: skip
            return None, entries

        await self._run(work)

    async def spotlight(
        self, event: str, post_id: int, *, actor: str, until: datetime, reason: str = ""
    ) -> tuple[int, PostView]:
        """Show an approved post full-screen on every screen until ``until``."""

        def work(conn: Conn) -> tuple[tuple[int, PostView], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            view = view_of(row)
            try:
                change_flags(view.status, flags_of(row), Change.SPOTLIGHT)
            except InvalidChange as exc:
                raise Conflict.of(exc, view, by=view.decided_by) from None
            entry = self._append(
                conn,
                event,
                "spotlight",
                post_id,
                WALL,
                actor,
                lambda s: Spotlight(seq=s, id=post_id, until=until, post=view, by=actor),
                action=Change.SPOTLIGHT.value,
                reason=reason or None,
            )
            return (entry.seq, view), [entry]

        return await self._run(work)

    async def end_spotlight(self, event: str, *, actor: str) -> int | None:
        """End the current spotlight now; ``None`` when none is showing."""

        def work(conn: Conn) -> tuple[int | None, list[LogEntry]]:
            if _spotlight(conn, event) is None:
                return None, []
            entry = self._end_spotlight(conn, event, actor, action="end-spotlight")
            return entry.seq, [entry]

        return await self._run(work)

    def _end_spotlight(
        self,
        conn: Conn,
        event: str,
        actor: str,
        *,
        action: str,
        post_id: int | None = None,
        reason: str | None = None,
        why: Why | None = None,
    ) -> LogEntry:
        return self._append(
            conn,
            event,
            "spotlight",
            post_id,
            WALL,
            actor,
            lambda s: Spotlight(seq=s, id=None, until=None, post=None, by=actor),
            action=action,
            reason=reason,
            why=why,
        )

    async def current_spotlight(self, event: str) -> SpotlightNow | None:
        """The post shown full-screen right now, if any (for a screen that connects)."""

        def read(conn: Conn) -> SpotlightNow | None:
            found = _spotlight(conn, event)
            return found[1] if found else None

        return await self._read(read)

    async def undo(
        self, event: str, post_id: int, *, actor: str, window: float
    ) -> tuple[int, list[PostView], BlockedAuthor | None]:
        """Revert ``actor``'s last action on a post, as a new logged change.

        Only when that action is still the post's last change and at most ``window``
        seconds old. An author block undoes as a whole: the rule is lifted and the posts it
        turned down come back (those changed since are left as they are). Returns the seq,
        the posts changed and the lifted block. Raises NotFound, or Conflict saying why not.
        """

        def work(
            conn: Conn,
        ) -> tuple[tuple[int, list[PostView], BlockedAuthor | None], list[LogEntry]]:
            row = read_post(conn, event, post_id)
            # Where the answer went on its network (REPLIER's entries) is no one's action:
            # the moderator's answer stays theirs to undo (wall.replier then withdraws it).
            last = conn.execute(
                "SELECT seq, actor, action, type, prior, batch, created_at, message FROM log"
                " WHERE event = ? AND post_id = ? AND action IS NOT NULL"
                " AND (actor IS NULL OR actor != ?)"
                " ORDER BY seq DESC LIMIT 1",
                (event, post_id, REPLIER),
            ).fetchone()
            if last is None or last[2] == "undo":
                raise Conflict(
                    "There is nothing to undo on this post.", view_of(row), code="nothing_to_undo"
                )
            if last[1] != actor:
                raise Conflict(
                    f"Cannot undo: {last[1]} acted on this post after you.",
                    view_of(row),
                    by=last[1],
                    code="undo_after_you",
                    params={"who": last[1]},
                )
            age = (utc_now() - datetime.fromisoformat(last[6])).total_seconds()
            if age > window:
                raise Conflict(
                    f"Too late to undo: an action can be undone for {window:g} seconds.",
                    view_of(row),
                    code="undo_too_late",
                    params={"seconds": window},
                )
            targets = (
                conn.execute(
                    "SELECT seq, action, type, prior, post_id, message FROM log"
                    " WHERE batch = ? ORDER BY seq",
                    (last[5],),
                ).fetchall()
                if last[5] is not None
                else [(last[0], last[2], last[3], last[4], post_id, last[7])]
            )
            entries: list[LogEntry] = []
            views: list[PostView] = []
            lifted: BlockedAuthor | None = None
            for seq, action, kind, prior, target_id, message in targets:
                why = f"undo of {action}"
                coded = Why(code="undo", params={"action": action})
                if kind == "spotlight":
                    current = _spotlight(conn, event)
                    if current is None or current[0] != seq:
                        raise Conflict(
                            "This spotlight is already over.", view_of(row), code="spotlight_over"
                        )
                    entries.append(
                        self._end_spotlight(
                            conn,
                            event,
                            actor,
                            action="undo",
                            post_id=target_id,
                            reason=why,
                            why=coded,
                        )
                    )
                elif kind == "author.blocked":
                    rule = _blocked_decoder.decode(message).rule
                    done = self._lift(
                        conn, event, rule.id, actor, action="undo", reason=why, why=coded
                    )
                    if done is not None:
                        lifted = done[0]
                        entries.append(done[1])
                elif prior is not None:
                    target = read_post(conn, event, target_id)
                    if target[9] != seq and not _only_replier_since(conn, target_id, seq):
                        if target_id != post_id:
                            continue  # changed since by someone else: left as it is
                        raise Conflict(
                            "Cannot undo: this post changed since your action.",
                            view_of(target),
                            by=_last_actor(conn, post_id),
                            code="undo_changed",
                        )
                    view, logged = self._apply(
                        conn,
                        target,
                        decode_state(prior),
                        actor=actor,
                        action="undo",
                        reason=why,
                        undoable=False,
                        why=coded,
                    )
                    views.append(view)
                    entries.extend(logged)
            if not entries:
                raise Conflict(
                    "There is nothing left to undo on this post.",
                    view_of(row),
                    code="nothing_left_to_undo",
                )
            return (entries[-1].seq, views, lifted), entries

        return await self._run(work)


def _link_picture(view: PostView) -> bool:
    """Whether the post's link card has a picture (hidden and shown with its pictures)."""
    return view.link is not None and view.link.image is not None
