"""Who may moderate: password hashing and the brake on guessing.

Passwords are hashed with Argon2id (argon2-cffi's defaults follow RFC 9106's recommended
parameters). Hashing is CPU work, so callers run it off the event loop.
"""

from __future__ import annotations

import time
from collections import deque
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


class LoginThrottle:
    """Counts failed logins per key (address, user name) in a sliding window.

    After ``slow_after`` failures a key must wait ``delay`` seconds between attempts; after
    ``block_after`` it is refused until the window has passed.
    """

    def __init__(
        self,
        *,
        window: float = 600.0,
        slow_after: int = 5,
        block_after: int = 10,
        delay: float = 2.0,
    ) -> None:
        self.window = window
        self.slow_after = slow_after
        self.block_after = block_after
        self.delay = delay
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, *keys: str, now: float | None = None) -> float:
        """Seconds the caller must wait before trying again (0: go ahead)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.block_after:
                wait = max(wait, times[0] + self.window - now)
            elif len(times) >= self.slow_after:
                wait = max(wait, times[-1] + self.delay - now)
        return max(0.0, wait)

    def failed(self, *keys: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 100_000:  # bounded memory under a spray of user names
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
