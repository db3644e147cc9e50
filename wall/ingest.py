"""Ingest: every post from every source is normalised and sanitised here, then decided.

All posted content is hostile. HTML is cut down to a small allowlist with nh3, text loses
control and direction-override characters, and every field is capped in length, before
the pure core's rules see the post.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import msgspec
import nh3

from moderation import (
    Author,
    History,
    LinkCard,
    Media,
    Poll,
    PollOption,
    Post,
    Quoted,
    Rules,
    Verdict,
    decide,
)

ALLOWED_TAGS = {"p", "br", "a", "span", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
MAX_TEXT = 5000
MAX_NAME = 200
MAX_HASHTAGS = 30
MAX_MEDIA = 4
MAX_EMOJI = 20
MAX_QUOTE = 1000  # the quoted post is shown small, under the post
MAX_POLL_OPTIONS = 10
MAX_OPTION = 200
MAX_LINK_TITLE = 300
MAX_LINK_DESCRIPTION = 500
_SHORTCODE = re.compile(r"^[A-Za-z0-9_]{1,64}$")

# C0/C1 controls except tab and newline, bidi overrides and isolates, zero-width joiners'
# cousins that only serve to hide text. Newlines are kept: posts have paragraphs.
_UNSAFE_CHARS = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


# What a picture's address may be: a file of Murmur's media store (see wall.media), so
# screens never load a third-party host (DESIGN.md, promise 5).
_LOCAL_MEDIA = re.compile(r"^/media/[0-9a-f]{32}(?:-[0-9]{2,4})?\.webp$")


def local_media(url: str | None) -> str | None:
    """``url`` when it names a file in Murmur's media store, else None."""
    return url if url is not None and _LOCAL_MEDIA.fullmatch(url) else None


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) link of sane length (no ``javascript:``), else None."""
    if url is None or len(url) > 2000 or _UNSAFE_CHARS.search(url) or any(c.isspace() for c in url):
        return None
    return url if url.lower().startswith(("https://", "http://")) else None


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


def _author(author: Author) -> Author:
    return Author(
        name=clean_text(author.name, MAX_NAME) or clean_text(author.handle, MAX_NAME),
        handle=clean_text(author.handle, MAX_NAME),
        avatar_url=local_media(author.avatar_url),
        profile_url=web_link(author.profile_url),
        bot=author.bot,
        created_at=author.created_at,
    )


def _poll(poll: Poll | None) -> Poll | None:
    """A poll with clean answers and counts that are counts; none without an answer."""
    if poll is None:
        return None
    options = tuple(
        PollOption(
            title=clean_text(o.title, MAX_OPTION),
            votes=o.votes if o.votes is not None and o.votes >= 0 else None,
        )
        for o in poll.options[:MAX_POLL_OPTIONS]
    )
    if not any(o.title for o in options):
        return None
    voters = poll.voters if poll.voters is not None and poll.voters >= 0 else None
    return msgspec.structs.replace(poll, options=options, voters=voters)


def _quote(quote: Quoted | None) -> Quoted | None:
    if quote is None:
        return None
    text = clean_text(quote.text, MAX_QUOTE)
    if not text:
        return None
    return msgspec.structs.replace(
        quote,
        author=_author(quote.author),
        text=text,
        url=web_link(quote.url),
        content_warning=clean_text(quote.content_warning, 500),
    )


def _link(link: LinkCard | None) -> LinkCard | None:
    """A link card with an http(s) address and a title, else none; its picture only from
    Murmur's media store."""
    url = web_link(link.url) if link is not None else None
    title = clean_text(link.title, MAX_LINK_TITLE) if link is not None else ""
    if link is None or url is None or not title:
        return None
    image = link.image if link.image is not None and local_media(link.image.url) else None
    return LinkCard(
        url=url,
        title=title,
        description=clean_text(link.description, MAX_LINK_DESCRIPTION),
        image=msgspec.structs.replace(image, alt=clean_text(image.alt, 1500)) if image else None,
    )


def normalise(post: Post) -> Post:
    """The same post with hostile or oversized content made safe, what it shows of others
    (who boosted it, the post it quotes, its poll and link card) too."""
    author = _author(post.author)
    media = tuple(
        msgspec.structs.replace(m, alt=clean_text(m.alt, 1500))
        for m in post.media
        if local_media(m.url)
    )[:MAX_MEDIA]
    emoji = tuple(e for e in post.emoji if _SHORTCODE.match(e.shortcode) and local_media(e.url))[
        :MAX_EMOJI
    ]
    tags: dict[str, None] = {}
    for tag in post.hashtags:
        cleaned = clean_text(tag.lstrip("#"), 100)
        if cleaned:
            tags.setdefault(cleaned, None)
    return msgspec.structs.replace(
        post,
        author=author,
        url=web_link(post.url),
        text=clean_text(post.text, MAX_TEXT),
        html=sanitise_html(post.html[: MAX_TEXT * 4]),
        content_warning=clean_text(post.content_warning, 500),
        media=media,
        hashtags=tuple(tags)[:MAX_HASHTAGS],
        emoji=emoji,
        boosted_by=_author(post.boosted_by) if post.boosted_by is not None else None,
        poll=_poll(post.poll),
        quote=_quote(post.quote),
        link=_link(post.link),
    )


def judge(
    post: Post,
    rules: Rules,
    *,
    now: datetime | None = None,
    history: History | None = None,
    detect: Callable[[str], str | None] | None = None,
) -> tuple[Post, Verdict]:
    """Normalise ``post`` and apply the event's rules to it.

    ``now`` (when the post was received), ``history`` (the event's recent posts) and
    ``detect`` (a language guesser) feed the rules that need them. When the network gave
    no language and the rules care (``rules.wants_language``), ``detect`` guesses one; the
    returned post carries the guess.
    """
    safe = normalise(post)
    detected = None
    if detect is not None and safe.language is None and rules.wants_language:
        detected = detect(safe.text)
    verdict = decide(safe, rules, now=now, history=history, detected_language=detected)
    if detected is not None:
        safe = msgspec.structs.replace(safe, language=detected)
    return safe, verdict


__all__ = [
    "Media",
    "clean_text",
    "judge",
    "local_media",
    "normalise",
    "sanitise_html",
    "web_link",
]
