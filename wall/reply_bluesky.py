"""A reply from the institution's Bluesky account (docs/replies.md).

A session from an app password (``com.atproto.server.createSession``, kept for an hour:
Bluesky allows 30 new sessions in 5 minutes), the post's ``cid`` and its thread's root from
the AppView (``app.bsky.feed.getPosts``), then ``com.atproto.repo.createRecord`` with the
reply's ``root`` and ``parent`` refs, a mention facet for the author and link facets, at
UTF-8 byte offsets. The record key is chosen before the first attempt and kept in the
outbox: a retry after a timeout asks for the same key, and a record already there is the
reply that went out, never a second one.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from wall.reply_mastodon import Refused, Sent, TryAgain

MAX_GRAPHEMES = 300
SESSION_SECONDS = 3600.0
POST = "app.bsky.feed.post"
_TID = "234567abcdefghijklmnopqrstuvwxyz"
_URL = re.compile(r"https?://[^\s]+")
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def new_rkey(now_us: int | None = None) -> str:
    """A record key as atproto writes them (a TID: microseconds and a random clock id)."""
    micros = now_us if now_us is not None else time.time_ns() // 1000
    value = (micros << 10) | random.getrandbits(10)
    return "".join(_TID[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def graphemes(text: str) -> int:
    """Bluesky counts graphemes: marks, joiners and what a joiner joins add nothing."""
    count, joined = 0, False
    for char in text:
        if char in _JOINERS:
            joined = char == "\u200d"
            continue
        if (
            joined
            or unicodedata.category(char) in {"Mn", "Me"}
            or "\U0001f3fb" <= char <= "\U0001f3ff"
        ):
            joined = False
            continue
        count += 1
    return count


def facets(text: str, mention: tuple[str, str] | None) -> list[dict[str, Any]]:
    """Mention and link facets, at UTF-8 byte offsets as atproto counts them."""
    out: list[dict[str, Any]] = []

    def span(start: int, end: int) -> dict[str, int]:
        return {
            "byteStart": len(text[:start].encode()),
            "byteEnd": len(text[:end].encode()),
        }

    if mention is not None:
        handle, did = mention
        at = text.find(f"@{handle}")
        if at >= 0:
            out.append({
                "index": span(at, at + len(handle) + 1),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            })  # fmt: skip
    for found in _URL.finditer(text):
        out.append({
            "index": span(found.start(), found.end()),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": found.group()}],
        })  # fmt: skip
    return out


@dataclass
class _Session:
    did: str
    handle: str
    token: str
    until: float


_sessions: dict[tuple[str, str], _Session] = {}


async def publish(
    http: aiohttp.ClientSession, *, pds: str, appview: str, handle: str, password: str,
    target: str, author: tuple[str, str], text: str, rkey: str, seconds: float,
) -> Sent:  # fmt: skip
    """Reply to the post at ``target`` (an at:// URI). Raises Refused or TryAgain."""
    within = aiohttp.ClientTimeout(total=seconds)
    try:
        session = await _session(http, pds, handle, password, within)
        auth = {"Authorization": f"Bearer {session.token}"}
        parent, root = await _refs(http, appview, target, within)
        record = {
            "$type": POST,
            "text": text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "reply": {"root": root, "parent": parent},
            "facets": facets(text, author),
        }
        body = {"repo": session.did, "collection": POST, "rkey": rkey, "record": record}
        async with http.post(
            f"{pds.rstrip('/')}/xrpc/com.atproto.repo.createRecord",
            json=body, headers=auth, timeout=within,
        ) as made:  # fmt: skip
            answer = await made.text()
            if made.status == 400 and await _exists(http, pds, session, rkey, auth, within):
                pass  # written by an earlier attempt whose answer was lost: the same reply
            elif made.status in (401, 403):
                _sessions.pop((pds, handle), None)
                raise Refused("reply_not_allowed", answer[:200])
            elif made.status == 400:
                raise Refused("reply_rejected", answer[:200])
            elif made.status >= 400:
                raise TryAgain(f"HTTP {made.status}: {answer[:200]}")
        url = f"https://bsky.app/profile/{session.handle}/post/{rkey}"
        return Sent(f"at://{session.did}/{POST}/{rkey}", url)
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TryAgain(f"an answer Murmur could not read: {exc}") from None


async def delete(
    http: aiohttp.ClientSession, *, pds: str, handle: str, password: str, uri: str,
    seconds: float,
) -> None:  # fmt: skip
    """Delete the reply published before (``uri``: its at:// URI). Raises as publish."""
    within = aiohttp.ClientTimeout(total=seconds)
    try:
        session = await _session(http, pds, handle, password, within)
        rkey = uri.rsplit("/", 1)[-1]
        body = {"repo": session.did, "collection": POST, "rkey": rkey}
        async with http.post(
            f"{pds.rstrip('/')}/xrpc/com.atproto.repo.deleteRecord", json=body,
            headers={"Authorization": f"Bearer {session.token}"}, timeout=within,
        ) as done:  # fmt: skip
            if done.status in (401, 403):
                _sessions.pop((pds, handle), None)
                raise Refused("reply_not_allowed", (await done.text())[:200])
            if done.status >= 400:
                raise TryAgain(f"HTTP {done.status} from deleteRecord")
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None


async def _session(
    http: aiohttp.ClientSession, pds: str, handle: str, password: str, within: aiohttp.ClientTimeout
) -> _Session:
    known = _sessions.get((pds, handle))
    if known is not None and known.until > time.monotonic():
        return known
    async with http.post(
        f"{pds.rstrip('/')}/xrpc/com.atproto.server.createSession",
        json={"identifier": handle, "password": password}, timeout=within,
    ) as made:  # fmt: skip
        if made.status in (400, 401):
            raise Refused("reply_not_allowed", (await made.text())[:200])
        if made.status >= 400:
            raise TryAgain(f"HTTP {made.status} from createSession")
        data = await made.json(content_type=None)
    session = _Session(
        str(data["did"]), str(data["handle"]), str(data["accessJwt"]),
        time.monotonic() + SESSION_SECONDS,
    )  # fmt: skip
    _sessions[(pds, handle)] = session
    return session


async def _refs(
    http: aiohttp.ClientSession, appview: str, target: str, within: aiohttp.ClientTimeout
) -> tuple[dict[str, str], dict[str, str]]:
    """The parent's ``{uri, cid}``, and its thread's root (the parent itself if none)."""
    async with http.get(
        f"{appview.rstrip('/')}/xrpc/app.bsky.feed.getPosts", params={"uris": target},
        timeout=within,
    ) as found:  # fmt: skip
        if found.status >= 500 or found.status == 429:
            raise TryAgain(f"HTTP {found.status} from getPosts")
        posts = (await found.json(content_type=None)).get("posts") or [] if found.ok else []
    if not posts:
        raise Refused("reply_post_not_found")
    post = posts[0]
    parent = {"uri": str(post["uri"]), "cid": str(post["cid"])}
    root = (post.get("record") or {}).get("reply", {}).get("root")
    if isinstance(root, dict) and root.get("uri") and root.get("cid"):
        return parent, {"uri": str(root["uri"]), "cid": str(root["cid"])}
    return parent, parent


async def _exists(
    http: aiohttp.ClientSession, pds: str, session: _Session, rkey: str,
    auth: dict[str, str], within: aiohttp.ClientTimeout,
) -> bool:  # fmt: skip
    params = {"repo": session.did, "collection": POST, "rkey": rkey}
    async with http.get(
        f"{pds.rstrip('/')}/xrpc/com.atproto.repo.getRecord", params=params, headers=auth,
        timeout=within,
    ) as got:  # fmt: skip
        return got.status == 200


__all__ = ["MAX_GRAPHEMES", "delete", "facets", "graphemes", "new_rkey", "publish"]
