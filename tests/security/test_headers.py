"""Headers every response carries: browser features denied, HTTPS pinned when used.

``Permissions-Policy`` goes on every response, whatever the page or status; Chromium
itself reads it (the camera, microphone and location are refused, the wall keeps its
wake lock, and no feature name is unknown to it). ``Strict-Transport-Security`` goes on
responses to HTTPS requests only: a real server speaks TLS here, with a certificate from
a certificate authority made for the test (trustme).
"""

from __future__ import annotations

import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import trustme
import uvicorn

from tests.chromium import ARGS, CHROMIUM, launch
from tests.live import LiveServer, _free_port, test_event
from wall.settings import Settings
from wall.web.app import create_app

# A page of each kind, a script, the API, health, a 404 and a refused request.
PATHS = [
    ("GET", "/wall/jpo"),
    ("GET", "/submit/jpo"),
    ("GET", "/login"),
    ("GET", "/static/wall.js"),
    ("GET", "/api/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/no/such/page"),
    ("POST", "/api/login"),
]
DENIED = ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]


def fetch(url: str, method: str, context: ssl.SSLContext | None = None) -> tuple[int, Message]:
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as reply:
            return reply.status, reply.headers
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers


@pytest.mark.parametrize(("method", "path"), PATHS, ids=[p for _, p in PATHS])
def test_every_response_over_http_denies_powerful_features_and_pins_nothing(
    live: LiveServer, method: str, path: str
) -> None:
    status, headers = fetch(live.url + path, method)

    assert status < 500
    policy = headers["Permissions-Policy"]
    assert policy is not None and all(denied in policy for denied in DENIED)
    assert "screen-wake-lock=(self)" in policy
    assert headers["Strict-Transport-Security"] is None


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """Murmur under uvicorn with TLS, as behind no proxy at all: ``(base URL, client TLS)``."""
    folder: Path = tmp_path_factory.mktemp("https")
    authority = trustme.CA()
    pem = folder / "server.pem"
    authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    app = create_app(Settings(events=[test_event()], data_dir=folder / "data"))
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(pem),
        ssl_keyfile=str(pem),
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    assert server.started, "the HTTPS server did not start"
    client = ssl.create_default_context()
    authority.configure_trust(client)
    try:
        yield f"https://127.0.0.1:{port}", client
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.mark.parametrize(("method", "path"), PATHS, ids=[p for _, p in PATHS])
def test_every_response_over_https_pins_https_and_denies_powerful_features(
    https_server: tuple[str, Any], method: str, path: str
) -> None:
    base, client = https_server

    status, headers = fetch(base + path, method, client)

    assert status < 500
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    policy = headers["Permissions-Policy"]
    assert policy is not None and all(denied in policy for denied in DENIED)


# -- as Chromium reads it ----------------------------------------------------------------

ASK = """() => ["camera", "microphone", "geolocation", "usb", "screen-wake-lock", "fullscreen"]
    .map(name => document.featurePolicy.allowsFeature(name))"""


@pytest.mark.parametrize("path", ["/wall/jpo", "/submit/jpo"])
def test_chromium_refuses_the_camera_microphone_and_location_and_knows_every_name(
    live: LiveServer, path: str
) -> None:
    assert Path(CHROMIUM).exists() and "--no-sandbox" in ARGS
    with launch() as browser:
        context = browser.new_context()
        page = context.new_page()
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        page.goto(live.url + path)

        allowed = page.evaluate(ASK)
        context.close()

    assert allowed == [False, False, False, False, True, True]
    assert [text for text in said if "ermissions" in text and "olicy" in text] == []
