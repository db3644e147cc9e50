"""Fixtures the wall's browser tests share (test_wall_*.py): one live server with two
events, one Chromium, an organiser and a moderator. A module that defines a fixture of
the same name (test_desk.py's ``browser``, say) uses its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.wall_helpers import PASSWORD
from tests.chromium import Tabs, launch
from tests.client import Client
from tests.live import LiveServer, test_event


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as browser:
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("wall") / "data", events=[test_event("jpo"), test_event("two")]
    ).start()
    live.add_user("olga", PASSWORD, "organiser")
    live.add_user("bob", PASSWORD, "moderator")
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


@pytest.fixture(scope="module")
def olga(server: LiveServer) -> Client:
    client = Client(server.url)
    assert client.login("olga", PASSWORD).status == 200
    return client


@pytest.fixture(scope="module")
def bob(server: LiveServer) -> Client:
    client = Client(server.url)
    assert client.login("bob", PASSWORD).status == 200
    return client
