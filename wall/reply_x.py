"""A reply from the institution's X account (docs/replies.md).

X lets an app post for an account with OAuth 1.0a user context: the app's key and secret,
the account's access token and secret, made with "Read and write" permission
(docs.x.com, "Authentication: OAuth 1.0a"). The reply is ``POST /2/tweets`` with
``reply.in_reply_to_tweet_id``; deleting it, ``DELETE /2/tweets/:id``. X cannot edit a post
through its API. The talking is done by tweepy's ``AsyncClient`` (``create_tweet``,
``delete_tweet``, ``get_me``, ``get_users_tweets``), on the configured host and Murmur's
session.

X has no idempotency key. So before each attempt Murmur reads the account's posts made
since the answer was written (``GET /2/users/:id/tweets?start_time=…``): a reply to the
same post found there is the one an earlier attempt made, whose answer was lost, and it is
not sent again.

X counts a post's length with weights (twitter-text, configuration v3): 280 at most, a
link 23, a character of the Latin, Greek, Cyrillic… ranges 1, others (CJK, emoji) 2, an
emoji sequence (skin tone, joined family, flag) 2 in all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import msgspec
from oauthlib.oauth1 import Client as OAuthClient
from tweepy.asynchronous import AsyncClient
from yarl import URL

from wall.reply_mastodon import Refused, Sent, TryAgain

MAX_WEIGHT = 280
URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+")
# twitter-text v3: these code points weigh 1, every other 2.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_VARIATION = {0xFE0E, 0xFE0F, 0x20E3}
_ZWJ = 0x200D


@dataclass(frozen=True)
class Keys:
    """The four secrets of OAuth 1.0a user context, read from the environment."""

    consumer_key: str
    consumer_secret: str
    token: str
    token_secret: str


def _emoji(code: int) -> bool:
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF


def weighted_length(text: str) -> int:
    """The length X counts (see the module doc)."""
    text = unicodedata.normalize("NFC", text)
    total = URL_WEIGHT * len(_URL.findall(text))
    codes = [ord(char) for char in _URL.sub("", text)]
    in_emoji = flag_open = joined = False
    for code in codes:
        if in_emoji and (code in _VARIATION or 0x1F3FB <= code <= 0x1F3FF
                         or 0xE0020 <= code <= 0xE007F):  # fmt: skip
            continue  # part of the emoji before it
        if in_emoji and code == _ZWJ:
            joined = True
            continue
        if joined and _emoji(code):
            joined = False
            continue  # joined to the emoji before it: one family, one weight
        joined = False
        if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators: two make one flag
            flag_open = not flag_open
            if not flag_open:
                continue
        in_emoji = _emoji(code)
        total += 1 if any(start <= code <= end for start, end in _LIGHT) else 2
    return total


class XWriter(AsyncClient):  # type: ignore[misc]  # tweepy has no type hints
    """tweepy's ``AsyncClient`` signing with OAuth 1.0a, on ``base`` and Murmur's session.

    tweepy writes ``https://api.twitter.com`` into ``AsyncBaseClient.request``: this
    ``request`` signs as tweepy does (oauthlib, the query in the signature, colons
    escaped) but sends to the configured host, and turns X's answers into ``Refused`` or
    ``TryAgain`` at once, so nothing above this module sees a tweepy or aiohttp error.
    """

    def __init__(
        self, keys: Keys, *, base: str, http: aiohttp.ClientSession, seconds: float
    ) -> None:
        super().__init__(
            consumer_key=keys.consumer_key, consumer_secret=keys.consumer_secret,
            access_token=keys.token, access_token_secret=keys.token_secret,
            return_type=dict, wait_on_rate_limit=False,
        )  # fmt: skip
        self.base = URL(base.rstrip("/"))
        self.http = http
        self.seconds = seconds

    async def request(
        self,
        method: str,
        route: str,
        params: dict[str, Any] | None = None,
        json: object = None,
        user_auth: bool = False,
    ) -> _Answer:
        url = self.base.with_path(self.base.path.rstrip("/") + route)
        headers = {"User-Agent": self.user_agent}
        if json is not None:
            headers["Content-Type"] = "application/json"
        signer = OAuthClient(
            self.consumer_key, client_secret=self.consumer_secret,
            resource_owner_key=self.access_token, resource_owner_secret=self.access_token_secret,
        )  # fmt: skip
        unsigned = str(url.with_query(sorted((params or {}).items())))
        signed, headers, _ = signer.sign(unsigned, method, headers=headers)
        # oauthlib signs colons in query values (timestamps) escaped; aiohttp would not.
        path, _, query = signed.partition("?")
        target = URL(f"{path}?{query.replace(':', '%3A')}" if query else path, encoded=True)
        try:
            async with self.http.request(
                method, target, json=json, headers=headers, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.seconds),
            ) as response:  # fmt: skip
                body = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TryAgain(f"{type(exc).__name__}: {exc}") from None
        if 200 <= status < 300:
            return _Answer(body)
        raise _problem(status, body, route)


@dataclass(frozen=True)
class _Answer:
    """What tweepy's ``_make_request`` asks ``json()`` of."""

    body: bytes

    async def json(self) -> Any:
        return msgspec.json.decode(self.body)


