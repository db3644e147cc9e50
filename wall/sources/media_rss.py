"""Media RSS alt texts and ratings, read beside feedparser, which loses them.

feedparser reads ``media:description`` as if it were the entry's own ``description``: one
becomes the entry's content or replaces its summary, the others are dropped, so a Mastodon
post with three pictures keeps one alt text, on no picture in particular, and may lose its
own text (``rss_wire`` hides them from feedparser for that reason); and it keeps only the
first ``media:rating``. This reader goes through the
same decoded document once more with ``html.parser`` (tolerant, no DTD, no external
anything) and gives each picture's URL its description and rating (Media RSS 1.5.1,
"media:description", "media:rating": on ``media:content``, else on its ``media:group``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MRSS = re.compile(r"""xmlns:([\w.-]+)\s*=\s*["']http://search\.yahoo\.com/mrss/?["']""")


@dataclass
class MediaNotes:
    """What Media RSS says of each picture, by URL (the first mention wins)."""

    alt: dict[str, str] = field(default_factory=dict)
    adult: set[str] = field(default_factory=set)


class _Reader(HTMLParser):
    def __init__(self, prefixes: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.notes = MediaNotes()
        self._names = {
            kind: {f"{p.lower()}:{kind}" for p in prefixes}
            for kind in ("content", "group", "description", "rating")
        }
        self._content: str | None = None  # the URL of the media:content being read
        self._group: list[str] | None = None  # URLs in the media:group being read
        self._group_alt = ""
        self._group_adult = False
        self._text: list[str] | None = None

    def _is(self, tag: str, kind: str) -> bool:
        return tag in self._names[kind]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._is(tag, "content"):
            self._content = (dict(attrs).get("url") or "").strip()
            if self._group is not None:
                self._group.append(self._content)
        elif self._is(tag, "group"):
            self._group, self._group_alt, self._group_adult = [], "", False
        elif self._is(tag, "description") or self._is(tag, "rating"):
            self._text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):
            self.handle_data(data[len("CDATA[") :])

    def handle_endtag(self, tag: str) -> None:
        if self._is(tag, "description") and self._text is not None:
            self._described(" ".join("".join(self._text).split()))
        elif self._is(tag, "rating") and self._text is not None:
            if "".join(self._text).strip().lower() == "adult":
                if self._content:
                    self.notes.adult.add(self._content)
                elif self._group is not None:
                    self._group_adult = True
        elif self._is(tag, "content"):
            self._content = None
        elif self._is(tag, "group") and self._group is not None:
            for url in self._group:
                if self._group_alt:
                    self.notes.alt.setdefault(url, self._group_alt)
                if self._group_adult:
                    self.notes.adult.add(url)
            self._group = None
        if self._is(tag, "description") or self._is(tag, "rating"):
            self._text = None

    def _described(self, text: str) -> None:
        if not text:
            return
        if self._content:
            self.notes.alt.setdefault(self._content, text)
        elif self._group is not None:
            self._group_alt = self._group_alt or text


def read_media_notes(document: str) -> MediaNotes:
    """The Media RSS notes of a decoded feed document (empty when it uses no Media RSS)."""
    prefixes = set(MRSS.findall(document))
    if not prefixes:
        return MediaNotes()
    reader = _Reader(prefixes)
    reader.feed(document)
    reader.close()
    return reader.notes


__all__ = ["MediaNotes", "read_media_notes"]
