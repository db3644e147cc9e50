"""X's JSON, read: lines of the filtered stream and pages of recent search, into posts.

Pure: no I/O, no event loop. The shapes follow docs.x.com ("Filtered stream",
"Consuming streaming data", "Search Posts") and shared/SOURCES.md ("X"): a stream line
holds ``data`` (one post), ``includes`` (``users``, ``media``), ``matching_rules``
(``id``, and ``tag`` when the rule has one) or ``errors``; a search page holds ``data``
(newest first), ``includes`` and ``meta`` (``newest_id``, ``next_token``). The rules Murmur
keeps for an event, and the search queries that cover the same hashtags, are made here too.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec

from moderation.post import Author, Media, Post

log = logging.getLogger(__name__)

NETWORK = "x"
SITE = "https://x.com"
MAX_LINE = 1024 * 1024  # a post with its includes is a few kilobytes
MAX_PICTURES = 4

EXPANSIONS = ["author_id", "attachments.media_keys"]
TWEET_FIELDS = [
    "created_at",
    "lang",
    "entities",
    "attachments",
    "possibly_sensitive",
    "note_tweet",
]
USER_FIELDS = ["name", "username", "profile_image_url"]
MEDIA_FIELDS = ["url", "preview_image_url", "type", "alt_text", "width", "height"]
FIELDS: dict[str, list[str]] = {
    "expansions": EXPANSIONS,
    "tweet_fields": TWEET_FIELDS,
    "user_fields": USER_FIELDS,
    "media_fields": MEDIA_FIELDS,
}

# -- the wire format ---------------------------------------------------------------------
# Only the fields Murmur reads; msgspec skips the rest.

PostId = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,20}$")]  # a snowflake, as a string


class _Hashtag(msgspec.Struct, frozen=True):
    tag: str


class _Url(msgspec.Struct, frozen=True):
    url: str
    expanded_url: str | None = None
    display_url: str | None = None
    media_key: str | None = None


class _Entities(msgspec.Struct, frozen=True):
    hashtags: list[_Hashtag] = []
    urls: list[_Url] = []


class _Attachments(msgspec.Struct, frozen=True):
    media_keys: list[str] = []


class _NoteTweet(msgspec.Struct, frozen=True):
    """A long post's whole text: ``text`` then holds its first 280 characters only
    (docs.x.com, "Post fields": ``note_tweet``, with ``tweet.fields=note_tweet``)."""

    text: str = ""
    entities: _Entities | None = None


class _Tweet(msgspec.Struct, frozen=True):
    id: PostId
    text: str
    author_id: str | None = None
    created_at: str | None = None
    lang: str | None = None
    possibly_sensitive: bool = False
    entities: _Entities | None = None
    attachments: _Attachments | None = None
    note_tweet: _NoteTweet | None = None


class _User(msgspec.Struct, frozen=True):
    id: str
    name: str = ""
    username: str = ""
    profile_image_url: str | None = None


class _Media(msgspec.Struct, frozen=True):
    media_key: str
    type: str = "photo"
    url: str | None = None
    preview_image_url: str | None = None
    alt_text: str | None = None
    width: int | None = None
    height: int | None = None


class _Includes(msgspec.Struct, frozen=True):
    users: list[_User] = []
    media: list[_Media] = []


class _MatchingRule(msgspec.Struct, frozen=True):
    # A string today; X sent a number in 2021 (and its docs' examples still show one).
    id: str | int
    tag: str | None = None  # X makes tags optional; tweepy's own on_data assumes one


class _Line(msgspec.Struct, frozen=True):
    data: _Tweet | None = None
    includes: _Includes = _Includes()
    matching_rules: list[_MatchingRule] = []
    errors: list[dict[str, Any]] = []


class _Meta(msgspec.Struct, frozen=True):
    newest_id: PostId | None = None
    next_token: str | None = None
    result_count: int = 0


class _Page(msgspec.Struct, frozen=True):
    data: list[msgspec.Raw] = []
    includes: _Includes = _Includes()
    meta: _Meta = _Meta()
    errors: list[dict[str, Any]] = []


class Rule(msgspec.Struct, frozen=True):
    """A filtered-stream rule as the rules endpoint lists it."""

    id: str
    value: str
    tag: str | None = None


class Rules(msgspec.Struct, frozen=True):
    """The rules endpoint's list (``data`` is left out when there are none)."""

    data: list[Rule] = []


class MalformedLine(ValueError):
    """A line of the stream, or a page, that is not what X sends."""


