"""Guessing passwords: slowed, then refused, per user name and per address.

tests/test_api.py::test_repeated_failed_logins_are_slowed_then_refused covers one user
name; this covers a spray over many names from one address, and that a right password
does not get through a refusal (so a refusal tells the guesser nothing).
"""

from __future__ import annotations

from tests.client import Client
from tests.live import LiveServer


def test_spraying_many_user_names_from_one_address_is_slowed(live: LiveServer) -> None:
    live.add_user("alice", "correct horse", "moderator")
    client = Client(live.url)

    statuses = [client.login(f"user{n}", "guess").status for n in range(7)]

    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]


def test_the_right_password_is_refused_too_while_an_address_must_wait(live: LiveServer) -> None:
    live.add_user("alice", "correct horse", "moderator")
    client = Client(live.url)
    for n in range(6):
        client.login(f"user{n}", "guess")

    refused = client.login("alice", "correct horse")

    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.get("/api/session").status == 401
