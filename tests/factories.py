"""Builders for test values."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from moderation import Author, Media, Post

_ids = itertools.count(1)


def make_post(
    text: str = "Hello from the amphitheatre #JPO2026",
    *,
    name: str = "Inès Moreau",
    handle: str = "ines@campus.example",
    network: str = "test",
    network_id: str | None = None,
    hashtags: tuple[str, ...] = ("JPO2026",),
    html: str | None = None,
    media: tuple[Media, ...] = (),
    sensitive: bool = False,
    content_warning: str = "",
    language: str | None = "fr",
) -> Post:
    return Post(
        network=network,
        network_id=network_id or f"t-{next(_ids)}",
        author=Author(name=name, handle=handle),
        text=text,
        html=html if html is not None else f"<p>{text}</p>",
        created_at=datetime.now(UTC),
        hashtags=hashtags,
        media=media,
        sensitive=sensitive,
        content_warning=content_warning,
        language=language,
    )
