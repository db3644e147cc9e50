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


def user(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return murmur("user", *args, "--data", str(data), stdin=stdin)


def test_user_list_passwd_role_and_remove_manage_users_and_say_what_they_did(tmp_path):
    data = tmp_path / "d"
    assert (
        user(
            data,
            "add",
            "alice",
            "--role",
            "moderator",
            "--password-stdin",
            stdin="a long passphrase\n",
        ).returncode
        == 0
    )
    assert (
        user(
            data,
            "add",
            "bob",
            "--role",
            "organiser",
            "--password-stdin",
            stdin="another passphrase\n",
        ).returncode
        == 0
    )
    assert user(data, "list").stdout.splitlines() == [
        "alice  moderator  no open session",
        "bob  organiser  no open session",
    ]

    passwd = user(data, "passwd", "alice", "--password-stdin", stdin="a newer passphrase\n")
    role = user(data, "role", "alice", "organiser")
    removed = user(data, "remove", "bob")

    assert passwd.returncode == role.returncode == removed.returncode == 0
    assert "password of alice changed" in passwd.stdout
    assert "alice is now organiser" in role.stdout and "bob removed" in removed.stdout
    assert user(data, "list").stdout.splitlines() == ["alice  organiser  no open session"]


def test_user_commands_name_an_unknown_user_in_one_sentence(tmp_path):
    data = tmp_path / "d"
    user(
        data, "add", "alice", "--role", "moderator", "--password-stdin", stdin="a long passphrase\n"
    )
    for args in (
        ("remove", "bob"),
        ("role", "bob", "organiser"),
        ("passwd", "bob", "--password-stdin"),
    ):
        result = user(data, *args, stdin="a long passphrase\n")
        assert result.returncode == 1
        assert result.stderr == (
            f"murmur: there is no user “bob” in {data}; murmur user list shows who exists\n"
        )


def test_user_commands_on_a_folder_without_a_database_say_to_check_data(tmp_path):
    result = user(tmp_path / "nothing", "list")
    assert result.returncode == 2 and "check --data" in result.stderr
    assert not (tmp_path / "nothing" / "murmur.sqlite3").exists()


def _without_terminal(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    """``murmur`` with standard input closed (``<&-``) or empty, and no terminal to ask on."""
    redirect = "<&-" if stdin == "closed" else "</dev/null"
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "wall", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
    )


def test_a_closed_or_empty_stdin_at_the_password_prompt_is_one_clear_sentence(tmp_path):
    data = str(tmp_path / "d")
    user(
        tmp_path / "d",
        "add",
        "alice",
        "--role",
        "moderator",
        "--password-stdin",
        stdin="a long passphrase\n",
    )
    for stdin in ("closed", "empty"):
        for args in (
            ("user", "passwd", "alice", "--data", data),
            ("user", "passwd", "alice", "--password-stdin", "--data", data),
            ("user", "add", "carol", "--role", "moderator", "--data", data),
        ):
            result = _without_terminal(*args, stdin=stdin)
            assert result.returncode == 2, (args, stdin, result.stderr)
            assert "Traceback" not in result.stderr
            last = result.stderr.strip().splitlines()[-1]
            assert last.startswith("murmur: ") and ("standard input" in last), last
    assert user(tmp_path / "d", "list").stdout.splitlines() == ["alice  moderator  no open session"]
