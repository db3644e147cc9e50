"""Real PostgreSQL and Redis servers for the tests, started from Debian's binaries.

Each runs in a folder of its own on 127.0.0.1 and a free port, with durability off (a test
server, thrown away). PostgreSQL refuses to run as root: when the tests run as root (as
``.ci/run`` does), it runs as the ``postgres`` user Debian's package creates.

``backend()`` is what the suite runs on: SQLite and the in-process bus unless
``MURMUR_TEST_BACKEND=postgresql+redis`` (``scripts/test.sh`` runs the shared tests a
second time so). Every store a test opens then gets a PostgreSQL database of its own, and
every bus a Redis namespace of its own, named after the test's data folder, so a restart
on the same folder finds the same database.
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

BACKEND_ENV = "MURMUR_TEST_BACKEND"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in 30 s")


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(
            f"{name} is not installed: scripts/test.sh installs Debian's postgresql"
            " and redis-server"
        )
    return found


class Redis:
    """``redis-server`` on a free port, no persistence."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="murmur-redis-"))
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        self.proc = subprocess.Popen(
            [_binary("redis-server"),
             "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port, self.proc, "redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Postgres:
    """A PostgreSQL cluster made with ``initdb`` in a folder of its own, trust on 127.0.0.1."""

    USER = "murmur"

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="murmur-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse root
            shutil.chown(self.dir, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._lock = threading.Lock()
        self._made: set[str] = set()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> Postgres:
        if not self.data.exists():
            subprocess.run(
                [*self._as, _binary("initdb"), "-D", str(self.data), "-U", self.USER,
                 "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
        self.proc = subprocess.Popen(
            [*self._as, _binary("postgres"), "-D", str(self.data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
             "-c", "max_connections=300"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port, self.proc, "postgres")
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def database(self, name: str) -> str:
        """The URL of database ``name``, made empty the first time it is asked for."""
        import psycopg

        with self._lock:
            if name not in self._made:
                with psycopg.connect(self.url(), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    conn.execute(f'CREATE DATABASE "{name}"')
                self._made.add(name)
        return self.url(name)

    def _signal(self, sig: signal.Signals) -> None:
        # The postmaster is runuser's child when the tests run as root: signal it by the
        # pid it wrote, not runuser.
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, sig)
        except (OSError, ValueError, IndexError):
            if self.proc is not None:
                self.proc.send_signal(sig)

    def kill(self) -> None:
        """Stop the server at once (``SIGKILL``): what a crash of its machine looks like."""
        if self.proc is not None:
            self._signal(signal.SIGKILL)
            self.proc.wait(10)
            # Its backends outlive a killed postmaster for a moment; they go on their own.
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


_postgres: Postgres | None = None
_redis: Redis | None = None
_start_lock = threading.Lock()


def postgres() -> Postgres:
    """The session's PostgreSQL, started on first use, stopped when the tests end."""
    global _postgres
    with _start_lock:
        if _postgres is None:
            _postgres = Postgres().start()
            atexit.register(_postgres.close)
        return _postgres


def redis() -> Redis:
    """The session's Redis, started on first use, stopped when the tests end."""
    global _redis
    with _start_lock:
        if _redis is None:
            _redis = Redis().start()
            atexit.register(_redis.close)
        return _redis


def backend() -> str:
    """``sqlite`` (the default) or ``postgresql+redis``."""
    value = os.environ.get(BACKEND_ENV, "sqlite")
    if value not in {"sqlite", "postgresql+redis"}:
        raise RuntimeError(f"{BACKEND_ENV}={value!r}: use sqlite or postgresql+redis")
    return value


def name_for(data_dir: Path) -> str:
    """A database name and Redis namespace for one test's data folder."""
    return "t" + hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]


def store_url(data_dir: Path) -> str:
    """``[store] url`` for a test's data folder on the suite's backend ("" for SQLite)."""
    if backend() == "sqlite":
        return ""
    return postgres().database(name_for(data_dir))


def bus_url() -> str:
    """``[bus] url`` on the suite's backend ("" for the in-process bus)."""
    return redis().url if backend() != "sqlite" else ""
