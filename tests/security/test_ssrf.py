"""SSRF through the media pipeline's one entry, ``SourceContext.image``, the way every
connector fetches a picture or an avatar: refused before any connection is made.

A real image server listens on 127.0.0.1, so a refusal is the guard's doing, not an
absent server. No packet leaves the machine: without an allowlist nothing connects at
all; with ``127.0.0.1/32`` allowed (as tests serve media), connections to anything else
fail the test before they are made, and names are resolved from a table.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from tests.live import test_event
from tests.uploads import encode, png_bomb
from wall.fetch import Guard, GuardedResolver
from wall.media import MediaStore
from wall.sources.context import SourceContext


class Images:
    def __init__(self) -> None:
        self.base = ""
        self.port = 0
        self.hits: list[str] = []


@pytest.fixture
async def images() -> AsyncIterator[Images]:
    from PIL import Image

    state = Images()
    picture = encode(Image.new("RGB", (32, 24), (10, 200, 30)), "PNG")

    async def image(request: web.Request) -> web.StreamResponse:
        state.hits.append(request.path)
        return web.Response(body=picture, content_type="image/png")

    async def bomb(request: web.Request) -> web.StreamResponse:
        state.hits.append(request.path)
        return web.Response(body=png_bomb(30_000, 30_000), content_type="image/png")

    async def page(request: web.Request) -> web.StreamResponse:
        state.hits.append(request.path)
        return web.Response(text="<script>alert(1)</script>", content_type="text/html")

    async def to(request: web.Request) -> web.StreamResponse:
        state.hits.append(request.path)
        return web.Response(status=302, headers={"Location": request.query["location"]})

    app = web.Application()
    app.router.add_get("/img.png", image)
    app.router.add_get("/bomb.png", bomb)
    app.router.add_get("/page", page)
    app.router.add_get("/to", to)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    state.base = f"http://127.0.0.1:{state.port}"
    yield state
    await runner.cleanup()


# What the system's resolver answers (getaddrinfo reads 0x7f.0.0.1 as inet_aton does).
NAMES = {
    "localhost": ["127.0.0.1"],
    "0x7f.0.0.1": ["127.0.0.1"],
    "intranet.example": ["10.1.2.3"],
}


class TableResolver(AbstractResolver):
    """Names from ``NAMES``, never from the network."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = NAMES.get(host)
        if addresses is None:
            raise OSError(f"{host} is not in the test's table")
        return [
            ResolveResult(
                hostname=host,
                host=a,
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for a in addresses
        ]

    async def close(self) -> None:
        pass


class Pipeline:
    """A source's context on a session that records every connection it makes."""

    def __init__(self, tmp_path: Path, guard: Guard) -> None:
        self.connected: list[str] = []
        self.requested: list[URL] = []
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._request)
        trace.on_connection_create_end.append(self._connected)
        trace.on_dns_resolvehost_end.append(self._resolved)
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=GuardedResolver(guard, TableResolver())),
            trace_configs=[trace],
        )
        self.media = MediaStore(tmp_path / "media")
        self.ctx = SourceContext(
            event=test_event(),
            http=self.http,
            guard=guard,
            media=self.media,
            cursor=None,  # type: ignore[arg-type]
            secret=lambda name: None,
        )

    async def _request(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        self.requested.append(params.url)
        try:
            address = ipaddress.ip_address(str(params.url.host).strip("[]"))
        except ValueError:
            return  # a name: ``_resolved`` trips if the guard lets its addresses through
        if str(address) != "127.0.0.1":
            raise AssertionError(f"a request to {params.url} was about to connect")

    async def _resolved(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        raise AssertionError(f"{params.host} passed the guard and was about to connect")

    async def _connected(self, session: Any, context: SimpleNamespace, params: Any) -> None:
        self.connected.append("connection")

    def stored(self) -> list[str]:
        root = self.media.root
        return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.fixture
async def public_only(tmp_path: Path) -> AsyncIterator[Pipeline]:
    pipeline = Pipeline(tmp_path, Guard())
    yield pipeline
    await pipeline.http.close()


@pytest.fixture
async def local_allowed(tmp_path: Path) -> AsyncIterator[Pipeline]:
    pipeline = Pipeline(tmp_path, Guard(["127.0.0.1/32"]))
    yield pipeline
    await pipeline.http.close()


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/img.png",  # loopback, where a real server listens
        "http://localhost:{port}/img.png",  # a name for it
        "http://127.1:{port}/img.png",  # short form
        "http://2130706433:{port}/img.png",  # decimal form
        "http://0x7f.0.0.1:{port}/img.png",  # hexadecimal form
        "http://0.0.0.0:{port}/img.png",  # "this host"
        "http://[::1]:{port}/img.png",
        "http://[::ffff:127.0.0.1]:{port}/img.png",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]:{port}/img.png",  # the same, in hex
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata
        "http://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 form of the metadata address
        "http://10.0.0.1/admin",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://[fe80::1]/",
        "http://intranet.example/pic.png",  # a name that resolves inside
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/_GET",
        "ftp://127.0.0.1:{port}/img.png",
    ],
)
async def test_a_picture_on_an_address_that_is_not_public_is_refused_before_connecting(
    images: Images, public_only: Pipeline, target: str
) -> None:
    url = target.format(port=images.port)

    media = await public_only.ctx.image(url, alt="x")

    assert media is None
    assert images.hits == []
    assert public_only.connected == []
    assert public_only.stored() == []


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://127.0.0.2:{port}/img.png",  # loopback, but not the allowed address
        "http://intranet.example/",
        "file:///etc/passwd",
    ],
)
async def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    images: Images, local_allowed: Pipeline, location: str
) -> None:
    target = location.format(port=images.port)
    url = str(URL(f"{images.base}/to").with_query(location=target))

    media = await local_allowed.ctx.image(url)

    assert media is None
    assert images.hits == ["/to"]
    assert len(local_allowed.connected) == 1  # the first hop, to 127.0.0.1, only
    assert local_allowed.requested[0].host == "127.0.0.1"


async def test_an_allowed_picture_is_fetched_and_stored_under_media(
    images: Images, local_allowed: Pipeline
) -> None:
    media = await local_allowed.ctx.image(f"{images.base}/img.png", alt="a green square")

    assert media is not None and media.url.startswith("/media/")
    assert (media.width, media.height, media.alt) == (32, 24, "a green square")
    assert images.hits == ["/img.png"]


@pytest.mark.parametrize("path", ["/bomb.png", "/page"])
async def test_a_fetched_bomb_or_page_is_refused_and_nothing_is_stored(
    images: Images, local_allowed: Pipeline, path: str
) -> None:
    assert await local_allowed.ctx.image(f"{images.base}{path}") is None
    assert local_allowed.stored() == []
