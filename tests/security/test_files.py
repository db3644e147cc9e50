"""What Murmur keeps on disk is for Murmur's user only, and its session secret is strong.

The data folder holds password hashes, sessions, posts nobody approved (pending and
rejected) and the secret that signs cookies: the folder is 0700 and every file in it 0600,
whatever the umask, and a folder left open by an older Murmur is closed at start. A
secret that is empty, short or a placeholder stops ``murmur serve`` with what to do.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import make_post
from tests.live import LiveServer
from tests.uploads import RED, encode
from wall.config import ConfigError
from wall.secret import session_secret
from wall.settings import ServerSettings, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems run services with (0022: files readable by everyone)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(data: Path) -> dict[str, int]:
    """Every folder and file under ``data`` (``data`` itself as ``.``) and its mode."""
    found = {".": mode(data)}
    for path in data.rglob("*"):
        found[str(path.relative_to(data))] = mode(path)
    return found


def picture() -> bytes:
    from PIL import Image

    return encode(Image.new("RGB", (2000, 1500), RED), "PNG")


def fill(live: LiveServer) -> None:
    """Give the data folder what a running event has: posts, a user, a stored picture."""
    live.ingest("jpo", make_post("Bonjour"))
    live.add_user("alice", "a long passphrase", "moderator")
    live.call(lambda: live.hub.media.put_image(picture()))


def test_the_data_folder_and_every_file_in_it_are_private_to_murmurs_user(
    tmp_path: Path, usual_umask: None
) -> None:
    data = tmp_path / "data"
    live = LiveServer(data).start()
    try:
        fill(live)
        found = modes(data)
    finally:
        live.stop()

    expected = {"murmur.sqlite3", "murmur.sqlite3-wal", "murmur.sqlite3-shm", "secret.key"}
    assert expected <= set(found)
    assert any(name.startswith("media/") and name.endswith(".webp") for name in found)
    folders = {name: m for name, m in found.items() if (data / name).is_dir()}
    files = {name: m for name, m in found.items() if name not in folders}
    assert folders == dict.fromkeys(folders, 0o700)
    assert files == dict.fromkeys(files, 0o600)


def test_a_data_folder_left_open_is_made_private_at_start_and_the_log_says_so(
    tmp_path: Path, usual_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    live = LiveServer(data).start()
    try:
        fill(live)
    finally:
        live.stop()
    # As an older Murmur, or a copy made by hand, left it: everything readable by all.
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    caplog.set_level(logging.WARNING, logger="wall.datadir")
    live.start()
    try:
        found = modes(data)
    finally:
        live.stop()

    assert set(found.values()) == {0o700, 0o600}
    assert mode(data) == 0o700 and mode(data / "murmur.sqlite3") == 0o600
    warnings = [r.getMessage() for r in caplog.records if r.name == "wall.datadir"]
    assert len(warnings) == 1
    assert "open to other users of this machine: made 2 folder(s)" in warnings[0]


# -- the session secret ------------------------------------------------------------------


def murmur_serve(data: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "wall", "serve", "--demo", "--data", str(data), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "content",
    ["", "\n", "short", "x" * 31, "x" * 64, "changeme" * 6],
    ids=["empty", "a newline", "short", "31 characters", "one character", "a placeholder"],
)
def test_a_weak_secret_key_file_is_refused_with_what_to_do(tmp_path: Path, content: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_text(content)

    with pytest.raises(ConfigError) as refused:
        session_secret(Settings(data_dir=data))

    message = str(refused.value)
    assert message.startswith(f"{data / 'secret.key'} holds ")
    assert "delete it and Murmur writes a new one at the next start" in message
    assert "\n" not in message and (data / "secret.key").read_text() == content  # left as is


def test_murmur_serve_refuses_an_empty_secret_key_in_one_sentence_without_a_traceback(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "secret.key").write_text("")
    (data / "secret.key").chmod(0o600)

    code, err = murmur_serve(data)

    assert code == 2
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        f"murmur: {data / 'secret.key'} holds 0 characters, too short for a secret: delete it "
        "and Murmur writes a new one at the next start (everyone logs in again), or put a "
        "random secret of at least 32 characters in it"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("short", "holds 5 characters, too short for a secret"),
        ("a" * 40, "holds only 1 different characters, a placeholder"),
    ],
    ids=["unset", "empty", "short", "a placeholder"],
)
def test_a_missing_or_weak_secret_from_the_environment_is_refused_with_what_to_do(
    tmp_path: Path, value: str | None, problem: str
) -> None:
    config = tmp_path / "murmur.toml"
    config.write_text('[server]\nsecret_key_env = "MURMUR_TEST_SECRET_KEY"\n')
    env = {} if value is None else {"MURMUR_TEST_SECRET_KEY": value}
    os.environ.pop("MURMUR_TEST_SECRET_KEY", None)

    code, err = murmur_serve(tmp_path / "data", "--config", str(config), env=env)

    assert code == 2 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(
        f"murmur: server.secret_key_env: environment variable MURMUR_TEST_SECRET_KEY {problem}"
    )
    assert "secrets.token_urlsafe(48)" in line


def test_a_new_secret_is_long_random_private_and_kept_across_restarts(
    tmp_path: Path, usual_umask: None
) -> None:
    settings = Settings(server=ServerSettings(), data_dir=tmp_path / "data")
    first = session_secret(settings)
    path = tmp_path / "data" / "secret.key"
    assert len(first) >= 64 and len(set(first)) > 20
    assert mode(path) == 0o600 and mode(tmp_path / "data") == 0o700
    assert session_secret(settings) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no temporary left


def test_a_secret_key_written_by_hand_with_a_final_newline_is_accepted(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    secret = "k7Hq2vXw9pLm4tRz8cYb1nJf6sDg3aEe"
    (data / "secret.key").write_text(secret + "\n")
    assert session_secret(Settings(data_dir=data)) == secret


def test_making_an_open_database_private_keeps_the_locks_sqlite_holds_on_it(tmp_path):
    """Closing any descriptor of a file drops the process's POSIX locks on it: checking an
    open database's mode must not open it (it gave readers "disk I/O error")."""
    import sqlite3
    import subprocess
    import sys

    from wall.datadir import private_file

    path = tmp_path / "murmur.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # a write lock, held through fcntl
    private_file(path)
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0,"
            " isolation_level=None)\ntry:\n c.execute('BEGIN IMMEDIATE'); print('got it')\n"
            "except sqlite3.OperationalError as e: print(e)",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    holder.execute("ROLLBACK")
    assert other.stdout.strip() == "database is locked", other.stdout + other.stderr
