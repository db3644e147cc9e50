"""A reply from the institution's Mastodon account (docs/replies.md).

The post may live on another server: it is first found on the institution's own
(``GET /api/v2/search?q=<uri>&resolve=true``), then answered with ``POST /api/v1/statuses``
and ``in_reply_to_id``, with an ``Idempotency-Key`` that Mastodon honours for an hour, so a
retry after a timeout does not post twice. The author is mentioned, as Mastodon's apps do,
so that they are told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp

MAX_CHARS = 500
URL_CHARS = 23  # Mastodon counts every link as 23 characters
TIMEOUT = 20.0
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+")


@dataclass(frozen=True)
class Sent:
    remote_id: str
    url: str


class Refused(Exception):
    """The server will not take this reply: not worth trying again. ``code`` says why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class TryAgain(Exception):
    """A failure worth retrying with the same key (rate limit, 5xx, timeout, network)."""


def length(text: str) -> int:
    """The length Mastodon counts: links as 23, a remote mention by its user name only."""
    text = _URL.sub("x" * URL_CHARS, text)
    return len(_MENTION.sub(lambda m: f"@{m[1]}", text))


def with_mention(text: str, handle: str) -> str:
    """The answer, addressed to the post's author unless the moderator already did."""
    mention = f"@{handle}"
    return text if mention.lower() in text.lower() else f"{mention} {text}"


async def publish(
    http: aiohttp.ClientSession, server: str, token: str, *, target: str, text: str, key: str,
    seconds: float = TIMEOUT,
) -> Sent:  # fmt: skip
    """Reply to the status whose uri is ``target``. Raises Refused or TryAgain."""
    auth = {"Authorization": f"Bearer {token}"}
    within = aiohttp.ClientTimeout(total=seconds)
    base = server.rstrip("/")
    try:
        params = {"q": target, "resolve": "true", "type": "statuses", "limit": "1"}
        async with http.get(
            f"{base}/api/v2/search", params=params, headers=auth, timeout=within
        ) as found:
            _raise_for(found.status, await found.text())
            statuses = (await found.json(content_type=None)).get("statuses") or []
        if not statuses:
            raise Refused("reply_post_not_found")
        body = {"status": text, "in_reply_to_id": str(statuses[0]["id"]), "visibility": "public"}
        headers = {**auth, "Idempotency-Key": key}
        async with http.post(
            f"{base}/api/v1/statuses", json=body, headers=headers, timeout=within
        ) as posted:
            _raise_for(posted.status, await posted.text())
            status = await posted.json(content_type=None)
        return Sent(str(status["id"]), str(status.get("url") or status.get("uri") or ""))
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TryAgain(f"an answer Murmur could not read: {exc}") from None


async def edit(
    http: aiohttp.ClientSession, server: str, token: str, *, status_id: str, text: str,
    seconds: float = TIMEOUT,
) -> Sent:  # fmt: skip
    """Edit the reply published before (Mastodon keeps its history). Raises as publish."""
    within = aiohttp.ClientTimeout(total=seconds)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        async with http.put(
            f"{server.rstrip('/')}/api/v1/statuses/{status_id}", json={"status": text},
            headers=auth, timeout=within,
        ) as done:  # fmt: skip
            _raise_for(done.status, await done.text())
            status = await done.json(content_type=None)
        return Sent(str(status["id"]), str(status.get("url") or status.get("uri") or ""))
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TryAgain(f"an answer Murmur could not read: {exc}") from None


async def delete(
    http: aiohttp.ClientSession, server: str, token: str, *, status_id: str,
    seconds: float = TIMEOUT,
) -> None:  # fmt: skip
    """Delete the reply published before; one already gone counts as deleted."""
    within = aiohttp.ClientTimeout(total=seconds)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        async with http.delete(
            f"{server.rstrip('/')}/api/v1/statuses/{status_id}", headers=auth, timeout=within
        ) as done:
            if done.status != 404:
                _raise_for(done.status, await done.text())
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None


def _raise_for(status: int, body: str) -> None:
    if status < 400:
        return
    if status in (401, 403):
        raise Refused("reply_not_allowed", body[:200])
    if status == 404:
        raise Refused("reply_post_not_found", body[:200])
    if status == 422:
        raise Refused("reply_rejected", body[:200])
    raise TryAgain(f"HTTP {status}: {body[:200]}")


__all__ = [
    "MAX_CHARS", "Refused", "Sent", "TryAgain", "delete", "edit", "length", "publish",
    "with_mention",
]  # fmt: skip
