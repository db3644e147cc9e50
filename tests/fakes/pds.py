"""A fake Bluesky PDS for the institution's account: what it writes when it answers.

As atproto documents it (docs.bsky.app, lexicons com.atproto.server.createSession,
com.atproto.repo.createRecord and getRecord):

- ``createSession`` with ``identifier`` (handle or DID) and an app password gives
  ``accessJwt``, ``did`` and ``handle``; a wrong password is ``401 AuthenticationRequired``;
- ``createRecord`` (Bearer ``accessJwt``) into the account's own repo only; the record is
  checked as the PDS and the AppView would: ``$type``, ``createdAt``, at most 300
  graphemes (code points here), ``reply.root`` and ``reply.parent`` naming posts the
  AppView knows with their exact ``cid``, facets inside the text's UTF-8 bytes; a record
  key already used is ``400 InvalidRequest``;
- ``getRecord`` of the account's records.

Misbehaving on demand: ``fail_next(status)``, and ``time_out_after_write()`` (the record
is written, then the client is kept waiting past its timeout).
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

from aiohttp import web

from tests.fakes.jetstream import FakeBluesky

POST = "app.bsky.feed.post"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # a fake app password, as Bluesky shapes them


class FakePds:
    def __init__(
        self, appview: FakeBluesky, *, handle: str = "univ.bsky.example",
        did: str = "did:plc:univaccount234567abcdef",
    ) -> None:  # fmt: skip
        self.appview = appview
        self.handle, self.did = handle, did
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> record
        self.writes: list[str] = []  # rkeys asked for, in order (retries included)
        self.sessions = 0
        self.deleted: list[str] = []
        self._failures: list[int] = []
        self._stall_after_write = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_post("/xrpc/com.atproto.server.createSession", self._session)
        app.router.add_post("/xrpc/com.atproto.repo.createRecord", self._create)
        app.router.add_get("/xrpc/com.atproto.repo.getRecord", self._get)
        app.router.add_post("/xrpc/com.atproto.repo.deleteRecord", self._delete)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- control -----------------------------------------------------------------------

    def fail_next(self, status: int, *, times: int = 1) -> None:
        self._failures += [status] * times

    def time_out_after_write(self, *, times: int = 1) -> None:
        self._stall_after_write += times

    def thread(self, parent_uri: str) -> list[dict[str, Any]]:
        return [r for r in self.records.values() if r["reply"]["parent"]["uri"] == parent_uri]

    # -- the API -----------------------------------------------------------------------

    @staticmethod
    def _error(status: int, error: str, message: str) -> web.Response:
        return web.json_response({"error": error, "message": message}, status=status)

    async def _session(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("identifier") not in (self.handle, self.did):
            return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
        if body.get("password") != APP_PASSWORD:
            return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions += 1
        return web.json_response({
            "did": self.did, "handle": self.handle,
            "accessJwt": f"access-{self.sessions}", "refreshJwt": f"refresh-{self.sessions}",
        })  # fmt: skip

    def _authorised(self, request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer access-") and auth != "Bearer access-0"

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        body = await request.json()
        rkey = str(body.get("rkey") or "")
        self.writes.append(rkey)
        if self._failures:
            return self._error(self._failures.pop(0), "InternalServerError", "try again")
        if body.get("repo") not in (self.did, self.handle) or body.get("collection") != POST:
            return self._error(400, "InvalidRequest", "Input/repo must be the caller's")
        if not rkey or rkey in self.records:
            return self._error(400, "InvalidRequest", f"Record already exists: {rkey}")
        problem = self._invalid(body.get("record") or {})
        if problem:
            return self._error(400, "InvalidRecord", problem)
        self.records[rkey] = body["record"]
        if self._stall_after_write:
            self._stall_after_write -= 1
            await asyncio.sleep(3600)
        uri = f"at://{self.did}/{POST}/{rkey}"
        return web.json_response({"uri": uri, "cid": self.appview.cid_of(uri)})

    def _invalid(self, record: dict[str, Any]) -> str | None:
        text = record.get("text")
        if record.get("$type") != POST or not isinstance(text, str) or "createdAt" not in record:
            return "Record/$type, text and createdAt are required"
        if len(text) > 300:
            return "Record/text must not be longer than 300 graphemes"
        reply = record.get("reply") or {}
        for part in ("root", "parent"):
            ref = reply.get(part) or {}
            uri = ref.get("uri")
            if uri not in self.appview.posts or ref.get("cid") != self.appview.cid_of(uri):
                return f"Record/reply/{part} must name a post with its cid"
        size = len(text.encode())
        for facet in record.get("facets") or []:
            index = facet.get("index") or {}
            if not 0 <= index.get("byteStart", -1) < index.get("byteEnd", -1) <= size:
                return "Record/facets/index is outside the text"
        return None

    async def _delete(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        body = await request.json()
        if body.get("repo") not in (self.did, self.handle) or body.get("collection") != POST:
            return self._error(400, "InvalidRequest", "Input/repo must be the caller's")
        self.records.pop(str(body.get("rkey")), None)  # deleting what is gone is fine
        self.deleted.append(str(body.get("rkey")))
        return web.json_response({})

    async def _get(self, request: web.Request) -> web.Response:
        rkey = request.query.get("rkey", "")
        if request.query.get("repo") not in (self.did, self.handle) or rkey not in self.records:
            return self._error(400, "RecordNotFound", "Could not locate record")
        uri = f"at://{self.did}/{POST}/{rkey}"
        return web.json_response(
            {"uri": uri, "cid": self.appview.cid_of(uri), "value": self.records[rkey]}
        )


__all__ = ["APP_PASSWORD", "FakePds"]
