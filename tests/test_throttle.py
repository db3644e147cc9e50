"""The brake on guessing, as arithmetic: the policy docs/configuration.md states, number by
number, counted in memory and in Redis (several processes count together). The real app
with real addresses: tests/security/test_login_guessing.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.shared_redis import process
from wall.auth import Busy, PasswordChecks, hash_password
from wall.shared.limits import RedisLog
from wall.throttle import (
    ADDRESS_CEILING,
    MAX_BACKOFF,
    MAX_SLOWDOWN,
    WINDOW,
    Client,
    DeviceTrust,
    LoginThrottle,
)

A = Client("192.0.2.1")
B = Client("198.51.100.7")


@pytest.fixture(params=["memory", "redis"])
async def throttle(request, tmp_path: Path) -> AsyncIterator[LoginThrottle]:
    if request.param == "memory":
        yield LoginThrottle()
        return
    shared = process(tmp_path)
    yield LoginThrottle(log=RedisLog(shared, "logins"))
    await shared.close()


async def test_failures_on_one_process_brake_the_same_client_on_another(tmp_path: Path):
    a, b = process(tmp_path), process(tmp_path)
    try:
        on_a = LoginThrottle(log=RedisLog(a, "logins"))
        on_b = LoginThrottle(log=RedisLog(b, "logins"))
        await fail(on_a, "alice", A, 5, now=1000)
        assert await on_b.wait("alice", A, now=1000) == 2
        await on_b.succeeded("alice", A)
        assert await on_a.wait("alice", A, now=1000) == 0
    finally:
        await a.close()
        await b.close()


async def fail(
    throttle: LoginThrottle, account: str, client: Client, times: int, now: float
) -> None:
    for _ in range(times):
        await throttle.failed(account, client, now=now)


async def test_five_failures_are_free_then_the_wait_doubles_from_two_seconds_up_to_five_minutes(
    throttle,
):
    await fail(throttle, "alice", A, 4, now=0)
    assert await throttle.wait("alice", A, now=0) == 0
    waits = []
    for n in range(5, 16):
        await throttle.failed("alice", A, now=n)
        waits.append(await throttle.wait("alice", A, now=n))
    assert waits[:4] == [2, 4, 8, 16]
    assert waits[-1] == MAX_BACKOFF
    assert await throttle.wait("Alice", A, now=15) == MAX_BACKOFF  # names are case-blind
    assert await throttle.wait("alice", B, now=15) == 0
    assert await throttle.wait("bob", A, now=15) == 0


async def test_a_success_clears_its_own_account_and_client_only(throttle):
    await fail(throttle, "alice", A, 6, now=0)
    await fail(throttle, "alice", B, 6, now=0)
    await throttle.succeeded("alice", A)
    assert await throttle.wait("alice", A, now=0) == 0
    assert await throttle.wait("alice", B, now=0) > 0


async def test_an_address_is_refused_at_its_ceiling_until_its_oldest_failure_leaves_the_window(
    throttle,
):
    for n in range(ADDRESS_CEILING):
        await throttle.failed(f"user{n}", A, now=n)
    assert await throttle.wait("somebody", A, now=ADDRESS_CEILING) == WINDOW - ADDRESS_CEILING
    assert await throttle.wait("somebody", A, now=WINDOW + 0.5) == 0
    assert await throttle.wait("somebody", B, now=ADDRESS_CEILING) == 0


async def test_the_account_slowdown_grows_half_a_second_a_failure_and_never_refuses(throttle):
    for host in range(9):
        await throttle.failed("alice", Client(f"10.0.0.{host}"), now=0)
    assert await throttle.slowdown("alice", B, now=0) == 0
    await throttle.failed("alice", Client("10.0.1.1"), now=0)
    assert await throttle.slowdown("alice", B, now=0) == 0.5
    for host in range(40):
        await throttle.failed("alice", Client(f"10.0.2.{host}"), now=0)
    assert await throttle.slowdown("alice", B, now=0) == MAX_SLOWDOWN
    assert await throttle.wait("alice", B, now=0) == 0


async def test_a_trusted_device_skips_the_ceiling_and_slowdown_until_it_fails_ten_times(throttle):
    for n in range(ADDRESS_CEILING):
        await throttle.failed(f"user{n}", A, now=0)
    await fail(throttle, "alice", A, 20, now=0)
    tablet = await throttle.client(A.address, "d" * 32, now=0)
    assert tablet.device == "d" * 32
    assert await throttle.wait("alice", tablet, now=0) == 0
    assert await throttle.slowdown("alice", tablet, now=0) == 0
    await fail(throttle, "alice", tablet, 10, now=1)
    assert (await throttle.client(A.address, "d" * 32, now=1)).device is None


def test_a_device_cookie_names_one_account_and_cannot_be_forged():
    trust = DeviceTrust("s" * 48)
    cookie = trust.issue("Alice")
    device = trust.device_of(cookie, "alice")
    assert device is not None and len(device) == 32
    assert trust.device_of(cookie, "bob") is None
    assert DeviceTrust("t" * 48).device_of(cookie, "alice") is None
    assert trust.device_of(cookie[:-2] + "xx", "alice") is None
    assert trust.device_of("garbage", "alice") is None and trust.device_of(None, "alice") is None


def test_a_client_gets_two_places_and_a_third_is_busy_at_once():
    checks = PasswordChecks(per_client=2)
    with checks.turn("addr:a"), checks.turn("addr:a"):
        with pytest.raises(Busy) as info, checks.turn("addr:a"):
            pass
        assert info.value.everyone is False
        with checks.turn("addr:b"):
            pass
    with checks.turn("addr:a"):
        pass
    checks.close()


async def test_a_full_queue_answers_busy_for_everyone_instead_of_waiting():
    checks = PasswordChecks(workers=1, queue=1)
    hashed = hash_password("correct horse")
    running = [asyncio.create_task(checks.verify(hashed, "correct horse")) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(Busy) as info:
        await checks.verify(hashed, "correct horse")
    assert info.value.everyone is True
    assert await asyncio.gather(*running) == [True, True]
    assert checks.peak_running == 1
    checks.close()
