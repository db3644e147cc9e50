"""Debian's Chromium under Playwright, for the attendees' page and the security suite.

``launch()`` starts one browser (a module-scoped fixture shares it); ``Tabs`` opens pages
against a live server and records what must never happen: a script error, a
Content-Security-Policy violation, or a request to any host but the server.
Waits go through locators and ``expect``: the pages' CSP forbids the eval that
``wait_for_function`` needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api
import pytest

from tests.live import LiveServer

# A page's expectation waits up to 10 s (Playwright's default is 5 s), as its actions do:
# the suite runs two workers on two cores beside Chromium, and a loaded machine may take
# longer than 5 s to show what a person would see at once. A failure still fails, later.
# Every browser test imports this module (tests/browser/conftest.py does for its folder).
playwright_api.expect.set_options(timeout=10_000)

CHROMIUM = os.environ.get("MURMUR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1920, "height": 1080}


@contextmanager
def launch() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's chromium "
            "(scripts/test.sh does) or set MURMUR_CHROMIUM"
        )
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Tabs:
    """Pages on one live server; ``problems`` lists what went wrong in any of them."""

    def __init__(self, browser: Any, live: LiveServer) -> None:
        self.browser = browser
        self.live = live
        self.contexts: list[Any] = []
        self.problems: list[str] = []

    def open(
        self,
        path: str,
        *,
        viewport: dict[str, int] = PHONE,
        locale: str = "en-US",
        **options: Any,
    ) -> Any:
        context = self.browser.new_context(viewport=viewport, locale=locale, **options)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("request", self._request)
        page.goto(self.live.url + path)
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    def _request(self, request: Any) -> None:
        url = request.url
        local = (self.live.url, self.live.ws_url, "data:", "blob:" + self.live.url)
        if not url.startswith(local):
            self.problems.append(f"request to another host: {url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()
