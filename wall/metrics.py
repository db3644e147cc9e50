"""Figures for operations teams, in Prometheus' text format (``GET /metrics``).

One registry per app (nothing registered at import). Counters that Murmur already keeps
elsewhere (posts per source, source states, screens) are read when scraped, so there is
one count, not two that could disagree. What no other part keeps is recorded here: the
approve-to-broadcast latency and failed logins.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from moderation import Status
from wall.sql import Conn

if TYPE_CHECKING:
    from wall.hub import Hub

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SOURCE_STATES = ("connecting", "live", "reconnecting", "rate limited", "failing", "stopped")
# From a moderator's tap to every screen's queue: milliseconds on one machine, more under
# load or with thousands of screens (bench/latency.py measures it end to end).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True, slots=True)
class QueueFigures:
    depth: int
    oldest_age: float  # seconds the oldest waiting post has waited; 0 when none waits


class _HubCollector(Collector):
    def __init__(self, hub: Hub, metrics: Metrics) -> None:
        self.hub = hub
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        screens = GaugeMetricFamily(
            "murmur_screens_connected", "Wall screens connected now", labels=["event"]
        )
        depth = GaugeMetricFamily(
            "murmur_queue_depth", "Posts waiting for a moderator", labels=["event"]
        )
        oldest = GaugeMetricFamily(
            "murmur_queue_oldest_seconds",
            "How long the oldest waiting post has waited",
            labels=["event"],
        )
        for slug in self.hub.events:
            online = [s for s in self.hub.fleet.here(slug) if s["state"] != "offline"]
            screens.add_metric([slug], len(online))
            figures = self.metrics.queues.get(slug, QueueFigures(0, 0.0))
            depth.add_metric([slug], figures.depth)
            oldest.add_metric([slug], figures.oldest_age)
        ingested = CounterMetricFamily(
            "murmur_posts_ingested", "Posts received from each source", labels=["event", "source"]
        )
        skipped = CounterMetricFamily(
            "murmur_items_skipped",
            "Items each source could not read and left out",
            labels=["event", "source"],
        )
        state = GaugeMetricFamily(
            "murmur_source_state",
            "1 for each source's current state (live, reconnecting, failing...)",
            labels=["event", "source", "state"],
        )
        for health in self.hub.supervisor.health.values():
            ingested.add_metric([health.event, health.source], health.posts)
            skipped.add_metric([health.event, health.source], health.skipped)
            current = health.state.split(":", 1)[0]
            for name in SOURCE_STATES:
                state.add_metric([health.event, health.source, name], float(current == name))
        yield from (screens, depth, oldest, ingested, skipped, state)


class Metrics:
    """The app's registry; ``refresh()`` then ``render()`` answers a scrape."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.registry = CollectorRegistry(auto_describe=False)
        self.approve_latency = Histogram(
            "murmur_approve_to_broadcast_seconds",
            "From a moderator's approval reaching the server to the post handed to every screen",
            ["event"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.failed_logins = Counter(
            "murmur_failed_logins",
            "Logins refused for a wrong name or password",
            registry=self.registry,
        )
        self.queues: dict[str, QueueFigures] = {}
        self.registry.register(_HubCollector(hub, self))

    def approved(self, event: str, started: float) -> None:
        """Record an approval whose request arrived at ``started`` (``time.perf_counter``)."""
        self.approve_latency.labels(event).observe(time.perf_counter() - started)

    async def refresh(self) -> None:
        """Read what lives in the store (queue depth and age) before a scrape."""

        def read(conn: Conn) -> dict[str, tuple[int, str | None]]:
            rows = conn.execute(
                "SELECT event, COUNT(*), MIN(received_at) FROM posts WHERE status = ?"
                " GROUP BY event",
                (Status.PENDING.value,),
            )
            return {event: (count, oldest) for event, count, oldest in rows}

        found = await self.hub.store.query(read)
        now = time.time()
        self.queues = {}
        for slug in self.hub.events:
            depth, oldest = found.get(slug, (0, None))
            since = datetime.fromisoformat(oldest).timestamp() if oldest else now
            self.queues[slug] = QueueFigures(depth, max(0.0, now - since))

    def render(self) -> bytes:
        return generate_latest(self.registry)
