"""The hub: one running Murmur, connecting sources, the rules, the store and the bus.

``create_app`` builds one hub; its lifespan calls ``start`` and ``stop``. Everything a
request handler or a source needs goes through it, so there is no global state.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import aiohttp
import msgspec

from moderation import Action, Mode, Post, Rules
from wall.bus import Bus
from wall.config import env_secret
from wall.fetch import Guard, make_session
from wall.ingest import judge
from wall.media import MediaStore
from wall.screens import Fleet
from wall.settings import DisplaySettings, EventSettings, Settings
from wall.sources.context import Cursor, SourceContext
from wall.sources.registry import build_source, source_name
from wall.store import Store
from wall.supervisor import Supervisor
from wall.views import EventInfo, PostView

log = logging.getLogger(__name__)


def rules_for(event: EventSettings) -> Rules:
    r = event.rules
    return Rules(
        mode=Mode(event.moderation),
        blocked_words=tuple(r.blocked_words),
        blocked_authors=tuple(r.blocked_authors),
        trusted_authors=tuple(r.trusted_authors),
        required_hashtags=tuple(r.required_hashtags),
    )


EDITABLE = {"title", "hashtags", "moderation", "language", "rules", "sources"}


def merge_event(event: EventSettings, changes: dict[str, Any]) -> EventSettings:
    """``event`` with ``changes`` (whole top-level values) applied, validated."""
    merged = {**msgspec.to_builtins(event), **changes}
    return msgspec.convert(merged, EventSettings)


class Hub:
    def __init__(self, settings: Settings, *, bus: Bus | None = None) -> None:
        self.settings = settings
        self.events: dict[str, EventSettings] = {e.slug: e for e in settings.events}
        self.rules: dict[str, Rules] = {e.slug: rules_for(e) for e in settings.events}
        self.bus = bus or Bus()
        self.store = Store(settings.data_dir / "murmur.sqlite3", on_commit=self.bus.publish)
        self.media = MediaStore(settings.data_dir / "media")
        self.supervisor = Supervisor(self.ingest)
        self.fleet = Fleet()
        self.guard = Guard(settings.server.fetch_allow)
        self.http: aiohttp.ClientSession | None = None
        self._started = False

    async def start(self) -> None:
        await self.store.open()
        self._started = True
        self.http = make_session(self.guard)
        for slug, configured in list(self.events.items()):
            await self.store.save_event(
                slug, configured.title, msgspec.json.encode(configured).decode()
            )
            overrides = await self.store.get_overrides(slug)
            if overrides:
                try:
                    self._apply(merge_event(configured, overrides))
                except msgspec.ValidationError as exc:
                    log.error(
                        "event %s: live settings no longer valid (%s); using the file's", slug, exc
                    )
        for event in self.events.values():
            self._start_sources(event)

    def _start_sources(self, event: EventSettings) -> None:
        assert self.http is not None
        for index, source in enumerate(event.sources):
            name = source_name(source, index)
            ctx = SourceContext(
                event=event,
                http=self.http,
                guard=self.guard,
                media=self.media,
                cursor=Cursor(self.store, event.slug, name),
                secret=env_secret,
                withdraw=functools.partial(self.store.withdraw, event.slug),
            )
            self.supervisor.start(event.slug, build_source(source, ctx, name))

    def _apply(self, event: EventSettings) -> None:
        self.events[event.slug] = event
        self.rules[event.slug] = rules_for(event)

    async def reconfigure(
        self, slug: str, changes: dict[str, Any], *, actor: str
    ) -> tuple[int, EventSettings]:
        """Apply an organiser's live change to an event, without a restart.

        ``changes`` holds whole values for some of ``EDITABLE``; they are validated like
        the config file, saved (so they survive a restart), logged for every page, and the
        event's sources are resubscribed when hashtags or sources changed. Other events'
        sources are not touched. Raises ``msgspec.ValidationError`` on a bad value.
        """
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"{sorted(unknown)[0]} cannot be changed here")
        before = self.events[slug]
        overrides = {**(await self.store.get_overrides(slug) or {}), **changes}
        after = merge_event(before, changes)
        info = EventInfo(
            slug=slug,
            title=after.title,
            hashtags=list(after.hashtags),
            moderation=after.moderation,
            language=after.language,
        )
        seq = await self.store.set_overrides(slug, overrides, info, actor=actor)
        self._apply(after)
        if after.hashtags != before.hashtags or after.sources != before.sources:
            await self.supervisor.stop_event(slug)
            self._start_sources(after)
        return seq, after

    async def stop(self) -> None:
        await self.supervisor.stop()
        if self.http is not None:
            await self.http.close()
            self.http = None
        if self._started:
            await self.store.close()
            self._started = False

    async def ingest(self, slug: str, post: Post) -> PostView | None:
        """Normalise, decide and store one post; ``None`` if it was already stored."""
        safe, verdict = judge(post, self.rules[slug])
        return await self.store.ingest(slug, safe, verdict)

    async def display(self, slug: str) -> DisplaySettings:
        """What the screens of ``slug`` show: the organiser's live change, else the config."""
        return await self.store.get_display(slug) or self.events[slug].display

    async def set_display(self, slug: str, display: DisplaySettings, *, actor: str) -> int:
        return await self.store.set_display(slug, display, actor=actor)

    async def act(
        self, slug: str, post_id: int, action: Action, *, actor: str, reason: str = ""
    ) -> tuple[int, PostView]:
        return await self.store.act(slug, post_id, action, actor=actor, reason=reason)
