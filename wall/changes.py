"""A post's state as the moderation desk changes it, and the messages each change sends.

The store writes every change to a post as: the new state, compare-and-set on the
``updated_seq`` it read, plus one or two log entries. Which entries follow from where the
post was and where it goes, so that every client keeps its promise:

- a post that *leaves* the screens always sends ``post.removed`` (audience: everyone), so
  even a screen that knows no newer message takes it down;
- a post that *is* on the screens afterwards sends its full state to everyone
  (``post.approved`` when it arrives, ``post.updated`` when only its pin, media or reply
  changed);
- otherwise moderators alone get the full post (``post.queued``, ``post.rejected``,
  ``post.updated``).

The last entry of a change carries the moderator's action, reason and the state before
(``prior``), which is what undo restores.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from moderation import Status, Why
from moderation.flags import Flags


class PostState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything about a post a moderator can change, and nothing else."""

    status: Status
    reason: str
    rule: str
    decided_by: str | None
    decided_at: datetime | None
    flags: Flags = Flags()
    # ``reason`` as a code and facts, for pages that word it (None: older entries).
    why: Why | None = None


_state_encoder = msgspec.json.Encoder()
_state_decoder = msgspec.json.Decoder(PostState)


def encode_state(state: PostState) -> str:
    return _state_encoder.encode(state).decode()


def decode_state(text: str) -> PostState:
    return _state_decoder.decode(text)


def message_types(before: Status, after: Status) -> list[str]:
    """The log entries a change from ``before`` to ``after`` writes, in order."""
    if after is Status.APPROVED:
        return ["post.updated" if before is Status.APPROVED else "post.approved"]
    types = ["post.removed"] if before is Status.APPROVED else []
    if after is Status.REMOVED and types:
        return types
    if after is before or after is Status.REMOVED:
        return [*types, "post.updated"]
    return [*types, "post.queued" if after is Status.PENDING else "post.rejected"]


__all__ = ["PostState", "decode_state", "encode_state", "message_types"]
