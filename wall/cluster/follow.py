"""Other processes' changes to what this process keeps in memory, applied here too.

Most of what a change does lives in the store, and every process reads it there. A few
things each process holds in memory, made from the store when it starts: an event's
settings with its organiser's live changes (``Hub.events`` and the rules made from them),
which events are archived, which sources run, the desk's author blocks. The process that
makes such a change updates its own memory; the others learn of it from the log entry
the change wrote, and read the new state from the store (never from the entry: the store
is the record, and an entry may have been read from it after a gap anyway).

- ``event`` (an organiser's live change, a reset, an archive, an event created in the
  browser): the event is read again and its sources restarted when they changed;
- ``author.blocked``, ``author.unblocked``: the desk reads the event's blocks again.

A display change needs nothing: what screens show is read from the store when asked.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import msgspec

from wall import event_store
from wall.credentials import CredentialRefused, check_live_sources
from wall.hub import merge_event
from wall.settings import EventSettings
from wall.views import LogEntry

if TYPE_CHECKING:
    from wall.hub import Hub

log = logging.getLogger(__name__)

EVENT = "event"
BLOCKS = frozenset({"author.blocked", "author.unblocked"})


class _Kind(msgspec.Struct):
    type: str = ""


_kind = msgspec.json.Decoder(_Kind)


class Follower:
    """Feed it the entries other processes committed (``heard``); run ``run()``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        # (kind, event), in the order heard; one at a time, as the hub's own changes are.
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def heard(self, entries: list[LogEntry]) -> None:
        for entry in entries:
            kind = _kind.decode(entry.text).type
            if kind == EVENT or kind in BLOCKS:
                self._queue.put_nowait((kind, entry.event))

    async def run(self) -> None:
        while True:
            kind, slug = await self._queue.get()
            try:
                if kind == EVENT:
                    await self.event_changed(slug)
                else:
                    await self.hub.desk.reload_blocks(slug)
            except asyncio.CancelledError:
                raise
            except Exception:  # logged; the next change to the event tries again
                log.exception("event %s: a change made on another process was not applied", slug)

    async def event_changed(self, slug: str) -> None:
        """Read ``slug``'s settings, live changes and archiving again, as ``Hub.start`` does."""
        hub = self.hub
        base = hub.bases.get(slug)
        created = base is None
        if base is None:
            base = await _created(hub, slug)
            if base is None:
                return
            hub.bases[slug] = base
        event = base
        overrides = await hub.store.get_overrides(slug)
        if overrides:
            try:
                event = merge_event(base, overrides)
                check_live_sources(hub.file_sources(slug), event.sources)
            except (msgspec.ValidationError, CredentialRefused) as exc:
                log.error("event %s: live settings not valid (%s); using the file's", slug, exc)
                event = base
        before = hub.events.get(slug)
        hub.apply_event(event)
        hub.archived = await event_store.archived_events(hub.store) & set(hub.events)
        if hub.rules[slug].wants_language:
            await asyncio.to_thread(hub.detector.load)
        if created:
            await hub.desk.reload_blocks(slug)
        if before is None or (before.hashtags, before.sources) != (event.hashtags, event.sources):
            await hub.restart_sources(slug)
        else:
            await hub.follow_schedule()  # the window or the archiving may have changed


async def _created(hub: Hub, slug: str) -> EventSettings | None:
    """The event ``slug`` an organiser created in the browser (on another process)."""

    data = dict(await event_store.live_events(hub.store)).get(slug)
    if data is None:
        return None
    try:
        return msgspec.json.decode(data, type=EventSettings)
    except msgspec.ValidationError as exc:
        log.error("event %s, created from the browser, is not valid: %s", slug, exc)
        return None
