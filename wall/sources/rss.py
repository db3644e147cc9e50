"""The RSS and Atom source: a feed polled with conditional GET.

``parse_feed`` turns a feed document (RSS 2.0, RSS 1.0/RDF or Atom 1.0) into ``Entry``
values without any I/O: each holds a ``Post`` and the remote addresses of its pictures,
which the loop fetches through the SSRF guard. ``RssFeed`` is the source: it polls the
feed every ``poll_seconds`` with ``If-None-Match``/``If-Modified-Since`` (RFC 9110 §13.1),
so an unchanged feed costs one 304, and yields the entries it has not seen, oldest first.

Feeds are hostile. The standard library's XML parser is used with DTDs refused outright
(``defusedxml`` is not a dependency): a document declaring ``<!DOCTYPE`` is rejected before
any entity is declared, so neither "billion laughs" expansion nor external entities
(XXE) can happen. HTML in titles and descriptions is read with ``html.parser`` into plain
text; the HTML itself is sanitised later, at ingest.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from html.parser import HTMLParser
from typing import NamedTuple

import msgspec
from yarl import URL

from moderation.post import Author, Media, Post
from moderation.rules import fold
from wall.fetch import Fetched, FetchFailed, FetchRefused, fetch
from wall.settings import RssSource
from wall.sources.context import SourceContext
from wall.sources.errors import (
    BadCredentials,
    Disconnected,
    NotFoundOnNetwork,
    RateLimited,
    SourceFailure,
)

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
RSS1 = "http://purl.org/rss/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

MAX_PICTURES = 4
MAX_ID = 256
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")
_HASHTAG = re.compile(r"(?<![\w/&#])#(\w+)")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_MARKUP = re.compile(r"<[A-Za-z/!?]")
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s*\((.+)\)\s*$")


class FeedError(ValueError):
    """The document is not an RSS or Atom feed Murmur accepts; the message says why."""


class Picture(NamedTuple):
    url: str
    alt: str = ""


@dataclass(frozen=True)
class Entry:
    """One feed entry: its post (no media yet), and the remote pictures it refers to.

    ``avatar_url`` is the feed's icon, fetched once and shown as the author's avatar.
    """

    post: Post
    pictures: tuple[Picture, ...] = ()
    avatar_url: str | None = None


# -- reading XML and HTML ---------------------------------------------------------------


class _NoDoctype(ET.TreeBuilder):
    # expat calls this at the start of <!DOCTYPE, before the internal subset is read: no
    # entity is declared, let alone expanded or fetched.
    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise FeedError("it declares a DTD (<!DOCTYPE>), which Murmur refuses")


def _parse_xml(data: bytes) -> ET.Element:
    if not data.strip():
        raise FeedError("the document is empty")
    # A cheap first look at the prolog (before the root element) in ASCII-compatible
    # encodings; the tree builder refuses a DTD in any encoding.
    root_at = _ROOT.search(data)
    if _DTD.search(data, 0, root_at.start() if root_at else len(data)):
        raise FeedError("it declares a DTD (<!DOCTYPE>), which Murmur refuses")
    parser = ET.XMLParser(target=_NoDoctype())  # noqa: S314 (_NoDoctype refuses any DTD)
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except ET.ParseError as exc:
        raise FeedError(f"malformed XML ({exc})") from None
    return root


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


def _read_html(fragment: str) -> tuple[str, list[Picture]]:
    if not _MARKUP.search(fragment):
        # Plain text (feeds do not all send HTML): its line breaks are meant.
        return _tidy(html.unescape(fragment)), []
    reader = _HtmlText()
    reader.feed(fragment)
    reader.close()
    return _tidy("".join(reader.parts)), reader.images


def html_to_text(fragment: str) -> str:
    """The plain text of an HTML fragment: tags and scripts gone, entities decoded."""
    return _read_html(fragment)[0]


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace("\r", "\n").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _xhtml(element: ET.Element) -> str:
    """Atom ``type="xhtml"`` content: the inner markup of its div, without namespaces."""
    out: list[str] = [html.escape(element.text or "", quote=False)]
    for child in element:
        tag = _local(child.tag)
        attrs = "".join(
            f' {_local(k)}="{html.escape(v)}"' for k, v in child.attrib.items() if ":" not in k
        )
        out.append(f"<{tag}{attrs}>{_xhtml(child)}</{tag}>")
        out.append(html.escape(child.tail or "", quote=False))
    return "".join(out)


def _paragraphs(text: str) -> str:
    """Plain text as HTML: a paragraph per blank-line-separated block."""
    blocks = (html.escape(block).replace("\n", "<br>") for block in text.split("\n\n"))
    return "".join(f"<p>{block}</p>" for block in blocks if block)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


# -- values -----------------------------------------------------------------------------


def parse_date(value: str) -> datetime | None:
    """An RFC 822 date (RSS ``pubDate``) or an ISO 8601 one (Atom, ``dc:date``), in UTC."""
    value = value.strip()
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except OverflowError:  # year 1 east of Greenwich, year 9999 west of it
        return None


def _absolute(link: str, base: str) -> str | None:
    """``link`` resolved against ``base``; None unless it is http(s)."""
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


def _language(value: str | None) -> str | None:
    primary = (value or "").strip().split("-")[0].split("_")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _identify(raw_id: str, link: str | None, fallback: str, feed_url: str) -> str:
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


# -- feeds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Feed:
    """What a feed says about all its entries."""

    url: str
    title: str
    site: str | None
    icon: str | None
    language: str | None
    date: datetime | None
    author: str
    host: str


@dataclass
class _Raw:
    """One entry's fields, whatever the dialect, before they become a post."""

    raw_id: str = ""
    link: str | None = None
    title: str = ""
    body: str = ""  # HTML
    author: str = ""
    date: str = ""
    language: str | None = None
    categories: tuple[str, ...] = ()
    pictures: tuple[Picture, ...] = ()
    adult: bool = False


