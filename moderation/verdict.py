"""What the rules say about a post: a decision, and why, in words a moderator reads."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Decision(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules say about a post, and why, in words a moderator reads on the card.

    ``rule`` names the rule that settled it (``blocked_words``, ``flood``, ``mode``…), so a
    screen can group or colour cards without parsing ``reason``.
    """

    decision: Decision
    reason: str
    rule: str


__all__ = ["Decision", "Verdict"]
