"""The ``murmur`` command as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from websockets.sync.client import connect

from tests.client import Client
from tests.live import _free_port

ROOT = Path(__file__).resolve().parent.parent


def murmur(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wall", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_init_writes_a_config_that_serve_accepts_and_refuses_to_overwrite_it(tmp_path):
    path = tmp_path / "murmur.toml"
    assert murmur("init", str(path)).returncode == 0
    assert "[[events]]" in path.read_text()
    again = murmur("init", str(path))
    assert again.returncode == 2 and "exists" in again.stderr


def test_serve_refuses_a_bad_config_naming_the_key_and_line(tmp_path):
    path = tmp_path / "murmur.toml"
    path.write_text('[[events]]\nslug = "jpo"\ntitle = "JPO"\nmoderaton = "pre"\n')
    result = murmur("serve", "--config", str(path), "--data", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "murmur.toml:4" in result.stderr and "moderaton" in result.stderr


def test_user_add_from_stdin_creates_a_user_who_can_log_in(tmp_path):
    data = tmp_path / "d"
    added = murmur(
        "user",
        "add",
        "alice",
        "--role",
        "organiser",
        "--password-stdin",
        "--data",
        str(data),
        stdin="a long passphrase\n",
    )
    assert added.returncode == 0, added.stderr
    short = murmur(
        "user",
        "add",
        "bob",
        "--role",
        "moderator",
        "--password-stdin",
        "--data",
        str(data),
        stdin="short\n",
    )
    assert short.returncode == 2 and "8" in short.stderr

    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "wall", "serve", "--demo", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        client = Client(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if client.get("/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        reply = client.login("alice", "a long passphrase")
        assert reply.status == 200 and reply.json()["role"] == "organiser"

        # The demo event is fed by the demo source: a moving wall with no account.
        with connect(f"ws://127.0.0.1:{port}/ws/wall/demo") as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
            message = json.loads(ws.recv(timeout=30))
            assert message["type"] == "post.approved" and message["post"]["network"] == "demo"
    finally:
        server.terminate()
        server.wait(20)
        log.close()

    exported = murmur("export", "demo", "--data", str(data))
    assert exported.returncode == 0
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert lines and all(p["event"] == "demo" for p in lines)
