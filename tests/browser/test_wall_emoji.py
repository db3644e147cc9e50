"""Emoji in colour on a screen that has no emoji font of its own.

Chromium runs here with a fontconfig that refuses every system emoji font (whatever the
machine has installed), so the only colour emoji it can draw are those of the font Murmur
ships ("Murmur Emoji", wall/static/fonts/emoji/). Colour is measured, not looked at: the
pixels of the element whose red, green and blue differ by more than COLOURFUL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest
from PIL import Image, ImageChops

from tests.chromium import ARGS, CHROMIUM, Tabs
from tests.factories import make_post
from tests.live import LiveServer, test_event

expect = playwright_api.expect

pytestmark = pytest.mark.browser

SCREEN = {"width": 1920, "height": 1080}
EMOJI = "🎉🧪🌈❤️"
PLAIN = "Bonjour 2026 #JPO © ♥ → 10 h"  # digits, "#", "©", "♥": Inter draws them all
# A pixel is coloured when its channels differ by more than this (grey text and the dark
# theme's cards differ by less than 20).
COLOURFUL = 60
PART = re.compile(r"/static/fonts/emoji/NotoColorEmoji-\d+\.woff2$")
# No system emoji font, whatever is installed: the fonts Chromium may use are the
# machine's text fonts only.
FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont>
    <rejectfont>
      <glob>*[Ee]moji*</glob>
      <pattern><patelt name="color"><bool>true</bool></patelt></pattern>
    </rejectfont>
  </selectfont>
</fontconfig>
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium or set MURMUR_CHROMIUM")
    config = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    config.write_text(FONTCONFIG)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=ARGS, env={"FONTCONFIG_FILE": str(config)}
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    events = [test_event("emoji", moderation="post"), test_event("plain", moderation="post")]
    live = LiveServer(tmp_path_factory.mktemp("emoji") / "data", events=events).start()
    live.ingest("emoji", make_post(EMOJI, name="Chloé", hashtags=()))
    live.ingest("plain", make_post(PLAIN, name="Léo", hashtags=()))
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def tabs(browser: Any, server: LiveServer) -> Iterator[Tabs]:
    opened = Tabs(browser, server)
    yield opened
    opened.close()
    assert opened.problems == []


def coloured_pixels(png: bytes) -> int:
    r, g, b = Image.open(io.BytesIO(png)).convert("RGB").split()
    spread = ImageChops.subtract(
        ImageChops.lighter(ImageChops.lighter(r, g), b),
        ImageChops.darker(ImageChops.darker(r, g), b),
    )
    return sum(spread.histogram()[COLOURFUL + 1 :])


def fetched(page: Any) -> list[str]:
    """Every resource the page has fetched, as the page's own Resource Timing lists them."""
    urls: list[str] = page.evaluate(
        "performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    return urls


def open_wall(tabs: Tabs, path: str, **kw: Any) -> Any:
    page = tabs.open(path, viewport=SCREEN, **kw)
    expect(page.locator("body")).to_have_attribute("data-connection", "online")
    return page


@pytest.mark.parametrize("layout", ["grid", "single", "ticker", "stage"])
def test_an_emoji_is_drawn_in_colour_by_the_font_murmur_ships(server, tabs, layout):
    # Reduced motion: the ticker's item stands still for its screenshot.
    page = open_wall(tabs, f"/wall/emoji?layout={layout}", reduced_motion="reduce")
    text = page.locator("#posts .card-text", has_text="🎉").first
    expect(text).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-theme", "dark")
    page.evaluate("document.fonts.ready.then(() => true)")
    colour = coloured_pixels(text.screenshot())
    # The same text in the screen's own fonts only: no colour at all (no emoji font here).
    text.evaluate("e => { e.style.fontFamily = 'DejaVu Sans, sans-serif'; }")
    without = coloured_pixels(text.screenshot())
    print(f"{layout}: {colour} coloured pixels with Murmur's emoji font, {without} without")
    assert without < 20
    assert colour >= 1_000
    emoji_parts = [url for url in fetched(page) if PART.search(url)]
    assert emoji_parts and all(url.startswith(server.url) for url in emoji_parts)


def test_a_wall_without_emoji_downloads_no_part_of_the_emoji_font(server, tabs):
    page = open_wall(tabs, "/wall/plain")
    expect(page.locator("#posts .card-text").first).to_have_text(PLAIN)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(500)
    fonts = [url for url in fetched(page) if url.endswith(".woff2")]
    assert fonts  # Inter did load
    assert [url for url in fonts if PART.search(url)] == []