def parse_feed(data: bytes, *, feed_url: str, now: datetime | None = None) -> list[Entry]:
    """The entries of an RSS 2.0, RSS 1.0 or Atom 1.0 document, in document order.

    Raises ``FeedError`` when the document is not such a feed. An entry that cannot be
    read (no id nor anything to show) is logged and skipped. Dates in the future are
    brought back to ``now``; an entry without a date takes the feed's, else ``now``.
    """
    now = now or datetime.now(UTC)
    root = _parse_xml(data)
    if root.tag == "rss" or root.tag == f"{{{RDF}}}RDF":
        ns = "" if root.tag == "rss" else f"{{{RSS1}}}"
        channel = root.find(f"{ns}channel")
        if channel is None:
            raise FeedError("an RSS document without a <channel>")
        feed = _rss_feed(root, channel, ns, feed_url)
        items = (channel if ns == "" else root).findall(f"{ns}item")
        read: Callable[[ET.Element], _Raw] = partial(_rss_entry, ns=ns, feed=feed)
    elif root.tag == f"{{{ATOM}}}feed":
        feed = _atom_feed(root, feed_url)
        items = root.findall(f"{{{ATOM}}}entry")
        read = partial(_atom_entry, feed=feed)
    else:
        raise FeedError(f"the document is <{_local(root.tag)}>, not <rss> nor an Atom <feed>")
    entries: list[Entry] = []
    for n, item in enumerate(items):
        try:
            entries.append(_entry(read(item), feed, now))
        except ValueError as exc:
            log.warning("feed %s: entry %d skipped: %s", feed_url[:200], n + 1, exc)
    return entries


def _rss_feed(root: ET.Element, channel: ET.Element, ns: str, feed_url: str) -> _Feed:
    image = (channel if ns == "" else root).find(f"{ns}image/{ns}url")
    title = html_to_text(_text(channel.find(f"{ns}title")))
    host = URL(feed_url).host or feed_url
    dates = (channel.find(tag) for tag in ("lastBuildDate", "pubDate", f"{{{DC}}}date"))
    language = channel.find("language") if ns == "" else channel.find(f"{{{DC}}}language")
    return _Feed(
        url=feed_url,
        title=title,
        site=_absolute(_text(channel.find(f"{ns}link")), feed_url),
        icon=_absolute(_text(image), feed_url) if image is not None else None,
        language=_language(_text(language)),
        date=next((d for d in (parse_date(_text(e)) for e in dates if e is not None) if d), None),
        author=title or host,
        host=host,
    )


