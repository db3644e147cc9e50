"""Which messages a change of a post sends, and whether the screens receive them.

The store writes every change to a post with one or two log entries. Which ones follows
from where the post was and where it goes, so that every client keeps its promise:

- a post that *leaves* the screens always sends ``post.removed`` (audience: everyone), so
  even a screen that knows no newer message takes it down;
- a post that *is* on the screens afterwards sends its full state to everyone
  (``post.approved`` when it arrives, ``post.updated`` when only its pin, media or reply
  changed);
- otherwise moderators alone get the full post (``post.queued``, ``post.rejected``,
  ``post.updated``).
"""

from __future__ import annotations

from moderation.status import Status

QUEUED = "post.queued"
APPROVED = "post.approved"
REJECTED = "post.rejected"
REMOVED = "post.removed"
UPDATED = "post.updated"


def message_types(before: Status, after: Status) -> list[str]:
    """The log entries a change from ``before`` to ``after`` writes, in order."""
    if after is Status.APPROVED:
        return [UPDATED if before is Status.APPROVED else APPROVED]
    types = [REMOVED] if before is Status.APPROVED else []
    if after is Status.REMOVED and types:
        return types
    if after is before or after is Status.REMOVED:
        return [*types, UPDATED]
    return [*types, QUEUED if after is Status.PENDING else REJECTED]


def arrival_type(status: Status) -> str:
    """The log entry of a new post stored with ``status`` (never removed: it was not shown)."""
    return {Status.APPROVED: APPROVED, Status.PENDING: QUEUED}.get(status, REJECTED)


def edit_types(before: Status, after: Status) -> list[str]:
    """The log entries of its author's edit, from ``before`` to ``after``.

    As ``message_types``, except that a post waiting before and after is queued again: the
    desks put the edited card back in the queue.
    """
    if before is Status.PENDING and after is Status.PENDING:
        return [QUEUED]
    return message_types(before, after)


def for_screens(kind: str, after: Status) -> bool:
    """Whether the screens (everyone) receive a message of type ``kind`` about a post whose
    status is now ``after``; if not, only the moderators do."""
    return kind in {APPROVED, REMOVED} or (kind == UPDATED and after is Status.APPROVED)


__all__ = [
    "APPROVED",
    "QUEUED",
    "REJECTED",
    "REMOVED",
    "UPDATED",
    "arrival_type",
    "edit_types",
    "for_screens",
    "message_types",
]
