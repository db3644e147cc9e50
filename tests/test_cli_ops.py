"""``murmur`` as an operator runs it: version, backup, restore, config, and mistakes."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.live import _free_port
from tests.test_cli import ROOT, murmur


def _user_add(data, name="alice"):
    return murmur(
        "user",
        "add",
        name,
        "--role",
        "organiser",
        "--password-stdin",
        "--data",
        str(data),
        stdin="a long passphrase\n",
    )


def test_version_prints_the_installed_version():
    result = murmur("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("murmur ") and "unknown" not in result.stdout


def test_backup_and_restore_round_trip_through_the_command(tmp_path):
    data = tmp_path / "d"
    assert _user_add(data).returncode == 0
    archive = tmp_path / "b.tar.gz"
    taken = murmur("backup", "--data", str(data), str(archive))
    assert taken.returncode == 0, taken.stderr
    assert "wrote" in taken.stderr and archive.is_file()

    fresh = tmp_path / "fresh"
    put = murmur("restore", "--data", str(fresh), str(archive))
    assert put.returncode == 0, put.stderr
    listed = murmur("user", "list", "--data", str(fresh))
    assert listed.returncode == 0 and "alice" in listed.stdout

    again = murmur("restore", "--data", str(fresh), str(archive))
    assert again.returncode == 2 and "--force" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("export", "jpo"),
        ("backup", "{tmp}/out.tar.gz"),
        ("user", "list"),
        ("user", "remove", "alice"),
        ("config", "diff"),
        ("config", "reset", "jpo"),
    ],
)
def test_a_mistyped_data_folder_is_named_and_nothing_is_created(tmp_path, args):
    missing = tmp_path / "murmur-dta"
    argv = [a.format(tmp=tmp_path) for a in args]
    result = murmur(*argv, "--data", str(missing))
    assert result.returncode != 0
    assert "--data" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists()


def test_a_file_given_as_data_folder_is_refused_in_one_sentence(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("hello")
    for argv in (("user", "list"), ("serve", "--demo", "--port", str(_free_port()))):
        result = murmur(*argv, "--data", str(file))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "is a file, not a data folder" in result.stderr


def test_export_of_an_unknown_event_says_so(tmp_path):
    data = tmp_path / "d"
    assert _user_add(data).returncode == 0
    result = murmur("export", "nope", "--data", str(data))
    assert result.returncode == 2 and "'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_busy_port_says_so_in_one_sentence(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = murmur("serve", "--demo", "--port", str(port), "--data", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "already in use" in result.stderr and "Traceback" not in result.stderr


def test_serve_into_an_unwritable_folder_says_so(tmp_path):
    if sys.platform != "linux":
        pytest.fail("this test uses a read-only bind of /proc")
    # /proc is not writable by anyone, root included.
    result = murmur("serve", "--demo", "--port", str(_free_port()), "--data", "/proc/murmur")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "/proc/murmur" in result.stderr


def test_config_check_lists_events_and_sources(tmp_path):
    path = tmp_path / "murmur.toml"
    assert murmur("init", str(path)).returncode == 0
    result = murmur("config", "check", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "event" in result.stdout


def _serve(tmp_path, config, data, *extra):
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wall",
            "serve",
            "--config",
            str(config),
            "--data",
            str(data),
            "--port",
            str(port),
            *extra,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, log, port
        time.sleep(0.1)
    process.kill()
    raise AssertionError((tmp_path / "serve.log").read_text())


def test_live_changes_are_logged_at_start_shown_by_diff_and_dropped_by_reset(tmp_path):
    config = tmp_path / "murmur.toml"
    config.write_text('[[events]]\nslug = "jpo"\ntitle = "JPO"\nhashtags = ["JPO2026"]\n')
    data = tmp_path / "d"
    process, log, _ = _serve(tmp_path, config, data)
    process.terminate()
    process.wait(20)
    log.close()
    # An organiser's live change, as the settings API stores it.
    with sqlite3.connect(data / "murmur.sqlite3") as db:
        db.execute(
            "INSERT INTO event_overrides (event, data, updated_by, updated_at)"
            " VALUES ('jpo', ?, 'olga', '2026-12-05T10:00:00+00:00')",
            (json.dumps({"hashtags": ["Live2026"]}),),
        )

    diff = murmur("config", "diff", "--config", str(config), "--data", str(data))
    assert diff.returncode == 0
    assert "jpo.hashtags" in diff.stdout and "Live2026" in diff.stdout
    assert "JPO2026" in diff.stdout

    process, log, _ = _serve(tmp_path, config, data, "--log-format", "json")
    time.sleep(0.5)
    process.terminate()
    process.wait(20)
    log.close()
    lines = [
        json.loads(line)
        for line in (tmp_path / "serve.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert any("override the file's hashtags" in entry["message"] for entry in lines)

    reset = murmur("config", "reset", "jpo", "--config", str(config), "--data", str(data))
    assert reset.returncode == 0 and "dropped" in reset.stderr
    after = murmur("config", "diff", "--config", str(config), "--data", str(data))
    assert "no live changes" in after.stdout


def test_json_logs_never_carry_the_session_cookie_or_a_password(tmp_path):
    config = tmp_path / "murmur.toml"
    config.write_text('[[events]]\nslug = "jpo"\ntitle = "JPO"\n')
    data = tmp_path / "d"
    assert _user_add(data).returncode == 0
    process, log, port = _serve(tmp_path, config, data, "--log-format", "json")
    try:
        from tests.client import Client

        client = Client(f"http://127.0.0.1:{port}")
        assert client.login("alice", "a long passphrase").status == 200
        client.login("alice", "wrong wrong wrong")
        client.get("/api/events/jpo")
    finally:
        process.terminate()
        process.wait(20)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    cookies = [c.value for c in client.jar]
    assert cookies, "the login set a session cookie"
    assert "a long passphrase" not in text and "wrong wrong wrong" not in text
    for value in cookies:
        assert value not in text
    for line in text.splitlines():
        if line.startswith("{"):
            json.loads(line)


def test_serve_keeps_an_idle_connection_open_longer_than_the_shipped_proxies_reuse_it(tmp_path):
    # nginx and Caddy reuse their connections to Murmur for up to 60 s idle (deploy/). With
    # uvicorn's default (5 s), Murmur closed them first, and a decision the proxy sent on
    # one at that moment came back as a 502. Past those 5 s, one connection still serves.
    config = tmp_path / "murmur.toml"
    config.write_text('[[events]]\nslug = "jpo"\ntitle = "JPO"\nhashtags = ["JPO2026"]\n')
    process, log, port = _serve(tmp_path, config, tmp_path / "d")
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def answer(conn: socket.socket) -> bytes:
        """One whole response (b"" if the server closed the connection)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))  # type: ignore[union-attr]
        while len(body) < length:
            body += conn.recv(65536)
        return head

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(request)
            assert answer(conn).startswith(b"HTTP/1.1 200")
            time.sleep(6.5)
            conn.sendall(request)
            assert answer(conn).startswith(b"HTTP/1.1 200")  # b"" once closed
    finally:
        process.terminate()
        process.wait(20)
        log.close()
