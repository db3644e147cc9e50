"""The sliding-window rate limit (pure: the clock is passed in)."""

from __future__ import annotations

from wall.ratelimit import RateLimit


def test_hits_under_the_limit_go_ahead() -> None:
    limit = RateLimit(3, window=60)
    for t in (0, 1, 2):
        assert limit.retry_after("a", now=t) == 0
        limit.hit("a", now=t)
    assert limit.retry_after("a", now=3) == 57  # the first hit leaves the window at 60


def test_the_window_slides_rather_than_resets() -> None:
    limit = RateLimit(2, window=60)
    limit.hit("a", now=0)
    limit.hit("a", now=50)
    assert limit.retry_after("a", now=59) == 1
    assert limit.retry_after("a", now=60) == 0  # the hit at 0 has left; the one at 50 stays
    limit.hit("a", now=60)
    assert limit.retry_after("a", now=61) == 49


def test_keys_are_counted_apart() -> None:
    limit = RateLimit(1, window=60)
    limit.hit("a", now=0)
    assert limit.retry_after("a", now=1) > 0
    assert limit.retry_after("b", now=1) == 0


def test_a_limit_of_zero_means_no_limit() -> None:
    limit = RateLimit(0, window=60)
    for t in range(100):
        limit.hit("a", now=t)
    assert limit.retry_after("a", now=100) == 0


def test_memory_is_bounded_by_forgetting_the_least_recent_key() -> None:
    limit = RateLimit(1, window=60, max_keys=3)
    for n, key in enumerate("abcd"):
        limit.hit(key, now=n)
    assert limit.retry_after("a", now=5) == 0  # forgotten
    assert limit.retry_after("d", now=5) > 0
