"""Forwarding headers: believed from trusted proxies only, never from anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from wall.web.proxy import ProxyHeaders, parse_networks


async def _seen(scope: dict[str, Any], trusted: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    await ProxyHeaders(app, trusted=parse_networks(trusted))(scope, None, None)  # type: ignore[arg-type]
    return seen


def _scope(peer: str, *headers: tuple[str, str], kind: str = "http") -> dict[str, Any]:
    return {
        "type": kind,
        "scheme": "ws" if kind == "websocket" else "http",
        "client": (peer, 50000),
        "headers": [(b"host", b"127.0.0.1:8000")] + [(k.encode(), v.encode()) for k, v in headers],
    }


def _host(scope: dict[str, Any]) -> str:
    return dict(scope["headers"])[b"host"].decode()


async def test_a_trusted_proxy_sets_client_scheme_and_host():
    scope = _scope(
        "127.0.0.1",
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "wall.example.edu"),
    )
    seen = await _seen(scope, ["127.0.0.1/32"])
    assert seen["client"][0] == "203.0.113.7"
    assert seen["scheme"] == "https"
    assert _host(seen) == "wall.example.edu"


async def test_an_untrusted_peer_is_not_believed():
    scope = _scope(
        "198.51.100.9",
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "evil.example"),
    )
    seen = await _seen(scope, ["127.0.0.1/32"])
    assert seen["client"][0] == "198.51.100.9"
    assert seen["scheme"] == "http"
    assert _host(seen) == "127.0.0.1:8000"


async def test_nothing_is_believed_when_no_proxy_is_trusted():
    seen = await _seen(_scope("127.0.0.1", ("x-forwarded-for", "203.0.113.7")), [])
    assert seen["client"][0] == "127.0.0.1"


async def test_a_client_cannot_choose_its_address_by_prepending_to_the_chain():
    # The client sent "X-Forwarded-For: 10.9.9.9"; nginx appended the real address.
    scope = _scope("127.0.0.1", ("x-forwarded-for", "10.9.9.9, 203.0.113.7"))
    seen = await _seen(scope, ["127.0.0.1/32", "10.0.0.0/8"])
    assert seen["client"][0] == "203.0.113.7"


async def test_a_chain_of_trusted_proxies_yields_the_first_untrusted_address():
    scope = _scope("127.0.0.1", ("x-forwarded-for", "203.0.113.7, 10.0.0.2"))
    seen = await _seen(scope, ["127.0.0.1/32", "10.0.0.0/8"])
    assert seen["client"][0] == "203.0.113.7"


async def test_rfc_7239_forwarded_with_ipv6_and_quotes():
    scope = _scope(
        "::1",
        ("forwarded", 'for="[2001:db8:cafe::17]:4711";proto=https;host="wall.example.edu"'),
    )
    seen = await _seen(scope, ["::1"])
    assert seen["client"][0] == "2001:db8:cafe::17"
    assert seen["scheme"] == "https"
    assert _host(seen) == "wall.example.edu"


async def test_websocket_scheme_becomes_wss_behind_tls():
    scope = _scope("127.0.0.1", ("x-forwarded-proto", "https"), kind="websocket")
    seen = await _seen(scope, ["127.0.0.1"])
    assert seen["scheme"] == "wss"


@pytest.mark.parametrize(
    "host", ["evil.example/path", "a b", "x@evil.example", "wall.example.edu:99999999"]
)
async def test_a_malformed_forwarded_host_is_ignored(host):
    scope = _scope("127.0.0.1", ("x-forwarded-host", host))
    seen = await _seen(scope, ["127.0.0.1"])
    assert _host(seen) == "127.0.0.1:8000"


async def test_an_unknown_proto_is_ignored():
    seen = await _seen(_scope("127.0.0.1", ("x-forwarded-proto", "gopher")), ["127.0.0.1"])
    assert seen["scheme"] == "http"


def test_a_bad_network_is_named():
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33'"):
        parse_networks(["10.0.0.0/33"])