@dataclass(frozen=True)
class SearchPage:
    """One page of recent search, newest first, with what the next request needs."""

    posts: list[Post]
    newest_id: str | None
    next_token: str | None
    # Why each post of the page that could not be read was left out.
    skipped: list[str] = field(default_factory=list)


def parse_stream_line(line: bytes, *, rule_prefix: str | None = None) -> list[Post] | None:
    """The posts in one line of the filtered stream; ``None`` for a line without a post.

    A keep-alive (a bare ``\\r\\n``) and a line of ``errors`` only (logged) are ``None``.
    With ``rule_prefix``, a post that matched none of the rules whose tag starts with it
    (another event's, another tool's) gives ``[]``. The picture and avatar URLs in the
    posts are X's: ``XFeed`` replaces them with Murmur's copies. Raises ``MalformedLine``.
    """
    line = line.strip()
    if not line:
        return None
    if len(line) > MAX_LINE:
        raise MalformedLine(f"a line of {len(line)} bytes (at most {MAX_LINE})")
    try:
        message = msgspec.json.decode(line, type=_Line)
    except msgspec.MsgspecError as exc:
        raise MalformedLine(f"not a stream message: {exc}") from exc
    if message.errors:
        level = logging.INFO if message.data is not None else logging.WARNING
        log.log(level, "X says: %s", "; ".join(problem_text(e) for e in message.errors)[:500])
    if message.data is None:
        return None
    tags = [rule.tag or "" for rule in message.matching_rules]
    if rule_prefix is not None and tags and not any(t.startswith(rule_prefix) for t in tags):
        return []
    return [_post(message.data, message.includes)]


def parse_search_page(body: bytes) -> SearchPage:
    """A page of ``GET /2/tweets/search/recent``. Raises ``MalformedLine``."""
    try:
        page = msgspec.json.decode(body, type=_Page)
    except msgspec.MsgspecError as exc:
        raise MalformedLine(f"not a search page: {exc}") from exc
    if page.errors:
        log.info("X says: %s", "; ".join(problem_text(e) for e in page.errors)[:500])
    posts = []
    skipped = []
    for raw in page.data:
        try:
            posts.append(_post(_decode_tweet(raw), page.includes))
        except Exception as exc:  # one unreadable post costs that post only
            why = str(exc) if isinstance(exc, MalformedLine) else f"{type(exc).__name__}: {exc}"
            log.warning("skipped a post of a search page: %s", why[:300])
            skipped.append(why[:200])
    return SearchPage(posts, page.meta.newest_id, page.meta.next_token, skipped)


def _decode_tweet(raw: msgspec.Raw) -> _Tweet:
    try:
        return msgspec.json.decode(raw, type=_Tweet)
    except msgspec.MsgspecError as exc:
        raise MalformedLine(f"not a post: {exc}") from exc


def problem_text(error: Mapping[str, Any]) -> str:
    return str(error.get("detail") or error.get("message") or error.get("title") or error)


_NOT_A_LANGUAGE = {"und", "zxx", "art"}  # X's codes for "undetermined" and friends


def _post(tweet: _Tweet, includes: _Includes) -> Post:
    ident = tweet.id
    user = next((u for u in includes.users if u.id == tweet.author_id), None)
    username = user.username if user and user.username else None
    if username is None and not tweet.author_id:
        # Not even the author's id (an answer asked without author_id, as some recorded
        # pages are): no one could block or trust the author, so the post is a counted
        # skip rather than an anonymous card.
        raise MalformedLine(f"post {ident}: its author is not in the answer")
    entities = tweet.entities or _Entities()
    note = tweet.note_tweet
    if note is not None and note.text.strip():
        # The long post's own entities are those of its whole text; the short text's
        # links (an attached picture's t.co) may appear in it too.
        whole = note.entities or entities
        entities = _Entities(whole.hashtags, [*whole.urls, *entities.urls])
        text = _text(note.text, entities, ident)
    else:
        text = _text(tweet.text, entities, ident)
    media = {m.media_key: m for m in includes.media}
    keys = tweet.attachments.media_keys if tweet.attachments else []
    pictures = [_picture(media[k]) for k in keys if k in media]
    lang = (tweet.lang or "").lower()
    return Post(
        network=NETWORK,
        network_id=ident,
        author=Author(
            name=(user.name if user and user.name else None) or username or "X user",
            handle=username or tweet.author_id or "",
            avatar_url=_bigger_avatar(user.profile_image_url) if user else None,
            profile_url=f"{SITE}/{username}" if username else None,
        ),
        text=text,
        html=_paragraphs(text),
        created_at=_created_at(tweet.created_at, ident),
        url=f"{SITE}/{username or 'i'}/status/{ident}",
        media=tuple(p for p in pictures if p is not None)[:MAX_PICTURES],
        language=None if not lang or lang in _NOT_A_LANGUAGE or lang.startswith("q") else lang,
        sensitive=tweet.possibly_sensitive,
        hashtags=tuple(h.tag for h in entities.hashtags),
    )


