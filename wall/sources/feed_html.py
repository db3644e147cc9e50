"""The HTML in feed entries, read as plain text (with its line breaks) and pictures.

Pure: ``html.parser`` reads a fragment the way a browser's ``textContent`` would, scripts
and styles left out; the HTML itself is sanitised later, at ingest (nh3).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import NamedTuple

_SPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"<[A-Za-z/!?]")


class Picture(NamedTuple):
    url: str
    alt: str = ""


class _HtmlText(HTMLParser):
    """Plain text of an HTML fragment, as ``textContent`` would give, with line breaks."""

    BREAK = frozenset({"br"})
    BLOCK = frozenset(
        {"p", "div", "li", "ul", "ol", "blockquote", "pre", "hr", "tr", "table", "section"}
        | {"article", "header", "footer", "figure", "figcaption", "h1", "h2", "h3", "h4"}
        | {"h5", "h6", "dl", "dt", "dd"}
    )
    HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[Picture] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAK:
            self.parts.append("\n")
        elif tag in self.BLOCK:
            self.parts.append("\n\n")
        elif tag == "img" and not self._hidden:
            values = dict(attrs)
            if values.get("src"):
                self.images.append(Picture(values["src"] or "", values.get("alt") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(_SPACE.sub(" ", data))


def looks_like_html(fragment: str) -> bool:
    return bool(_MARKUP.search(fragment))


def read_html(fragment: str) -> tuple[str, list[Picture]]:
    """(plain text, pictures) of an HTML fragment; text without markup is kept as written
    (feeds do not all send HTML: the line breaks of plain text are meant)."""
    if not looks_like_html(fragment):
        return tidy(html.unescape(fragment)), []
    reader = _HtmlText()
    reader.feed(fragment)
    reader.close()
    return tidy("".join(reader.parts)), reader.images


def html_to_text(fragment: str) -> str:
    """The plain text of an HTML fragment: tags and scripts gone, entities decoded."""
    return read_html(fragment)[0]


def tidy(text: str) -> str:
    """Spaces run together, at most one blank line between paragraphs, no edges."""
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def paragraphs(text: str) -> str:
    """Plain text as HTML: a paragraph per blank-line-separated block."""
    blocks = (html.escape(block).replace("\n", "<br>") for block in text.split("\n\n"))
    return "".join(f"<p>{block}</p>" for block in blocks if block)


__all__ = ["Picture", "html_to_text", "looks_like_html", "paragraphs", "read_html", "tidy"]
