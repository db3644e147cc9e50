"""RSS and Atom documents, read: bytes in, posts out, no I/O.

feedparser reads the document (RSS 0.9x, 1.0 and 2.0 in any of their namespaces, Atom,
character encodings, HTML entities, relative links, base64 content); Murmur keeps its
guards around it and maps its entries to posts:

- feedparser is handed the downloaded bytes in a stream, never a URL or a path (given a
  string it would fetch it or open it): it never fetches or opens anything.
- Any DTD is cut out before feedparser sees the document (``wall.sources.feed_guard``):
  no entity is ever expanded and no external entity or DTD is read.
- HTML is sanitised again, by nh3, at ingest.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import feedparser
from yarl import URL

from moderation.post import Author, Post
from moderation.rules import fold
from wall.sources.dates import parse_date
from wall.sources.feed_guard import hide_media_descriptions, rewritten, without_dtd
from wall.sources.feed_html import Picture, looks_like_html, paragraphs, read_html, tidy
from wall.sources.media_rss import MediaNotes, read_media_notes

log = logging.getLogger(__name__)

MAX_PICTURES = 4
MAX_ID = 256
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
_HASHTAG = re.compile(r"(?<![\w/&#])#(\w+)")
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
_HTML_PAGE = re.compile(rb"<(!doctype\s+html|html[\s>])", re.IGNORECASE)
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class FeedError(ValueError):
    """The document is not a feed Murmur can read; the message says why, for a person."""


@dataclass(frozen=True)
class Entry:
    """One feed entry: its post (no media yet), and the remote pictures it refers to.

    ``avatar_url`` is the feed's icon, fetched once and shown as the author's avatar.
    """

    post: Post
    pictures: tuple[Picture, ...] = ()
    avatar_url: str | None = None


class Skipped(NamedTuple):
    """An entry left out: a digest of what feedparser read of it (the same entry in the
    next poll has the same), and why, for a person."""

    key: str
    reason: str


@dataclass(frozen=True)
class Feed:
    """A document's entries in document order, and the entries left out."""

    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# -- the document -----------------------------------------------------------------------


def read_feed(
    data: bytes, *, feed_url: str, content_type: str | None = None, now: datetime | None = None
) -> Feed:
    """The entries of an RSS or Atom document, in document order.

    Raises ``FeedError`` when the document is no feed at all. An entry that cannot be read
    is left out, with the reason in ``Feed.skipped``; the others are kept. Dates in the
    future are brought back to ``now``; see ``_entry`` for an entry without a date.
    """
    now = now or datetime.now(UTC)
    if not data.strip():
        raise FeedError("the document is empty")
    data, had_dtd = without_dtd(data)
    if had_dtd:
        log.info("feed %s: its DTD was left out, unread", feed_url[:200])
    parsed, _ = rewritten(data, hide_media_descriptions)
    headers = {
        "content-location": feed_url,
        # Without a type, feedparser would decode an undeclared document as latin-1.
        "content-type": content_type or "application/xml",
    }
    try:
        result = feedparser.parse(io.BytesIO(parsed), response_headers=headers)
    except Exception as exc:
        log.warning("feed %s: feedparser failed", feed_url[:200], exc_info=True)
        raise FeedError(f"it could not be read ({type(exc).__name__})") from exc
    if not result.get("version") and not result.get("entries"):
        raise FeedError(_why_not_a_feed(data, result))
    context = _Context.of(result, feed_url, data)
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for n, raw in enumerate(result.get("entries") or [], start=1):
        key = hashlib.sha256(repr(raw).encode("utf-8", "replace")).hexdigest()[:20]
        try:
            entries.append(_entry(raw, context, now))
        except ValueError as exc:
            skipped.append(Skipped(key, f"entry {n} skipped: {exc}"))
        except Exception as exc:  # a bug here must cost one entry, never the feed
            log.warning("feed %s: entry %d", feed_url[:200], n, exc_info=True)
            skipped.append(Skipped(key, f"entry {n} skipped: {type(exc).__name__}: {exc}"))
    for skip in skipped:
        log.warning("feed %s: %s", feed_url[:200], skip.reason[:300])
    return Feed(entries, skipped)


def parse_feed(data: bytes, *, feed_url: str, now: datetime | None = None) -> list[Entry]:
    """``read_feed``'s entries (see there)."""
    return read_feed(data, feed_url=feed_url, now=now).entries


