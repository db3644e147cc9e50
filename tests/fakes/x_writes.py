"""The fake X's writes: what the institution's account sends when it answers.

As X documents and does it (docs.x.com: "Manage Posts", "OAuth 1.0a", "Counting
characters"):

- user context by OAuth 1.0a: an ``Authorization: OAuth …`` header signed with HMAC-SHA1
  over the method, the URL and the query (RFC 5849 section 3.4), with the app's key and
  the account's access token; a bad signature, an unknown key or a nonce used before is
  ``401``; an access token made with "Read" permission only is ``403`` ("…oauth1 app
  permissions…");
- ``GET /2/users/me``: the account; ``GET /2/users/:id/tweets`` (``max_results`` 5 to 100,
  ``start_time``, ``tweet.fields=referenced_tweets``): its posts, newest first;
- ``POST /2/tweets`` with ``text`` and ``reply.in_reply_to_tweet_id``: ``201`` with
  ``data.id`` and the text as X keeps it, every link replaced by a ``t.co`` one (so the
  text read back is not the text sent); a text past 280 by X's weights (links 23, CJK
  and emoji 2) is ``400``; a reply to a post it does not know is ``403`` ("…deleted or
  not visible to you"); the same text twice from the account is ``403`` ("…duplicate
  content"). X has no idempotency key;
- ``DELETE /2/tweets/:id`` of the account's own post: ``{"data": {"deleted": true}}``.

Misbehaving on demand: ``fail_next(status)`` and ``time_out_after_write()`` (the post is
made, then the client is kept waiting past its timeout).
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import re
import unicodedata
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from aiohttp import web
from oauthlib.oauth1.rfc5849 import signature, utils

if TYPE_CHECKING:
    from tests.fakes.x import FakeX

CONSUMER_KEY, CONSUMER_SECRET = "fake-x-app-key", "fake-x-app-secret"
ACCESS_TOKEN, ACCESS_SECRET = "1700000000-fakeaccesstoken", "fake-x-access-secret"
READ_ONLY_TOKEN = "1700000000-readonlytoken"  # made before the app had "Read and write"
ACCOUNT = {"id": "1700000000", "name": "Université", "username": "univ"}
_URL = re.compile(r"https?://\S+")


def weight(text: str) -> int:
    """twitter-text v3, as X counts: NFC, links 23, an emoji sequence 2, code points in
    the light ranges 1, every other 2."""
    text = unicodedata.normalize("NFC", text)
    total = 23 * len(_URL.findall(text))
    rest = _URL.sub("", text)
    i = 0
    while i < len(rest):
        code = ord(rest[i])
        if (
            0x1F1E6 <= code <= 0x1F1FF
            and i + 1 < len(rest)
            and 0x1F1E6 <= ord(rest[i + 1]) <= 0x1F1FF
        ):
            total, i = total + 2, i + 2
            continue
        if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF:
            i += 1
            # The sequence goes on through modifiers, variation selectors, tags and joins.
            while i < len(rest):
                nxt = ord(rest[i])
                if (
                    nxt in (0xFE0E, 0xFE0F, 0x20E3)
                    or 0x1F3FB <= nxt <= 0x1F3FF
                    or 0xE0020 <= nxt <= 0xE007F
                ):
                    i += 1
                elif nxt == 0x200D and i + 1 < len(rest):
                    i += 2
                else:
                    break
            total += 2
            continue
        light = code <= 4351 or 8192 <= code <= 8205 or 8208 <= code <= 8223 or 8242 <= code <= 8247
        total += 1 if light else 2
        i += 1
    return total


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def problem(status: int, title: str, detail: str) -> web.Response:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return web.json_response(body, status=status, content_type="application/problem+json")


class Writes:
    def __init__(self, server: FakeX) -> None:
        self.server = server
        self.made: list[dict[str, Any]] = []  # the account's posts, oldest first
        self.deleted: list[str] = []
        self.attempts: list[dict[str, Any]] = []  # every POST /2/tweets body, retries included
        self.signatures_checked = 0
        self._nonces: set[str] = set()
        self._failures: list[int] = []
        self._stall_after_write = 0
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/2/users/me", self._me)
        app.router.add_get("/2/users/{id}/tweets", self._timeline)
        app.router.add_post("/2/tweets", self._create)
        app.router.add_delete("/2/tweets/{id}", self._delete)

    # -- control -----------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1) -> None:
        self._failures += [status] * times

    def time_out_after_write(self, *, times: int = 1) -> None:
        self._stall_after_write += times

    def thread(self, post_id: str) -> list[dict[str, Any]]:
        """The account's replies under a post, as its conversation shows them."""
        return [
            p for p in self.made
            if {"type": "replied_to", "id": post_id} in p["referenced_tweets"]
        ]  # fmt: skip

    # -- OAuth 1.0a --------------------------------------------------------------------

    def _user(self, request: web.Request) -> web.Response | str:
        """The access token of a correctly signed request, or the refusal."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("OAuth "):
            return problem(401, "Unauthorized", "Unauthorized")
        given = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
        token = given.get("oauth_token", "")
        secret = {ACCESS_TOKEN: ACCESS_SECRET, READ_ONLY_TOKEN: ACCESS_SECRET}.get(token)
        nonce = given.get("oauth_nonce", "")
        if (
            given.get("oauth_consumer_key") != CONSUMER_KEY
            or secret is None
            or given.get("oauth_signature_method") != "HMAC-SHA1"
            or not nonce
            or nonce in self._nonces
        ):
            return problem(401, "Unauthorized", "Unauthorized")
        params = signature.collect_parameters(
            uri_query=request.rel_url.raw_query_string, headers={"Authorization": header},
            exclude_oauth_signature=True,
        )  # fmt: skip
        base = signature.signature_base_string(
            request.method,
            signature.base_string_uri(
                f"{request.scheme}://{request.host}{request.rel_url.raw_path}"
            ),
            signature.normalize_parameters(params),
        )
        expected = signature.sign_hmac_sha1_with_client(
            base, SimpleNamespace(client_secret=CONSUMER_SECRET, resource_owner_secret=secret)
        )
        if not hmac.compare_digest(expected, given.get("oauth_signature", "")):
            return problem(401, "Unauthorized", "Unauthorized")
        self._nonces.add(nonce)
        self.signatures_checked += 1
        return token

    def _writer(self, request: web.Request) -> web.Response | None:
        token = self._user(request)
        if isinstance(token, web.Response):
            return token
        if token == READ_ONLY_TOKEN:
            return problem(
                403, "Forbidden",
                "Your client app is not configured with the appropriate oauth1 app "
                "permissions for this endpoint.",
            )  # fmt: skip
        return None

    # -- the API -----------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        token = self._user(request)
        if isinstance(token, web.Response):
            return token
        return web.json_response({"data": ACCOUNT})

    async def _timeline(self, request: web.Request) -> web.Response:
        token = self._user(request)
        if isinstance(token, web.Response):
            return token
        if request.match_info["id"] != ACCOUNT["id"]:
            return web.json_response({"meta": {"result_count": 0}})
        count = int(request.query.get("max_results", "10"))
        if not 5 <= count <= 100:
            return problem(400, "Invalid Request", "max_results must be between 5 and 100")
        since = request.query.get("start_time")
        posts = list(reversed(self.made))
        if since:
            start = datetime.fromisoformat(since.replace("Z", "+00:00"))
            posts = [p for p in posts if p["at"] >= start]
        fields = set(request.query.get("tweet.fields", "").split(","))
        data = [
            {"id": p["id"], "text": p["text"], "edit_history_tweet_ids": [p["id"]]}
            | (
                {"referenced_tweets": p["referenced_tweets"]}
                if "referenced_tweets" in fields
                else {}
            )
            | ({"created_at": _iso(p["at"])} if "created_at" in fields else {})
            for p in posts[:count]
        ]
        meta: dict[str, Any] = {"result_count": len(data)}
        return web.json_response({"data": data, "meta": meta} if data else {"meta": meta})

    async def _create(self, request: web.Request) -> web.Response:
        refused = self._writer(request)
        if refused is not None:
            return refused
        body = await request.json()
        self.attempts.append(body)
        if self._failures:
            status = self._failures.pop(0)
            return problem(status, "Service Unavailable", "Service Unavailable")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return problem(
                400, "Invalid Request", "One or more parameters to your request was invalid."
            )
        if weight(text) > 280:
            return problem(400, "Invalid Request", "Your Tweet text is too long.")
        parent = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        if parent and not any(p.id == parent for p in self.server.posts):
            return problem(
                403, "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )  # fmt: skip
        if any(p["sent"] == text for p in self.made):
            return problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        post_id = self.server.next_id()
        made = {
            "id": post_id,
            "sent": text,
            "text": _URL.sub(lambda _: f"https://t.co/{next(self._ids):010d}", text),
            "at": datetime.now(UTC),
            "referenced_tweets": [{"type": "replied_to", "id": parent}] if parent else [],
        }
        self.made.append(made)
        if self._stall_after_write:
            self._stall_after_write -= 1
            await asyncio.sleep(3600)  # made; the client gives up before hearing so
        return web.json_response(
            {"data": {"id": post_id, "text": made["text"], "edit_history_tweet_ids": [post_id]}},
            status=201,
        )

    async def _delete(self, request: web.Request) -> web.Response:
        refused = self._writer(request)
        if refused is not None:
            return refused
        post_id = request.match_info["id"]
        mine = next((p for p in self.made if p["id"] == post_id), None)
        if mine is None:
            return problem(404, "Not Found Error", f"Could not find tweet with id: [{post_id}].")
        self.made.remove(mine)
        self.deleted.append(post_id)
        return web.json_response({"data": {"deleted": True}})


__all__ = [
    "ACCESS_SECRET", "ACCESS_TOKEN", "ACCOUNT", "CONSUMER_KEY", "CONSUMER_SECRET",
    "READ_ONLY_TOKEN", "Writes", "weight",
]  # fmt: skip
