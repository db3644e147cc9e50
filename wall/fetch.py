"""Every server-side HTTP request goes through here, behind an SSRF guard.

Posts are hostile, and a URL in a post (an image, an avatar) must never make Murmur reach
into its own network. The guard refuses, before any connection is made:

- schemes other than http and https;
- any address that is not public: private, loopback, link-local (cloud metadata lives at
  169.254.169.254), carrier-grade NAT, multicast, reserved, unspecified, and IPv4-mapped or
  6to4/NAT64 forms of those — every address a name resolves to is checked (the resolver
  hook covers names, ``_check_literal`` covers addresses written in the URL);
- each redirect hop, re-checked as a new request.

Bodies are capped in size and time. ``allow`` lists networks that are let through anyway
(a campus Mastodon on a private address; the local fakes in tests).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

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


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is None and address in _NAT64:
            mapped = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if mapped is not None:
            return is_public(mapped)
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
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
            return  # a name: the resolver checks every address it resolves to
        if not self.permits(literal):
            raise FetchRefused(f"{literal} is not a public address")


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
    """GET ``url`` (following up to 5 redirects, each re-checked); return (body, type)."""
    target = URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        guard.check_url(target)
        try:
            async with session.get(
                target,
                allow_redirects=False,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=time_limit),
            ) as response:
                if response.status in {301, 302, 303, 307, 308}:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchRefused("a redirect without a Location")
                    target = target.join(URL(location))
                    continue
                if response.status != 200:
                    raise FetchRefused(f"the server answered {response.status}")
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
                return bytes(body), ctype
        except FetchRefused:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FetchRefused(f"could not fetch: {type(exc).__name__}") from exc
    raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")


__all__ = ["FetchRefused", "Guard", "GuardedResolver", "fetch_bytes", "is_public", "make_session"]
