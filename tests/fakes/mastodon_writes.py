"""The fake Mastodon's writes: what the institution's account sends when it answers.

As Mastodon documents and does it (docs.joinmastodon.org/methods/search,
/methods/statuses):

- ``GET /api/v2/search?q=<uri>&resolve=true&type=statuses``: the status known by that uri
  (Bearer token with ``read:search`` or ``read``), ``{"accounts": [], "statuses": [...],
  "hashtags": []}``;
- ``POST /api/v1/statuses`` (``write:statuses`` or ``write``): ``status``, ``in_reply_to_id``
  (``404`` when unknown), ``visibility``; ``422 {"error": "Validation failed: Text
  character limit of 500 exceeded"}`` past 500 characters, links counted as 23; an
  ``Idempotency-Key`` seen in the last hour gives back the same status, never a second one.

Misbehaving on demand: ``fail_next(status)`` answers the next write (or deletion) with
that status, and
``time_out_after_write()`` takes the next write, then keeps the client waiting past its
timeout (the case where a client cannot know whether its reply went out).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.mastodon import FakeMastodon

WRITE_TOKEN = "fake-mastodon-write-token"
READ_ONLY_TOKEN = "fake-mastodon-read-only-token"
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+")


def counted(text: str) -> int:
    return len(_MENTION.sub(lambda m: f"@{m[1]}", _URL.sub("x" * 23, text)))


class Writes:
    def __init__(self, server: FakeMastodon) -> None:
        self.server = server
        self.replies: list[dict[str, Any]] = []  # statuses written, in order
        self.requests: list[tuple[str, dict[str, Any], str | None]] = []  # (path, body, key)
        self._keys: dict[str, dict[str, Any]] = {}
        self._failures: list[int] = []
        self._stall_after_write = 0
        self.deleted: list[str] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v2/search", self._search)
        app.router.add_post("/api/v1/statuses", self._post)
        app.router.add_put("/api/v1/statuses/{id}", self._edit)
        app.router.add_delete("/api/v1/statuses/{id}", self._delete)

    # -- control -----------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1) -> None:
        self._failures += [status] * times

    def time_out_after_write(self, *, times: int = 1) -> None:
        self._stall_after_write += times

    def thread(self, status_id: str) -> list[dict[str, Any]]:
        """The replies under a status, as its thread shows them."""
        return [r for r in self.replies if r["in_reply_to_id"] == status_id]

    # -- the API -----------------------------------------------------------------------

    def _scopes(self, request: web.Request) -> set[str] | None:
        auth = request.headers.get("Authorization") or ""
        if auth == f"Bearer {WRITE_TOKEN}":
            return {"read", "write:statuses"}
        if auth == f"Bearer {READ_ONLY_TOKEN}":
            return {"read"}
        return None

    async def _search(self, request: web.Request) -> web.Response:
        if self._scopes(request) is None:
            return web.json_response({"error": "The access token is invalid"}, status=401)
        uri = request.query.get("q", "")
        found = [s for s in self.server.statuses if s.get("uri") == uri or s.get("url") == uri]
        if request.query.get("resolve") != "true" and not found:
            found = []
        return web.json_response({"accounts": [], "statuses": found[:1], "hashtags": []})

    async def _post(self, request: web.Request) -> web.Response:
        scopes = self._scopes(request)
        if scopes is None:
            return web.json_response({"error": "The access token is invalid"}, status=401)
        if "write:statuses" not in scopes and "write" not in scopes:
            return web.json_response(
                {"error": "This action is outside the authorized scopes"}, status=403
            )
        body = await request.json()
        key = request.headers.get("Idempotency-Key")
        self.requests.append((request.path, body, key))
        if self._failures:
            status = self._failures.pop(0)
            return web.json_response({"error": "Something went wrong"}, status=status)
        if key and key in self._keys:  # Mastodon keeps keys for an hour
            return web.json_response(self._keys[key])
        text = str(body.get("status") or "")
        if not text.strip():
            return web.json_response({"error": "Validation failed: Text can't be blank"}, 422)
        if counted(text) > 500:
            return web.json_response(
                {"error": "Validation failed: Text character limit of 500 exceeded"}, status=422
            )
        parent = str(body.get("in_reply_to_id") or "")
        if parent and not any(s["id"] == parent for s in self.server.statuses):
            return web.json_response({"error": "Record not found"}, status=404)
        status_id = self.server.next_id()
        reply = {
            "id": status_id,
            "uri": f"{self.server.url}/users/univ/statuses/{status_id}",
            "url": f"{self.server.url}/@univ/{status_id}",
            "in_reply_to_id": parent or None,
            "content": f"<p>{text}</p>",
            "text": text,
            "visibility": body.get("visibility", "public"),
        }
        self.replies.append(reply)
        if key:
            self._keys[key] = reply
        if self._stall_after_write:
            self._stall_after_write -= 1
            await asyncio.sleep(3600)  # written; the client gives up before hearing so
        return web.json_response(reply)

    def _own(self, request: web.Request) -> tuple[dict[str, Any] | None, web.Response | None]:
        scopes = self._scopes(request)
        if scopes is None:
            return None, web.json_response({"error": "The access token is invalid"}, status=401)
        if "write:statuses" not in scopes and "write" not in scopes:
            refusal = {"error": "This action is outside the authorized scopes"}
            return None, web.json_response(refusal, status=403)
        found = next((r for r in self.replies if r["id"] == request.match_info["id"]), None)
        if found is None:
            return None, web.json_response({"error": "Record not found"}, status=404)
        return found, None

    async def _edit(self, request: web.Request) -> web.Response:
        reply, refusal = self._own(request)
        if refusal is not None or reply is None:
            return refusal or web.json_response({}, status=500)
        text = str((await request.json()).get("status") or "")
        if not text.strip() or counted(text) > 500:
            return web.json_response({"error": "Validation failed: Text"}, status=422)
        reply.setdefault("history", []).append(reply["text"])
        reply.update(text=text, content=f"<p>{text}</p>", edited_at="now")
        return web.json_response(reply)

    async def _delete(self, request: web.Request) -> web.Response:
        if self._failures:  # fail_next answers deletions too
            return web.json_response(
                {"error": "Something went wrong"}, status=self._failures.pop(0)
            )
        reply, refusal = self._own(request)
        if refusal is not None or reply is None:
            return refusal or web.json_response({}, status=500)
        self.replies.remove(reply)
        self.deleted.append(reply["id"])
        return web.json_response({**reply, "text": reply["text"]})


__all__ = ["READ_ONLY_TOKEN", "WRITE_TOKEN", "Writes", "counted"]
