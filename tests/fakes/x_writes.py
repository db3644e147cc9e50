"""The fake X's writes: what the institution's account sends when it answers.

As X documents it (docs.x.com, "Manage Posts" and "User lookup"):

- ``POST /2/tweets`` with ``{"text", "reply": {"in_reply_to_tweet_id"}}``, authorised by a
  user token with ``tweet.write`` (the app-only token gets ``403 Unsupported
  Authentication``); ``201 {"data": {"id", "text", "edit_history_tweet_ids"}}``; a text over
  280 (weighted: links 23, CJK and emoji 2) or an unknown parent is refused; the same text
  as one of the account's own posts is ``403`` "You are not allowed to create a Tweet with
  duplicate content.";
- ``GET /2/users/me`` and ``GET /2/users/:id/tweets`` (newest first, ``referenced_tweets``);
- ``DELETE /2/tweets/:id`` of the account's own posts.

Misbehaving on demand: ``fail_next(status)`` and ``time_out_after_write()``.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.x import FakeX

USER_TOKEN = "fake-x-user-token-with-tweet-write"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
ACCOUNT = {"id": "4242", "name": "Université", "username": "univ"}
_URL = re.compile(r"https?://\S+")
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def weighted(text: str) -> int:
    total = 23 * len(_URL.findall(text))
    for char in _URL.sub("", text):
        total += 1 if any(a <= ord(char) <= b for a, b in _LIGHT) else 2
    return total


def _problem(status: int, title: str, detail: str) -> web.Response:
    body = {"title": title, "detail": detail, "status": status, "type": "about:blank"}
    return web.json_response(body, status=status, content_type="application/problem+json")


class XWrites:
    def __init__(self, server: FakeX) -> None:
        self.server = server
        self.replies: list[dict[str, Any]] = []  # the account's posts, oldest first
        self.attempts = 0
        self.deleted: list[str] = []
        self._failures: list[int] = []
        self._stall_after_write = 0

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2/tweets", self._create)
        app.router.add_delete("/2/tweets/{id}", self._delete)
        app.router.add_get("/2/users/me", self._me)
        app.router.add_get("/2/users/{id}/tweets", self._timeline)

    def fail_next(self, status: int, *, times: int = 1) -> None:
        self._failures += [status] * times

    def time_out_after_write(self, *, times: int = 1) -> None:
        self._stall_after_write += times

    def thread(self, parent: str) -> list[dict[str, Any]]:
        return [r for r in self.replies if r["in_reply_to"] == parent]

    def _user(self, request: web.Request) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        if auth == f"Bearer {USER_TOKEN}":
            return None
        if auth == f"Bearer {self.server.token}":
            return _problem(403, "Unsupported Authentication",
                            "Authenticating with OAuth 2.0 Application-Only is forbidden for "
                            "this endpoint.")  # fmt: skip
        return _problem(401, "Unauthorized", "Unauthorized")

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._user(request)) is not None:
            return refused
        self.attempts += 1
        if self._failures:
            return _problem(self._failures.pop(0), "Service Unavailable", "try again")
        body = await request.json()
        text = str(body.get("text") or "")
        parent = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        if not text or weighted(text) > 280:
            return _problem(400, "Invalid Request", "text: Tweet text is too long.")
        if parent and not any(p.id == parent for p in self.server.posts):
            return _problem(400, "Invalid Request", "reply.in_reply_to_tweet_id: not found")
        if any(r["text"] == text for r in self.replies):
            return _problem(403, "Forbidden", DUPLICATE)
        post_id = self.server.next_id()
        self.replies.append({"id": post_id, "text": text, "in_reply_to": parent})
        if self._stall_after_write:
            self._stall_after_write -= 1
            await asyncio.sleep(3600)
        data = {"id": post_id, "text": text, "edit_history_tweet_ids": [post_id]}
        return web.json_response({"data": data}, status=201)

    async def _delete(self, request: web.Request) -> web.Response:
        if (refused := self._user(request)) is not None:
            return refused
        found = next((r for r in self.replies if r["id"] == request.match_info["id"]), None)
        if found is None:
            return _problem(404, "Not Found Error", "Could not find tweet")
        self.replies.remove(found)
        self.deleted.append(found["id"])
        return web.json_response({"data": {"deleted": True}})

    async def _me(self, request: web.Request) -> web.Response:
        if (refused := self._user(request)) is not None:
            return refused
        return web.json_response({"data": ACCOUNT})

    async def _timeline(self, request: web.Request) -> web.Response:
        if (refused := self._user(request)) is not None:
            return refused
        if request.match_info["id"] != ACCOUNT["id"]:
            return web.json_response({"data": []})
        posts = [
            {"id": r["id"], "text": r["text"],
             "referenced_tweets": [{"type": "replied_to", "id": r["in_reply_to"]}]}
            for r in reversed(self.replies)
        ][: int(request.query.get("max_results", "10"))]  # fmt: skip
        return web.json_response({"data": posts, "meta": {"result_count": len(posts)}})


__all__ = ["ACCOUNT", "USER_TOKEN", "XWrites", "weighted"]
