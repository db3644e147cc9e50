"""What a moderator sets on a post besides its status: pinned, media hidden, the reply.

Values in, values out, like ``status.transition``: ``change(status, flags, what)`` returns
the post's new flags, or raises ``InvalidChange`` with a sentence a moderator can read.

- **pin** keeps an approved post on the screens; a removed post keeps its pin, so restoring
  it brings it back pinned.
- **hide-media** shows a post's text without its pictures, in any status.
- **spotlight** shows one approved post full-screen for a moment; it sets no flag.
- **reply** is the institution's answer, shown with the post. Writing it is
  compare-and-set on the reply being replaced (``replaces`` is its ``at``, or ``None``
  for the first one), so two moderators editing at once get one winner.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from moderation.status import Status

MAX_REPLY = 500


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """Where the answer went on the post's own network (see wall.replier)."""

    network: str
    # "sending" until the network took it, then "published"; "failed" for good.
    state: str
    # The reply on the network, once published.
    url: str | None = None
    # Why it could not be published: a code the desk words (``reply.why.<code>``).
    why: str | None = None


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    """The institution's answer to a post, as a moderator wrote it."""

    text: str
    by: str
    at: datetime
    # Also sent as a reply on the post's network, from the institution's account.
    published: Published | None = None


class Flags(msgspec.Struct, frozen=True, kw_only=True):
    pinned: bool = False
    media_hidden: bool = False
    reply: Reply | None = None


class Change(StrEnum):
    PIN = "pin"
    UNPIN = "unpin"
    HIDE_MEDIA = "hide-media"
    SHOW_MEDIA = "show-media"
    SPOTLIGHT = "spotlight"
    REPLY = "reply"
    WITHDRAW_REPLY = "withdraw-reply"


class InvalidChange(ValueError):
    """A change that the post's current state does not allow.

    ``code`` and ``params`` name the refusal for pages that word it in their reader's
    language (``error.<code>`` in the catalogues); the message is the English sentence.
    """

    def __init__(self, message: str, code: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _on_screen(status: Status, what: str) -> None:
    if status is not Status.APPROVED:
        raise InvalidChange(
            f"Cannot {what} this post: it is {status.value}, not on the screens; approve it first.",
            "not_on_screen",
            action=what,
            status=status.value,
        )


def change(
    status: Status,
    flags: Flags,
    what: Change,
    *,
    has_media: bool = True,
    reply: Reply | None = None,
    replaces: datetime | None = None,
) -> Flags:
    """Return the flags ``what`` leads to, or raise InvalidChange saying why not.

    ``reply`` is the new answer (for REPLY); ``replaces`` is the ``at`` of the answer the
    moderator saw (REPLY and WITHDRAW_REPLY), ``None`` when they saw none.
    """
    if what is Change.PIN:
        _on_screen(status, "pin")
        if flags.pinned:
            raise InvalidChange("This post is already pinned.", "already_pinned")
        return msgspec.structs.replace(flags, pinned=True)
    if what is Change.UNPIN:
        if not flags.pinned:
            raise InvalidChange("This post is not pinned.", "not_pinned")
        return msgspec.structs.replace(flags, pinned=False)
    if what is Change.SPOTLIGHT:
        _on_screen(status, "spotlight")
        return flags
    if what is Change.HIDE_MEDIA:
        if not has_media:
            raise InvalidChange("This post has no picture to hide.", "no_picture")
        if flags.media_hidden:
            raise InvalidChange("This post's pictures are already hidden.", "already_hidden")
        return msgspec.structs.replace(flags, media_hidden=True)
    if what is Change.SHOW_MEDIA:
        if not flags.media_hidden:
            raise InvalidChange("This post's pictures are not hidden.", "not_hidden")
        return msgspec.structs.replace(flags, media_hidden=False)
    current = flags.reply.at if flags.reply else None
    if current != replaces:
        if flags.reply:
            raise InvalidChange(
                "Someone else changed the answer to this post meanwhile: read it, then try again.",
                "reply_changed",
            )
        raise InvalidChange(
            "The answer you edited was withdrawn meanwhile: read the post, then try again.",
            "reply_withdrawn",
        )
    if what is Change.WITHDRAW_REPLY:
        if flags.reply is None:
            raise InvalidChange("This post has no answer to withdraw.", "no_reply")
        return msgspec.structs.replace(flags, reply=None)
    if reply is None or not reply.text.strip():
        raise InvalidChange("Write the answer first: it is empty.", "reply_empty")
    if len(reply.text) > MAX_REPLY:
        raise InvalidChange(
            f"The answer is too long: at most {MAX_REPLY} characters.",
            "reply_too_long",
            limit=MAX_REPLY,
        )
    return msgspec.structs.replace(flags, reply=reply)


__all__ = ["MAX_REPLY", "Change", "Flags", "InvalidChange", "Reply", "change"]
