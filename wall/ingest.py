"""Ingest: every post from every source is normalised and sanitised here, then decided.

All posted content is hostile. HTML is cut down to a small allowlist with nh3, text loses
control and direction-override characters, and every field is capped in length, before
the pure core's rules see the post.
"""

from __future__ import annotations

import re

import msgspec
import nh3

from moderation import Author, Media, Post, Rules, Verdict, decide

ALLOWED_TAGS = {"p", "br", "a", "span", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
MAX_TEXT = 5000
MAX_NAME = 200
MAX_HASHTAGS = 30
MAX_MEDIA = 4

# C0/C1 controls except tab and newline, bidi overrides and isolates, zero-width joiners'
# cousins that only serve to hide text. Newlines are kept: posts have paragraphs.
_UNSAFE_CHARS = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_text(text: str, limit: int) -> str:
    return _UNSAFE_CHARS.sub("", text).strip()[:limit]


def sanitise_html(html: str) -> str:
    """Reduce ``html`` to Murmur's allowlist; links keep only http(s) targets."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
    )


def normalise(post: Post) -> Post:
    """The same post with hostile or oversized content made safe."""
    author = Author(
        name=clean_text(post.author.name, MAX_NAME) or clean_text(post.author.handle, MAX_NAME),
        handle=clean_text(post.author.handle, MAX_NAME),
        avatar_url=post.author.avatar_url,
        profile_url=post.author.profile_url,
    )
    media = tuple(
        msgspec.structs.replace(m, alt=clean_text(m.alt, 1500)) for m in post.media[:MAX_MEDIA]
    )
    tags: dict[str, None] = {}
    for tag in post.hashtags:
        cleaned = clean_text(tag.lstrip("#"), 100)
        if cleaned:
            tags.setdefault(cleaned, None)
    return msgspec.structs.replace(
        post,
        author=author,
        text=clean_text(post.text, MAX_TEXT),
        html=sanitise_html(post.html[: MAX_TEXT * 4]),
        content_warning=clean_text(post.content_warning, 500),
        media=media,
        hashtags=tuple(tags)[:MAX_HASHTAGS],
    )


def judge(post: Post, rules: Rules) -> tuple[Post, Verdict]:
    """Normalise ``post`` and apply the event's rules to it."""
    safe = normalise(post)
    return safe, decide(safe, rules)


__all__ = ["Media", "clean_text", "judge", "normalise", "sanitise_html"]
