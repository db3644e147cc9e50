"""A reply from the institution's X account (docs/replies.md).

``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``, authorised by the account's OAuth
2.0 user token (scopes ``tweet.read``, ``tweet.write``, ``users.read``): the app-only token
that reads the stream cannot write. X has no idempotency key, but it refuses a post with the
same text as one the account just made (403, "duplicate content"): after a timeout, the
retry meets that refusal, and the reply that went out is found in the account's latest
posts, so it is never posted twice.
"""

from __future__ import annotations

import re

import aiohttp

from wall.reply_mastodon import Refused, Sent, TryAgain

MAX_WEIGHT = 280
URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+")
# twitter-text's ranges of weight 1 (Latin, Greek, Cyrillic... and some punctuation); any
# other character (CJK, emoji...) weighs 2.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def weight(text: str) -> int:
    """The length X counts: links 23, CJK and emoji 2, the rest 1."""
    total = URL_WEIGHT * len(_URL.findall(text))
    for char in _URL.sub("", text):
        code = ord(char)
        total += 1 if any(low <= code <= high for low, high in _LIGHT) else 2
    return total


async def publish(
    http: aiohttp.ClientSession, api: str, token: str, *, target: str, text: str,
    seconds: float,
) -> Sent:  # fmt: skip
    """Reply to the post whose id is ``target``. Raises Refused or TryAgain."""
    within = aiohttp.ClientTimeout(total=seconds)
    auth = {"Authorization": f"Bearer {token}"}
    base = api.rstrip("/")
    body = {"text": text, "reply": {"in_reply_to_tweet_id": target}}
    try:
        async with http.post(f"{base}/2/tweets", json=body, headers=auth, timeout=within) as made:
            answer = await made.text()
            if made.status == 403 and "duplicate" in answer.lower():
                found = await _already_sent(http, base, auth, target, text, within)
                if found is not None:
                    return found
                raise Refused("reply_rejected", answer[:200])
            if made.status == 401:
                raise Refused("reply_not_allowed", answer[:200])
            if made.status == 403:
                raise Refused("reply_not_allowed", answer[:200])
            if made.status in (400, 404):
                raise Refused("reply_rejected", answer[:200])
            if made.status >= 400:
                raise TryAgain(f"HTTP {made.status}: {answer[:200]}")
            data = (await made.json(content_type=None))["data"]
        return Sent(str(data["id"]), f"https://x.com/i/status/{data['id']}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise TryAgain(f"an answer Murmur could not read: {exc}") from None


async def delete(
    http: aiohttp.ClientSession, api: str, token: str, *, tweet_id: str, seconds: float
) -> None:
    within = aiohttp.ClientTimeout(total=seconds)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        async with http.delete(
            f"{api.rstrip('/')}/2/tweets/{tweet_id}", headers=auth, timeout=within
        ) as done:
            if done.status in (401, 403):
                raise Refused("reply_not_allowed", (await done.text())[:200])
            if done.status >= 400 and done.status != 404:
                raise TryAgain(f"HTTP {done.status} from DELETE /2/tweets")
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise TryAgain(f"{type(exc).__name__}: {exc}") from None


async def _already_sent(
    http: aiohttp.ClientSession, base: str, auth: dict[str, str], target: str, text: str,
    within: aiohttp.ClientTimeout,
) -> Sent | None:  # fmt: skip
    """The account's own reply to ``target`` with this text, among its latest posts."""
    async with http.get(f"{base}/2/users/me", headers=auth, timeout=within) as me:
        if me.status >= 400:
            return None
        user_id = (await me.json(content_type=None))["data"]["id"]
    params = {"max_results": "10", "tweet.fields": "referenced_tweets"}
    async with http.get(
        f"{base}/2/users/{user_id}/tweets", params=params, headers=auth, timeout=within
    ) as latest:
        if latest.status >= 400:
            return None
        posts = (await latest.json(content_type=None)).get("data") or []
    for post in posts:
        refs = post.get("referenced_tweets") or []
        replied = any(r.get("type") == "replied_to" and r.get("id") == target for r in refs)
        if replied and post.get("text") == text:
            return Sent(str(post["id"]), f"https://x.com/i/status/{post['id']}")
    return None


__all__ = ["MAX_WEIGHT", "delete", "publish", "weight"]
