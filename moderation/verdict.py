"""What the rules say about a post: a decision, and why, in words a moderator reads."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec


class Decision(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"


class Why(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A reason as a stable code and its parameters, for pages to word in their reader's
    language (``reason.<code>`` in the pages' catalogues; see docs/protocol.md).

    Parameters are the reason's facts, never sentences: names and words as written,
    numbers, ISO times, language codes. ``note`` reasons carry a moderator's own words.
    """

    code: str
    params: dict[str, Any] = {}


# Every code a reason may carry: the rules' and the store's. The pages word each one (a
# browser test checks that both catalogues cover this list, case by case).
REASON_CODES = frozenset(
    {
        "author_blocked", "author_held", "author_trusted", "word", "word_list",
        "required_hashtags", "sensitive", "language", "bot", "account_age", "other_event",
        "repeat_same", "repeat_other", "flood", "mode_post", "mode_pre",
        "decided", "note", "edited", "deleted_on_network", "author_blocked_by", "not_accepted",
        "undo", "erased",
    }
)  # fmt: skip


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules say about a post, and why, in words a moderator reads on the card.

    ``rule`` names the rule that settled it (``blocked_words``, ``flood``, ``mode``…), so a
    screen can group or colour cards without parsing ``reason``. ``reason`` is the English
    sentence (logs, the audit, the command line); ``why`` is the same reason as a code and
    parameters, which the pages word in French or English.
    """

    decision: Decision
    reason: str
    rule: str
    why: Why | None = None


__all__ = ["REASON_CODES", "Decision", "Verdict", "Why"]
