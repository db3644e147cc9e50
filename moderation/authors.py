"""Who may post: allow, hold or block an author, on one network or on all of them.

An ``AuthorRule`` says who set it, when and why, and may expire; whether it applies is a
pure function of the time the caller passes in. ``AuthorIndex`` finds an author's rules in
two dictionary lookups, whatever the number of entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec

from moderation.post import Post


class AuthorAction(StrEnum):
    ALLOW = "allow"  # approved at once (the institution's accounts, the speakers)
    HOLD = "hold"  # always waits for a human
    BLOCK = "block"  # rejected


# When several rules name one author, the strictest applies.
_STRICTNESS = {AuthorAction.BLOCK: 3, AuthorAction.HOLD: 2, AuthorAction.ALLOW: 1}


class AuthorRule(msgspec.Struct, frozen=True, kw_only=True):
    """One author entry. ``author`` is ``handle`` (any network) or ``network:handle``.

    Handles compare case-insensitively and without a leading ``@``; a Bluesky DID
    (``did:plc:…``) is a handle, not a network. ``expires_at``: the rule stops applying
    then (``None``: never). A naive date-time is read as UTC.
    """

    author: str
    action: AuthorAction
    set_by: str = ""
    set_at: datetime | None = None
    why: str = ""
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or _aware(now) < _aware(self.expires_at)

    def describe(self) -> str:
        """``author x is blocked (by Claire on 12 May 2026: spam; until 14 May 2026 18:00)``."""
        verb = {
            AuthorAction.ALLOW: "is trusted",
            AuthorAction.HOLD: "is held for a human",
            AuthorAction.BLOCK: "is blocked",
        }[self.action]
        said = " ".join(
            part
            for part in (
                f"by {self.set_by}" if self.set_by else "",
                f"on {_day(self.set_at)}" if self.set_at else "",
            )
            if part
        )
        if self.why:
            said = f"{said}: {self.why}" if said else self.why
        if self.expires_at is not None:
            until = f"until {_day(self.expires_at)} {_clock(self.expires_at)}"
            said = f"{said}; {until}" if said else until
        return f"author {self.author} {verb}" + (f" ({said})" if said else "")

    def facts(self) -> dict[str, Any]:
        """What ``describe`` says, as facts for the pages to word (see ``Why``)."""
        facts: dict[str, Any] = {"author": self.author}
        if self.set_by:
            facts["by"] = self.set_by
        if self.set_at is not None:
            facts["on"] = _aware(self.set_at).isoformat()
        if self.why:
            facts["note"] = self.why
        if self.expires_at is not None:
            facts["until"] = _aware(self.expires_at).isoformat()
        return facts


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> str:
    """``12 May 2026``, in the time zone the moment was given in."""
    return f"{moment.day} {moment:%b %Y}"


def _clock(moment: datetime) -> str:
    """``18:00 UTC``, ``00:00 UTC+02:00``: the time as given, with its offset."""
    minutes = int((_aware(moment).utcoffset() or timedelta()).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    zone = f"UTC{sign}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}" if minutes else "UTC"
    return f"{moment:%H:%M} {zone}"


def _split(entry: str) -> tuple[str, str]:
    """``"mastodon:@Troll@bad.example"`` -> ``("mastodon", "troll@bad.example")``."""
    network, sep, handle = entry.strip().partition(":")
    if not sep or network.casefold() == "did":
        network, handle = "", entry.strip()
    return network.casefold(), handle.strip().lstrip("@").casefold()


class AuthorIndex:
    """Author rules indexed by network and handle."""

    __slots__ = ("_rules",)

    def __init__(self, rules: Iterable[AuthorRule]) -> None:
        self._rules: dict[tuple[str, str], list[AuthorRule]] = {}
        for rule in rules:
            network, handle = _split(rule.author)
            if handle:
                self._rules.setdefault((network, handle), []).append(rule)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def find(self, post: Post, now: datetime) -> AuthorRule | None:
        """The strictest active rule naming ``post``'s author, or ``None``."""
        return self.find_handle(post.network, post.author.handle, now)

    def find_handle(self, network: str, handle: str, now: datetime) -> AuthorRule | None:
        """The strictest active rule naming ``handle`` on ``network``, or ``None``."""
        if not self._rules:
            return None
        handle = handle.strip().lstrip("@").casefold()
        found: AuthorRule | None = None
        for key in ((network.casefold(), handle), ("", handle)):
            for rule in self._rules.get(key, ()):
                if rule.active(now) and (
                    found is None or _STRICTNESS[rule.action] > _STRICTNESS[found.action]
                ):
                    found = rule
        return found


__all__ = ["AuthorAction", "AuthorIndex", "AuthorRule"]
