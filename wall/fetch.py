"""Every server-side HTTP request goes through here, behind an SSRF guard.

Posts are hostile, and a URL in a post (an image, an avatar) must never make Murmur reach
into its own network. The guard refuses, before any connection is made:

- schemes other than http and https;
- any address that is not public: private, loopback, link-local (cloud metadata lives at
  169.254.169.254), carrier-grade NAT, multicast, reserved, unspecified, and IPv4-mapped or
  6to4/NAT64 forms of those — every address a name resolves to is checked (the resolver
  hook covers names, ``Guard.check_url`` covers addresses written in the URL);
- each redirect hop, re-checked as a new request;
- a host written as a number in a form that is not a canonical address (``127.1``,
  ``2130706433``, ``0177.0.0.1``): aiohttp takes these for addresses, so the resolver never
  sees them, and the system reads them as 127.0.0.1.

Bodies are capped in size, and a whole request, redirects included, in time. ``fetch``
returns the final answer whatever its status (connectors that translate statuses use it);
``fetch_bytes`` wants a 200. ``allow`` lists networks that are let through anyway
(a campus Mastodon on a private address; the local fakes in tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_REDIRECTS = 5


class FetchRefused(Exception):
    """A request the guard or the limits refused; the message says why."""


class FetchFailed(FetchRefused):
    """The request could not complete: no connection, a dropped one, or no answer in time."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is None and address in _NAT64:
            mapped = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if mapped is not None:
            return is_public(mapped)
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return False
    # Site-local (fec0::/10) is deprecated but still routed inside some networks, and
    # Python's is_global says True for it.
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return False
    return address.is_global and not address.is_multicast and not address.is_reserved


