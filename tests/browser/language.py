"""What a French page must not show: the English of Murmur's own catalogue.

``english_left`` reads the page (text, and the labels, titles, placeholders and alts a
person hears or sees) for pieces of the English catalogue that the French one does not
share. Post content is left out (``skip``): it is the post's words, not Murmur's. A piece
that is the same in both languages ("Pause", "Murmur") proves nothing and is not counted.
"""

from __future__ import annotations

from typing import Any

# The post's own words on the desk and the wall, never Murmur's.
POST_WORDS = (
    ".card-text, .card-name, .card-handle, .card-network, .card-alt, .card-reply-text,"
    " .sheet-post, #event-title, .post-text, .post-name, .post-handle, .reply-text,"
    " .card-cw, .sent-text"
)


def english_left(page: Any, skip: str = POST_WORDS) -> list[str]:
    found: list[str] = page.evaluate(
        """async (skip) => {
            const { CATALOGUE } = await import("/static/i18n.js");
            const flat = (table) => Object.values(table).flatMap(
                (v) => (typeof v === "string" ? [v] : Object.values(v)));
            const french = flat(CATALOGUE.fr).join("\\n");
            const pieces = flat(CATALOGUE.en)
                .flatMap((s) => s.split(/\\{\\w+\\}/))
                .map((s) => s.trim())
                .filter((s) => s.length >= 4 && /\\p{L}{3}/u.test(s) && !french.includes(s));
            const copy = document.documentElement.cloneNode(true);
            for (const el of copy.querySelectorAll(`${skip}, script, style`)) el.remove();
            const attributes = [...copy.querySelectorAll("*")].flatMap((el) =>
                ["aria-label", "title", "placeholder", "alt"].map((a) => el.getAttribute(a) ?? ""));
            const shown = [copy.textContent, ...attributes].join("\\n");
            return [...new Set(pieces.filter((p) => shown.includes(p)))];
        }""",
        skip,
    )
    return found
