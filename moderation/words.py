"""Words and phrases, seen through their disguises: the matcher behind the word rules.

A ``WordMatcher`` is compiled once per event from its listed words (``Term`` values); it
then reads each post once. Every listed word and every word of a post go through the same
normalisation, and a listed word only ever matches a *whole* word of the post, so
``classe``, ``assistant`` and ``analyse`` are never caught by ``ass`` or ``anal``:

- case, accents and compatibility forms are folded: ``ARNÀQUE``, ``ａｒｎａｑｕｅ``;
- letters from other scripts that look Latin are read as Latin (Cyrillic ``о`` is ``o``);
- invisible characters are dropped: a soft hyphen, a zero-width space, a tag character
  or a Hangul filler inside a word (``moderation.invisible`` lists them);
- letter-for-symbol swaps are undone inside a word: ``0`` o, ``1`` i or l, ``3`` e,
  ``4`` a, ``5`` s, ``7`` t, ``@`` a, ``$`` s, ``!`` i or l, ``|`` l or i, ``€`` e (a
  number alone stays a number; a ``*`` inside a word stands for any one letter);
- three or more single characters in a row are read as one word: ``c o n n a r d``,
  ``c.o.n.n.a.r.d``, ``c-0-n-n-4-r-d``;
- a letter written three times or more counts once: ``connnnard``, ``meeeerde``. Two is
  left alone, since real words double letters (``ass`` is not ``as``);
- a single word of four letters or more also matches with a plural ``s``;
- a phrase matches across spaces, hyphens and punctuation (``fils-de-pute``), and written
  as one word (``filsdepute``).

A ``Term`` whose decision is ``None`` shields: the words it covers are not caught
(``cum laude``, ``Moby Dick``, or an event's ``allowed_words``). At one position the
longest phrase wins, so a shield covers the words inside it.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from moderation.invisible import visible
from moderation.language import names as language_names
from moderation.verdict import Decision, Why


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` (``Élève`` -> ``eleve``), without the
    characters that show nothing (see ``moderation.invisible``)."""
    decomposed = visible(unicodedata.normalize("NFKD", text.casefold()))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True, slots=True)
