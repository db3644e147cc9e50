"""Processes' shared state on the suite's real Redis, for the tests of wall.shared.

Each test gets a namespace of its own (named after its data folder); each "process" is a
``Shared`` with a connection of its own, as two Murmur processes would have.
"""

from __future__ import annotations

from pathlib import Path

from tests import servers
from wall.settings import BusSettings
from wall.shared.connection import Shared


def process(tmp_path: Path, *, url: str | None = None) -> Shared:
    """One process's view of the test's namespace, on its own connection."""
    url = url or servers.redis().url
    return Shared.from_settings(BusSettings(url=url, namespace=servers.name_for(tmp_path)))
