"""Rules and the one function that applies them: ``decide(post, rules)``."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

import msgspec

from moderation.post import Post


class Decision(StrEnum):
    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"


class Mode(StrEnum):
    PRE = "pre"  # a human approves everything a rule does not settle
    POST = "post"  # shown unless a rule holds or rejects it


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules say about a post, and why, in words a moderator reads on the card."""

    decision: Decision
    reason: str
    rule: str


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """An event's rules.

    Authors are written ``handle`` (any network) or ``network:handle``; handles compare
    case-insensitively and without a leading ``@``. Words compare case- and
    accent-insensitively, as whole words. ``required_hashtags``: a post must carry at least
    one of them (empty: no requirement).
    """

    mode: Mode = Mode.PRE
    blocked_words: tuple[str, ...] = ()
    blocked_authors: tuple[str, ...] = ()
    trusted_authors: tuple[str, ...] = ()
    required_hashtags: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` (``Élève`` -> ``eleve``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _author_matches(post: Post, entries: tuple[str, ...]) -> str | None:
    handle = post.author.handle.lstrip("@").casefold()
    for entry in entries:
        network, sep, who = entry.partition(":")
        if not sep:
            network, who = "", entry
        if network and network.casefold() != post.network:
            continue
        if who.lstrip("@").casefold() == handle:
            return entry
    return None


def _blocked_word(post: Post, words: tuple[str, ...]) -> str | None:
    haystack = fold(" ".join((post.text, post.content_warning, post.author.name)))
    for word in words:
        needle = fold(word).strip()
        if needle and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
            return word
    return None


def decide(post: Post, rules: Rules) -> Verdict:
    """Apply ``rules`` to ``post``: the first rule that settles it wins, in this order.

    1. a blocked author is rejected; 2. a blocked word rejects; 3. a post without any
    required hashtag is rejected; 4. a content warning or sensitive media is held for a
    human; 5. a trusted author is approved; 6. otherwise the event's mode decides.
    """
    if entry := _author_matches(post, rules.blocked_authors):
        return Verdict(
            decision=Decision.REJECT, reason=f"author {entry} is blocked", rule="blocked_authors"
        )
    if word := _blocked_word(post, rules.blocked_words):
        return Verdict(
            decision=Decision.REJECT,
            reason=f"contains the blocked word “{word}”",
            rule="blocked_words",
        )
    if rules.required_hashtags:
        carried = {fold(tag.lstrip("#")) for tag in post.hashtags}
        if not carried & {fold(tag.lstrip("#")) for tag in rules.required_hashtags}:
            wanted = ", ".join(f"#{t.lstrip('#')}" for t in rules.required_hashtags)
            return Verdict(
                decision=Decision.REJECT,
                reason=f"carries none of the event's hashtags ({wanted})",
                rule="required_hashtags",
            )
    if post.content_warning or post.sensitive:
        what = (
            f"content warning “{post.content_warning}”"
            if post.content_warning
            else "marked sensitive"
        )
        return Verdict(decision=Decision.HOLD, reason=f"{what}: a human decides", rule="sensitive")
    if entry := _author_matches(post, rules.trusted_authors):
        return Verdict(
            decision=Decision.APPROVE, reason=f"author {entry} is trusted", rule="trusted_authors"
        )
    if rules.mode is Mode.POST:
        return Verdict(
            decision=Decision.APPROVE,
            reason="post-moderation: shown unless a rule holds it",
            rule="mode",
        )
    return Verdict(
        decision=Decision.HOLD, reason="pre-moderation: waiting for a moderator", rule="mode"
    )
