"""The hub: one running Murmur, connecting sources, the rules, the store and the bus.

``create_app`` builds one hub; its lifespan calls ``start`` and ``stop``. Everything a
request handler or a source needs goes through it, so there is no global state.
"""

from __future__ import annotations

import logging

import msgspec

from moderation import Action, Mode, Post, Rules
from wall.bus import Bus
from wall.ingest import judge
from wall.media import MediaStore
from wall.settings import DemoSource, EventSettings, Settings, SourceSettings
from wall.sources import Source
from wall.sources.demo import DemoFeed
from wall.store import Store
from wall.supervisor import Supervisor
from wall.views import PostView

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


class Hub:
    def __init__(self, settings: Settings, *, bus: Bus | None = None) -> None:
        self.settings = settings
        self.events: dict[str, EventSettings] = {e.slug: e for e in settings.events}
        self.rules: dict[str, Rules] = {e.slug: rules_for(e) for e in settings.events}
        self.bus = bus or Bus()
        self.store = Store(settings.data_dir / "murmur.sqlite3", on_commit=self.bus.publish)
        self.media = MediaStore(settings.data_dir / "media")
        self.supervisor = Supervisor(self.ingest)
        self._started = False

    def build_source(self, event: EventSettings, source: SourceSettings) -> Source:
        if isinstance(source, DemoSource):
            return DemoFeed(source, event=event, media=self.media)
        raise ValueError(f"unknown source type {type(source).__name__}")  # pragma: no cover

    async def start(self) -> None:
        await self.store.open()
        for event in self.events.values():
            await self.store.save_event(
                event.slug, event.title, msgspec.json.encode(event).decode()
            )
        for event in self.events.values():
            for source in event.sources:
                self.supervisor.start(event.slug, self.build_source(event, source))
        self._started = True

    async def stop(self) -> None:
        await self.supervisor.stop()
        if self._started:
            await self.store.close()
            self._started = False

    async def ingest(self, slug: str, post: Post) -> PostView | None:
        """Normalise, decide and store one post; ``None`` if it was already stored."""
        safe, verdict = judge(post, self.rules[slug])
        return await self.store.ingest(slug, safe, verdict)

    async def act(
        self, slug: str, post_id: int, action: Action, *, actor: str, reason: str = ""
    ) -> tuple[int, PostView]:
        return await self.store.act(slug, post_id, action, actor=actor, reason=reason)