def _rss_entry(item: ET.Element, ns: str, feed: _Feed) -> _Raw:
    guid = item.find("guid")
    raw_id = _text(guid) if ns == "" else item.get(f"{{{RDF}}}about", "").strip()
    link = _text(item.find(f"{ns}link"))
    if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
        link = raw_id
    author = _text(item.find(f"{{{DC}}}creator"))
    if not author:
        written = _text(item.find("author"))
        named = _EMAIL_NAME.match(written)
        author = named.group(1).strip() if named else ("" if "@" in written else written)
    body = _text(item.find(f"{ns}description")) or _text(item.find(f"{{{CONTENT}}}encoded"))
    date = _text(item.find("pubDate")) or _text(item.find(f"{{{DC}}}date"))
    enclosures = [
        Picture(e.get("url", ""))
        for e in item.findall("enclosure")
        if e.get("type", "").startswith("image/")
    ]
    return _Raw(
        raw_id=raw_id,
        link=_absolute(link, feed.url) if link else None,
        title=html_to_text(_text(item.find(f"{ns}title"))),
        body=body,
        author=author,
        date=date,
        language=_language(item.get(XML_LANG)),
        categories=tuple(
            _text(c) for c in [*item.findall("category"), *item.findall(f"{{{DC}}}subject")]
        ),
        pictures=(*enclosures, *_media_pictures(item)),
        adult=_adult(item),
    )


def _atom_text(element: ET.Element | None) -> tuple[str, str]:
    """(plain text, HTML) of an Atom text construct (RFC 4287 §3.1)."""
    if element is None or element.get("src"):
        return "", ""
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element.find("{http://www.w3.org/1999/xhtml}div")
        markup = _xhtml(div) if div is not None else ""
        return html_to_text(markup), markup
    if kind in {"html", "text/html"}:
        markup = _text(element)
        return html_to_text(markup), markup
    plain = _tidy(_text(element))
    return plain, _paragraphs(plain)


