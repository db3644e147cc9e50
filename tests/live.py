"""A real Murmur server on a real port, in a thread, for integration and browser tests.

``LiveServer`` runs ``create_app(settings)`` under uvicorn exactly as ``murmur serve`` does,
on 127.0.0.1 and a port of its own. ``stop()`` and ``start()`` again on the same port and
data folder is a real restart: a new app, a new store on the same SQLite file.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from moderation import Post
from tests import servers
from wall.auth import hash_password
from wall.hub import Hub
from wall.settings import (
    BusSettings,
    EventSettings,
    RulesSettings,
    ServerSettings,
    Settings,
    StoreSettings,
)
from wall.web.app import create_app

T = TypeVar("T")


def test_event(slug: str = "jpo", *, moderation: str = "pre", **rules: Any) -> EventSettings:
    return EventSettings(
        slug=slug,
        title="Journées portes ouvertes",
        hashtags=["JPO2026"],
        moderation=moderation,  # type: ignore[arg-type]
        rules=RulesSettings(**rules),
    )


test_event.__test__ = False  # type: ignore[attr-defined]  # a builder, not a test


class LiveServer:
    def __init__(
        self,
        data_dir: Path,
        *,
        events: list[EventSettings] | None = None,
        server: ServerSettings | None = None,
        queue_size: int | None = None,
    ) -> None:
        self.settings = Settings(
            server=server or ServerSettings(),
            events=events or [test_event()],
            data_dir=data_dir,
            # The suite's backend (tests/servers.py): SQLite, or PostgreSQL and Redis.
            store=StoreSettings(url=servers.store_url(data_dir)),
            bus=BusSettings(url=servers.bus_url(), namespace=servers.name_for(data_dir)),
        )
        self.queue_size = queue_size
        self.port = _free_port()
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    def start(self) -> LiveServer:
        self.app = create_app(self.settings)
        if self.queue_size is not None:
            self.app.state.hub.bus.queue_size = self.queue_size
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws_per_message_deflate=False,
            ws_max_size=64 * 1024,
            lifespan="on",
            # As murmur serve: forwarding headers are wall.web.proxy's, from trusted_proxies.
            proxy_headers=False,
        )
        self._server = uvicorn.Server(config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        ready = threading.Event()

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            ready.set()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
        self._thread.start()
        ready.wait(10)
        for _ in range(1000):
            if self._server.started:
                break
            if not self._thread.is_alive():
                raise RuntimeError("the server failed to start")
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("the server did not start in 10 s")
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            # A safety net, not a measure: with PostgreSQL and Redis on a loaded machine,
            # a stop (leases released, connections closed) has taken over 15 s.
            self._thread.join(45)
            if self._thread.is_alive():
                raise RuntimeError("the server did not stop in 45 s")
        self._server = None
        self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn()`` on the server's event loop and return its result."""
        assert self._loop is not None

        async def run() -> T:
            return await fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(30)

    def ingest(self, slug: str, post: Post) -> int:
        view = self.call(lambda: self.hub.ingest(slug, post))
        assert view is not None, "the post was a duplicate"
        return view.id

    def add_user(self, name: str, password: str, role: str = "moderator") -> None:
        hashed = hash_password(password)
        self.call(lambda: self.hub.store.add_user(name, hashed, role))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
