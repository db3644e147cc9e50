from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.live import LiveServer


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A Murmur server with one event, ``jpo`` (pre-moderation), on a real port."""
    from tests.live import LiveServer

    server = LiveServer(tmp_path / "data").start()
    try:
        yield server
    finally:
        server.stop()
