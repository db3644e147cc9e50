"""Two Murmur processes behind the shipped nginx and Caddy configs, as docs/scaling.md
deploys them.

The proxy runs ``deploy/nginx.conf`` or ``deploy/Caddyfile`` with both processes listed as
its upstreams (only the ports and certificates changed, tests/proxies.py); the processes
share PostgreSQL and Redis (tests/test_cluster.py's ``Cluster``). A wall and a moderator's
desk, in Chromium, reach Murmur only through the proxy, over TLS. Each process is killed
with SIGKILL in turn, mid-event: the wall and the desk reconnect through the proxy to the
other one, the wall resumes with ``?since=``, and every post approved meanwhile is on it
exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.chromium import ARGS, CHROMIUM, SCREEN
from tests.live import _free_port
from tests.proxies import Caddy, Nginx, Proxy
from tests.test_cluster import PASSWORD, Cluster, login, submit

expect = playwright_api.expect
pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(params=["nginx", "caddy"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Cluster, Proxy]]:
    ports = [_free_port(), _free_port()]
    (tmp_path / "proxy").mkdir()
    kind = Nginx if request.param == "nginx" else Caddy
    proxy: Proxy = kind(tmp_path / "proxy", ports)
    cluster = Cluster(
        tmp_path,
        2,
        server=f'public_url = "{proxy.url}"\ntrusted_proxies = ["127.0.0.1/32", "::1"]\n',
        ports=ports,
    )
    cluster.murmur(
        "user", "add", "alice", "--role", "moderator", "--password-stdin", stdin=PASSWORD
    )
    try:
        cluster.start(0)
        cluster.start(1)
        proxy.start()
        yield cluster, proxy
    finally:
        proxy.stop()
        cluster.stop()


@pytest.fixture
def browser(stack: tuple[Cluster, Proxy]) -> Iterator[Any]:
    _, proxy = stack
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *proxy.chromium_args()])
        yield browser
        browser.close()


def test_a_wall_and_a_desk_behind_nginx_live_through_each_process_s_death(stack, browser):
    cluster, proxy = stack
    wall = browser.new_context(viewport=SCREEN).new_page()
    wall.set_default_timeout(20_000)
    sockets: list[str] = []
    wall.on("websocket", lambda ws: sockets.append(ws.url))
    wall.goto(f"{proxy.url}/wall/jpo?screen=hall")
    expect(wall.locator("body")).to_have_attribute("data-connection", "online", timeout=20_000)

    desk = browser.new_context(viewport=TABLET, has_touch=True).new_page()
    desk.set_default_timeout(20_000)
    desk.goto(f"{proxy.url}/login?next=/moderate/jpo")
    desk.fill("#username", "alice")
    desk.fill("#password", PASSWORD)
    desk.click("#submit")
    desk.wait_for_url(f"{proxy.url}/moderate/jpo")
    expect(desk.locator("body")).to_have_attribute("data-connection", "online", timeout=20_000)

    approved: list[int] = []
    told_again: list[str] = []

    def post_and_approve(text: str, via: int) -> None:
        """An attendee's post reaches process ``via``; the moderator approves it on the
        desk (through the proxy); the wall (through the proxy) shows it."""
        post_id = submit(login(cluster.url(via)), text)
        card = desk.locator(f'#queue-list article.card[data-id="{post_id}"]')
        expect(card).to_have_count(1, timeout=20_000)
        card.locator('button[data-action="approve"]').click()
        on_screen = desk.locator(f'#onscreen-list article.card[data-id="{post_id}"]')
        try_again = desk.locator("#toast", has_text="Try again")
        expect(on_screen.or_(try_again).first).to_be_visible(timeout=20_000)
        if not on_screen.count():
            # Caddy, just after a kill, may lose a decision on a connection it kept to the
            # killed process (502). The desk says so, and the moderator taps again.
            told_again.append(text)
            card.locator('button[data-action="approve"]').click()
        expect(on_screen).to_have_count(1, timeout=20_000)
        shown = wall.locator(f'article.card[data-id="{post_id}"]')
        expect(shown).to_contain_text(text, timeout=20_000)
        approved.append(post_id)

    post_and_approve("Bienvenue au hall A", 0)

    cluster.kill(0)  # wherever the wall's socket was, it is on process 1 after this
    post_and_approve("Pendant que A est tombé", 1)

    cluster.start(0)  # and at once (the shipped files set no process aside after a failure)
    cluster.kill(1)  # the wall's socket is on process 1: it must move to process 0
    post_and_approve("Pendant que B est tombé", 0)

    expect(wall.locator("body")).to_have_attribute("data-connection", "online")
    ARTIFACTS.mkdir(exist_ok=True)
    name = type(proxy).__name__.lower()
    wall.screenshot(path=str(ARTIFACTS / f"cluster-{name}-wall-after-two-kills.png"))
    desk.screenshot(path=str(ARTIFACTS / f"cluster-{name}-desk-after-two-kills.png"))
    for post_id in approved:  # each exactly once, none lost across two reconnections
        expect(wall.locator(f'article.card[data-id="{post_id}"]')).to_have_count(1)
    resumed = [url for url in sockets if "since=" in url]
    assert len(sockets) >= 2 and resumed, sockets  # it did reconnect, with ?since=
    assert all(url.startswith(f"wss://{proxy.url.removeprefix('https://')}") for url in sockets)
    # A second tap only ever for a decision right after a kill, behind Caddy.
    assert not told_again or (isinstance(proxy, Caddy) and "Bienvenue" not in told_again[0])
