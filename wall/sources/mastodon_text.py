"""A Mastodon status's text: its ``content`` HTML read as a screen should show it.

Mastodon writes a status as a little HTML (docs.joinmastodon.org/spec/activitypub, "HTML
sanitization"): paragraphs, breaks, links whose scheme and tail hide in ``<span
class="invisible">``, and, on a quote post, a ``<p class="quote-inline">RE: link</p>``
for the clients that cannot show quotes (docs.joinmastodon.org/methods/statuses, "quoted
status"); Akkoma and Pleroma write it as a ``<span class="quote-inline">``.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _PlainText(HTMLParser):
    """Status HTML to text: paragraphs and breaks become newlines, hidden parts go."""

    PARAGRAPHS = frozenset({"p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})
    LINES = frozenset({"li", "ul", "ol", "tr"})
    DROPPED = frozenset({"script", "style", "template", "title"})

    def __init__(self, *, without_quote_link: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._spans: list[str] = []  # class of each open span: invisible, ellipsis or ""
        self._dropped = 0
        self._pending = 0  # newlines owed by block edges, written before the next text
        self._without_quote_link = without_quote_link
        self._fallback: tuple[str, int] | None = None  # the quote-inline element: tag, depth

    def _hidden(self) -> bool:
        return self._dropped > 0 or "invisible" in self._spans or self._fallback is not None

    def _enter_fallback(self, tag: str, classes: list[str]) -> None:
        if self._fallback is not None:
            if tag == self._fallback[0]:
                self._fallback = (tag, self._fallback[1] + 1)
        elif self._without_quote_link and "quote-inline" in classes:
            self._fallback = (tag, 1)

    def _leave_fallback(self, tag: str) -> None:
        if self._fallback is not None and tag == self._fallback[0]:
            depth = self._fallback[1] - 1
            self._fallback = (tag, depth) if depth else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class").split()
        self._enter_fallback(tag, classes)
        if tag in self.DROPPED:
            self._dropped += 1
        elif tag == "span":
            self._spans.append(next((c for c in ("invisible", "ellipsis") if c in classes), ""))
        elif tag == "br" and not self._hidden():
            self._write("\n")
        else:
            self._block_edge(tag)

    def handle_endtag(self, tag: str) -> None:
        self._leave_fallback(tag)
        if tag in self.DROPPED:
            self._dropped = max(0, self._dropped - 1)
        elif tag == "span" and self._spans:
            # Mastodon shortens long links: the "ellipsis" part is followed by "…" in CSS.
            if self._spans.pop() == "ellipsis" and not self._hidden():
                self._write("…")
        else:
            self._block_edge(tag)

    def _block_edge(self, tag: str) -> None:
        if not self._hidden():
            wanted = 2 if tag in self.PARAGRAPHS else 1 if tag in self.LINES else 0
            self._pending = max(self._pending, wanted)

    def _write(self, text: str) -> None:
        if self._pending and self.parts:
            self.parts.append("\n" * self._pending)
        self._pending = 0
        self.parts.append(text)

    def handle_data(self, data: str) -> None:
        if self._hidden():
            return
        text = data.replace("\n", " ").replace("\r", " ")
        if text.strip():
            self._write(text)
        elif self.parts:  # spacing between tags, without paying the owed newlines
            self.parts.append(text)


def html_to_text(content: str, *, without_quote_link: bool = False) -> str:
    """The plain text of a status's ``content`` (entities unescaped, custom emoji as
    ``:shortcode:``), as a screen should show it with ``textContent``.

    ``without_quote_link``: leave out the "RE: link" that stands for a quoted post, when the
    quoted post itself is shown.
    """
    parser = _PlainText(without_quote_link=without_quote_link)
    parser.feed(content)
    parser.close()
    lines: list[str] = []
    for line in "".join(parser.parts).split("\n"):
        line = " ".join(line.split())
        if line or (lines and lines[-1]):  # at most one empty line in a row
            lines.append(line)
    return "\n".join(lines).strip()
