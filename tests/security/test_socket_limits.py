"""Oversized websocket messages: the server (uvicorn with ``ws_max_size`` 64 KiB, as
``murmur serve`` runs it) closes a client that sends more, and keeps serving the others."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.live import LiveServer

LIMIT = 64 * 1024


def test_a_message_over_64_kib_closes_the_connection_with_1009(live: LiveServer) -> None:
    with connect(f"{live.ws_url}/ws/wall/jpo", max_size=None) as bystander:
        assert json.loads(bystander.recv(timeout=10))["type"] == "snapshot"
        with connect(f"{live.ws_url}/ws/wall/jpo", max_size=None) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
            ws.send("x" * (LIMIT + 1))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # too big
        bystander.ping().wait(10)  # the others are still served


def test_a_message_under_the_limit_is_read_and_ignored(live: LiveServer) -> None:
    with connect(f"{live.ws_url}/ws/wall/jpo", max_size=None) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
        ws.send("x" * (LIMIT - 1024))
        ws.send(json.dumps({"type": "hello", "junk": "y" * 1000}))
        assert ws.ping().wait(10)


def test_murmur_serve_runs_uvicorn_with_the_same_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from wall import cli

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(options))

    assert cli.main(["serve", "--demo", "--data", str(tmp_path)]) == 0
    assert ran["ws_max_size"] == LIMIT
    assert ran["ws_per_message_deflate"] is False