def _why_not_a_feed(data: bytes, result: Mapping[str, Any]) -> str:
    problem = result.get("bozo_exception")
    if isinstance(problem, feedparser.CharacterEncodingUnknown):
        return "its characters are in no encoding Murmur knows"
    if _HTML_PAGE.search(data[:2048]):
        return (
            "it is a web page (HTML), not a feed: give the address of the site's RSS or Atom "
            "feed instead"
        )
    said = getattr(problem, "getMessage", lambda: "")()
    detail = f" (malformed XML: {said})" if said else ""
    return f"it is neither RSS nor Atom{detail}"


# -- entries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What a feed says about all its entries."""

    url: str
    atom: bool
    title: str
    site: str | None
    icon: str | None
    language: str | None
    date: datetime | None
    author: str
    host: str
    media: MediaNotes

    @classmethod
    def of(cls, result: Mapping[str, Any], feed_url: str, data: bytes) -> _Context:
        feed: Mapping[str, Any] = result.get("feed") or {}
        atom = str(result.get("version") or "").startswith("atom")
        title = _text(feed.get("title_detail"), atom=atom)
        host = URL(feed_url).host or feed_url
        icon = (feed.get("image") or {}).get("href") or feed.get("icon") or feed.get("logo")
        named = (feed.get("author_detail") or {}).get("name") if atom else None
        encoding = result.get("encoding") or ""
        try:
            document = data.decode(encoding, errors="replace") if encoding else ""
        except LookupError:
            document = ""
        return cls(
            url=feed_url,
            atom=atom,
            title=title,
            site=_absolute(feed.get("link") or "", feed_url),
            icon=_absolute(icon, feed_url) if icon else None,
            language=_language(feed.get("language")),
            date=parse_date(feed.get("updated") or feed.get("published")),
            author=named or title or host,
            host=host,
            media=read_media_notes(document),
        )


def _text(detail: Mapping[str, Any] | None, *, atom: bool) -> str:
    """The plain text of a feedparser text value (a title)."""
    return _body(detail, atom=atom)[0]


def _body(detail: Mapping[str, Any] | None, *, atom: bool) -> tuple[str, str]:
    """(plain text, HTML) of a feedparser text value.

    Atom says what its text is (RFC 4287 §3.1): ``type="text"`` is text even when it shows
    ``<b>``. RSS does not, and its titles and descriptions are often escaped HTML: one that
    looks like HTML is read as HTML.
    """
    if not detail:
        return "", ""
    value = str(detail.get("value") or "")
    kind = str(detail.get("type") or "text/plain")
    if looks_like_html(value) and (kind in _HTML_TYPES or not atom):
        return read_html(value)[0], value
    # HTML without a tag is text whose line breaks are meant (feeds do not all send HTML).
    # Text that still holds HTML's entities (Movable Type writes Atom summaries so: tags
    # gone, "&nbsp;" kept) shows their characters: a wall is no place for "&nbsp;".
    plain = read_html(value)[0] if kind in _HTML_TYPES else tidy(html.unescape(value))
    return plain, paragraphs(plain)


def _entry(raw: Mapping[str, Any], feed: _Context, now: datetime) -> Entry:
    """One feedparser entry as a post.

    An entry without a date takes the feed's, else ``now``; one whose date cannot be read
    takes ``now`` (its arrival). Either way the post is ``undated``, so the desk can say so.
    """
    title = _text(raw.get("title_detail"), atom=feed.atom)
    body_text, body_html = _body(_main_text(raw), atom=feed.atom)
    _, inline = read_html(body_html)
    repeated = " ".join(body_text.split()).startswith(" ".join(title.split()))
    shown_title = bool(title) and not repeated
    text = f"{title}\n\n{body_text}".strip() if shown_title else body_text or title
    written = str(raw.get("published") or raw.get("updated") or raw.get("created") or "")
    date = parse_date(written)
    if written and date is None:
        log.info("feed %s: unreadable date %r, the arrival time is used", feed.url, written[:80])
    link = _absolute(str(raw.get("link") or ""), feed.url)
    ident = _identify(
        str(raw.get("id") or "").strip(), link, f"{title}\n{written}\n{body_text}", feed.url
    )
    pictures: dict[str, Picture] = {}
    for picture in _pictures(raw, feed) or inline:
        url = _absolute(picture.url, feed.url) if picture.url else None
        if url and url not in pictures:
            pictures[url] = Picture(url, picture.alt.strip())
    if not text and not pictures:
        raise ValueError(f"nothing to show in {ident[:200]}")
    heading = f"<p><strong>{html.escape(title)}</strong></p>" if shown_title else ""
    detail = raw.get("summary_detail") or raw.get("title_detail") or {}
    post = Post(
        network="rss",
        network_id=ident,
        author=Author(
            name=_author(raw, atom=feed.atom) or feed.author,
            handle=feed.host,
            profile_url=feed.site,
        ),
        text=text,
        html=heading + body_html,
        created_at=min(date or (now if written else feed.date or now), now),
        url=link,
        language=_language(detail.get("language")) or feed.language,
        sensitive=_adult(raw, feed.media),
        hashtags=_hashtags((str(t.get("term") or "") for t in raw.get("tags") or []), text),
        undated=date is None,
    )
    return Entry(post=post, pictures=tuple(pictures.values())[:MAX_PICTURES], avatar_url=feed.icon)


