"""Murmur behind the shipped nginx and Caddy configs, over TLS, driven by real Chromium.

The proxies run ``deploy/nginx.conf`` and ``deploy/Caddyfile`` with only ports and
certificate paths changed (tests/proxies.py). Murmur is configured as docs/deployment.md
says: ``public_url`` and ``trusted_proxies``. Without those two keys the walls never went
live behind TLS (the websocket's ``Origin`` was ``https://…`` while Murmur believed it was
``http://…``) and every client shared the proxy's address.
"""

from __future__ import annotations

import io
import json
import os
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import msgspec
import playwright.sync_api as playwright_api
import pytest
from PIL import Image

from moderation import Status
from tests.chromium import ARGS, CHROMIUM, PHONE, SCREEN
from tests.factories import make_post
from tests.live import LiveServer
from tests.proxies import HOST, Caddy, Nginx, Proxy
from wall.settings import ServerSettings

expect = playwright_api.expect
pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
TABLET = {"width": 1024, "height": 768}


@pytest.fixture(params=["nginx", "caddy"])
def stack(request, tmp_path) -> Iterator[tuple[LiveServer, Proxy]]:
    live = LiveServer(tmp_path / "data")
    kind = Nginx if request.param == "nginx" else Caddy
    proxy = kind(tmp_path, live.port)
    live.settings = msgspec.structs.replace(
        live.settings,
        server=ServerSettings(public_url=proxy.url, trusted_proxies=["127.0.0.1/32", "::1"]),
    )
    live.start()
    live.add_user("alice", PASSWORD, "moderator")
    proxy.start()
    try:
        yield live, proxy
    finally:
        proxy.stop()
        live.stop()


@pytest.fixture
def browser(stack) -> Iterator[Any]:
    _, proxy = stack
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *proxy.chromium_args()])
        yield browser
        browser.close()


def _https(
    proxy: Proxy,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    source: str = "127.0.0.1",
) -> tuple[int, dict[str, Any]]:
    """One HTTPS request through the proxy from ``source`` (a loopback address of our own),
    checking the proxy's certificate against the test CA."""
    context = ssl.create_default_context(cafile=str(proxy.certs.ca_file))
    raw = socket.create_connection(
        ("127.0.0.1", proxy.https_port), timeout=30, source_address=(source, 0)
    )
    with context.wrap_socket(raw, server_hostname=HOST) as tls:
        data = json.dumps(body).encode() if body is not None else b""
        tls.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{proxy.https_port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + data
        )
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    try:
        return status, json.loads(payload or b"{}")
    except ValueError:
        return status, {}


def test_the_wall_goes_live_and_a_moderators_approval_reaches_it_over_https(stack, browser):
    live, proxy = stack
    post_id = live.ingest("jpo", make_post("bonjour depuis le hall #JPO2026"))

    wall = browser.new_context(viewport=SCREEN).new_page()
    page = wall.goto(f"{proxy.url}/wall/jpo?screen=hall")
    # Murmur knew the screen came over HTTPS: HSTS on its pages through the proxy.
    assert page is not None and "strict-transport-security" in page.headers
    expect(wall.locator("body")).to_have_attribute("data-connection", "online", timeout=15_000)
    # The QR code's address comes from public_url, not from the proxy's upstream address.
    expect(wall.locator("#join-url")).to_contain_text(HOST)

    tablet = browser.new_context(viewport=TABLET, has_touch=True)
    desk = tablet.new_page()
    desk.goto(f"{proxy.url}/login?next=/moderate/jpo")
    desk.fill("#username", "alice")
    desk.fill("#password", PASSWORD)
    desk.click("#submit")
    desk.wait_for_url(f"{proxy.url}/moderate/jpo")
    cookie = next(c for c in tablet.cookies() if c["httpOnly"])
    assert cookie["secure"], "over HTTPS behind the proxy the session cookie is Secure"
    expect(desk.locator("body")).to_have_attribute("data-connection", "online", timeout=15_000)
    card = desk.locator(f'#queue-list article.card[data-id="{post_id}"]')
    expect(card).to_have_count(1)
    card.locator('button[data-action="approve"]').click()

    shown = wall.locator(f'article.card[data-id="{post_id}"]')
    expect(shown).to_contain_text("bonjour depuis le hall")


def test_an_attendee_uploads_a_12_mb_phone_photo_through_the_proxy(stack, browser):
    live, proxy = stack
    photo = Image.frombytes("RGB", (4000, 3000), os.urandom(4000 * 3000 * 3))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=95)
    data = buffer.getvalue()
    assert len(data) >= 12_000_000

    phone = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    phone.goto(f"{proxy.url}/submit/jpo")
    expect(phone.locator("body")).to_have_attribute("data-state", "ready")
    phone.fill("#text", "La vue depuis le balcon")
    phone.set_input_files(
        "#photo", {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": data}
    )
    phone.click("#send")
    expect(phone.locator("#done-title")).to_be_visible(timeout=60_000)
    device = [c for c in phone.context.cookies() if c["httpOnly"]]
    assert device and all(c["secure"] for c in device), "over HTTPS the device cookie is Secure"
    (post,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=10))[1]
    assert post.text == "La vue depuis le balcon" and len(post.media) == 1


def test_a_wrong_password_from_one_client_does_not_slow_another(stack):
    _, proxy = stack
    refused = 0
    for _ in range(12):
        status, _ = _https(
            proxy,
            "POST",
            "/api/login",
            {"username": "alice", "password": "not her password"},
            source="127.0.0.2",
        )
        refused += status == 429
    assert refused, "the guesser at 127.0.0.2 was braked"
    status, body = _https(
        proxy, "POST", "/api/login", {"username": "alice", "password": PASSWORD}, source="127.0.0.3"
    )
    assert status == 200, body
