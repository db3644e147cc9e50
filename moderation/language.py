"""Languages: the event's allowlist, and names a moderator reads."""

from __future__ import annotations

NAMES = {
    "ar": "Arabic", "ca": "Catalan", "de": "German", "en": "English", "es": "Spanish",
    "eu": "Basque", "fr": "French", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}  # fmt: skip


def primary(code: str | None) -> str | None:
    """The primary subtag of a language tag, lower case: ``fr-CA`` -> ``fr``; ``None`` stays."""
    if not code:
        return None
    return code.strip().replace("_", "-").split("-", 1)[0].lower() or None


def name(code: str) -> str:
    """``de`` -> ``German``; an unknown code is shown as it is."""
    return NAMES.get(code, code)


def names(codes: tuple[str, ...] | frozenset[str]) -> str:
    """``("fr", "en")`` -> ``French, English``."""
    return ", ".join(name(code) for code in codes)


__all__ = ["NAMES", "name", "names", "primary"]
