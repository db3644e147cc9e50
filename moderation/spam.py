"""Spam needs memory: a bounded history of an event's recent posts, and what it tells.

The shell keeps one ``History`` per event, records every post right after deciding it,
and passes the history to ``decide``, which only reads it. It holds at most ``capacity``
posts and none older than ``horizon``, so memory and lookups stay bounded however busy the
event. It lives in memory: after a restart it starts empty and fills again as posts come.

Near-duplicates compare a post's words (folded, without links, mentions, hashtags,
punctuation or emoji) as a set of words and word pairs, by Jaccard similarity. An inverted
index of word pairs finds the candidates, so a post is compared with the few recent posts
that share a pair with it, not with the whole window.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from moderation.post import Post
from moderation.words import quick_fold

# Fewer words than this, after links, mentions and hashtags are gone, is too little to
# call a repeat: "Bravo !" or "Merci à tous" from two people is not spam.
MIN_WORDS_SAME_AUTHOR = 3
MIN_WORDS_OTHERS = 6
# A word pair found in more recent posts than this says nothing ("merci à", "à tous").
_COMMON = 100
_CANDIDATES = 50

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][^\s]+")
_WORD = re.compile(r"[^\W_]+")
K = TypeVar("K")


def text_words(post: Post) -> tuple[str, ...]:
    """The words of ``post`` that say something, folded: no links, mentions or hashtags."""
    return tuple(_WORD.findall(quick_fold(_NOISE.sub(" ", post.text))))


def _shingles(words: tuple[str, ...]) -> frozenset[str]:
    pairs = (f"{a} {b}" for a, b in itertools.pairwise(words))
    return frozenset((*words, *pairs))


def _author(post: Post) -> tuple[str, str]:
    return post.network.casefold(), post.author.handle.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class Seen:
    """A post the history remembers."""

    seq: int
    post_id: tuple[str, str]
    author: tuple[str, str]
    handle: str
    at: datetime
    text: str  # the folded words, joined: equal texts are exact repeats
    shingles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Repeat:
    """An earlier post that ``post`` repeats, and how alike they are (0 to 1)."""

    seen: Seen
    similarity: float
    same_author: bool


class History:
    """Recent posts of one event, by author and by text. ``decide`` only reads it."""

    def __init__(self, *, capacity: int = 5000, horizon: timedelta = timedelta(hours=1)) -> None:
        self.capacity = capacity
        self.horizon = horizon
        self._seq = 0
        self._order: deque[Seen] = deque()
        self._ids: dict[tuple[str, str], Seen] = {}
        self._by_author: dict[tuple[str, str], deque[Seen]] = {}
        self._by_text: dict[str, deque[Seen]] = {}
        self._index: dict[str, set[int]] = {}
        self._seen: dict[int, Seen] = {}
        self._last: tuple[Post, tuple[str, ...]] | None = None

    def __len__(self) -> int:
        return len(self._order)

    def record(self, post: Post, at: datetime) -> None:
        """Remember ``post``, received at ``at``; a post already remembered is not counted twice."""
        post_id = (post.network, post.network_id)
        if post_id in self._ids:
            return
        self._forget(before=at - self.horizon, keep=self.capacity - 1)
        words = self._words(post)
        self._seq += 1
        seen = Seen(
            seq=self._seq,
            post_id=post_id,
            author=_author(post),
            handle=post.author.handle,
            at=at,
            text=" ".join(words),
            shingles=_shingles(words) if len(words) >= MIN_WORDS_SAME_AUTHOR else frozenset(),
        )
        self._order.append(seen)
        self._ids[post_id] = seen
        self._seen[seen.seq] = seen
        self._by_author.setdefault(seen.author, deque()).append(seen)
        if seen.shingles:
            self._by_text.setdefault(seen.text, deque()).append(seen)
            for shingle in seen.shingles:
                if " " in shingle:  # word pairs only: single words are too common
                    self._index.setdefault(shingle, set()).add(seen.seq)

    def _words(self, post: Post) -> tuple[str, ...]:
        """``text_words(post)``, computed once for ``decide`` and ``record`` together."""
        if self._last is None or self._last[0] is not post:
            self._last = (post, text_words(post))
        return self._last[1]

    def count_by(self, post: Post, *, since: datetime, limit: int | None = None) -> int:
        """How many other posts by ``post``'s author were received since ``since``.

        Counting stops at ``limit`` when given: a flood rule only needs to know that much.
        """
        recent = self._by_author.get(_author(post))
        if not recent:
            return 0
        post_id = (post.network, post.network_id)
        count = 0
        for seen in reversed(recent):
            if seen.at < since or count == limit:
                break
            count += seen.post_id != post_id
        return count

    def repeat_of(self, post: Post, *, since: datetime, threshold: float) -> Repeat | None:
        """The earlier post since ``since`` that ``post`` repeats, if any.

        Exact repeats first, then the most alike above ``threshold``; one by the same
        author wins over one by someone else.
        """
        words = self._words(post)
        if len(words) < MIN_WORDS_SAME_AUTHOR or not self._order:
            return None
        post_id, author = (post.network, post.network_id), _author(post)
        text = " ".join(words)
        found: list[Repeat] = []
        for seen in reversed(self._by_text.get(text, ())):
            if seen.at >= since and seen.post_id != post_id:
                found.append(Repeat(seen, 1.0, seen.author == author))
        if not found:
            shingles = _shingles(words)
            postings = [
                posting
                for shingle in shingles
                if (posting := self._index.get(shingle)) and len(posting) <= _COMMON
            ]
            shared = Counter(itertools.chain.from_iterable(postings))
            for seq, _ in shared.most_common(_CANDIDATES):
                seen = self._seen[seq]
                if seen.at < since or seen.post_id == post_id:
                    continue
                common = len(shingles & seen.shingles)
                similarity = common / (len(shingles) + len(seen.shingles) - common)
                if similarity >= threshold:
                    found.append(Repeat(seen, similarity, seen.author == author))
        if len(words) < MIN_WORDS_OTHERS:
            found = [r for r in found if r.same_author]
        if not found:
            return None
        return max(found, key=lambda r: (r.same_author, r.similarity, r.seen.at))

    def _forget(self, *, before: datetime, keep: int) -> None:
        while self._order and (len(self._order) > keep or self._order[0].at < before):
            seen = self._order.popleft()
            del self._ids[seen.post_id]
            del self._seen[seen.seq]
            _drop_first(self._by_author, seen.author, seen)
            if seen.shingles:
                _drop_first(self._by_text, seen.text, seen)
                for shingle in seen.shingles:
                    posting = self._index.get(shingle)
                    if posting is not None:
                        posting.discard(seen.seq)
                        if not posting:
                            del self._index[shingle]


def _drop_first(table: dict[K, deque[Seen]], key: K, seen: Seen) -> None:
    queue = table.get(key)
    if queue and queue[0] is seen:
        queue.popleft()
        if not queue:
            del table[key]


def ago(delta: timedelta) -> str:
    """``3 minutes ago``, ``just now``."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours ago"
    return f"{minutes // (24 * 60)} days ago"


__all__ = ["History", "Repeat", "Seen", "ago", "text_words"]
