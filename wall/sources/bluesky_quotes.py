"""The post a Bluesky post quotes, looked up on the AppView: Jetstream carries only its
reference.

A quote post's record embeds ``app.bsky.embed.record`` (or ``recordWithMedia``) with a
strong reference, ``{uri, cid}``, to the quoted record; its words and author are not in
the frame. ``app.bsky.feed.getPosts?uris=…`` (at most 25, public, on the same AppView as
the profiles) answers with a PostView per post it can show: ``author`` {``did``,
``handle``, ``displayName``}, the ``record`` itself, and the ``labels`` Bluesky's
moderation put on it. A post deleted, taken down or hidden from logged-out readers is
left out of the answer: the quote then shows nothing.

``quoted_post`` turns a PostView into a ``Quoted`` (pure); ``QuoteLookup`` asks the
AppView through the fetch guard and remembers the answers for a while.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from urllib.parse import urlencode

import aiohttp
import msgspec

from moderation.post import Author, Quoted
from wall.fetch import FetchRefused, Guard, fetch_bytes
from wall.sources.bluesky_wire import POST_COLLECTION, SENSITIVE_LABELS, Label, Record

log = logging.getLogger(__name__)

# at://DID/app.bsky.feed.post/RKEY: a quote of a feed, a list or a starter pack is not a post.
_POST_URI = re.compile(
    r"at://(?P<did>did:[a-z]+:[A-Za-z0-9._:%-]{1,2000})/"
    + re.escape(POST_COLLECTION)
    + r"/(?P<rkey>[A-Za-z0-9._:~-]{1,512})"
)
_HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")
MAX_QUOTE = 1000


class _Author(msgspec.Struct, frozen=True, kw_only=True):
    did: str
    handle: str = ""
    display_name: str | None = msgspec.field(name="displayName", default=None)


class PostView(msgspec.Struct, frozen=True, kw_only=True):
    """``app.bsky.feed.defs#postView``: the fields a quote shows."""

    uri: str
    author: _Author
    record: Record
    labels: list[Label] | None = None


class _Posts(msgspec.Struct):
    posts: list[PostView] = []


_posts_decoder = msgspec.json.Decoder(_Posts)


def is_post_uri(uri: str | None) -> bool:
    """Whether ``uri`` names a post (``at://DID/app.bsky.feed.post/RKEY``)."""
    return uri is not None and _POST_URI.fullmatch(uri) is not None


def decode_posts(body: bytes) -> list[PostView]:
    """The posts of a ``getPosts`` answer (raises ``msgspec.DecodeError``)."""
    return _posts_decoder.decode(body).posts


def quoted_post(view: PostView) -> Quoted | None:
    """The quoted post as the wall shows it: its author and its words, as plain text.

    Sensitive when its author labelled it so or Bluesky's moderation did (the rules hold
    the quoting post then). None for a record that is not a post or has no words.
    """
    found = _POST_URI.fullmatch(view.uri)
    text = view.record.text.strip()
    if found is None or not text:
        return None
    did, rkey = found["did"], found["rkey"]
    who = view.author
    handle = who.handle if _HANDLE.fullmatch(who.handle) and who.handle != "handle.invalid" else did
    own = view.record.labels.values if view.record.labels is not None else None
    labels = {label.val for label in [*(own or ()), *(view.labels or ())]}
    return Quoted(
        author=Author(
            name=(who.display_name or "").strip() or handle,
            handle=handle,
            profile_url=f"https://bsky.app/profile/{handle}",
        ),
        text=text[:MAX_QUOTE],
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        sensitive=bool(labels & SENSITIVE_LABELS),
    )


class QuoteLookup:
    """Quoted posts by URI from ``appview``, each remembered ``ttl`` seconds (a post quoted
    by many is asked for once), a post the AppView does not show for ``miss_ttl``."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        guard: Guard,
        appview: str,
        *,
        size: int = 2000,
        ttl: float = 600.0,
        miss_ttl: float = 60.0,
    ) -> None:
        self.http, self.guard = http, guard
        self.appview = appview.rstrip("/")
        self.size, self.ttl, self.miss_ttl = size, ttl, miss_ttl
        self._items: OrderedDict[str, tuple[float, Quoted | None]] = OrderedDict()

    async def get(self, uri: str | None) -> Quoted | None:
        """The post ``uri`` names, or None (not a post, not shown, or the AppView failed)."""
        if uri is None or not is_post_uri(uri):
            return None
        cached = self._items.get(uri)
        if cached is not None and cached[0] > time.monotonic():
            self._items.move_to_end(uri)
            return cached[1]
        quote = await self._ask(uri)
        self._items[uri] = (time.monotonic() + (self.ttl if quote else self.miss_ttl), quote)
        self._items.move_to_end(uri)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return quote

    async def _ask(self, uri: str) -> Quoted | None:
        url = f"{self.appview}/xrpc/app.bsky.feed.getPosts?{urlencode([('uris', uri)])}"
        try:
            body, _ = await fetch_bytes(
                self.http,
                self.guard,
                url,
                max_bytes=1024 * 1024,
                time_limit=10.0,
                accept=("application/json",),
            )
            views = decode_posts(body)
        except (FetchRefused, msgspec.DecodeError) as exc:
            log.warning("no quoted post from %s: %s", self.appview, exc)
            return None
        view = next((v for v in views if v.uri == uri), None)
        return quoted_post(view) if view is not None else None


__all__ = ["PostView", "QuoteLookup", "decode_posts", "is_post_uri", "quoted_post"]