class Term:
    """One listed word or phrase and what it does to a post that contains it.

    ``decision`` is ``REJECT`` or ``HOLD``, or ``None`` for a shield. ``rule`` names the
    rule in the verdict. ``list_title`` is set for built-in lists ("the French
    offensive-word list") and empty for an event's own words. ``innocent`` marks a listed
    word with common innocent meanings. ``ordinary_in`` names languages in which the word
    is an ordinary one ("bite" in English): it is not caught in a post written in one of
    them, and is only held, not rejected, when the post's language is unknown.
    """

    word: str
    decision: Decision | None
    rule: str
    list_title: str = ""
    # The built-in list's language (``fr``), for pages that name the list in their own.
    list_language: str = ""
    innocent: bool = False
    ordinary_in: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed term found in a post: what was written, and what it decides."""

    term: Term
    written: str
    decision: Decision
    language_unknown: bool = False

    def reason(self) -> str:
        """The sentence a moderator reads on the card."""
        term, written = self.term, self.written
        human = ": a human decides" if self.decision is Decision.HOLD else ""
        if not term.list_title:
            kind = "blocked" if self.decision is Decision.REJECT else "held"
            noun = "phrase" if " " in term.word.strip() else "word"
            return f"contains “{written}” ({kind} {noun} “{term.word}”){human}"
        same = written.translate(_FAST_FOLD) == term.word.translate(_FAST_FOLD)
        where = f"on {term.list_title}" if same else f"read as “{term.word}”, on {term.list_title}"
        if self.language_unknown:
            also = language_names(tuple(sorted(term.ordinary_in)))
            where += f", but ordinary in {also} and this post's language is unknown"
        elif term.innocent:
            where += ", but it has innocent uses too"
        return f"contains “{written}” ({where}){human}"

    def why(self) -> Why:
        """What ``reason`` says, as a code and facts for the pages to word (see ``Why``)."""
        term, held = self.term, self.decision is Decision.HOLD
        facts: dict[str, Any] = {"written": self.written, "word": term.word, "held": held}
        if not term.list_title:
            return Why(code="word", params={**facts, "phrase": " " in term.word.strip()})
        facts["list"] = term.list_language
        facts["read_as"] = self.written.translate(_FAST_FOLD) != term.word.translate(_FAST_FOLD)
        if self.language_unknown:
            facts["ordinary_in"] = ",".join(sorted(term.ordinary_in))
        elif term.innocent:
            facts["innocent"] = True
        return Why(code="word_list", params=facts)


_SEVERITY = {Decision.HOLD: 1, Decision.REJECT: 2}

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LEET = "@$€!|*"
# A word: letters and digits (not "_"), combining marks, and the symbols of leetspeak.
# (The fold turns "_" into a space, so one character class does.)
_TOKEN = re.compile(rf"[\w{_MARKS}{re.escape(_LEET)}]+")
# What may separate the letters of a spelled-out word: "c o n", "c.o.n", "c-o-n".
_SPACER = re.compile(r"[\s.\-·•/\\,+~:;]{1,3}")
_EMPHASIS = re.compile(r"(.)\1\1")
# Three one-character words in a row, apart by spacers: "c o n", "c.0.n" (a quick test;
# ``_spelled_out`` does the exact reading).
_SPELLED = re.compile(r"(?<![\w@$€])[\w@$€](?:[\s.\-·•/\\,+~:;]{1,3}[\w@$€](?![\w@$€])){2}")
_EMPHASIS_RUN = re.compile(r"(.)\1\1+")

_TO_I = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i", "|": "l", "€": "e"})  # fmt: skip
_TO_L = str.maketrans({"1": "l", "!": "l", "|": "i"})
_SWAPPED = frozenset("013457@$!|€*")

# Letters that look Latin in other scripts, and Latin letters NFKD does not take apart.
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁһԛԝмтнвкгпл", "aeopcyxijsdhqwmthbkrnn", strict=True)),
        **dict(zip("αβεικνορτυχ", "abeiknoptux", strict=True)),
        "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
        "œ": "oe", "æ": "ae", "ð": "d", "þ": "th",
    }
)  # fmt: skip


def _fast_fold_table() -> dict[int, str]:
    """Same-length folding of ASCII capitals and the accented Latin letters (``É`` -> ``e``).

    Folding the whole text with it keeps every position, so a match can quote the post.
    """
    table = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    table[ord("_")] = " "  # "c_o_n", "user_name": a separator, like a space
    for code in range(0x00C0, 0x0250):
        folded = fold(chr(code))
        if len(folded) == 1 and folded.isascii():
            table[code] = folded
    return table


_FAST_FOLD = _fast_fold_table()


def quick_fold(text: str) -> str:
    """``fold(text)``, faster for the usual Latin text (one table lookup per character)."""
    folded = text.translate(_FAST_FOLD)
    return folded if folded.isascii() else fold(folded)


@functools.lru_cache(maxsize=16384)
def _keys(raw: str) -> tuple[str, ...]:
    """The forms a post's word may stand for, most likely first; ``()`` for no word.

    ``raw`` comes from the same-length fold, so it is lower case and mostly unaccented.
    The forms undo symbol swaps and emphasis (``meeeerde``); cached, as words repeat.
    """
    word = raw.rstrip("!|*").lstrip("!|*")
    if not word.isascii():
        word = fold(word).translate(_LOOKALIKES)
    if not word or word.isdigit():
        return ()  # punctuation, or a number: not a disguised word
    if _SWAPPED.isdisjoint(word):
        forms = [word]
    else:
        forms = [word.translate(_TO_I), word.translate(_TO_L).translate(_TO_I)]
        if word.startswith("@"):  # "@ss" or a mention: "@connard"
            forms.append(word[1:].translate(_TO_I))
        if "*" in word:  # "c*nnard": the star as a separator
            forms.append(word.replace("*", "").translate(_TO_I))
    forms += [plain for form in forms if _EMPHASIS.search(form) for plain in _deemphasised(form)]
    return tuple(dict.fromkeys(f for f in forms if f))


def _entry_keys(word: str) -> tuple[str, ...]:
    """A listed word or phrase as the keys of its words (``"Fils-de-P*te"`` -> 3 keys)."""
    text = visible(word).translate(_FAST_FOLD)
    return tuple(keys[0] for m in _TOKEN.finditer(text) if (keys := _keys(m.group())))


def _deemphasised(key: str) -> list[str]:
    """``meeeerde`` -> ``merde``, ``meerde``: each run of 3+ letters as one, or as two.

    Only runs of three or more are touched, and each becomes one or two letters, never
    fewer: so ``buuuut`` reads as ``but`` or ``buut``, never as ``butt``.
    """
    parts = _EMPHASIS_RUN.split(key)  # text, letter, text, letter, ..., text
    runs = len(parts) // 2
    if runs > 4:  # "aaaa bbbb cccc dddd eeee": not a disguised word
        return []
    forms = [""]
    for index, part in enumerate(parts):
        if index % 2 == 0:
            forms = [form + part for form in forms]
        else:
            forms = [form + part * n for form in forms for n in (1, 2)]
    return forms


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    end: int
    keys: tuple[str, ...]


class WordMatcher:
    """Listed words and phrases compiled for fast whole-word lookups in posts.

    Build it once per event (``Rules`` does); ``find`` then costs a few dictionary lookups
    per word of the post. When two terms have the same key, the later one wins.
    """

    __slots__ = (
        "_any",
        "_by_length",
        "_phrase_keys",
        "_phrases",
        "_single_keys",
        "_symbols",
        "_words",
    )

    def __init__(self, terms: Iterable[Term]) -> None:
        exact: dict[str, Term] = {}
        derived: dict[str, Term] = {}  # plurals and phrases written as one word
        phrases: dict[str, list[tuple[tuple[str, ...], Term]]] = {}
        self._symbols: list[tuple[str, Term]] = []
        for term in terms:
            keys = _entry_keys(term.word)
            if not keys:  # an emoji or a symbol: looked for as it is
                if symbol := fold(term.word).strip():
                    self._symbols.append((symbol, term))
            elif len(keys) == 1:
                exact[keys[0]] = term
                if len(keys[0]) >= 4 and keys[0][-1] not in "sxz":
                    derived[keys[0] + "s"] = term
            else:
                phrases.setdefault(keys[0], []).append((keys, term))
                if len(joined := "".join(keys)) >= 6:
                    derived[joined] = term
        self._words = derived | exact
        self._phrases = {
            first: sorted(found, key=lambda item: -len(item[0])) for first, found in phrases.items()
        }
        self._any = bool(self._words or self._phrases or self._symbols)
        self._single_keys = frozenset(k for k, t in self._words.items() if t.decision)
        self._phrase_keys = frozenset(self._phrases)
        self._by_length: dict[int, list[str]] = {}
        for key in self._words:
            self._by_length.setdefault(len(key), []).append(key)

    def __bool__(self) -> bool:
        return self._any

    def find(self, text: str, *, language: str | None = None) -> Hit | None:
        """The most severe listed term in ``text`` (a rejecting one as soon as it is seen).

        ``language`` is the post's language (a primary subtag such as ``fr``), or ``None``
        when unknown; it decides for terms that are ordinary words in some languages.
        """
        if not self:
            return None
        text = visible(text)
        folded = text.translate(_FAST_FOLD)
        if not self._maybe(folded):
            return None
        tokens = [_token(m) for m in _TOKEN.finditer(folded)]
        best: Hit | None = None

        def consider(term: Term, start: int, end: int) -> bool:
            """Keep ``term`` if it beats the best so far; ``True`` when it rejects."""
            nonlocal best
            if term.decision is None or language in term.ordinary_in:
                return False
            decision, unknown = term.decision, False
            if term.ordinary_in and language is None and decision is Decision.REJECT:
                decision, unknown = Decision.HOLD, True
            if best is None or _SEVERITY[decision] > _SEVERITY[best.decision]:
                best = Hit(term, text[start:end], decision, unknown)
            return decision is Decision.REJECT

        i, count = 0, len(tokens)
        while i < count:
            token = tokens[i]
            phrase = self._phrase_at(tokens, i)
            if phrase is not None:
                size, listed = phrase
                if consider(listed, token.start, tokens[i + size - 1].end):
                    return best
                i += size
                continue
            word = self._word(token.keys)
            if word is not None and consider(word, token.start, token.end):
                return best
            i += 1

        for start, end, key in _spelled_out(folded, tokens):
            spelled = self._word((key,))
            if spelled is not None and consider(spelled, start, end):
                return best
        for symbol, sign in self._symbols:
            if (at := folded.find(symbol)) >= 0 and consider(sign, at, at + len(symbol)):
                return best
        return best

    def _maybe(self, folded: str) -> bool:
        """Whether ``folded`` may contain a listed term: a quick test, mostly in C.

        Most posts contain none; for them this is the whole cost of ``find``. It is exact
        for plain words, and sends anything disguised (an emphasis, a star, letters spelled
        out, a symbol) to the full reading.
        """
        raws = _TOKEN.findall(folded)
        keys = set(itertools.chain.from_iterable(map(_keys, raws)))
        return (
            not self._single_keys.isdisjoint(keys)
            or any(
                term.decision is not None and keys.issuperset(words)
                for first in self._phrase_keys.intersection(keys)
                for words, term in self._phrases[first]
            )
            or "*" in folded
            or (sum(len(raw) == 1 for raw in raws) >= 3 and _SPELLED.search(folded) is not None)
            or any(symbol in folded for symbol, _ in self._symbols)
        )

    def _phrase_at(self, tokens: list[_Token], i: int) -> tuple[int, Term] | None:
        for key in tokens[i].keys:
            for words, term in self._phrases.get(key, ()):
                end = i + len(words)
                if end <= len(tokens) and all(
                    words[j] in tokens[i + j].keys for j in range(1, len(words))
                ):
                    return len(words), term
        return None

    def _word(self, keys: tuple[str, ...]) -> Term | None:
        for key in keys:
            if (term := self._words.get(key)) is not None:
                return term
        for key in keys:
            if "*" in key and (term := self._masked(key)):
                return term
        return None

    def _masked(self, key: str) -> Term | None:
        """``f*ck``: a star inside a word stands for one letter."""
        if not key.strip("*"):
            return None
        pattern = re.compile(".".join(re.escape(part) for part in key.split("*")))
        for candidate in self._by_length.get(len(key), ()):
            if pattern.fullmatch(candidate):
                return self._words[candidate]
        return None


def _token(match: re.Match[str]) -> _Token:
    """A word of the post, its span trimmed of edge punctuation (``merde!``)."""
    raw = match.group()
    word = raw.strip("!|*")
    start = match.start() + (len(raw) - len(raw.lstrip("!|*")))
    return _Token(start, start + len(word), _keys(word))


def _letter(text: str, token: _Token) -> str | None:
    """The one letter (or digit, or swapped symbol) a one-character token stands for."""
    if token.end - token.start != 1:
        return None
    char = text[token.start]
    if char.isalnum() or char in "@$€":
        return token.keys[0] if token.keys else char.translate(_TO_I)
    return None


def _spelled_out(text: str, tokens: list[_Token]) -> Iterable[tuple[int, int, str]]:
    """Runs of three or more single characters, joined: ``c o n`` -> ``con``."""
    run: list[_Token] = []
    letters: list[str] = []
    for token in [*tokens, None]:
        letter = _letter(text, token) if token is not None else None
        if token is not None and letter is not None:
            if run and not _SPACER.fullmatch(text, run[-1].end, token.start):
                if len(run) >= 3:
                    yield run[0].start, run[-1].end, "".join(letters)
                run, letters = [], []
            run.append(token)
            letters.append(letter)
            continue
        if len(run) >= 3:
            yield run[0].start, run[-1].end, "".join(letters)
        run, letters = [], []


__all__ = ["Hit", "Term", "WordMatcher", "fold", "quick_fold"]
