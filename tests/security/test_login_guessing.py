"""Guessing passwords is slowed and refused, and that brake is no weapon against the real user.

The policy is in ``wall/throttle.py`` and docs/configuration.md ("Logins"); its arithmetic
is tested in tests/test_throttle.py. Here, through the real app on a real port, from real
client addresses: every address in 127.0.0.0/8 is this machine, so a client bound to
127.0.0.2 reaches the server from another address than one bound to 127.0.0.3.
tests/test_api.py::test_repeated_failed_logins_are_slowed_then_refused covers one guesser
on one account.
"""

from __future__ import annotations

import functools
import http.client
import threading
import time
import urllib.request
import uuid
from typing import Any

from tests.client import Client, _NoRedirect
from tests.live import LiveServer
from wall.throttle import ADDRESS_CEILING


class _FromAddress(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: Any) -> Any:
        return self.do_open(
            functools.partial(http.client.HTTPConnection, source_address=(self.address, 0)), req
        )


def client_at(live: LiveServer, address: str) -> Client:
    """A client (with its own cookie jar) whose requests come from ``address``."""
    client = Client(live.url)
    client.opener = urllib.request.build_opener(
        _FromAddress(address), urllib.request.HTTPCookieProcessor(client.jar), _NoRedirect()
    )
    return client


def test_ten_bad_logins_for_alice_from_one_address_do_not_stop_her_from_another(
    live: LiveServer,
) -> None:
    live.add_user("alice", "correct horse")
    stranger = client_at(live, "127.0.0.2")
    statuses = [stranger.login("alice", f"guess {n}").status for n in range(10)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}

    reply = client_at(live, "127.0.0.3").login("alice", "correct horse")

    assert reply.status == 200


def test_guessing_alice_from_many_addresses_slows_her_login_but_never_refuses_it(
    live: LiveServer,
) -> None:
    live.add_user("alice", "correct horse")
    for host in range(2, 5):  # three addresses, five wrong passwords each
        guesser = client_at(live, f"127.0.0.{host}")
        assert {guesser.login("alice", f"guess {n}").status for n in range(5)} == {401}

    started = time.monotonic()
    reply = client_at(live, "127.0.0.9").login("alice", "correct horse")

    print(f"alice's login after 15 failures elsewhere took {time.monotonic() - started:.2f} s")
    assert reply.status == 200


def test_one_guesser_on_one_account_must_wait_even_with_the_right_password(
    live: LiveServer,
) -> None:
    live.add_user("alice", "correct horse")
    guesser = client_at(live, "127.0.0.2")
    for n in range(5):
        assert guesser.login("alice", f"guess {n}").status == 401

    refused = guesser.login("alice", "correct horse")

    assert refused.status == 429 and refused.json()["code"] == "login_throttled"
    assert int(refused.headers["Retry-After"]) >= 1
    assert guesser.get("/api/session").status == 401


def test_spraying_many_user_names_from_one_address_hits_its_ceiling(live: LiveServer) -> None:
    live.add_user("alice", "correct horse")
    sprayer = client_at(live, "127.0.0.2")
    statuses = [sprayer.login(f"user{n}", "guess").status for n in range(ADDRESS_CEILING)]
    assert set(statuses) == {401}

    refused = client_at(live, "127.0.0.2").login("alice", "correct horse")

    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client_at(live, "127.0.0.3").login("alice", "correct horse").status == 200


def test_a_browser_that_logged_in_before_gets_in_while_a_stranger_shares_its_address(
    live: LiveServer,
) -> None:
    # Behind a proxy that Murmur was not told to trust, everyone has the proxy's address.
    live.add_user("alice", "correct horse")
    alices_tablet = client_at(live, "127.0.0.2")
    assert alices_tablet.login("alice", "correct horse").status == 200
    alices_tablet.post("/api/logout")
    stranger = client_at(live, "127.0.0.2")
    for n in range(ADDRESS_CEILING):
        stranger.login(f"user{n}", "guess")
    for n in range(10):
        stranger.login("alice", f"guess {n}")
    assert stranger.login("alice", "correct horse").status == 429

    assert alices_tablet.login("alice", "correct horse").status == 200


def test_a_flood_of_bogus_logins_from_one_address_does_not_starve_a_login_from_another(
    live: LiveServer,
) -> None:
    live.add_user("alice", "correct horse")
    checks = live.app.state.password_checks
    stop = threading.Event()
    answers: list[tuple[int, str | None, str | None]] = []
    lock = threading.Lock()

    def flood() -> None:
        client = client_at(live, "127.0.0.2")
        while not stop.is_set():
            reply = client.login(f"bogus-{uuid.uuid4().hex[:8]}", "wrong password")
            body = reply.json()
            with lock:
                answers.append((reply.status, body.get("code"), reply.headers["Retry-After"]))

    threads = [threading.Thread(target=flood) for _ in range(80)]
    for thread in threads:
        thread.start()
    try:
        while len(answers) < 80:  # the flood is under way
            time.sleep(0.01)
        started = time.monotonic()
        reply = client_at(live, "127.0.0.3").login("alice", "correct horse")
        took = time.monotonic() - started
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    print(
        f"alice's login during a flood of {len(answers)} bogus logins took {took:.2f} s; "
        f"at most {checks.peak_running} password checks ran at once"
    )
    assert reply.status == 200
    assert {status for status, _, _ in answers} <= {401, 429, 503}
    busy = [(s, after) for s, code, after in answers if code == "login_busy"]
    assert busy and all(s in {429, 503} and after == "1" for s, after in busy)
    assert checks.peak_running <= checks.workers
