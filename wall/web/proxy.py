"""Behind a reverse proxy: who the client is, which scheme it used, and which host it asked.

Only a connection from an address in ``[server] trusted_proxies`` is believed when it says
so, through RFC 7239 ``Forwarded`` or the de facto ``X-Forwarded-For`` / ``-Proto`` /
``-Host``. The middleware rewrites the ASGI scope (``client``, ``scheme``, the ``host``
header) once, so every later check (websocket ``Origin``, the attendees' page, throttles,
``Secure`` cookies, HSTS, QR codes) reads one truth from the usual places.

Client address: the right-most address in the chain that is not itself a trusted proxy
(the left-most entries are whatever the client chose to send, and prove nothing).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")
_FORWARDING = {b"forwarded", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"}
_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``["10.0.0.0/8", "::1"]`` -> networks; raises ``ValueError`` naming a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address or CIDR network") from exc
    return networks


def _address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # "[2001:db8::1]:4711" (RFC 7239 section 6)
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # "192.0.2.1:4711"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address | None, networks: Sequence[Network]) -> bool:
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def _forwarded(value: str) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded``: one dict per hop, keys lower-cased, quotes removed."""
    hops = []
    for element in value.split(","):
        hop = {}
        for match in _PAIR.finditer(element):
            raw = match.group(2)
            if raw.startswith('"'):
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
            hop[match.group(1).lower()] = raw
        hops.append(hop)
    return hops


class ProxyHeaders:
    """Believes forwarding headers from ``trusted`` peers only, and rewrites the scope."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = list(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"} and self.trusted:
            peer = scope.get("client")
            if peer and _trusted(_address(peer[0]), self.trusted):
                scope = self._rewrite(scope, peer[1])
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope, port: int) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        found: dict[bytes, str] = {}
        for name, value in headers:
            if name in _FORWARDING:
                text = value.decode("latin-1")
                found[name] = f"{found[name]}, {text}" if name in found else text
        chain: list[str] = []
        proto = host = None
        if b"forwarded" in found:
            hops = _forwarded(found[b"forwarded"])
            chain = [hop.get("for", "") for hop in hops]
            proto, host = hops[-1].get("proto"), hops[-1].get("host")
        else:
            chain = [part for part in found.get(b"x-forwarded-for", "").split(",") if part.strip()]
            proto = found.get(b"x-forwarded-proto", "").split(",")[-1].strip() or None
            host = found.get(b"x-forwarded-host", "").split(",")[-1].strip() or None

        scope = dict(scope)
        client = None
        for entry in reversed(chain):
            address = _address(entry)
            if address is None:
                break  # "unknown" or garbage: stop believing the chain here
            client = address
            if not _trusted(address, self.trusted):
                break
        if client is not None:
            scope["client"] = (str(client), port)
        if proto in {"http", "https"}:
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if proto == "https" else "ws"
            else:
                scope["scheme"] = proto
        if host and _HOST.fullmatch(host):
            rest = [(k, v) for k, v in headers if k != b"host"]
            scope["headers"] = [(b"host", host.encode("latin-1")), *rest]
        return scope
