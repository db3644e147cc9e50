"""The store's errors: one tree, raised by every implementation and translated at the web
edge (``wall.web.errors``)."""

from __future__ import annotations

from typing import Any

from moderation import InvalidTransition
from moderation.flags import InvalidChange
from wall.views import PostView


class StoreError(Exception):
    """Base of the store's errors."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    """The post is not in a state that allows the action; ``post`` is its current state.

    ``by`` is who brought it there, when the store knows.
    """

    def __init__(
        self,
        message: str,
        post: PostView,
        *,
        by: str | None = None,
        code: str = "conflict",
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.post = post
        self.by = by
        # Names the refusal for pages that word it (``error.<code>``; see ApiError).
        self.code = code
        self.params = params or {}

    @classmethod
    def of(
        cls, exc: InvalidChange | InvalidTransition, post: PostView, *, by: str | None
    ) -> Conflict:
        """A refusal of the pure core, with the post's current state."""
        return cls(str(exc), post, by=by, code=exc.code, params=exc.params)


class SchemaTooNew(StoreError):
    pass


class StoreUnavailable(StoreError):
    """PostgreSQL did not answer (down, restarting, unreachable): try again shortly."""


__all__ = ["Conflict", "NotFound", "SchemaTooNew", "StoreError", "StoreUnavailable"]
