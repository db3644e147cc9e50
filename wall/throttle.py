"""The brake on password guessing, built so that a stranger cannot lock the real user out.

The old brake counted failures per user name and per address and refused both after ten:
anyone could lock a moderator out by typing their name ten times, and behind a proxy (one
address for everyone) lock every moderator out at once. This one keeps guessing slow
without giving anyone that lever. The policy (docs/configuration.md, "Logins", says it for
operators), over a sliding window of 15 minutes:

- A *client* is a browser that has logged in to this account before (it carries a signed
  device cookie, ``DeviceTrust``), otherwise the address the request came from.
- **Account and client**: 5 failures cost nothing; after that each attempt must wait 2, 4,
  8... seconds (at most 5 minutes) after the last failure, even with the right password.
  A success clears this pair's count, and only this pair's.
- **Address ceiling**: an address (not a trusted device) with 30 failures, whatever the
  accounts, is refused until its oldest failure leaves the window: a spray over many names.
- **Account slowdown**: once an account has 10 failures from clients it does not trust,
  each new attempt from such a client is answered after an extra 0.5 s per failure beyond
  9, at most 5 s. A slowdown, never a refusal: the real user logs in from elsewhere.
- A trusted device's own failures count for it alone, and after 10 it is trusted no more.

Refusals never say whether the password was right, so they tell a guesser nothing.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer

from wall.ratelimit import HitLog, MemoryLog

WINDOW = 15 * 60.0
FREE_FAILURES = 5
MAX_BACKOFF = 5 * 60.0
ADDRESS_CEILING = 30
SLOW_AFTER = 10
SLOW_STEP = 0.5
MAX_SLOWDOWN = 5.0
DEVICE_LIMIT = 10


@dataclass(frozen=True)
class Client:
    """Who is trying: a trusted device (its id) or else an address."""

    address: str
    device: str | None = None

    @property
    def key(self) -> str:
        return f"device:{self.device}" if self.device else f"addr:{self.address}"


class _Failures:
    """Failure times per key in a sliding window, in one ``HitLog`` under a name."""

    def __init__(self, window: float, log: HitLog, name: str) -> None:
        self.window = window
        self.log = log
        self.name = name

    async def recent(self, key: str, now: float) -> list[float]:
        return await self.log.recent(f"{self.name}:{key}", self.window, now)

    async def add(self, key: str, now: float) -> None:
        await self.log.add(f"{self.name}:{key}", self.window, now)

    async def clear(self, key: str) -> None:
        await self.log.clear(f"{self.name}:{key}")


class LoginThrottle:
    """The policy above; times are ``log.clock()`` (monotonic in memory) unless given.

    ``log`` is where failures are counted: by default four logs in this process's memory,
    each bounded on its own; several processes share one in Redis
    (``wall.shared.limits.RedisLog``).
    """

    def __init__(self, *, window: float = WINDOW, log: HitLog | None = None) -> None:
        def log_for(name: str) -> _Failures:
            return _Failures(window, log or MemoryLog(), name)

        self._pairs = log_for("pair")
        self._addresses = log_for("address")
        self._accounts = log_for("account")
        self._devices = log_for("device")
        self.clock = (log or self._pairs.log).clock

    async def client(self, address: str, device: str | None, *, now: float | None = None) -> Client:
        """The client for this attempt: the device, unless it has failed too often."""
        now = self.clock() if now is None else now
        if device and len(await self._devices.recent(device, now)) < DEVICE_LIMIT:
            return Client(address, device)
        return Client(address)

    async def wait(self, account: str, client: Client, *, now: float | None = None) -> float:
        """Seconds before ``client`` may try ``account`` again (0: go ahead)."""
        now = self.clock() if now is None else now
        wait = 0.0
        pair = await self._pairs.recent(_pair(account, client), now)
        if len(pair) >= FREE_FAILURES:
            backoff = min(2.0 ** (len(pair) - FREE_FAILURES + 1), MAX_BACKOFF)
            wait = pair[-1] + backoff - now
        if client.device is None:
            spray = await self._addresses.recent(client.address, now)
            if len(spray) >= ADDRESS_CEILING:
                wait = max(wait, spray[len(spray) - ADDRESS_CEILING] + self._addresses.window - now)
        return max(0.0, wait)

    async def slowdown(self, account: str, client: Client, *, now: float | None = None) -> float:
        """Seconds to hold this attempt before checking it (0 for a trusted device)."""
        if client.device is not None:
            return 0.0
        now = self.clock() if now is None else now
        failures = len(await self._accounts.recent(account.casefold(), now))
        if failures < SLOW_AFTER:
            return 0.0
        return min(SLOW_STEP * (failures - SLOW_AFTER + 1), MAX_SLOWDOWN)

    async def failed(self, account: str, client: Client, *, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        await self._pairs.add(_pair(account, client), now)
        if client.device is None:
            await self._addresses.add(client.address, now)
            await self._accounts.add(account.casefold(), now)
        else:
            await self._devices.add(client.device, now)

    async def succeeded(self, account: str, client: Client) -> None:
        await self._pairs.clear(_pair(account, client))


def _pair(account: str, client: Client) -> str:
    return f"{account.casefold()}\n{client.key}"


class DeviceTrust:
    """Signed cookies that mark a browser as having logged in to an account before.

    The cookie holds a random device id and the account's name, signed with the server's
    secret: it proves nothing about the password, only that this browser got in once, so
    its owner's failures are counted apart from a stranger's.
    """

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt="murmur-login-device")

    def issue(self, account: str) -> str:
        payload = f"{secrets.token_hex(16)}:{account.casefold()}".encode()
        return self._signer.sign(base64.urlsafe_b64encode(payload).rstrip(b"=")).decode()

    def device_of(self, cookie: str | None, account: str) -> str | None:
        """The device id if ``cookie`` is ours and names ``account``, else None."""
        if not cookie or len(cookie) > 400:
            return None
        try:
            raw = self._signer.unsign(cookie)
            payload = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)).decode()
        except (BadSignature, binascii.Error, UnicodeDecodeError, ValueError):
            return None
        device, _, name = payload.partition(":")
        return device if name == account.casefold() and len(device) == 32 else None
