"""The SSRF guard and the guarded fetch: pure address checks, a resolver that cannot reach
the network, and ``fetch``/``fetch_bytes`` against a local server.

No test here sends a packet anywhere but 127.0.0.1: sessions carry a tripwire that fails
any request to another host before it connects, should the guard ever let one through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.typedefs import Handler
from yarl import URL

from tests.fakes.feed import png
from wall.fetch import (
    FetchFailed,
    FetchRefused,
    Guard,
    GuardedResolver,
    fetch,
    fetch_bytes,
    is_public,
)

REFUSED = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "100.127.255.254",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",  # site-local (deprecated, still routed in places)
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1",  # local-use NAT64
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2001:db8::1",  # documentation
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4007:80e::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize("address", REFUSED)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    assert not Guard().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_permitted(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.mark.parametrize("address", REFUSED)
def test_a_url_on_an_address_that_is_not_public_is_refused(address: str) -> None:
    url = URL(f"http://{host(address).replace('%', '%25')}:8080/latest/meta-data")

    with pytest.raises(FetchRefused, match="is not a public address"):
        Guard().check_url(url)


@pytest.mark.parametrize("address", PUBLIC)
def test_a_url_on_a_public_address_passes(address: str) -> None:
    Guard().check_url(URL(f"https://{host(address)}/image.png"))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("file:///etc/passwd", "only http and https addresses are fetched, not file:"),
        ("gopher://example.org:70/_GET", "not gopher:"),
        ("ftp://example.org/x", "not ftp:"),
        ("javascript:alert(1)", "not javascript:"),
        ("http:///no-host", "no host"),
        # HTTP clients take these for addresses (and the system reads them as 127.0.0.1):
        # the resolver would never see them.
        ("http://127.1/", "127.1 is not a valid address"),
        ("http://2130706433/", "2130706433 is not a valid address"),
        ("http://0177.0.0.1/", "0177.0.0.1 is not a valid address"),
        ("http://127.0.0.1./", "127.0.0.1. is not a valid address"),
    ],
)
def test_other_schemes_and_odd_hosts_are_refused(url: str, says: str) -> None:
    with pytest.raises(FetchRefused) as caught:
        Guard().check_url(URL(url))

    assert says in str(caught.value)


def test_a_name_is_left_to_the_resolver() -> None:
    Guard().check_url(URL("https://mastodon.example/@ines"))
    Guard().check_url(URL("http://0x7f000001/"))  # a name to aiohttp: the resolver sees it


def test_the_allowlist_lets_chosen_networks_through_and_no_others() -> None:
    guard = Guard(["127.0.0.0/8", "10.20.0.1/16"])  # host bits are tolerated

    guard.check_url(URL("http://127.0.0.1:8000/feed"))
    guard.check_url(URL("http://10.20.3.4/"))
    for refused in ("http://10.21.0.1/", "http://192.168.1.1/", "http://[::1]/"):
        with pytest.raises(FetchRefused):
            guard.check_url(URL(refused))


# -- the resolver -----------------------------------------------------------------------


class FakeResolver(AbstractResolver):
    """Answers from a table; never looks anything up."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.table[host]
        ]

    async def close(self) -> None:
        pass


