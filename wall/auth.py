"""Who may moderate: roles, password hashing, and a bounded place to check passwords.

Passwords are hashed with Argon2id (argon2-cffi's defaults follow RFC 9106's recommended
parameters). One check costs about 0.1 s of CPU, so logins run them on a small pool of
their own (``PasswordChecks``), never on the event loop or the pictures' pool, with a
bounded queue: a flood of logins is answered "busy" at once instead of making everyone,
the real moderator included, wait behind it. The brake on guessing is ``wall.throttle``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# A hash of a random password, verified when the user does not exist, so that a wrong user
# name costs as much time as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("murmur-no-such-user-placeholder")


class Role(StrEnum):
    MODERATOR = "moderator"
    ORGANISER = "organiser"


MAX_USERNAME = 100


def check_username(name: str) -> None:
    """``ValueError`` unless ``name`` is a user name: 1 to 100 printable characters."""
    if not 1 <= len(name) <= MAX_USERNAME or not name.isprintable():
        raise ValueError(f"a user name has 1 to {MAX_USERNAME} printable characters")


def hash_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always spends one Argon2 verification."""
    try:
        ok = _hasher.verify(password_hash or _DUMMY_HASH, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


class Busy(Exception):
    """Too many password checks at once; try again in ``retry_after`` seconds.

    ``everyone``: the whole queue is full (503), rather than this client's share (429).
    """

    def __init__(self, *, everyone: bool, retry_after: int = 1) -> None:
        super().__init__("too many logins at once")
        self.everyone = everyone
        self.retry_after = retry_after


class PasswordChecks:
    """Argon2 verifications on ``workers`` threads, at most ``queue`` more waiting.

    Each client (an address, or a device this server trusts) may have ``per_client``
    logins in progress; one more is ``Busy`` at once. So one address flooding the login
    takes at most ``per_client`` places, and a moderator elsewhere still gets a turn.
    """

    def __init__(self, *, workers: int = 2, queue: int = 8, per_client: int = 2) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self.per_client = per_client
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="murmur-argon2")
        self._queued = 0
        self._clients: dict[str, int] = {}
        self._lock = threading.Lock()
        self._running = 0
        # The most checks ever seen running at once (operations, and the flood test).
        self.peak_running = 0

    @contextmanager
    def turn(self, client: str) -> Iterator[None]:
        """Hold one of ``client``'s places for the whole login; ``Busy`` if it has none."""
        held = self._clients.get(client, 0)
        if held >= self.per_client:
            raise Busy(everyone=False)
        self._clients[client] = held + 1
        try:
            yield
        finally:
            left = self._clients[client] - 1
            if left:
                self._clients[client] = left
            else:
                del self._clients[client]

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """``verify_password`` on the pool; ``Busy`` at once when the queue is full."""
        if self._queued >= self.capacity:
            raise Busy(everyone=True)
        self._queued += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, self._check, password_hash, password)
        finally:
            self._queued -= 1

    async def hash(self, password: str) -> str:
        """``hash_password`` on the pool (an invitation's new account), ``Busy`` when full."""
        if self._queued >= self.capacity:
            raise Busy(everyone=True)
        self._queued += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, hash_password, password)
        finally:
            self._queued -= 1

    def _check(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self._running += 1
            self.peak_running = max(self.peak_running, self._running)
        try:
            return verify_password(password_hash, password)
        finally:
            with self._lock:
                self._running -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
