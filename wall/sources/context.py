"""What a connector is given: its event, the app's HTTP session, media, cursor, secrets."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from moderation import Media
from wall.fetch import FetchRefused, Guard, fetch_bytes
from wall.media import MediaError, MediaStore
from wall.settings import EventSettings
from wall.store import protocol

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 20 * 1024 * 1024


class Cursor:
    """Where one source left off, kept in the store across restarts."""

    def __init__(self, store: protocol.Cursors, event: str, source: str) -> None:
        self._store = store
        self._event = event
        self._source = source

    async def load(self) -> str | None:
        return await self._store.get_cursor(self._event, self._source)

    async def save(self, value: str) -> None:
        await self._store.set_cursor(self._event, self._source, value)


@dataclass
class SourceContext:
    event: EventSettings
    http: aiohttp.ClientSession
    guard: Guard
    media: MediaStore
    cursor: Cursor
    secret: Callable[[str], str | None]
    # Called with (network, network_id) when the network says a post was deleted.
    withdraw: Callable[[str, str], Awaitable[object]] | None = None
    # Called when the source is connected and listening, before any post arrives.
    on_live: Callable[[], None] | None = None
    # Called with a sentence when the source leaves out one item it could not read.
    on_skip: Callable[[str], None] | None = None
    # Called with (network, limit): network ids of the event's latest stored posts.
    stored: Callable[[str, int], Awaitable[list[str]]] | None = None

    async def stored_ids(self, network: str, limit: int) -> list[str]:
        """The latest posts of this event from ``network`` that Murmur keeps, newest first
        (a source that hears of deletions uses them to recognise its posts after a restart)."""
        return await self.stored(network, limit) if self.stored is not None else []

    def live(self) -> None:
        """Report that the source is connected (health shows "live" on a quiet hashtag)."""
        if self.on_live is not None:
            self.on_live()

    def skipped(self, reason: str) -> None:
        """Report one item left out because it could not be read (health counts them);
        the source logs it and goes on."""
        if self.on_skip is not None:
            self.on_skip(reason)

    async def deleted(self, network: str, network_id: str) -> None:
        """Tell Murmur that a post was deleted on its network: it leaves queue and screens."""
        if self.withdraw is not None:
            await self.withdraw(network, network_id)

    async def image(self, url: str | None, *, alt: str = "") -> Media | None:
        """Fetch a picture through the SSRF guard into Murmur's media store.

        ``None`` (and a log line) when it is refused, unreachable or not an image Murmur
        accepts: a post keeps its text when its picture cannot be shown.
        """
        if not url:
            return None
        try:
            data, _ = await fetch_bytes(
                self.http, self.guard, url, max_bytes=MAX_IMAGE_BYTES, accept=("image/",)
            )
            return await self.media.put_image(data, alt=alt)
        except (FetchRefused, MediaError) as exc:
            log.info("media %s not kept: %s", url[:200], exc)
            return None
