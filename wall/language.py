"""Guessing a post's language when its network does not say, with py3langid.

py3langid is langid.py's maintained fork: a naive Bayes model over byte n-grams, shipped
inside the package (no download, works offline), 97 languages. Loading the model reads a
file and takes about half a second, so ``Detector.load`` is called off the event loop when
the hub starts; classifying a post then takes tens of microseconds.

Short texts are where any detector guesses. So links, mentions and hashtags are removed
first, and a guess is only returned for a text with enough letters and a confident model;
otherwise the language stays unknown and the language rule lets the post through.
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.85

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][^\s]+")


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


class Detector:
    """A language guesser for post texts; the model is loaded on first use."""

    def __init__(
        self, *, min_letters: int = MIN_LETTERS, min_confidence: float = MIN_CONFIDENCE
    ) -> None:
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self._identifier: _Identifier | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (it reads a file: call it in a thread from async code)."""
        with self._lock:
            if self._identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(self, text: str) -> str | None:
        """The language of ``text`` (``fr``, ``de``…), or ``None`` when too unsure to say."""
        text = _NOISE.sub(" ", text)
        if sum(c.isalpha() for c in text) < self.min_letters:
            return None
        if self._identifier is None:
            self.load()
        assert self._identifier is not None
        code, confidence = self._identifier.classify(text)
        return str(code) if confidence >= self.min_confidence else None


__all__ = ["Detector"]