def _problem(status: int, body: bytes, route: str) -> Refused | TryAgain:
    """X's problem documents (``detail``, or ``errors[].message``) as Murmur's refusals."""
    try:
        answer = msgspec.json.decode(body)
    except msgspec.DecodeError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    errors = answer.get("errors")
    said = [answer.get("detail")]
    if isinstance(errors, list):
        said += [e.get("message") for e in errors if isinstance(e, dict)]
    detail = " ".join(str(part) for part in said if part)[:300]
    lowered = detail.lower()
    if status == 429 or status >= 500:
        return TryAgain(f"HTTP {status} from {route}: {detail}")
    if status == 401 or "permission" in lowered:
        return Refused("reply_not_allowed", detail)
    if status == 404 or "deleted or not visible" in lowered:
        return Refused("reply_post_not_found", detail)
    if "duplicate content" in lowered:
        return _Duplicate(f"HTTP {status}: {detail}")
    return Refused("reply_rejected", f"HTTP {status}: {detail}")


class _Duplicate(TryAgain):
    """X refused the text as one the account already posted: an earlier attempt's reply,
    not yet in the account's timeline (it lags); looked for again on the next attempt."""


async def publish(
    http: aiohttp.ClientSession, *, api: str, keys: Keys, username: str, target: str,
    text: str, since: datetime, seconds: float,
) -> Sent:  # fmt: skip
    """Reply to the post whose id is ``target``, unless a reply to it made since ``since``
    is already in the account's posts. Raises Refused or TryAgain."""
    client = XWriter(keys, base=api, http=http, seconds=seconds)
    try:
        me = (await client.get_me(user_auth=True))["data"]
        made = await client.get_users_tweets(
            me["id"], user_auth=True, start_time=since.replace(microsecond=0),
            max_results=10, tweet_fields=["referenced_tweets", "created_at"],
        )  # fmt: skip
        for post in made.get("data") or []:
            refs = post.get("referenced_tweets") or []
            if {"type": "replied_to", "id": target} in refs:
                return Sent(str(post["id"]), _link(username, str(post["id"])))
        answer = await client.create_tweet(text=text, in_reply_to_tweet_id=target, user_auth=True)
        posted = str(answer["data"]["id"])
    except (KeyError, TypeError, ValueError, msgspec.DecodeError) as exc:
        raise TryAgain(f"an answer Murmur could not read: {exc}") from None
    return Sent(posted, _link(username, posted))


async def delete(
    http: aiohttp.ClientSession, *, api: str, keys: Keys, post_id: str, seconds: float
) -> None:
    """Delete the reply published before; one already gone counts as deleted."""
    client = XWriter(keys, base=api, http=http, seconds=seconds)
    try:
        await client.delete_tweet(post_id)
    except Refused as exc:
        if exc.code != "reply_post_not_found":
            raise


def _link(username: str, post_id: str) -> str:
    return f"https://x.com/{username}/status/{post_id}"


__all__ = ["MAX_WEIGHT", "Keys", "XWriter", "delete", "publish", "weighted_length"]
