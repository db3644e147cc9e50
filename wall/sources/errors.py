"""The source errors the supervisor understands, drawn once.

Connectors translate their transport's exceptions into these at the boundary
(``raise SourceFailure(...) from exc``); nothing above ``wall.sources`` catches aiohttp's
or websockets' exceptions. Every message is written for a moderator to read.
"""

from __future__ import annotations


class SourceFailure(Exception):
    """A source cannot go on for now; the supervisor retries it with backoff.

    ``state`` is the health state shown to people; ``retry_after`` (seconds), when set,
    is the network's own instruction (``Retry-After``, rate-limit reset) and overrides the
    backoff; ``permanent`` failures (bad credentials, unknown tag) are retried slowly.
    """

    state = "failing"
    permanent = False
    # Names the failure for pages that word it in their reader's language
    # (``source.error.<code>``); the message stays the technical detail, in English.
    code = "failure"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadCredentials(SourceFailure):
    state = "failing: bad credentials"
    permanent = True
    code = "bad_credentials"


class NotFoundOnNetwork(SourceFailure):
    state = "failing: not found"
    permanent = True
    code = "not_found"


class RateLimited(SourceFailure):
    state = "rate limited"
    code = "rate_limited"


class Disconnected(SourceFailure):
    state = "reconnecting"
    code = "disconnected"