TABLE = {
    "intranet.example": ["10.0.0.5"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.215.14", "127.0.0.2"],
    "v6.example": ["::ffff:192.168.0.1"],
    "public.example": ["93.184.215.14", "2606:4700:4700::1111"],
    "loopback.example": ["127.0.0.2"],
}


@pytest.mark.parametrize(
    "name", ["intranet.example", "metadata.example", "mixed.example", "v6.example"]
)
async def test_the_resolver_refuses_a_name_with_any_address_that_is_not_public(name: str) -> None:
    resolver = GuardedResolver(Guard(), FakeResolver(TABLE))

    with pytest.raises(FetchRefused, match=f"{name} resolves to .*, which is not public"):
        await resolver.resolve(name, 443)


async def test_the_resolver_passes_public_answers_through() -> None:
    resolver = GuardedResolver(Guard(), FakeResolver(TABLE))

    results = await resolver.resolve("public.example", 443)

    assert [r["host"] for r in results] == ["93.184.215.14", "2606:4700:4700::1111"]


def tripwire(started: list[URL], *, allow: str = "127.0.0.1") -> aiohttp.TraceConfig:
    """Record every request, and fail one to any host but ``allow`` before it connects."""
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        started.append(params.url)
        if params.url.host != allow:
            raise AssertionError(f"the guard let a request to {params.url} through")

    trace.on_request_start.append(on_start)
    return trace


async def test_a_session_behind_the_resolver_never_connects_to_a_refused_name() -> None:
    started: list[URL] = []
    inner = FakeResolver(TABLE)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(Guard(), inner))
    async with aiohttp.ClientSession(
        connector=connector, trace_configs=[tripwire(started, allow="loopback.example")]
    ) as session:
        with pytest.raises(FetchRefused, match=r"loopback\.example resolves to 127\.0\.0\.2"):
            await fetch_bytes(session, Guard(), "http://loopback.example:9/x", max_bytes=100)

    assert inner.asked == ["loopback.example"]
    assert [u.host for u in started] == ["loopback.example"]  # asked for, never reached


# -- fetch against a local server -------------------------------------------------------