class Guard:
    def __init__(self, allow: Sequence[str] = ()) -> None:
        self.allow: list[IPNetwork] = [ipaddress.ip_network(a, strict=False) for a in allow]

    def permits(self, address: IPAddress) -> bool:
        return is_public(address) or any(address in net for net in self.allow)

    def check_url(self, url: URL) -> None:
        if url.scheme not in {"http", "https"}:
            raise FetchRefused(f"only http and https addresses are fetched, not {url.scheme}:")
        host = url.host
        if not host:
            raise FetchRefused("the address has no host")
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            if ":" in host or host.replace(".", "").isdigit():
                # aiohttp takes such a host for an address and skips the resolver, and the
                # system reads ``127.1`` as 127.0.0.1. Recent aiohttp refuses them too; the
                # guard does not count on it.
                raise FetchRefused(f"{host} is not a valid address") from None
            return  # a name: the resolver checks every address it resolves to
        if not self.permits(literal):
            raise FetchRefused(f"{literal} is not a public address")

    async def socket_address(self, url: URL) -> tuple[str, int]:
        """Where to open a websocket to ``url`` (ws or wss), after the same checks as HTTP.

        Every address the name resolves to must be allowed, and the socket goes to one of
        them (no second lookup that could be rebound). Raises ``FetchRefused`` before any
        connection, so a refusal never tells whether something listens there.
        """
        http = {"ws": "http", "wss": "https"}.get(url.scheme)
        if http is None:
            raise FetchRefused(f"only ws and wss addresses are opened, not {url.scheme}:")
        self.check_url(url.with_scheme(http))
        port = url.port or (443 if url.scheme == "wss" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(
            url.host, port, type=socket.SOCK_STREAM
        )
        addresses = [str(info[4][0]) for info in infos]
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not self.permits(ip):
                raise FetchRefused(f"{url.host} resolves to {ip}, which is not public")
        # IPv4 first, as one address means no fallback between the two families.
        return next((a for a in addresses if ":" not in a), addresses[0]), port


class GuardedResolver(AbstractResolver):
    """Resolves names, then refuses the lot if any address is not permitted."""

    def __init__(self, guard: Guard, inner: AbstractResolver | None = None) -> None:
        self.guard = guard
        self.inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        for result in results:
            address = ipaddress.ip_address(result["host"])
            if not self.guard.permits(address):
                raise FetchRefused(f"{host} resolves to {address}, which is not public")
        return results

    async def close(self) -> None:
        await self.inner.close()


def make_session(
    guard: Guard, *, user_agent: str = "Murmur (social wall)"
) -> aiohttp.ClientSession:
    """The app's one HTTP session, every connection behind ``guard``."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard), limit=100, ttl_dns_cache=60)
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": user_agent},
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=60),
        auto_decompress=True,
    )


@dataclass(frozen=True)
class Fetched:
    """The final answer to a request: its status and headers, and a 200's body."""

    status: int
    headers: Mapping[str, str]
    url: URL
    body: bytes = b""
    content_type: str = ""


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _next_hop(current: URL, location: str | None) -> URL:
    if not location:
        raise FetchRefused("a redirect without a Location")
    try:
        return current.join(URL(location))
    except ValueError as exc:
        raise FetchRefused("a redirect to an address that cannot be read") from exc


def _failure(exc: aiohttp.ClientError | TimeoutError, time_limit: float) -> FetchFailed:
    if isinstance(exc, TimeoutError):
        return FetchFailed(f"no complete answer within {time_limit:g} s")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return FetchFailed(f"could not connect to {exc.host}:{exc.port}")
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return FetchFailed("the connection was dropped before the answer was complete")
    return FetchFailed(f"could not fetch: {type(exc).__name__}")


async def fetch(
    session: aiohttp.ClientSession,
    guard: Guard,
    url: str,
    *,
    max_bytes: int,
    time_limit: float = 20.0,
    accept: tuple[str, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``url``, following up to 5 redirects, each re-checked by ``guard``.

    Returns the first answer that is not a redirect, whatever its status; only a 200's
    body is read (capped at ``max_bytes``, declared or streamed; its type must start with
    one of ``accept`` when given). ``time_limit`` covers the whole chain. Raises
    ``FetchRefused`` for what the guard or the limits refuse, and its subclass
    ``FetchFailed`` when the network fails (no connection, dropped, timed out).
    """
    try:
        target = URL(url)
    except ValueError as exc:
        raise FetchRefused("an address that cannot be read") from exc
    loop = asyncio.get_running_loop()
    deadline = loop.time() + time_limit
    for _ in range(MAX_REDIRECTS + 1):
        guard.check_url(target)
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise FetchFailed(f"no complete answer within {time_limit:g} s")
        try:
            async with session.get(
                target,
                allow_redirects=False,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=remaining),
            ) as response:
                if response.status in _REDIRECTS:
                    target = _next_hop(target, response.headers.get("Location"))
                    continue
                if response.status != 200:
                    return Fetched(response.status, response.headers, target)
                ctype = response.content_type
                if accept and not any(ctype.startswith(a) for a in accept):
                    raise FetchRefused(f"unexpected content type {ctype}")
                declared = response.content_length
                if declared is not None and declared > max_bytes:
                    raise FetchRefused(f"too large: {declared} bytes (limit {max_bytes})")
                body = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchRefused(f"too large: over {max_bytes} bytes")
                return Fetched(200, response.headers, target, bytes(body), ctype)
        except FetchRefused:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _failure(exc, time_limit) from exc
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")


async def fetch_bytes(
    session: aiohttp.ClientSession,
    guard: Guard,
    url: str,
    *,
    max_bytes: int,
    time_limit: float = 20.0,
    accept: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    """GET ``url`` as ``fetch`` does; return (body, content type), refusing all but a 200."""
    answer = await fetch(
        session,
        guard,
        url,
        max_bytes=max_bytes,
        time_limit=time_limit,
        accept=accept,
        headers=headers,
    )
    if answer.status != 200:
        raise FetchRefused(f"the server answered {answer.status}")
    return answer.body, answer.content_type


__all__ = [
    "FetchFailed",
    "FetchRefused",
    "Fetched",
    "Guard",
    "GuardedResolver",
    "fetch",
    "fetch_bytes",
    "is_public",
    "make_session",
]
