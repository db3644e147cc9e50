"""The hub: one running Murmur, connecting sources, the rules, the store and the bus.

``create_app`` builds one hub; its lifespan calls ``start`` and ``stop``. Everything a
request handler or a source needs goes through it, so there is no global state.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec

from moderation import Action, AuthorAction, AuthorRule, History, Mode, Post, Rules
from moderation.rules import fold
from wall import event_store, screen_log, wordlists
from wall.bus import Bus
from wall.config import env_secret
from wall.credentials import CredentialRefused, Vault, check_live_sources
from wall.desk import Desk
from wall.desk_store import DeskStore
from wall.fetch import Guard, make_session
from wall.ingest import judge
from wall.language import Detector
from wall.media import MediaStore
from wall.metrics import Metrics
from wall.placement import Here, Placement, Starters
from wall.privacy import retention_loop
from wall.replier import Replier
from wall.screens import Fleet, ScreenFleet
from wall.settings import (
    DisplaySettings,
    EventSettings,
    RepliesSettings,
    Settings,
    SourceSettings,
)
from wall.sources.context import Cursor, SourceContext
from wall.sources.registry import build_source, source_name
from wall.store import protocol
from wall.supervisor import Health, Supervisor
from wall.views import EventInfo, PostView

if TYPE_CHECKING:
    from wall.cluster.relay import Relay
    from wall.shared.parts import SharedParts

log = logging.getLogger(__name__)

# How often the events' windows are checked (sources start and stop on time, to this).
SCHEDULE_EVERY = 15.0


def rules_for(event: EventSettings, *, others: Iterable[EventSettings] = ()) -> Rules:
    """The pure core's rules for ``event``, built once per event (the word lists compiled).

    ``others`` are the other events: their hashtags hold a post when the event sets
    ``hold_other_events``. The built-in word lists are read from their package here.
    """
    r = event.rules
    own = {fold(tag.lstrip("#")) for tag in event.hashtags}
    other_hashtags: dict[str, str] = {}
    for other in others if r.hold_other_events else ():
        if other.slug != event.slug:
            for tag in other.hashtags:
                other_hashtags.setdefault(tag, other.title)
    for tag in r.other_hashtags:
        other_hashtags.setdefault(tag, "")
    return Rules(
        mode=Mode(event.moderation),
        blocked_words=tuple(r.blocked_words),
        held_words=tuple(r.held_words),
        allowed_words=tuple(r.allowed_words),
        builtin_terms=tuple(term for code in r.builtin_lists for term in wordlists.terms(code)),
        authors=tuple(
            AuthorRule(
                author=a.author,
                action=AuthorAction(a.action),
                set_by=a.set_by,
                set_at=a.set_at,
                why=a.why,
                expires_at=a.expires_at,
            )
            for a in r.authors
        ),
        blocked_authors=tuple(r.blocked_authors),
        trusted_authors=tuple(r.trusted_authors),
        required_hashtags=tuple(r.required_hashtags),
        other_hashtags={t: w for t, w in other_hashtags.items() if fold(t.lstrip("#")) not in own},
        languages=tuple(r.languages),
        hold_bots=r.hold_bots,
        min_account_age_days=r.min_account_age_days,
        flood_posts=r.flood_posts,
        flood_minutes=r.flood_minutes,
        duplicate_minutes=r.duplicate_minutes,
        duplicate_similarity=r.duplicate_similarity,
    )


EDITABLE = {
    "title", "hashtags", "moderation", "language", "rules", "sources", "submissions", "privacy",
    "starts_at", "ends_at", "answer_on_networks",
}  # fmt: skip


def merge_event(event: EventSettings, changes: dict[str, Any]) -> EventSettings:
    """``event`` with ``changes`` (whole top-level values) applied, validated."""
    merged = {**msgspec.to_builtins(event), **changes}
    return msgspec.convert(merged, EventSettings)


class Hub:
    # What the rest of Murmur may use of the store (DeskStore below implements it).
    store: protocol.Store

    def __init__(self, settings: Settings, *, bus: Bus | None = None) -> None:
        self.settings = settings
        self.events: dict[str, EventSettings] = {e.slug: e for e in settings.events}
        self.rules: dict[str, Rules] = {}
        self._rebuild_rules()
        # Each event's recent posts, for the spam rules; in memory only, so it starts empty
        # after a restart and fills again as posts arrive.
        self.history: dict[str, History] = {}
        self.detector = Detector()
        self.bus = bus or Bus()
        # Several processes: what each commits reaches every process's bus through Redis,
        # in seq order (wall.cluster); one process hands its commits to its bus directly.
        self.relay: Relay | None = None
        if settings.bus.url:
            from wall.cluster.relay import Relay  # imports redis: not for one process

            self.relay = Relay(settings.bus, self.bus)
        self.store = DeskStore(
            settings.data_dir / "murmur.sqlite3",
            on_commit=self.relay.committed if self.relay else self.bus.publish,
            url=settings.store.url,
        )
        # Several processes: claims, presence, the fleet, the limits and which process runs
        # each source live in Redis (wall.shared); one process keeps them in memory.
        self.shared: SharedParts | None = None
        if settings.bus.url:
            from wall.shared.parts import SharedParts  # imports redis: not for one process

            self.shared = SharedParts(settings)
        shared = self.shared
        self.desk = Desk(
            self.store,
            self.bus,
            settings.desk,
            claims=shared.claims if shared else None,
            presence=shared.presence if shared else None,
            notices=shared.notices if shared else None,
        )
        self.media = MediaStore(
            Path(settings.media.folder) if settings.media.folder else settings.data_dir / "media",
            cache_bytes=settings.media.cache_mb * 1024 * 1024,
            workers=settings.media.workers,
            decode_bytes=settings.media.decode_mb * 1024 * 1024,
        )
        self.supervisor = Supervisor(self.ingest)
        # Which sources run here: all of them, or (several processes) those whose lease
        # this process holds, so each runs once across the cluster.
        self.placement: Placement = (
            self.shared.placement(self.supervisor) if self.shared else Here(self.supervisor)
        )
        self.fleet: ScreenFleet = self.shared.fleet if self.shared else Fleet()
        # The sources' health, asked of any process, from whichever one runs each source.
        self.shared_health = self.shared.health(self.supervisor) if self.shared else None
        self.metrics = Metrics(self)
        self.desk.on_approved = self.metrics.approved
        self.guard = Guard(settings.server.fetch_allow)
        # The file's events: the only place a credential and its hosts can come from.
        self._file_events = {e.slug: e for e in settings.events}
        # What an event returns to when its live changes go: the file's, or as created.
        self.bases: dict[str, EventSettings] = dict(self._file_events)
        self.archived: set[str] = set()
        # Events whose sources run now (inside their window, not archived).
        self._running: set[str] = set()
        self._schedule: asyncio.Task[None] | None = None
        self.vault = Vault(env_secret, secret_key_env=settings.server.secret_key_env)
        self.http: aiohttp.ClientSession | None = None
        self._started = False
        self._retention: asyncio.Task[None] | None = None
        # Answers sent on the networks: accounts from the file's events only.
        self.replier = Replier(
            self.store,
            self._file_events.get,
            env_secret,
            lambda: self.http,
            # The organiser's switch, live; the accounts stay the file's.
            enabled=lambda slug: slug in self.events and self.events[slug].answer_on_networks,
            alone=not settings.bus.url,  # several processes share the store and a bus
        )

    async def start(self) -> None:
        await self.store.open()
        self._started = True
        self.start_retention()
        self.http = make_session(self.guard)
        await self._load_live_events()
        for slug, configured in list(self.events.items()):
            await self.store.save_event(
                slug, configured.title, msgspec.json.encode(configured).decode()
            )
            overrides = await self.store.get_overrides(slug)
            live_keys = sorted(overrides or {})
            if await self.store.get_display(slug) is not None:
                live_keys.append("display")
            if live_keys:
                # Edits to these keys in the file are not used until the live change goes.
                log.warning(
                    "event %s: live changes override the file's %s (`murmur config diff` "
                    "shows them; the organiser page or `murmur config reset %s` drops them)",
                    slug,
                    ", ".join(live_keys),
                    slug,
                )
            if overrides:
                try:
                    merged = merge_event(configured, overrides)
                    check_live_sources(configured.sources, merged.sources)
                    self.apply_event(merged)
                except (msgspec.ValidationError, CredentialRefused) as exc:
                    log.error(
                        "event %s: live settings no longer valid (%s); using the file's", slug, exc
                    )
        if any(rules.wants_language for rules in self.rules.values()):
            await asyncio.to_thread(self.detector.load)  # reads the model: not on the loop
        if self.relay is not None:
            await self.relay.start(self)
        if self.shared_health is not None:
            self.shared_health.start()
        await self.desk.start(self.events)
        await self.follow_schedule()
        self._schedule = asyncio.create_task(self._schedule_loop(), name="schedule")
        self.replier.start()

    # -- the events' lifecycle: created from the browser, scheduled, archived ------------

    async def _load_live_events(self) -> None:
        """The events organisers created from the browser, and which events are archived."""
        for slug, data in await event_store.live_events(self.store):
            if slug in self._file_events:
                continue  # the file took the name back: the file's event wins
            try:
                event = msgspec.json.decode(data, type=EventSettings)
            except msgspec.ValidationError as exc:
                log.error(
                    "event %s, created from the browser, is not valid any more: %s", slug, exc
                )
                continue
            self.bases[slug] = event
            self.apply_event(event)
        self.archived = await event_store.archived_events(self.store) & set(self.events)

    async def source_health(self, slug: str) -> list[Health]:
        """The health of ``slug``'s sources, wherever each one runs."""
        if self.shared_health is not None:
            return await self.shared_health.of(slug)
        return self.supervisor.health_of(slug)

    @property
    def changes_seen(self) -> int:
        """The seq of the last change this process knows of: its own commits and, with
        several processes, the others' as the relay delivers them. When it moves, what
        anyone may see may have changed (``wall.web.pages`` forgets which pictures are
        public): a picture hidden through another process is refused here at once."""
        own = self.store.committed
        return max(own, self.relay.sequencer.delivered) if self.relay else own

    def file_event(self, slug: str) -> EventSettings | None:
        """The event as the configuration file has it (None: made in the browser)."""
        return self._file_events.get(slug)

    def state(self, slug: str, now: datetime | None = None) -> str:
        """``upcoming``, ``live``, ``ended`` or ``archived``."""
        if slug in self.archived:
            return "archived"
        event, now = self.events[slug], now or datetime.now(UTC)
        if event.starts_at and now < event.starts_at:
            return "upcoming"
        if event.ends_at and now >= event.ends_at:
            return "ended"
        return "live"

    def _info(self, event: EventSettings) -> EventInfo:
        return EventInfo(
            slug=event.slug,
            title=event.title,
            hashtags=list(event.hashtags),
            moderation=event.moderation,
            language=event.language,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            archived=event.slug in self.archived,
        )

    def info(self, slug: str) -> EventInfo:
        return self._info(self.events[slug])

    async def follow_schedule(self, now: datetime | None = None) -> None:
        """Run the sources of the events that are live, and only theirs."""
        for slug in list(self.events):
            live = self.state(slug, now) == "live"
            if live and slug not in self._running:
                self._running.add(slug)
                await self.placement.run(slug, self._starters(self.events[slug]))
            elif not live and slug in self._running:
                await self.placement.stop(slug)
                self._running.discard(slug)

    async def _schedule_loop(self) -> None:
        while True:
            await asyncio.sleep(SCHEDULE_EVERY)
            try:
                await self.follow_schedule()
                await self.sample_screens()
            except Exception:  # a failed round is logged; the next one tries again
                log.exception("the events' schedule could not be followed")

    async def sample_screens(self, now: datetime | None = None) -> None:
        """Keep how many screens show each event this minute (the organiser's figures)."""
        counts = {
            slug: sum(s["state"] != "offline" for s in await self.fleet.of(slug))
            for slug in self.events
        }
        await screen_log.record(self.store, counts, screen_log.minute_of(now))

    async def restart_sources(self, slug: str) -> None:
        if slug in self._running:
            await self.placement.stop(slug)
            self._running.discard(slug)
        await self.follow_schedule()

    async def create_event(self, event: EventSettings, *, actor: str) -> EventSettings:
        """An event created from the browser: kept in the store, started at once.

        It carries no credential (only the file binds tokens to hosts): a source that
        needs one is refused by ``check_live_sources``. Raises ValueError when the slug is
        taken.
        """
        if event.slug in self.events:
            raise ValueError(f"an event called {event.slug} already exists")
        check_live_sources([], event.sources)
        if event.replies != RepliesSettings():
            raise CredentialRefused(
                "replies: the accounts answers go out from are set in the config "
                "file by whoever runs the server, not here"
            )
        data = msgspec.json.encode(event).decode()
        await event_store.save_live_event(self.store, event.slug, data, actor=actor)
        await self.store.save_event(event.slug, event.title, data)
        self.bases[event.slug] = event
        self.apply_event(event)
        # Logged as every change to an event is: other processes learn of it (wall.cluster).
        await self.store.set_overrides(event.slug, {}, self._info(event), actor=actor)
        await self.desk.reload_blocks(event.slug)
        await self.follow_schedule()
        log.info("event %s created by %s", event.slug, actor)
        return event

    async def set_archived(self, slug: str, archived: bool, *, actor: str) -> int:
        """Archive an event (sources stop, screens close) or bring it back; the seq."""
        await event_store.set_archived(self.store, slug, archived, actor=actor)
        if archived:
            self.archived.add(slug)
        else:
            self.archived.discard(slug)
        await self.follow_schedule()
        overrides = await self.store.get_overrides(slug) or {}
        return await self.store.set_overrides(slug, overrides, self.info(slug), actor=actor)

    def _starters(self, event: EventSettings) -> Starters:
        """One starter per source of ``event``, by name, for ``self.placement``."""
        return {
            source_name(source, index): functools.partial(self._start_source, event, index)
            for index, source in enumerate(event.sources)
        }

    def _start_source(self, event: EventSettings, index: int) -> None:
        assert self.http is not None
        source = event.sources[index]
        name = source_name(source, index)
        ctx = SourceContext(
            event=event,
            http=self.http,
            guard=self.guard,
            media=self.media,
            cursor=Cursor(self.store, event.slug, name),
            secret=self.vault.reader(name, source, self.file_sources(event.slug)),
            withdraw=functools.partial(self.store.withdraw, event.slug),
            on_live=functools.partial(self.supervisor.mark_live, event.slug, name),
            on_skip=functools.partial(self.supervisor.mark_skipped, event.slug, name),
            stored=functools.partial(self.store.recent_network_ids, event.slug),
        )
        self.supervisor.start(event.slug, build_source(source, ctx, name))

    def file_sources(self, slug: str) -> list[SourceSettings]:
        file_event = self._file_events.get(slug)
        return list(file_event.sources) if file_event is not None else []

    def apply_event(self, event: EventSettings) -> None:
        self.events[event.slug] = event
        self._rebuild_rules()  # every event: one's hashtags are the others' "other events"

    def _rebuild_rules(self) -> None:
        events = list(self.events.values())
        self.rules = {e.slug: rules_for(e, others=events) for e in events}

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
        # A live change may not add a credential nor send one to other hosts than the file.
        check_live_sources(self.file_sources(slug), after.sources)
        info = self._info(after)
        seq = await self.store.set_overrides(slug, overrides, info, actor=actor)
        self.apply_event(after)
        if self.rules[slug].wants_language:
            await asyncio.to_thread(self.detector.load)
        if after.hashtags != before.hashtags or after.sources != before.sources:
            await self.restart_sources(slug)
        else:
            await self.follow_schedule()  # the window may have moved
        return seq, after

    async def reset(self, slug: str, *, actor: str) -> tuple[int, EventSettings]:
        """Return an event to the config file's settings: live changes are forgotten, every
        page is told, and the sources restart when hashtags or sources change back."""
        before, configured = self.events[slug], self.bases[slug]
        info = self._info(configured)
        seq = await self.store.drop_live_settings(slug, info, configured.display, actor=actor)
        self.apply_event(configured)
        if configured.hashtags != before.hashtags or configured.sources != before.sources:
            await self.restart_sources(slug)
        return seq, configured

    def start_retention(self) -> None:
        """Erase posts past their event's retention, now and every hour (wall.privacy)."""
        if self._retention is None:
            self._retention = asyncio.create_task(retention_loop(self), name="retention")

    async def stop(self) -> None:
        await self.replier.stop()
        if self._schedule is not None:
            self._schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._schedule
            self._schedule = None
        if self._retention is not None:
            self._retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retention
            self._retention = None
        await self.placement.close()
        if self.http is not None:
            await self.http.close()
            self.http = None
        if self._started:
            await self.desk.stop()
            if self.shared_health is not None:
                await self.shared_health.stop()
            if self.relay is not None:
                await self.relay.stop()
            await self.store.close()
            self._started = False
        if self.shared is not None:
            await self.shared.close()

    async def ingest(self, slug: str, post: Post) -> PostView | None:
        """Normalise, decide and store one post; ``None`` if it was already stored."""
        rules, now = self.desk.rules(slug, self.rules[slug]), datetime.now(UTC)
        history = self._history(slug, rules)
        safe, verdict = judge(post, rules, now=now, history=history, detect=self.detector.detect)
        if history is not None:
            history.record(safe, now)  # before any await: the next post sees this one
        return await self.store.ingest(slug, safe, verdict)

    def _history(self, slug: str, rules: Rules) -> History | None:
        """The event's recent posts when a spam rule needs them, else ``None``."""
        horizon = rules.history_horizon
        if horizon is None:
            self.history.pop(slug, None)
            return None
        history = self.history.get(slug)
        if history is None:
            history = self.history[slug] = History(horizon=horizon)
        history.horizon = horizon
        return history

    async def display(self, slug: str) -> DisplaySettings:
        """What the screens of ``slug`` show: the organiser's live change, else the config."""
        return await self.store.get_display(slug) or self.events[slug].display

    async def set_display(self, slug: str, display: DisplaySettings, *, actor: str) -> int:
        return await self.store.set_display(slug, display, actor=actor)

    async def act(
        self, slug: str, post_id: int, action: Action, *, actor: str, reason: str = ""
    ) -> tuple[int, PostView]:
        return await self.store.act(slug, post_id, action, actor=actor, reason=reason)
