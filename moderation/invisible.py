"""Characters that show nothing: what the word rules read through.

``sp`` + a tag character + ``am`` shows as ``spam`` on a screen; so does ``sp`` + a Hangul
filler + ``am``, or a word sown with zero-width spaces, variation selectors or bidi
marks. ``visible(text)`` is ``text`` without them, and every word rule reads a post (and
every listed word) through it, so a hidden character cannot split a blocked word.

Only the *matching* reads through them: the text a screen shows keeps them, because the
same characters carry meaning elsewhere: a zero-width joiner builds "woman technologist"
out of a woman and a laptop, a variation selector asks for a red heart in colour, tag
characters spell the Scottish flag after a black flag, and a zero-width non-joiner is a
letter-shaping rule in Persian. A post that hides a blocked word this way is caught, so
it does not reach a screen unless a moderator lets it.
"""

from __future__ import annotations

import re

# Unicode's Default_Ignorable_Code_Point property: code points that a renderer shows as
# nothing when it has no glyph for them (UAX #44). Python's unicodedata has no accessor
# for it, so the ranges are copied from the Unicode Character Database's derived list,
# https://www.unicode.org/Public/14.0.0/ucd/DerivedCoreProperties.txt (Unicode 14.0, the
# version of Python 3.11's unicodedata; the set is the same in 15.0 and 15.1), with
# `grep '; Default_Ignorable_Code_Point '`.
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x115F, 0x1160),  # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ..KHMER VOWEL INHERENT AA
    (0x180B, 0x180D),  # MONGOLIAN FREE VARIATION SELECTOR ONE..THREE
    (0x180E, 0x180E),  # MONGOLIAN VOWEL SEPARATOR
    (0x180F, 0x180F),  # MONGOLIAN FREE VARIATION SELECTOR FOUR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK (ZWNJ, ZWJ, LRM, RLM)
    (0x202A, 0x202E),  # LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x2064),  # WORD JOINER..INVISIBLE PLUS
    (0x2065, 0x2065),  # <reserved-2065>
    (0x2066, 0x206F),  # LEFT-TO-RIGHT ISOLATE..NOMINAL DIGIT SHAPES
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTOR-1..VARIATION SELECTOR-16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (byte order mark)
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # <reserved-FFF0>..<reserved-FFF8>
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT LETTER OVERLAP..SHORTHAND FORMAT UP STEP
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..MUSICAL SYMBOL END PHRASE
    (0xE0000, 0xE0000),  # <reserved-E0000>
    (0xE0001, 0xE0001),  # LANGUAGE TAG
    (0xE0002, 0xE001F),  # <reserved-E0002>..<reserved-E001F>
    (0xE0020, 0xE007F),  # TAG SPACE..CANCEL TAG
    (0xE0080, 0xE00FF),  # <reserved-E0080>..<reserved-E00FF>
    (0xE0100, 0xE01EF),  # VARIATION SELECTOR-17..VARIATION SELECTOR-256
    (0xE01F0, 0xE0FFF),  # <reserved-E01F0>..<reserved-E0FFF>
)

# Not default-ignorable, yet never a letter of a word: the other format characters
# (general category Cf in Unicode 14.0 and 15.0: number signs, annotation marks, the
# Egyptian hieroglyph joiners).
OTHER_INVISIBLE: tuple[tuple[int, int], ...] = (
    (0x0600, 0x0605),  # ARABIC NUMBER SIGN..ARABIC NUMBER MARK ABOVE (Cf)
    (0x06DD, 0x06DD),  # ARABIC END OF AYAH (Cf)
    (0x070F, 0x070F),  # SYRIAC ABBREVIATION MARK (Cf)
    (0x0890, 0x0891),  # ARABIC POUND MARK ABOVE..ARABIC PIASTRE MARK ABOVE (Cf)
    (0x08E2, 0x08E2),  # ARABIC DISPUTED END OF AYAH (Cf)
    (0xFFF9, 0xFFFB),  # INTERLINEAR ANNOTATION ANCHOR..TERMINATOR (Cf)
    (0x110BD, 0x110BD),  # KAITHI NUMBER SIGN (Cf)
    (0x110CD, 0x110CD),  # KAITHI NUMBER SIGN ABOVE (Cf)
    (0x13430, 0x1343F),  # EGYPTIAN HIEROGLYPH VERTICAL JOINER..END WALLED ENCLOSURE (Cf)
)

# Symbols that fonts draw as an empty cell, which lists of "invisible characters" hand
# around for blank names: a reader sees a space, so the rules read one (s, U+2800, p,
# U+2800, a, U+2800, m is spelled out like "s p a m"; "sp", U+2800, "am" shows as two
# words and is read as two).
BLANK = "\u2800\U0001d159"  # BRAILLE PATTERN BLANK, MUSICAL SYMBOL NULL NOTEHEAD
_AS_SPACE = str.maketrans(dict.fromkeys(BLANK, " "))


def _pattern(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    parts = (chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)
    return re.compile("[" + "".join(parts) + "]+")


INVISIBLE = _pattern(DEFAULT_IGNORABLE + OTHER_INVISIBLE)


def visible(text: str) -> str:
    """``text`` as a reader sees it: without the characters that show nothing
    (``sp\\U000e0041am`` -> ``spam``), and with a space for those drawn as an empty cell."""
    if text.isascii():  # the usual case, and ASCII has none of them
        return text
    return INVISIBLE.sub("", text).translate(_AS_SPACE)


__all__ = ["BLANK", "DEFAULT_IGNORABLE", "INVISIBLE", "OTHER_INVISIBLE", "visible"]