def _main_text(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The summary (RSS ``description``), else the content (``content:encoded``)."""
    candidates = [raw.get("summary_detail"), *(raw.get("content") or [])]
    return next((c for c in candidates if c and str(c.get("value") or "").strip()), None)


def _author(raw: Mapping[str, Any], *, atom: bool) -> str:
    """The entry's author's name; never an email address (RSS ``<author>`` is one)."""
    if atom:
        return str((raw.get("author_detail") or {}).get("name") or "").strip()
    # feedparser's own split of "press@univ.example (Press office)" cuts addresses whose
    # last label is over four letters ("ple (Press office"): the raw text is read here.
    written = str(raw.get("author") or "").strip()
    named = _EMAIL_NAME.match(written)
    return named.group(1).strip() if named else ("" if "@" in written else written)


def _pictures(raw: Mapping[str, Any], feed: _Context) -> list[Picture]:
    """Image enclosures, then Media RSS images (their thumbnails only if no image)."""
    found = [
        Picture(str(link.get("href") or ""), str(link.get("title") or ""))
        for link in raw.get("links") or []
        if link.get("rel") == "enclosure" and str(link.get("type") or "").startswith("image/")
    ]
    media: list[Picture] = []
    for content in raw.get("media_content") or []:
        url = str(content.get("url") or "").strip()
        kind, medium = str(content.get("type") or ""), str(content.get("medium") or "")
        untyped_image = not kind and not medium and _IMAGE_PATH.search(url.split("?")[0])
        if medium == "image" or kind.startswith("image/") or untyped_image:
            media.append(Picture(url, feed.media.alt.get(url, "")))
    if not media:
        media = [Picture(str(t.get("url") or "")) for t in raw.get("media_thumbnail") or []]
    return found + media


def _adult(raw: Mapping[str, Any], media: MediaNotes) -> bool:
    rating = str((raw.get("media_rating") or {}).get("content") or "")
    urls = {str(c.get("url") or "").strip() for c in raw.get("media_content") or []}
    return rating.strip().lower() == "adult" or bool(urls & media.adult)


# -- values -----------------------------------------------------------------------------


def _absolute(link: str, base: str) -> str | None:
    """``link`` resolved against ``base``; None unless it is http(s)."""
    if not link.strip():
        return None
    try:
        url = URL(base).join(URL(link.strip()))
    except ValueError:
        return None
    return str(url) if url.scheme in {"http", "https"} and url.host else None


def _hashtags(categories: Iterable[str], text: str) -> tuple[str, ...]:
    found: dict[str, str] = {}
    candidates = ["".join(c.lstrip("#").split()) for c in categories]
    candidates += _HASHTAG.findall(text)
    for tag in candidates:
        if re.fullmatch(r"\w{1,100}", tag) and any(c.isalpha() for c in tag):
            found.setdefault(fold(tag), tag)
    return tuple(found.values())


def _language(value: object) -> str | None:
    primary = str(value or "").strip().split("-")[0].split("_")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _identify(raw_id: str, link: str | None, fallback: str, feed_url: str) -> str:
    """The entry's id, else its link, else a digest of what it shows."""
    if raw_id:
        # Ids that are not URIs ("1234") are only unique within their feed.
        ident = raw_id if _URI.match(raw_id) else f"{feed_url}#{raw_id}"
    elif link:
        ident = link
    elif fallback.strip():
        ident = "sha256:" + hashlib.sha256(fallback.encode()).hexdigest()[:32]
    else:
        raise ValueError("an entry with no id, link, title, date or text")
    if len(ident) > MAX_ID:
        ident = "sha256:" + hashlib.sha256(ident.encode()).hexdigest()
    return ident


__all__ = ["Entry", "Feed", "FeedError", "Picture", "Skipped", "parse_feed", "read_feed"]