# Where the t.co link of a post's own picture or video leads: .../status/ID/photo/1.
_MEDIA_LINK = re.compile(
    r"https?://(?:mobile\.)?(?:twitter|x)\.com/[^/]+/status/(?P<id>[0-9]+)/(?:photo|video)/[0-9]+"
)


def _own_media(link: _Url, ident: str) -> bool:
    if link.media_key:
        return True
    # Before 2022 X put no media_key on that link (recorded stream lines of 2021 show it):
    # where it leads says the same.
    found = _MEDIA_LINK.fullmatch(link.expanded_url or "")
    return found is not None and found["id"] == ident


def _text(text: str, entities: _Entities, ident: str) -> str:
    # X escapes &, < and > in ``text`` (as the v1.1 API did); nothing else is an entity.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    for link in entities.urls:
        if _own_media(link, ident):
            # The t.co link of an attached picture says nothing on a wall: the picture is
            # there. The space before it goes too, or two words would meet with two spaces.
            text = re.sub(rf" ?{re.escape(link.url)}", "", text)
        else:
            text = text.replace(link.url, link.display_url or link.url)
    return text.strip()


def _paragraphs(text: str) -> str:
    blocks = (html.escape(block).replace("\n", "<br>") for block in text.split("\n\n"))
    return "".join(f"<p>{block}</p>" for block in blocks if block)


def _picture(media: _Media) -> Media | None:
    """A picture to fetch: a photo's ``url``, a video's or a GIF's still preview."""
    kind = {"photo": "image", "video": "video", "animated_gif": "gifv"}.get(media.type)
    url = media.url if media.type == "photo" else media.preview_image_url
    if kind is None or not url:
        return None
    alt = media.alt_text or ""
    return Media(url=url, kind=kind, alt=alt, width=media.width, height=media.height)


def _bigger_avatar(url: str | None) -> str | None:
    # profile_image_url is the 48 px "_normal" variant; "_400x400" is the same picture,
    # large enough for a screen read from across a hall.
    return re.sub(r"_normal(\.\w+)$", r"_400x400\1", url) if url else None


_EPOCH_MS = 1288834974657  # X ids are snowflakes: milliseconds since this, shifted by 22


def _created_at(value: str | None, ident: str) -> datetime:
    if value:
        try:
            moment = datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.fromtimestamp(((int(ident) >> 22) + _EPOCH_MS) / 1000, tz=UTC)


def rules_for(event: str, hashtags: Sequence[str]) -> dict[str, str]:
    """The rules Murmur wants for an event, by tag: ``{"murmur:jpo:JPO2026": "#JPO2026 …"}``."""
    wanted: dict[str, str] = {}
    seen: set[str] = set()
    for raw in hashtags:
        tag = raw.lstrip("#")
        if tag.lower() not in seen:  # X matches hashtags whatever their case
            seen.add(tag.lower())
            wanted[f"murmur:{event}:{tag}"] = f"#{tag} -is:retweet"
    return wanted


def search_queries(hashtags: Sequence[str], *, limit: int = 512) -> list[str]:
    """Recent-search queries covering the hashtags, each within X's query length limit."""
    tags = [v.removesuffix(" -is:retweet") for v in rules_for("", hashtags).values()]
    queries: list[str] = []
    group: list[str] = []
    for tag in tags:
        candidate = [*group, tag]
        if group and len(f"({' OR '.join(candidate)}) -is:retweet") > limit:
            queries.append(f"({' OR '.join(group)}) -is:retweet")
            candidate = [tag]
        group = candidate
    if group:
        queries.append(f"({' OR '.join(group)}) -is:retweet")
    return queries


__all__ = [
    "FIELDS",
    "MAX_LINE",
    "MalformedLine",
    "Rule",
    "Rules",
    "SearchPage",
    "parse_search_page",
    "parse_stream_line",
    "problem_text",
    "rules_for",
    "search_queries",
]
