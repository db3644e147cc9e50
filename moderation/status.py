"""A post's moderation status and the one table of moves between statuses."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REMOVED = "removed"


class Action(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REMOVE = "remove"
    RESTORE = "restore"


# The only moves a post can make. Anything else is an error a moderator can read.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.PENDING, Action.APPROVE): Status.APPROVED,
    (Status.PENDING, Action.REJECT): Status.REJECTED,
    (Status.REJECTED, Action.APPROVE): Status.APPROVED,
    (Status.APPROVED, Action.REMOVE): Status.REMOVED,
    (Status.REMOVED, Action.RESTORE): Status.APPROVED,
}

_WORDS = {
    Status.PENDING: "waiting for a decision",
    Status.APPROVED: "already approved and on the screens",
    Status.REJECTED: "already rejected",
    Status.REMOVED: "already removed from the screens",
}


class InvalidTransition(ValueError):
    """An action that the post's current status does not allow."""

    def __init__(self, current: Status, action: Action) -> None:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is current)
        hint = f"it can be: {', '.join(allowed)}" if allowed else "no action applies to it"
        super().__init__(f"Cannot {action.value} this post: it is {_WORDS[current]}; {hint}.")
        self.current = current
        self.action = action
        self.code = "transition"
        self.params = {"action": action.value, "status": current.value}


class ChangedMeanwhile(InvalidTransition):
    """The post is no longer in the status the moderator saw when they decided: another
    moderator (or the network) changed it meanwhile, so their decision is not applied,
    even where the new status would allow it (a reject, then a late approve)."""

    def __init__(self, current: Status, action: Action, seen: Status) -> None:
        ValueError.__init__(
            self,
            f"Cannot {action.value} this post: it was {seen.value} when you saw it and is"
            f" {_WORDS[current]} now; look at it again, then decide.",
        )
        self.current = current
        self.action = action
        self.code = "conflict"
        self.params = {"action": action.value, "status": current.value, "seen": seen.value}


def transition(current: Status, action: Action) -> Status:
    """Return the status ``action`` leads to from ``current``, or raise InvalidTransition."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise InvalidTransition(current, action) from None
