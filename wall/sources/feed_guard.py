"""What Murmur does to a feed document before feedparser reads it.

- Any DTD (``<!DOCTYPE …>``, its internal subset included) is cut out, in whatever encoding,
  so no entity it declares is ever expanded ("billion laughs") and no external entity or
  DTD is read (XXE): a reference to one stays as written. feedparser's own DTD filter is
  line-based and lets a one-line ``<!DOCTYPE x [<!ENTITY …>]>`` through to the XML parser.
- ``media:description`` is renamed, so that feedparser does not take it for the entry's
  own description (see ``wall.sources.media_rss``, which reads it).

Both work on the document's markup in its own encoding and leave every other byte as it
was, so feedparser still finds the encoding the document declares.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from wall.sources.media_rss import MRSS

# Encodings in which "<" is not the byte 0x3C (XML 1.0, appendix F), with their BOM.
_WIDE: tuple[tuple[bytes, str, bytes], ...] = (
    (codecs.BOM_UTF32_BE, "utf-32-be", codecs.BOM_UTF32_BE),
    (codecs.BOM_UTF32_LE, "utf-32-le", codecs.BOM_UTF32_LE),
    (codecs.BOM_UTF16_BE, "utf-16-be", codecs.BOM_UTF16_BE),
    (codecs.BOM_UTF16_LE, "utf-16-le", codecs.BOM_UTF16_LE),
    (b"\x00\x00\x00<", "utf-32-be", b""),
    (b"<\x00\x00\x00", "utf-32-le", b""),
    (b"\x00<\x00?", "utf-16-be", b""),
    (b"<\x00?\x00", "utf-16-le", b""),
    (b"\x4c\x6f\xa7\x94", "cp037", b""),  # EBCDIC "<?xm"
)


def without_dtd(data: bytes) -> tuple[bytes, bool]:
    """``data`` with every DTD before the root element cut out, and whether there was one."""
    return rewritten(data, _cut_dtd)


def rewritten(data: bytes, change: Callable[[str], tuple[str, bool]]) -> tuple[bytes, bool]:
    """``data`` changed by ``change`` on its markup, in its own encoding, unchanged bytes
    elsewhere; and whether anything changed."""
    for mark, codec, bom in _WIDE:
        if data.startswith(mark):
            text, changed = change(data[len(bom) :].decode(codec, errors="replace"))
            return (bom + text.encode(codec), True) if changed else (data, False)
    # In every other encoding feeds use, markup is ASCII and no byte of a multi-byte
    # character is "<" (nor any of ">[]'\"-"): latin-1 maps each byte to one character.
    text, changed = change(data.decode("latin-1"))
    return (text.encode("latin-1"), True) if changed else (data, False)


def hide_media_descriptions(text: str) -> tuple[str, bool]:
    """Rename ``media:description`` so that feedparser leaves it alone: it reads it as the
    entry's own description, and loses the entry's text (``media_rss`` reads it instead)."""
    prefixes = "|".join(re.escape(p) for p in MRSS.findall(text))
    if not prefixes:
        return text, False
    pattern = re.compile(rf"<(/?)({prefixes}):description\b")
    return pattern.subn(r"<\1\2:murmur-alt", text)[0], True


def _cut_dtd(text: str) -> tuple[str, bool]:
    at, cut = 0, False
    while (at := text.find("<", at)) >= 0:
        if text.startswith("<?", at):
            at = _after(text, "?>", at + 2)
        elif text.startswith("<!--", at):
            at = _after(text, "-->", at + 4)
        elif text.startswith("<!", at) and text[at + 2 : at + 3].isalpha():
            text, cut = text[:at] + text[_declaration_end(text, at + 2) :], True
        else:
            break  # the root element: what follows is the document's body
    return text, cut


def _after(text: str, end: str, start: int) -> int:
    found = text.find(end, start)
    return len(text) if found < 0 else found + len(end)


def _declaration_end(text: str, at: int) -> int:
    """Where ``<!DOCTYPE …>`` (or a stray ``<!ENTITY …>``) ends: quoted strings, comments
    and the internal subset's ``[…]`` may all hold a ``>``. The document's end if never."""
    subset = False
    while at < len(text):
        char = text[at]
        if char in "\"'":
            at = _after(text, char, at + 1)
            continue
        if text.startswith("<!--", at):
            at = _after(text, "-->", at + 4)
            continue
        if char == "[":
            subset = True
        elif char == "]":
            subset = False
        elif char == ">" and not subset:
            return at + 1
        at += 1
    return len(text)


__all__ = ["hide_media_descriptions", "rewritten", "without_dtd"]