class Server:
    def __init__(self) -> None:
        self.base = ""
        self.hits: list[str] = []
        self.release = asyncio.Event()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()

    async def image(request: web.Request) -> web.StreamResponse:
        return web.Response(body=png(), content_type="image/png")

    async def redirect(request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/hop/{n - 1}" if n > 1 else "/img.png")

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.15)
        n = int(request.match_info["n"])
        raise web.HTTPFound(f"/slow/{n - 1}" if n > 1 else "/img.png")

    async def to(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": request.query["location"]})

    async def no_location(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302)

    async def big(request: web.Request) -> web.StreamResponse:
        if request.query.get("chunked"):
            response = web.StreamResponse(headers={"Content-Type": "image/png"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(20):
                await response.write(b"x" * 100)
            await response.write_eof()
            return response
        return web.Response(body=b"x" * 2000, content_type="image/png")

    async def page(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html></html>", content_type="text/html")

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b"x" * 10)
        await state.release.wait()
        return response

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        state.hits.append(request.path)
        return await handler(request)

    app = web.Application(middlewares=[record])
    app.router.add_get("/img.png", image)
    app.router.add_get("/hop/{n}", redirect)
    app.router.add_get("/slow/{n}", slow)
    app.router.add_get("/to", to)
    app.router.add_get("/no-location", no_location)
    app.router.add_get("/big", big)
    app.router.add_get("/page", page)
    app.router.add_get("/stall", stall)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    state.release.set()
    await runner.cleanup()


LOCAL = Guard(["127.0.0.0/8"])


@pytest.fixture
async def session() -> AsyncIterator[tuple[aiohttp.ClientSession, list[URL]]]:
    started: list[URL] = []
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(LOCAL))
    async with aiohttp.ClientSession(
        connector=connector, trace_configs=[tripwire(started)]
    ) as http:
        yield http, started


Session = tuple[aiohttp.ClientSession, list[URL]]


async def test_an_image_is_fetched(server: Server, session: Session) -> None:
    http, _ = session

    data, kind = await fetch_bytes(http, LOCAL, f"{server.base}/img.png", max_bytes=10_000)

    assert data == png()
    assert kind == "image/png"


async def test_each_redirect_hop_is_followed_and_checked(server: Server, session: Session) -> None:
    http, started = session

    data, _ = await fetch_bytes(http, LOCAL, f"{server.base}/hop/3", max_bytes=10_000)

    assert data == png()
    assert server.hits == ["/hop/3", "/hop/2", "/hop/1", "/img.png"]
    assert len(started) == 4


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("http://10.0.0.1/", "10.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
        ("http://[::ffff:10.0.0.1]/", "is not a public address"),
        ("//10.0.0.1/admin", "10.0.0.1 is not a public address"),
        ("file:///etc/passwd", "only http and https addresses are fetched, not file:"),
        ("http://[::1", "a redirect to an address that cannot be read"),
    ],
)
async def test_a_redirect_off_the_allowlist_is_refused_before_connecting(
    server: Server, session: Session, location: str, says: str
) -> None:
    http, started = session
    url = str(URL(f"{server.base}/to").with_query(location=location))

    with pytest.raises(FetchRefused) as caught:
        await fetch_bytes(http, LOCAL, url, max_bytes=10_000)

    assert says in str(caught.value)
    assert [u.path for u in started] == ["/to"]


async def test_too_many_redirects_and_a_redirect_without_location_are_refused(
    server: Server, session: Session
) -> None:
    http, _ = session

    with pytest.raises(FetchRefused, match="more than 5 redirects"):
        await fetch_bytes(http, LOCAL, f"{server.base}/hop/6", max_bytes=10_000)
    with pytest.raises(FetchRefused, match="a redirect without a Location"):
        await fetch_bytes(http, LOCAL, f"{server.base}/no-location", max_bytes=10_000)


@pytest.mark.parametrize(
    ("query", "says"),
    [("", "too large: 2000 bytes (limit 1000)"), ("?chunked=1", "too large: over 1000 bytes")],
    ids=["declared", "streamed"],
)
async def test_the_size_cap_is_enforced(
    server: Server, session: Session, query: str, says: str
) -> None:
    http, _ = session

    with pytest.raises(FetchRefused) as caught:
        await fetch_bytes(http, LOCAL, f"{server.base}/big{query}", max_bytes=1000)

    assert str(caught.value) == says


async def test_the_content_type_is_checked(server: Server, session: Session) -> None:
    http, _ = session

    with pytest.raises(FetchRefused, match="unexpected content type text/html"):
        await fetch_bytes(http, LOCAL, f"{server.base}/page", max_bytes=1000, accept=("image/",))


async def test_an_error_status_is_refused_by_fetch_bytes_and_returned_by_fetch(
    server: Server, session: Session
) -> None:
    http, _ = session

    with pytest.raises(FetchRefused, match="the server answered 404"):
        await fetch_bytes(http, LOCAL, f"{server.base}/nothing", max_bytes=1000)
    answer = await fetch(http, LOCAL, f"{server.base}/nothing", max_bytes=1000)

    assert answer.status == 404
    assert answer.body == b""
    assert answer.url == URL(f"{server.base}/nothing")


async def test_a_stalled_body_fails_within_the_time_limit(server: Server, session: Session) -> None:
    http, _ = session

    with pytest.raises(FetchFailed, match=r"no complete answer within 0\.2 s"):
        await fetch_bytes(http, LOCAL, f"{server.base}/stall", max_bytes=10_000, time_limit=0.2)


async def test_the_time_limit_covers_the_whole_redirect_chain(
    server: Server, session: Session
) -> None:
    http, _ = session  # five hops of 0.15 s each: every hop is quick, the chain is not

    with pytest.raises(FetchFailed, match=r"no complete answer within 0\.4 s"):
        await fetch_bytes(http, LOCAL, f"{server.base}/slow/5", max_bytes=10_000, time_limit=0.4)


async def test_a_closed_port_is_a_failure_to_connect(session: Session) -> None:
    http, _ = session
    with socket.socket() as probe:  # bound, not listening: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

        with pytest.raises(FetchFailed, match=f"could not connect to 127.0.0.1:{port}"):
            await fetch_bytes(http, LOCAL, f"http://127.0.0.1:{port}/", max_bytes=100)


async def test_a_private_address_is_refused_without_a_request(session: Session) -> None:
    http, started = session

    with pytest.raises(FetchRefused, match=r"10\.0\.0\.1 is not a public address"):
        await fetch_bytes(http, Guard(), "http://10.0.0.1/secret", max_bytes=100)
    with pytest.raises(FetchRefused, match="an address that cannot be read"):
        await fetch_bytes(http, Guard(), "http://[::1/", max_bytes=100)

    assert started == []
