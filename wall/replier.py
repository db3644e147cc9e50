"""Answers sent as replies on the networks, from the institution's accounts (docs/replies.md).

The desk writes the answer (the screens show it at once, whatever the network does), then
asks for it to go out: ``enqueue`` keeps it in the outbox with its idempotency key before
anything is sent. One task sends what is due, retries what failed for a reason worth
retrying (with the same key, after 2, 4, 8… seconds, at most ``MAX_ATTEMPTS`` times), and
records on the post where the reply went, or why it could not: the desks see it live. What
was waiting when Murmur stopped is sent after it starts again, with the same key.

Accounts come from the configuration file only (``[events.replies]``), their tokens from
the environment, like the sources' read tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

import aiohttp

from moderation.flags import Published
from wall import reply_bluesky, reply_mastodon, reply_outbox, reply_x
from wall.reply_outbox import Outgoing
from wall.settings import BlueskyReplies, EventSettings, MastodonReplies, XReplies
from wall.store import protocol
from wall.views import PostView

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# The longest reply each network takes, counted as it counts.
LIMITS = {
    "mastodon": reply_mastodon.MAX_CHARS,
    "bluesky": reply_bluesky.MAX_GRAPHEMES,
    "x": reply_x.MAX_WEIGHT,
}
# After a failed read of the outbox, try again this much later.
RETRY_READ_SECONDS = 5.0


class ReplyRefused(Exception):
    """This answer cannot go out on that network; ``code`` says why (reply.why.<code>)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Replier:
    def __init__(
        self,
        store: protocol.Replies,
        accounts: Callable[[str], EventSettings | None],
        read_env: Callable[[str], str | None],
        http: Callable[[], aiohttp.ClientSession | None],
        *,
        enabled: Callable[[str], bool] = lambda _event: True,
        alone: bool = True,
    ) -> None:
        self.store = store
        # The only Murmur process on its store: rows it leased before a crash are its own.
        self._alone = alone
        self._enabled = enabled  # the organiser's switch, per event
        self._accounts = accounts  # the file's settings of an event
        self._read_env = read_env
        self._http = http
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # How long one request may take, and the first wait before a retry (then doubled).
        self.timeout = reply_mastodon.TIMEOUT
        self.first_delay = 2.0

    # -- what the desk asks ------------------------------------------------------------

    def networks(self, event: str) -> list[str]:
        """The networks this event may answer on now: the organiser switched it on, an
        account is set in the file and its token is present."""
        if not self._enabled(event):
            return []
        ready = []
        for network in ("mastodon", "bluesky", "x"):
            account = self._account(event, network)
            if account is not None and all(map(self._read_env, account.variables())):
                ready.append(network)
        return ready

    def check(self, event: str, post: PostView, text: str) -> str:
        """The reply as it will be sent; raises ReplyRefused with a code and a sentence."""
        if post.network not in self.networks(event):
            raise ReplyRefused(
                "reply_network_unavailable",
                f"This event has no {post.network} account ready to answer from.",
            )
        # X addresses a reply to the post's author itself, outside the text.
        sent = (
            text if post.network == "x" else reply_mastodon.with_mention(text, post.author.handle)
        )
        if post.network == "x":
            count, name = reply_x.weighted_length(sent), "X"
        elif post.network == "bluesky":
            count, name = reply_bluesky.graphemes(sent), "Bluesky"
        else:
            count, name = reply_mastodon.length(sent), "Mastodon"
        limit = LIMITS[post.network]
        if count > limit:
            raise ReplyRefused(
                "reply_too_long_for_network",
                f"Too long for {name}: {count} of {limit} characters.",
            )
        return sent

    async def enqueue(self, event: str, post: PostView, text: str) -> PostView | None:
        """Keep the answer to send (its key first), and mark the post "sending"."""
        assert post.reply is not None
        await reply_outbox.enqueue(
            self.store, event=event, post_id=post.id, reply_at=post.reply.at.isoformat(),
            network=post.network, text=text, target=post.network_id,
            author=post.author.handle,
            key=reply_bluesky.new_rkey() if post.network == "bluesky" else None,
        )  # fmt: skip
        view = await self.store.set_published(
            event, post.id, post.reply.at, Published(network=post.network, state="sending")
        )
        self._wake.set()
        return view

    async def follow_edit(
        self, event: str, before: PostView, after: PostView, text: str
    ) -> PostView | None:
        """The answer was edited while its reply is on the network: edit it there too
        (Mastodon), or say that the network keeps the first text (Bluesky)."""
        out = before.reply.published if before.reply is not None else None
        found = await reply_outbox.last_published(self.store, event, before.id)
        if out is None or out.state != "published" or found is None or after.reply is None:
            return None
        network, remote_id = found
        if network in ("bluesky", "x"):
            kept = Published(network=network, state="published", url=out.url,
                             why="reply_edit_unsupported")  # fmt: skip
            return await self.store.set_published(event, after.id, after.reply.at, kept)
        await reply_outbox.enqueue(
            self.store, event=event, post_id=after.id, reply_at=after.reply.at.isoformat(),
            network=network, text=text, target=remote_id, author=after.author.handle,
            kind="edit",
        )  # fmt: skip
        view = await self.store.set_published(
            event, after.id, after.reply.at, Published(network=network, state="sending")
        )
        self._wake.set()
        return view

    async def follow_withdraw(self, event: str, before: PostView) -> bool:
        """The answer was withdrawn: what of it was not tried yet never goes
        out, and its reply on the network is deleted there, even while an edit of it is on
        its way (the outbox says what is published, not the card). A reply tried but not
        settled yet is deleted once it lands (``_send``). True when a deletion is on its
        way."""
        await reply_outbox.drop_untried(self.store, event, before.id)
        found = await reply_outbox.last_published(self.store, event, before.id)
        if found is None or before.reply is None:
            return False
        network, remote_id = found
        await reply_outbox.enqueue(
            self.store, event=event, post_id=before.id, reply_at=before.reply.at.isoformat(),
            network=network, text="", target=remote_id, author=before.author.handle,
            kind="delete",
        )  # fmt: skip
        self._wake.set()
        return True

    async def follow_undo(self, event: str, before: PostView, after: PostView) -> None:
        """An undo changed the post's answer: an answer undone is withdrawn from its network
        too (``follow_withdraw``); when an earlier answer comes back instead, the undone
        one's replies not tried yet never go out."""
        if before.reply is None or (after.reply is not None and after.reply.at == before.reply.at):
            return
        if after.reply is None:
            await self.follow_withdraw(event, before)
        else:
            await reply_outbox.drop_untried(self.store, event, before.id)

    # -- the sending task --------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="replier")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        if self._alone:
            try:
                await reply_outbox.release_leases(self.store)
            except Exception:
                log.exception("the outbox's leases could not be released")
        while True:
            try:
                await self.send_due()
            except Exception:  # one bad round is logged; the next one tries again
                log.exception("replies could not be sent this round")
            # Sleep until the next retry is due, or until the desk hands over a reply; with
            # nothing waiting, the store is not asked again until then.
            try:
                due_at = await reply_outbox.next_due(self.store)
            except Exception:
                log.exception("the outbox could not be read")
                due_at = time.time() + RETRY_READ_SECONDS
            delay = None if due_at is None else max(0.0, due_at - time.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            self._wake.clear()

    async def send_due(self) -> None:
        for row in await reply_outbox.due(self.store):
            await self._send(row)

    async def _send(self, row: Outgoing) -> None:
        account = self._account(row.event, row.network)
        secrets = self._secrets(account) if account else None
        http = self._http()
        if account is None or secrets is None or http is None:
            await self._settle(row, "failed", why="reply_network_unavailable")
            return
        if not await reply_outbox.begin(self.store, row):
            return  # another Murmur process is sending it
        try:
            sent = await self._act(row, account, secrets, http)
        except reply_mastodon.Refused as exc:
            log.warning("event %s: the reply to post %s was refused: %s", row.event,
                        row.post_id, exc)  # fmt: skip
            await self._fail(row, exc.code)
        except reply_mastodon.TryAgain as exc:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                await self._fail(row, "reply_unreachable")
            else:
                log.info("event %s: reply to post %s, will retry: %s", row.event, row.post_id,
                         exc)  # fmt: skip
                delay = min(300.0, self.first_delay * 2.0**row.attempts)
                await reply_outbox.retry_later(self.store, row, delay)
        else:
            if row.kind == "delete":
                await reply_outbox.settle(self.store, row, state="published")
                await reply_outbox.forget_published(self.store, row.event, row.post_id, row.target)
                log.info("event %s: the reply to post %s was deleted on %s", row.event,
                         row.post_id, row.network)  # fmt: skip
                await self._note(row, "reply-deleted", "")
            elif sent is not None:
                current = await self._settle(
                    row, "published", remote_id=sent.remote_id, url=sent.url
                )
                if current is None and row.kind == "reply":
                    await self._delete_orphan(row, sent.remote_id)

    async def _fail(self, row: Outgoing, why: str) -> None:
        await self._settle(row, "failed", why=why)
        if row.kind == "delete":
            # The wall no longer shows the answer, the network still does: the audit says
            # so, with the link, for someone to delete it there by hand.
            log.warning("event %s: the reply to post %s could not be deleted on %s: %s",
                        row.event, row.post_id, row.network, why)  # fmt: skip
            await self._note(row, "reply-delete-failed", why)

    async def _note(self, row: Outgoing, action: str, why: str) -> None:
        url = await reply_outbox.url_of(self.store, row.event, row.post_id, row.target)
        reason = " ".join(part for part in (url or row.target, f"({why})" if why else "") if part)
        await self.store.note_reply(row.event, row.post_id, action=action, reason=reason)

    async def _delete_orphan(self, row: Outgoing, remote_id: str) -> None:
        """A reply landed for an answer that is no longer the post's (withdrawn or replaced
        while it was on its way): the network must not keep what the wall does
        not show. (An edit that lands late needs nothing: a newer edit or a deletion of the
        same reply follows it in the outbox.)"""
        log.info("event %s: the reply to post %s landed after its answer changed; deleting",
                 row.event, row.post_id)  # fmt: skip
        await reply_outbox.enqueue(
            self.store, event=row.event, post_id=row.post_id, reply_at=row.reply_at,
            network=row.network, text="", target=remote_id, author=row.author, kind="delete",
            supersede=False,
        )  # fmt: skip
        self._wake.set()

    async def _act(
        self, row: Outgoing, account: MastodonReplies | BlueskyReplies | XReplies,
        secrets: tuple[str, ...], http: aiohttp.ClientSession,
    ) -> reply_mastodon.Sent | None:  # fmt: skip
        """Do what the row asks on its network; None for a deletion."""
        if isinstance(account, XReplies):
            keys = reply_x.Keys(*secrets)
            if row.kind == "delete":
                await reply_x.delete(
                    http, api=account.api, keys=keys, post_id=row.target, seconds=self.timeout
                )
                return None
            # X's API cannot edit a post: an edit never gets here (follow_edit).
            return await reply_x.publish(
                http, api=account.api, keys=keys, username=account.username,
                target=row.target, text=row.text, since=datetime.fromisoformat(row.reply_at),
                seconds=self.timeout,
            )  # fmt: skip
        (token,) = secrets
        if isinstance(account, BlueskyReplies):
            if row.kind == "delete":
                await reply_bluesky.delete(
                    http, pds=account.pds, handle=account.handle, password=token,
                    uri=row.target, seconds=self.timeout,
                )  # fmt: skip
                return None
            did = row.target.removeprefix("at://").split("/", 1)[0]
            return await reply_bluesky.publish(
                http, pds=account.pds, appview=account.appview, handle=account.handle,
                password=token, target=row.target, author=(row.author, did),
                text=row.text, rkey=row.key, seconds=self.timeout,
            )  # fmt: skip
        if row.kind == "delete":
            await reply_mastodon.delete(
                http, account.server, token, status_id=row.target, seconds=self.timeout
            )
            return None
        if row.kind == "edit":
            return await reply_mastodon.edit(
                http, account.server, token, status_id=row.target, text=row.text,
                seconds=self.timeout,
            )  # fmt: skip
        return await reply_mastodon.publish(
            http, account.server, token, target=row.target, text=row.text, key=row.key,
            seconds=self.timeout,
        )  # fmt: skip

    async def _settle(
        self, row: Outgoing, state: str, *, remote_id: str | None = None,
        url: str | None = None, why: str | None = None,
    ) -> PostView | None:  # fmt: skip
        """Record the outcome, on the row and on the post; None when the answer the row
        carried is no longer the post's."""
        await reply_outbox.settle(self.store, row, state=state, remote_id=remote_id, url=url,
                                  why=why)  # fmt: skip
        published = Published(network=row.network, state=state, url=url, why=why)
        return await self.store.set_published(
            row.event, row.post_id, datetime.fromisoformat(row.reply_at), published
        )

    def _secrets(
        self, account: MastodonReplies | BlueskyReplies | XReplies
    ) -> tuple[str, ...] | None:
        """The account's secrets (X has four), None unless all are set."""
        found = tuple(self._read_env(name) or "" for name in account.variables())
        return found if all(found) else None

    def _account(
        self, event: str, network: str
    ) -> MastodonReplies | BlueskyReplies | XReplies | None:
        settings = self._accounts(event)
        if settings is None:
            return None
        if network == "mastodon":
            return settings.replies.mastodon
        if network == "bluesky":
            return settings.replies.bluesky
        if network == "x":
            return settings.replies.x
        return None


__all__ = ["LIMITS", "Replier", "ReplyRefused"]
