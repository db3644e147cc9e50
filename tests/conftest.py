from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.live import LiveServer
    from wall.shared.connection import Shared


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A Murmur server with one event, ``jpo`` (pre-moderation), on a real port."""
    from tests.live import LiveServer

    server = LiveServer(tmp_path / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def opened() -> AsyncIterator[list[Shared]]:
    """The connections to Redis a test opens (it appends them), closed after it
    (tests/shared_redis.py makes them)."""
    shared: list[Shared] = []
    yield shared
    for one in shared:
        await one.close()
