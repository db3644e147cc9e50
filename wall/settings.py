"""The shape of Murmur's settings: what a config file may say, with defaults.

Loading a TOML file into these values (with errors that name the key and the line) is
``wall.config``'s job; this module only declares the shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import msgspec

# Each ``description`` is what a config error says was expected (see ``wall.config``).
Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description=(
            "a slug (up to 40 lowercase letters, digits and dashes, not starting with a dash)"
        ),
    ),
]
Hashtag = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^#?\w{1,100}$",
        description="a hashtag (letters, digits and underscores, with or without a leading #)",
    ),
]
# What a browser sends as ``Origin``: no path, no query (a trailing slash is tolerated).
Origin = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^https?://[^/\s?#]+/?$",
        description="an origin (scheme://host[:port], no path) such as https://screens.example.org",
    ),
]
EnvName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="the name of an environment variable, such as MURMUR_SECRET_KEY",
    ),
]


class ServerSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 8000
    # Origins (scheme://host[:port]) allowed to open websockets besides the server's own.
    allowed_origins: list[Origin] = []
    # Name of the environment variable holding the session-signing secret. When unset, a
    # secret is generated once and kept in the data folder.
    secret_key_env: EnvName | None = None
    # Mark the session cookie Secure (set it when Murmur is served over HTTPS).
    secure_cookies: bool = False
    session_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)] = 12
    # Networks (CIDR) that server-side fetches may reach although they are not public: a
    # campus Mastodon on a private address, or local test servers. Empty: public only.
    fetch_allow: list[str] = []


class RulesSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    blocked_words: list[str] = []
    blocked_authors: list[str] = []
    trusted_authors: list[str] = []
    required_hashtags: list[Hashtag] = []


class DemoSource(
    msgspec.Struct, tag="demo", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    # Posts per second the demo source generates.
    rate: Annotated[float, msgspec.Meta(gt=0, le=100)] = 0.5
    # Share of posts that carry a generated picture (0 to 1).
    images: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.3
    # Seed for a reproducible stream (tests); none: a different stream each run.
    seed: int | None = None


HttpUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^https?://[^\s/?#]+(/[^\s]*)?$",
        description="an http(s) URL such as https://mastodon.social",
    ),
]
WsUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^wss?://[^\s/?#]+(/[^\s]*)?$",
        description="a websocket URL such as wss://jetstream2.us-east.bsky.network",
    ),
]


class MastodonSource(
    msgspec.Struct, tag="mastodon", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    # The Mastodon server whose hashtag timelines are followed.
    server: HttpUrl
    # Streaming base URL; none: read from the server's /api/v2/instance.
    streaming: HttpUrl | WsUrl | None = None
    # Environment variable holding a user access token (scope read:statuses); streaming
    # needs one since Mastodon 4.2. Without it, the public tag timeline is polled.
    token_env: EnvName | None = None
    # Only posts from accounts on this server.
    local_only: bool = False
    # Seconds between polls of the tag timeline when not streaming (Mastodon allows
    # about one request every 3 s).
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.05, le=3600)] = 5.0


class BlueskySource(
    msgspec.Struct, tag="bluesky", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    # Jetstream host to subscribe to.
    jetstream: WsUrl = "wss://jetstream2.us-east.bsky.network"
    # AppView used to look up author profiles (app.bsky.actor.getProfiles).
    appview: HttpUrl = "https://public.api.bsky.app"


class RssSource(
    msgspec.Struct, tag="rss", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    # The RSS or Atom feed's URL.
    url: HttpUrl
    # Seconds between polls (conditional GET: an unchanged feed costs one small request).
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.05, le=86400)] = 60.0
    # Keep only entries carrying one of the event's hashtags (in categories or text).
    require_hashtags: bool = False


SourceSettings = DemoSource | MastodonSource | BlueskySource | RssSource


ThemeName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="a theme name (a folder under themes/, such as dark)",
    ),
]


class Announcement(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    # The slide's text (schedule, sponsors, "next talk at 14:00").
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=280)]
    # A picture for the slide: a /media/... URL served by Murmur, or none.
    image: Annotated[str, msgspec.Meta(pattern=r"^/media/[0-9a-f]{32}\.webp$")] | None = None


class DisplaySettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    # The screens' theme: a folder under themes/.
    theme: ThemeName = "dark"
    # grid | single | ticker | stage; a screen's ?layout= wins.
    layout: Literal["grid", "single", "ticker", "stage"] = "grid"
    # Show the participation banner (hashtags and a QR code to the attendees' page).
    show_qr: bool = True
    # Seconds without a new post before the wall brings back earlier posts and slides.
    quiet_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] = 20
    # Organiser slides shown in quiet moments.
    announcements: Annotated[tuple[Announcement, ...], msgspec.Meta(max_length=20)] = ()


class EventSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    slug: Slug
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    hashtags: list[Hashtag] = []
    moderation: Literal["pre", "post"] = "pre"
    # Interface language fixed for this event's pages; none: follow the browser.
    language: Literal["fr", "en"] | None = None
    rules: RulesSettings = msgspec.field(default_factory=RulesSettings)
    sources: list[SourceSettings] = []
    # What screens show at start; organisers change it live (the live change is kept).
    display: DisplaySettings = msgspec.field(default_factory=DisplaySettings)


class Settings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    events: list[EventSettings] = []
    # Not read from the file: set by the command line.
    data_dir: Path = Path("murmur-data")
    config_path: Path | None = None


DEMO_EVENT = EventSettings(
    slug="demo",
    title="Murmur demo",
    hashtags=["MurmurDemo", "CampusLife"],
    # Post-moderation, so the demo wall moves without anyone logged in; the rules still
    # reject blocked words and hold content warnings for a moderator.
    moderation="post",
    rules=RulesSettings(blocked_words=["spam", "arnaque", "idiot"]),
    sources=[DemoSource()],
)


def with_demo(settings: Settings) -> Settings:
    """``settings`` plus the ``demo`` event fed by the demo source, unless it exists."""
    if any(e.slug == "demo" for e in settings.events):
        return settings
    return msgspec.structs.replace(settings, events=[*settings.events, DEMO_EVENT])


__all__ = [
    "DEMO_EVENT",
    "Announcement",
    "BlueskySource",
    "DemoSource",
    "DisplaySettings",
    "EventSettings",
    "MastodonSource",
    "RssSource",
    "RulesSettings",
    "ServerSettings",
    "Settings",
    "SourceSettings",
    "with_demo",
]
