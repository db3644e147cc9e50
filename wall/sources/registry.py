"""Which connector serves which ``type`` of source in the config."""

from __future__ import annotations

from wall.settings import (
    BlueskySource,
    DemoSource,
    MastodonSource,
    RssSource,
    SourceSettings,
    XSource,
)
from wall.sources import Source
from wall.sources.context import SourceContext


def source_name(settings: SourceSettings, index: int) -> str:
    """A stable name for a configured source: its type and its place in the event's list."""
    kind = type(settings).__struct_config__.tag
    return f"{kind}-{index + 1}"


def build_source(settings: SourceSettings, ctx: SourceContext, name: str) -> Source:
    if isinstance(settings, DemoSource):
        from wall.sources.demo import DemoFeed

        feed = DemoFeed(settings, event=ctx.event, media=ctx.media)
        feed.name = name
        return feed
    if isinstance(settings, MastodonSource):
        from wall.sources.mastodon import MastodonFeed

        return MastodonFeed(settings, ctx, name)
    if isinstance(settings, BlueskySource):
        from wall.sources.bluesky import BlueskyFeed

        return BlueskyFeed(settings, ctx, name, cdn=settings.cdn)
    if isinstance(settings, RssSource):
        from wall.sources.rss import RssFeed

        return RssFeed(settings, ctx, name)
    if isinstance(settings, XSource):
        from wall.sources.x import XFeed

        return XFeed(settings, ctx, name)
    raise NotImplementedError(
        f"sources of type {type(settings).__struct_config__.tag!r} are not available yet"
    )