def _atom_link(parent: ET.Element, rel: str, base: str) -> str | None:
    for link in parent.findall(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") == rel and link.get("href"):
            return _absolute(link.get("href", ""), base)
    return None


def _atom_feed(root: ET.Element, feed_url: str) -> _Feed:
    title = _atom_text(root.find(f"{{{ATOM}}}title"))[0]
    host = URL(feed_url).host or feed_url
    icon = _text(root.find(f"{{{ATOM}}}icon")) or _text(root.find(f"{{{ATOM}}}logo"))
    return _Feed(
        url=feed_url,
        title=title,
        site=_atom_link(root, "alternate", feed_url),
        icon=_absolute(icon, feed_url) if icon else None,
        language=_language(root.get(XML_LANG)),
        date=parse_date(_text(root.find(f"{{{ATOM}}}updated"))),
        author=_text(root.find(f"{{{ATOM}}}author/{{{ATOM}}}name")) or title or host,
        host=host,
    )


def _atom_entry(entry: ET.Element, feed: _Feed) -> _Raw:
    summary = entry.find(f"{{{ATOM}}}summary")
    body = _atom_text(summary)[1] or _atom_text(entry.find(f"{{{ATOM}}}content"))[1]
    enclosures = [
        Picture(_absolute(link.get("href", ""), feed.url) or "", link.get("title", ""))
        for link in entry.findall(f"{{{ATOM}}}link")
        if link.get("rel") == "enclosure" and link.get("type", "").startswith("image/")
    ]
    published = _text(entry.find(f"{{{ATOM}}}published"))
    return _Raw(
        raw_id=_text(entry.find(f"{{{ATOM}}}id")),
        link=_atom_link(entry, "alternate", feed.url),
        title=_atom_text(entry.find(f"{{{ATOM}}}title"))[0],
        body=body,
        author=_text(entry.find(f"{{{ATOM}}}author/{{{ATOM}}}name")),
        date=published or _text(entry.find(f"{{{ATOM}}}updated")),
        language=_language(entry.get(XML_LANG)),
        categories=tuple(c.get("term", "") for c in entry.findall(f"{{{ATOM}}}category")),
        pictures=(*enclosures, *_media_pictures(entry)),
        adult=_adult(entry),
    )


def _media_pictures(item: ET.Element) -> list[Picture]:
    """Images from Media RSS (``media:content``, else ``media:thumbnail``), with alt text."""
    groups = [item, *item.findall(f"{{{MEDIA}}}group")]
    found: list[Picture] = []
    for group in groups:
        for content in group.findall(f"{{{MEDIA}}}content"):
            kind, medium = content.get("type", ""), content.get("medium", "")
            url = content.get("url", "")
            untyped_image = not kind and not medium and _IMAGE_PATH.search(url.split("?")[0])
            if medium == "image" or kind.startswith("image/") or untyped_image:
                description = content.find(f"{{{MEDIA}}}description")
                if description is None:
                    description = group.find(f"{{{MEDIA}}}description")
                found.append(Picture(url, _text(description)))
    if not found:
        for group in groups:
            for thumb in group.iter(f"{{{MEDIA}}}thumbnail"):
                found.append(Picture(thumb.get("url", "")))
    return found


def _adult(item: ET.Element) -> bool:
    return any(_text(r).lower() == "adult" for r in item.iter(f"{{{MEDIA}}}rating"))


def _entry(raw: _Raw, feed: _Feed, now: datetime) -> Entry:
    body_text, inline = _read_html(raw.body)
    title = raw.title
    repeated = " ".join(body_text.split()).startswith(" ".join(title.split()))
    shown_title = bool(title) and not repeated
    text = f"{title}\n\n{body_text}".strip() if shown_title else body_text or title
    date = parse_date(raw.date)
    ident = _identify(raw.raw_id, raw.link, f"{title}\n{raw.date}\n{body_text}", feed.url)
    pictures: dict[str, Picture] = {}
    for picture in [*raw.pictures] or inline:
        url = _absolute(picture.url, feed.url) if picture.url else None
        if url and url not in pictures:
            pictures[url] = Picture(url, picture.alt.strip())
    if not text and not pictures:
        raise ValueError(f"nothing to show in entry {ident[:200]}")
    heading = f"<p><strong>{html.escape(title)}</strong></p>" if shown_title else ""
    post = Post(
        network="rss",
        network_id=ident,
        author=Author(name=raw.author or feed.author, handle=feed.host, profile_url=feed.site),
        text=text,
        html=heading + (raw.body if _MARKUP.search(raw.body) else _paragraphs(body_text)),
        created_at=min(date or feed.date or now, now),
        url=raw.link,
        language=raw.language or feed.language,
        sensitive=raw.adult,
        hashtags=_hashtags(raw.categories, text),
    )
    return Entry(post=post, pictures=tuple(pictures.values())[:MAX_PICTURES], avatar_url=feed.icon)


# -- the source -------------------------------------------------------------------------


class FeedCursor(msgspec.Struct, kw_only=True):
    """Where a feed was left: the validators of the last document fully read, and digests
    of the entries seen (yielded, or passed over on purpose), most recent last."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = []


def _digest(network_id: str) -> str:
    return hashlib.sha256(network_id.encode()).hexdigest()[:20]


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date."""
    value = (value or "").strip()
    if value.isdigit():
        return min(float(value), 86400.0)
    when = parse_date(value) if value else None
    if when is None:
        return None
    return min(max(0.0, (when - (now or datetime.now(UTC))).total_seconds()), 86400.0)


ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class RssFeed:
    """An RSS or Atom feed, polled every ``settings.poll_seconds``.

    Each poll is a conditional GET; a 304 (or a document with nothing new) yields nothing.
    New entries are yielded oldest first. On its very first poll (no cursor yet) a source
    takes only the newest ``first_run`` entries, so adding a feed with years of news does
    not flood the moderation queue. The cursor is saved after each post is consumed: a
    restart resumes where it stopped, and the document's validators are kept only once
    all its entries are through, so a crash halfway never turns the rest into a 304.
    """

    first_run = 20
    max_seen = 1000
    max_bytes = 5 * 1024 * 1024

    def __init__(
        self, settings: RssSource, ctx: SourceContext, name: str, *, timeout: float = 30.0
    ) -> None:
        self.name = name
        self._settings = settings
        self._ctx = ctx
        self._timeout = timeout
        self._avatars: dict[str, Media | None] = {}
        self._wanted = {fold(tag.lstrip("#")) for tag in ctx.event.hashtags}

    async def posts(self) -> AsyncGenerator[Post, None]:
        """Yield the feed's new entries as posts, polling forever."""
        cursor = await self._load()
        fresh = cursor is None
        cursor = cursor or FeedCursor()
        seen = set(cursor.seen)
        while True:
            answer = await self._get(cursor)
            self._ctx.live()  # the feed answered (errors raise in _get)
            if answer.status == 304:
                etag = answer.headers.get("ETag")
                if etag and etag != cursor.etag:  # RFC 9110 §15.4.5: it may send a new one
                    cursor.etag = etag
                    await self._save(cursor)
            else:
                entries = self._parse(answer.body)
                for entry in self._select(entries, cursor, seen, fresh=fresh):
                    post = await self._with_media(entry)
                    yield post
                    self._remember(cursor, seen, entry.post.network_id)
                    await self._save(cursor)
                cursor.etag = answer.headers.get("ETag")
                cursor.last_modified = answer.headers.get("Last-Modified")
                self._trim(cursor, {_digest(e.post.network_id) for e in entries})
                seen = set(cursor.seen)
                await self._save(cursor)
                fresh = False
            await asyncio.sleep(self._settings.poll_seconds)

    # -- one poll -----------------------------------------------------------------------

    async def _get(self, cursor: FeedCursor) -> Fetched:
        url = self._settings.url
        headers = {"Accept": ACCEPT}
        if cursor.etag:
            headers["If-None-Match"] = cursor.etag
        if cursor.last_modified:
            headers["If-Modified-Since"] = cursor.last_modified
        try:
            answer = await fetch(
                self._ctx.http,
                self._ctx.guard,
                url,
                max_bytes=self.max_bytes,
                time_limit=self._timeout,
                headers=headers,
            )
        except FetchFailed as exc:
            raise Disconnected(f"the feed at {url}: {exc}") from exc
        except FetchRefused as exc:
            raise SourceFailure(f"the feed at {url} was refused: {exc}") from exc
        status = answer.status
        if status in {200, 304}:
            return answer
        said = f"the feed at {url} answered {status}"
        if status in {401, 403}:
            raise BadCredentials(f"{said}: it is not public, and Murmur reads public feeds only")
        if status in {404, 410}:
            raise NotFoundOnNetwork(f"{said}: there is no feed at this address")
        wait = retry_after(answer.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(f"{said}: too many requests", retry_after=wait or 60.0)
        if status == 503 and wait is not None:
            raise RateLimited(f"{said}: the server asks to wait", retry_after=wait)
        if status >= 500:
            raise Disconnected(f"{said}: a server error")
        raise SourceFailure(said)

    def _parse(self, body: bytes) -> list[Entry]:
        try:
            return parse_feed(body, feed_url=self._settings.url)
        except FeedError as exc:
            raise SourceFailure(
                f"the feed at {self._settings.url} is not valid RSS or Atom: {exc}"
            ) from exc

    def _select(
        self, entries: list[Entry], cursor: FeedCursor, seen: set[str], *, fresh: bool
    ) -> list[Entry]:
        """The entries to yield, oldest first; those passed over are remembered as seen."""
        unique: dict[str, Entry] = {}
        for entry in entries:
            unique.setdefault(_digest(entry.post.network_id), entry)
        # Feeds list the newest first: reversed, a stable sort keeps ties in time order.
        ordered = sorted(reversed(unique.values()), key=lambda e: e.post.created_at)
        new = [e for e in ordered if _digest(e.post.network_id) not in seen]
        keep = [e for e in new if self._carries_hashtag(e.post)]
        if fresh:
            keep = keep[-self.first_run :]
        for entry in new:
            if entry not in keep:
                self._remember(cursor, seen, entry.post.network_id)
        return keep

    def _carries_hashtag(self, post: Post) -> bool:
        if not self._settings.require_hashtags or not self._wanted:
            return True
        return any(fold(tag) in self._wanted for tag in post.hashtags)

    async def _with_media(self, entry: Entry) -> Post:
        media = [await self._ctx.image(p.url, alt=p.alt) for p in entry.pictures]
        avatar = None
        if entry.avatar_url:
            if entry.avatar_url not in self._avatars:
                self._avatars[entry.avatar_url] = await self._ctx.image(entry.avatar_url)
            avatar = self._avatars[entry.avatar_url]
        author = msgspec.structs.replace(
            entry.post.author, avatar_url=avatar.url if avatar else None
        )
        return msgspec.structs.replace(
            entry.post, author=author, media=tuple(m for m in media if m is not None)
        )

    # -- the cursor ---------------------------------------------------------------------

    @staticmethod
    def _remember(cursor: FeedCursor, seen: set[str], network_id: str) -> None:
        digest = _digest(network_id)
        if digest not in seen:
            seen.add(digest)
            cursor.seen.append(digest)

    def _trim(self, cursor: FeedCursor, current: set[str]) -> None:
        """Forget the oldest digests beyond ``max_seen``, never those still in the feed."""
        room = max(self.max_seen, len(current)) - len(current)
        older = [d for d in cursor.seen if d not in current]
        kept = older[len(older) - room :] if room else []
        cursor.seen = [*kept, *(d for d in cursor.seen if d in current)]

    async def _load(self) -> FeedCursor | None:
        text = await self._ctx.cursor.load()
        if text is None:
            return None
        try:
            return msgspec.json.decode(text, type=FeedCursor)
        except msgspec.DecodeError:
            log.warning("source %s: unreadable cursor, starting afresh", self.name)
            return None

    async def _save(self, cursor: FeedCursor) -> None:
        await self._ctx.cursor.save(msgspec.json.encode(cursor).decode())


__all__ = ["Entry", "FeedCursor", "FeedError", "Picture", "RssFeed", "parse_feed"]
