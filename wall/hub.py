"""The hub: one running Murmur, connecting sources, the rules, the store and the bus.

``create_app`` builds one hub; its lifespan calls ``start`` and ``stop``. Everything a
request handler or a source needs goes through it, so there is no global state.
"""

from __future__ import annotations

import functools
import logging

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
        self.fleet = Fleet()
        self.guard = Guard(settings.server.fetch_allow)
        self.http: aiohttp.ClientSession | None = None
        self._started = False

    async def start(self) -> None:
        await self.store.open()
        self._started = True
        self.http = make_session(self.guard)
        for event in self.events.values():
            await self.store.save_event(
                event.slug, event.title, msgspec.json.encode(event).decode()
            )
        for event in self.events.values():
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
