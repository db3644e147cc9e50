"""A post's moderation state, and the decisions that change it.

Each function takes the state before and what happened (a moderator's action, an author
block, the rules' verdict on a new post or on its author's edit, the author's deletion on
the network) and returns the state after, with the messages it sends
(``moderation.messages``). The store reads, writes and logs; it decides nothing.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from moderation.flags import Flags
from moderation.messages import edit_types, message_types
from moderation.post import Post
from moderation.status import Action, ChangedMeanwhile, Status, transition
from moderation.verdict import Decision, Verdict, Why


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


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What the network or the rules decided about a stored post, on their own (no one
    decided it: ``decided_by`` stays empty), and the messages it sends, in order."""

    status: Status
    reason: str
    rule: str
    decided_at: datetime | None
    why: Why
    types: tuple[str, ...]


_STATUS_OF = {
    Decision.APPROVE: Status.APPROVED,
    Decision.HOLD: Status.PENDING,
    Decision.REJECT: Status.REJECTED,
}

_DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.REMOVE: "removed",
    Action.RESTORE: "restored",
}


def arrived(decision: Decision) -> Status:
    """The status a new post is stored with, after the rules' ``decision``."""
    return _STATUS_OF[decision]


def decided(
    before: PostState,
    action: Action,
    *,
    by: str,
    note: str,
    at: datetime,
    seen: Status | None = None,
) -> PostState:
    """A moderator's ``action`` (with their ``note``, maybe empty); raises
    InvalidTransition when the post's status does not allow it, and ChangedMeanwhile when
    ``seen`` (the status the moderator decided on, when they said) is no longer its status:
    of two moderators deciding one post at once, exactly one decision is applied."""
    if seen is not None and before.status is not seen:
        raise ChangedMeanwhile(before.status, action, seen)
    return msgspec.structs.replace(
        before,
        status=transition(before.status, action),
        reason=note or f"{_DONE[action]} by {by}",
        why=(
            Why(code="note", params={"text": note})
            if note
            else Why(code="decided", params={"action": action.value, "by": by})
        ),
        rule="moderator",
        decided_by=by,
        decided_at=at,
    )


def blocked(before: PostState, *, by: str, note: str, at: datetime) -> PostState:
    """A post of an author that moderator ``by`` blocks: turned down if it waits, taken off
    the screens if shown."""
    return msgspec.structs.replace(
        before,
        status=(Status.REJECTED if before.status is Status.PENDING else Status.REMOVED),
        reason=f"author blocked by {by}" + (f": {note}" if note else ""),
        why=Why(code="author_blocked_by", params={"by": by, **({"note": note} if note else {})}),
        rule="moderator",
        decided_by=by,
        decided_at=at,
    )


def edited(stored: Post, arriving: Post) -> bool:
    """Whether a post delivered again was edited by its author.

    Only what the author writes counts: a second delivery that differs in what Murmur
    fetched (a picture that failed once, an avatar) is a duplicate, not an edit.
    """
    return (stored.text, stored.content_warning, stored.sensitive) != (
        arriving.text,
        arriving.content_warning,
        arriving.sensitive,
    )


def revised(current: Status, verdict: Verdict, *, at: datetime) -> Outcome | None:
    """Its author edited a post, and the rules gave ``verdict`` on the new text.

    A pending post stays pending (or is rejected if the edit breaks a rule). An approved
    post stays on the screens, updated, only if the rules approve the new text (as in
    post-moderation); otherwise it leaves the screens and goes back to the queue (or is
    rejected). A rejected or removed post keeps its status: ``None`` (the new text is kept).
    """
    if current in {Status.REJECTED, Status.REMOVED}:
        return None
    if verdict.decision is Decision.REJECT:
        new = Status.REJECTED
    elif current is Status.APPROVED and verdict.decision is Decision.APPROVE:
        new = Status.APPROVED
    else:
        new = Status.PENDING
    then = msgspec.to_builtins(verdict.why) if verdict.why else None
    return Outcome(
        status=new,
        reason=f"edited by its author: {verdict.reason}",
        rule=verdict.rule,
        decided_at=None if new is Status.PENDING else at,
        why=Why(code="edited", params={"then": then} if then else {}),
        types=tuple(edit_types(current, new)),
    )


def withdrawn(current: Status, network: str, *, at: datetime) -> Outcome | None:
    """Its author deleted a post on ``network``: a pending post is rejected, an approved
    one removed; ``None`` for a post already rejected or removed (left alone)."""
    action = {Status.PENDING: Action.REJECT, Status.APPROVED: Action.REMOVE}.get(current)
    if action is None:
        return None
    new = transition(current, action)
    return Outcome(
        status=new,
        reason=f"deleted by its author on {network}",
        rule="network",
        decided_at=at,
        why=Why(code="deleted_on_network", params={"network": network}),
        types=tuple(message_types(current, new)),
    )


__all__ = [
    "Outcome",
    "PostState",
    "arrived",
    "blocked",
    "decided",
    "edited",
    "revised",
    "withdrawn",
]
