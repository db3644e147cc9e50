"""An event's rules, and the one function that applies them: ``decide(post, rules)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from moderation import language
from moderation.authors import AuthorAction, AuthorIndex, AuthorRule
from moderation.post import Post
from moderation.spam import History, ago
from moderation.verdict import Decision, Verdict, Why
from moderation.words import Hit, Term, WordMatcher, fold


class Mode(StrEnum):
    PRE = "pre"  # a human approves everything a rule does not settle
    POST = "post"  # shown unless a rule holds or rejects it


@dataclass(frozen=True, kw_only=True, eq=False)
class Rules:
    """An event's rules, compiled when built: build one per event, not one per post.

    Authors (``blocked_authors``, ``trusted_authors``, and the richer ``authors``) are
    written ``handle`` (any network) or ``network:handle``; handles compare
    case-insensitively and without a leading ``@``. ``blocked_authors`` and
    ``trusted_authors`` are ``AuthorRule`` entries that block or allow, without a who or why.

    Words and phrases (``blocked_words`` reject, ``held_words`` hold, ``builtin_terms`` from
    the built-in lists, ``allowed_words`` lift built-in ones) are matched as
    ``moderation.words`` describes: whole words, seen through case, accents, spacing and
    symbol swaps.

    ``required_hashtags``: a post must carry one (empty: no requirement).
    ``other_hashtags``: hashtag -> the other event it belongs to; a post carrying one is held.
    ``languages``: primary language codes the event shows; a post known to be in another
    language is held. ``hold_bots`` and ``min_account_age_days`` hold accounts the network
    marks as bots or as recently created. ``flood_posts`` (0: off) posts per author within
    ``flood_minutes`` pass; more are held. ``duplicate_minutes`` (0: off): a post alike
    (``duplicate_similarity``, 0 to 1) to one received that recently is held, or rejected
    when both are by the same author. The spam rules need the ``history`` argument of
    ``decide``.
    """

    mode: Mode = Mode.PRE
    blocked_words: tuple[str, ...] = ()
    held_words: tuple[str, ...] = ()
    allowed_words: tuple[str, ...] = ()
    builtin_terms: tuple[Term, ...] = ()
    authors: tuple[AuthorRule, ...] = ()
    blocked_authors: tuple[str, ...] = ()
    trusted_authors: tuple[str, ...] = ()
    required_hashtags: tuple[str, ...] = ()
    other_hashtags: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    hold_bots: bool = False
    min_account_age_days: int = 0
    flood_posts: int = 0
    flood_minutes: float = 10.0
    duplicate_minutes: float = 0.0
    duplicate_similarity: float = 0.75

    _words: WordMatcher = field(init=False, repr=False)
    _authors: AuthorIndex = field(init=False, repr=False)
    _required: frozenset[str] = field(init=False, repr=False)
    _others: dict[str, tuple[str, str]] = field(init=False, repr=False)
    _languages: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        terms = [
            *self.builtin_terms,
            *(Term(word, None, "allowed_words") for word in self.allowed_words),
            *(Term(word, Decision.HOLD, "held_words") for word in self.held_words),
            *(Term(word, Decision.REJECT, "blocked_words") for word in self.blocked_words),
        ]
        authors = [
            *(AuthorRule(author=a, action=AuthorAction.BLOCK) for a in self.blocked_authors),
            *(AuthorRule(author=a, action=AuthorAction.ALLOW) for a in self.trusted_authors),
            *self.authors,
        ]
        own = {_tag(tag) for tag in self.required_hashtags}
        others = {
            _tag(tag): (tag.lstrip("#"), whose)
            for tag, whose in self.other_hashtags.items()
            if _tag(tag) not in own
        }
        codes = {language.primary(code) for code in self.languages}
        object.__setattr__(self, "_words", WordMatcher(terms))
        object.__setattr__(self, "_authors", AuthorIndex(authors))
        object.__setattr__(self, "_required", frozenset(own))
        object.__setattr__(self, "_others", others)
        object.__setattr__(self, "_languages", frozenset(c for c in codes if c))

    @property
    def wants_language(self) -> bool:
        """Whether a post's language matters: for the allowlist, or for the built-in lists'
        words that are ordinary in some languages. The shell guesses it only then."""
        return bool(self._languages or self.builtin_terms)

    @property
    def history_horizon(self) -> timedelta | None:
        """How far back the spam rules look; ``None`` when no rule needs a history."""
        minutes = max(
            self.flood_minutes if self.flood_posts else 0.0,
            self.duplicate_minutes,
        )
        return timedelta(minutes=minutes) if minutes > 0 else None


def _tag(tag: str) -> str:
    return fold(tag.strip().lstrip("#"))


def _minutes(value: float) -> str:
    shown = f"{value:g}"
    return f"{shown} minute" if value == 1 else f"{shown} minutes"


# Wider than any gap between spelled-out letters ("c o n"), so one field's last letters
# never run on into the next field's first ones.
_FIELD_BREAK = "\n\n\n\n"


def _scanned(post: Post) -> str:
    """Every piece of a post that a screen or a moderator reads."""
    parts = [post.text, post.content_warning, post.author.name]
    parts += [m.alt for m in post.media if m.alt]
    parts += [tag for tag in post.hashtags if tag.casefold() not in post.text.casefold()]
    # What the wall shows with the post: who shared it, a quoted post, a poll's options,
    # a link's card.
    if post.boosted_by is not None:
        parts.append(post.boosted_by.name)
    if post.quote is not None:
        parts += [post.quote.text, post.quote.content_warning, post.quote.author.name]
    if post.poll is not None:
        parts += [option.title for option in post.poll.options]
    if post.link is not None:
        parts += [post.link.title, post.link.description]
    return _FIELD_BREAK.join(parts)


def _others(post: Post) -> list[str]:
    """Whom else a post puts on the screens: who boosted it, whom it quotes."""
    others = [post.boosted_by.handle] if post.boosted_by is not None else []
    if post.quote is not None:
        others.append(post.quote.author.handle)
    return others


def _warning(post: Post) -> tuple[bool, str]:
    """Whether the post, or the post it quotes, asks to be looked at first; its warning."""
    quote = post.quote
    warning = post.content_warning or (quote.content_warning if quote is not None else "")
    flagged = bool(warning) or post.sensitive or (quote is not None and quote.sensitive)
    return flagged, warning


def _verdict(decision: Decision, reason: str, rule: str, code: str, **params: Any) -> Verdict:
    """``reason`` in English, and the same as ``code`` and ``params`` for the pages."""
    why = Why(code=code, params={k: v for k, v in params.items() if v not in (None, "")})
    return Verdict(decision=decision, reason=reason, rule=rule, why=why)


def decide(
    post: Post,
    rules: Rules,
    *,
    now: datetime | None = None,
    history: History | None = None,
    detected_language: str | None = None,
) -> Verdict:
    """Apply ``rules`` to ``post``: the first rule that settles it wins, in this order.

    1. a blocked author (or a post boosted by, or quoting, a blocked author) is rejected;
    2. a blocked word (an event's own, or from a built-in list) rejects; 3. a post without
    any required hashtag is rejected; 4. an author set to "hold" is held; 5. a content
    warning or sensitive media (its own, or the quoted post's) is held;
    6. a trusted (allowed) author is approved; 7. a held word holds; 8. a post in a
    language the event does not show is held; 9. a bot or a too recent account is held;
    10. another event's hashtag holds; 11. a repeated text is rejected (same author) or
    held (someone else); 12. an author flooding is held; 13. otherwise the event's mode
    decides.

    ``now`` is when Murmur received the post (default: the post's own ``created_at``); it
    decides which author rules have expired and what counts as recent. ``history`` holds
    the event's recent posts, for the spam rules (11, 12), which are skipped without it.
    ``detected_language`` is the shell's guess when the network gave no language.
    ``decide`` reads ``history`` and never changes it.
    """
    now = now or post.created_at
    declared = language.primary(post.language)
    lang = declared or language.primary(detected_language)

    author = rules._authors.find(post, now)
    if author is None or author.action is not AuthorAction.BLOCK:
        # A blocked person's words stay off the screens when another shares or quotes them.
        for handle in _others(post):
            other = rules._authors.find_handle(post.network, handle, now)
            if other is not None and other.action is AuthorAction.BLOCK:
                author = other
                break
    if author is not None and author.action is AuthorAction.BLOCK:
        return _verdict(
            Decision.REJECT,
            author.describe(),
            "blocked_authors",
            "author_blocked",
            **author.facts(),
        )
    hit = rules._words.find(_scanned(post), language=lang)
    if hit is not None and hit.decision is Decision.REJECT:
        return Verdict(
            decision=Decision.REJECT, reason=hit.reason(), rule=hit.term.rule, why=hit.why()
        )
    if rules._required and not {_tag(t) for t in post.hashtags} & rules._required:
        wanted = ", ".join(f"#{t.lstrip('#')}" for t in rules.required_hashtags)
        return _verdict(
            Decision.REJECT,
            f"carries none of the event's hashtags ({wanted})",
            "required_hashtags",
            "required_hashtags",
            tags=wanted,
        )
    if author is not None and author.action is AuthorAction.HOLD:
        return _verdict(
            Decision.HOLD,
            f"{author.describe()}: a human decides",
            "held_authors",
            "author_held",
            **author.facts(),
        )
    flagged, warning = _warning(post)
    if flagged:
        what = f"content warning “{warning}”" if warning else "marked sensitive"
        return _verdict(
            Decision.HOLD, f"{what}: a human decides", "sensitive", "sensitive", warning=warning
        )
    if author is not None:  # the only action left is ALLOW
        return _verdict(
            Decision.APPROVE,
            author.describe(),
            "trusted_authors",
            "author_trusted",
            **author.facts(),
        )
    verdict = _held(post, rules, hit, declared, lang, now)
    if verdict is None and history is not None:
        verdict = _spam(post, rules, history, now)
    if verdict is not None:
        return verdict
    if rules.mode is Mode.POST:
        return _verdict(
            Decision.APPROVE, "post-moderation: shown unless a rule holds it", "mode", "mode_post"
        )
    return _verdict(Decision.HOLD, "pre-moderation: waiting for a moderator", "mode", "mode_pre")


def _held(
    post: Post, rules: Rules, hit: Hit | None, declared: str | None, lang: str | None,
    now: datetime,
) -> Verdict | None:  # fmt: skip
    """Rules 7 to 10: what a human should look at before the screens show it."""
    if hit is not None:
        return Verdict(
            decision=Decision.HOLD, reason=hit.reason(), rule=hit.term.rule, why=hit.why()
        )
    if rules._languages and lang and lang not in rules._languages:
        how = "written in" if declared else "looks like"
        said = lang if declared else f"{lang}, detected: the network did not say"
        shown = language.names(tuple(sorted(rules._languages)))
        return _verdict(
            Decision.HOLD,
            f"{how} {language.name(lang)} ({said}); this event shows {shown}: a human decides",
            "languages",
            "language",
            lang=lang,
            declared=bool(declared),
            shown=",".join(sorted(rules._languages)),
        )
    who = post.author
    if rules.hold_bots and who.bot:
        return _verdict(
            Decision.HOLD,
            f"the network marks {who.handle} as a bot account: a human decides",
            "bots",
            "bot",
            handle=who.handle,
        )
    if rules.min_account_age_days > 0 and who.created_at is not None:
        created = who.created_at if who.created_at.tzinfo else who.created_at.replace(tzinfo=UTC)
        age = now - created
        if age < timedelta(days=rules.min_account_age_days):
            days = rules.min_account_age_days
            return _verdict(
                Decision.HOLD,
                f"account created {ago(age)} (this event holds accounts younger than "
                f"{days} day{'s' if days != 1 else ''}): a human decides",
                "account_age",
                "account_age",
                seconds=int(age.total_seconds()),
                days=days,
            )
    if rules._others:
        for tag in post.hashtags:
            if (other := rules._others.get(_tag(tag))) is not None:
                shown, whose = other
                of = f" (“{whose}”)" if whose else ""
                return _verdict(
                    Decision.HOLD,
                    f"carries #{shown}, a hashtag of another event{of}: a human decides",
                    "other_events",
                    "other_event",
                    tag=shown,
                    event=whose,
                )
    return None


def _spam(post: Post, rules: Rules, history: History, now: datetime) -> Verdict | None:
    """Rules 11 and 12, from the event's recent posts."""
    if rules.duplicate_minutes > 0:
        since = now - timedelta(minutes=rules.duplicate_minutes)
        repeat = history.repeat_of(post, since=since, threshold=rules.duplicate_similarity)
        if repeat is not None:
            when = ago(now - repeat.seen.at)
            # Whole percents, rounded half up as the pages round them; 100: word for word.
            percent = 100 if repeat.similarity >= 1 else min(99, int(repeat.similarity * 100 + 0.5))
            alike = "word for word" if percent == 100 else f"{percent}% alike"
            if repeat.same_author:
                return _verdict(
                    Decision.REJECT,
                    f"repeats a post by the same author from {when} ({alike})",
                    "duplicates",
                    "repeat_same",
                    seconds=int((now - repeat.seen.at).total_seconds()),
                    percent=percent,
                )
            return _verdict(
                Decision.HOLD,
                f"repeats a post by {repeat.seen.handle} from {when} ({alike}): a human decides",
                "duplicates",
                "repeat_other",
                handle=repeat.seen.handle,
                seconds=int((now - repeat.seen.at).total_seconds()),
                percent=percent,
            )
    if rules.flood_posts > 0:
        since = now - timedelta(minutes=rules.flood_minutes)
        earlier = history.count_by(post, since=since, limit=rules.flood_posts)
        if earlier >= rules.flood_posts:
            return _verdict(
                Decision.HOLD,
                f"post number {earlier + 1} from {post.author.handle} within "
                f"{_minutes(rules.flood_minutes)} (the limit is {rules.flood_posts}): "
                "a human decides",
                "flood",
                "flood",
                number=earlier + 1,
                handle=post.author.handle,
                minutes=rules.flood_minutes,
                limit=rules.flood_posts,
            )
    return None


__all__ = ["Decision", "Mode", "Rules", "Verdict", "decide", "fold"]
