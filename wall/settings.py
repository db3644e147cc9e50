"""The shape of Murmur's settings: what a config file may say, with defaults.

Loading a TOML file into these values (with errors that name the key and the line) is
``wall.config``'s job; this module only declares the shape.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
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


# A source's token lives in a variable named like MASTODON_TOKEN (see wall.credentials):
# never the session secret's variable, nor any other variable of the server's.
TOKEN_PATTERN = r"^[A-Z][A-Z0-9_]{0,60}_TOKEN$"  # noqa: S105 (a pattern of names)
TokenEnv = Annotated[
    str,
    msgspec.Meta(
        pattern=TOKEN_PATTERN,
        description="the name of an environment variable ending in _TOKEN, such as MASTODON_TOKEN",
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
    # Mark cookies Secure even on plain HTTP requests (a request over HTTPS always gets
    # Secure cookies).
    secure_cookies: bool = False
    # A session ends this long after its login, however busy (absolute lifetime)...
    session_hours: Annotated[int, msgspec.Meta(ge=1, le=24 * 30)] = 12
    # ... or after this long without a request or an open desk (idle timeout).
    session_idle_minutes: Annotated[int, msgspec.Meta(ge=5, le=24 * 60 * 30)] = 120
    # Networks (CIDR) that server-side fetches may reach although they are not public: a
    # campus Mastodon on a private address, or local test servers. Empty: public only.
    fetch_allow: list[str] = []
    # The address people reach Murmur at (scheme://host[:port]), for links that leave the
    # server, such as the QR code to the attendees' page. None: the request's own host.
    public_url: Origin | None = None
    # Addresses or CIDR networks of the reverse proxies in front of Murmur. Only from them
    # are Forwarded / X-Forwarded-For / -Proto / -Host believed (client address, scheme,
    # host). Empty: Murmur is reached directly and believes no such header.
    trusted_proxies: list[str] = []
    # Addresses or CIDR networks allowed to read GET /metrics; everyone else gets 404.
    metrics_allow: list[str] = msgspec.field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])

    def __post_init__(self) -> None:
        for key in ("trusted_proxies", "metrics_allow"):
            for value in getattr(self, key):
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{key}: {value!r} is not an IP address or CIDR network"
                    ) from None


class MediaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # Disk space for the media cache, in megabytes; the least recently used pictures go
    # first when it is full.
    cache_mb: Annotated[int, msgspec.Meta(ge=10, le=1_000_000)] = 2048
    # Pictures processed at once (decode, resize, encode), each in a worker thread.
    # 0: one less than the machine's cores (at least 1, at most 4), so the server's event
    # loop keeps a core for the screens while a burst of photos is processed.
    workers: Annotated[int, msgspec.Meta(ge=0, le=32)] = 0
    # Memory that pictures being decoded may take together, in megabytes. A picture that
    # would need more on its own (a small PNG declaring 6000×6000 pixels) is refused with
    # a sentence; others wait for room. bench/media.py prints what each kind needs.
    decode_mb: Annotated[int, msgspec.Meta(ge=32, le=16_384)] = 160
    # Several processes ([store] url): one folder for every process's pictures (on one
    # machine, or shared storage), so a picture one process stored is on every process's
    # screens, and erasing a person deletes it for all. Empty: the data folder's media.
    folder: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^(/.*)?$",
            description="an absolute path, such as /var/lib/murmur/media, or empty",
        ),
    ] = ""


LanguageCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z]{2,3}$", description="a language code (ISO 639-1) such as fr or en"
    ),
]
Moment = Annotated[
    datetime,
    msgspec.Meta(
        tz=True,
        description="a date and time with its UTC offset, such as 2026-05-14T18:00:00+02:00",
    ),
]


class AuthorSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # "handle" on any network, or "network:handle".
    author: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    # "allow": approved at once; "hold": always waits for a human; "block": rejected.
    action: Literal["allow", "hold", "block"]
    # Who set the entry, when and why: moderators read it with the verdict.
    set_by: Annotated[str, msgspec.Meta(max_length=200)] = ""
    set_at: Moment | None = None
    why: Annotated[str, msgspec.Meta(max_length=500)] = ""
    # When the entry stops applying; unset: never.
    expires_at: Moment | None = None


class RulesSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    blocked_words: list[str] = []
    # Words and phrases that hold a post for a human (matched like blocked_words).
    held_words: list[str] = []
    # Words and phrases the built-in lists never catch (a speaker's name, a town).
    allowed_words: list[str] = []
    # Built-in offensive-word lists to apply: "fr", "en".
    builtin_lists: list[Literal["fr", "en"]] = []
    blocked_authors: list[str] = []
    trusted_authors: list[str] = []
    # Author entries with who set them, when, why, and an optional expiry.
    authors: list[AuthorSettings] = []
    required_hashtags: list[Hashtag] = []
    # Hold posts carrying a hashtag of another event in this file.
    hold_other_events: bool = False
    # More hashtags, of events this Murmur does not run, that hold a post.
    other_hashtags: list[Hashtag] = []
    # Languages the screens show; a post in another language is held. Empty: any.
    languages: list[LanguageCode] = []
    # Hold posts from accounts the network marks as bots.
    hold_bots: bool = False
    # Hold posts from accounts younger than this many days (when the network says); 0: off.
    min_account_age_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] = 0
    # Posts one author may send within flood_minutes; more are held. 0: off.
    flood_posts: Annotated[int, msgspec.Meta(ge=0, le=50)] = 0
    flood_minutes: Annotated[float, msgspec.Meta(gt=0, le=1440)] = 10.0
    # Look this many minutes back for repeated texts; 0: off.
    duplicate_minutes: Annotated[float, msgspec.Meta(ge=0, le=1440)] = 0.0
    # How alike two texts must be to count as a repeat (0.5 to 1; 1: word for word).
    duplicate_similarity: Annotated[float, msgspec.Meta(ge=0.5, le=1)] = 0.75


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
    token_env: TokenEnv | None = None
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
    # AppView used to look up author profiles (app.bsky.actor.getProfiles) and quoted
    # posts (app.bsky.feed.getPosts).
    appview: HttpUrl = "https://public.api.bsky.app"
    # CDN that serves the posts' pictures (fetched by Murmur, never by screens).
    cdn: HttpUrl = "https://cdn.bsky.app"


class RssSource(
    msgspec.Struct, tag="rss", tag_field="type", forbid_unknown_fields=True, kw_only=True
):
    # The RSS or Atom feed's URL.
    url: HttpUrl
    # Seconds between polls (conditional GET: an unchanged feed costs one small request).
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.05, le=86400)] = 60.0
    # Keep only entries carrying one of the event's hashtags (in categories or text).
    require_hashtags: bool = False


class XSource(msgspec.Struct, tag="x", tag_field="type", forbid_unknown_fields=True, kw_only=True):
    # The X API's base URL (the paths /2/... are added to it).
    api: HttpUrl = "https://api.x.com"
    # Environment variable holding the app's bearer token (app-only authentication).
    token_env: TokenEnv = "X_BEARER_TOKEN"  # noqa: S105 (a variable's name, not a secret)
    # Use recent search: to fill the gap after a restart, and instead of the stream when
    # the app may not stream. Each post read is billed by X.
    search_fallback: bool = True
    # Seconds between two recent searches when searching instead of streaming.
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.05, le=3600)] = 30.0


SourceSettings = DemoSource | MastodonSource | BlueskySource | RssSource | XSource


ThemeName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="a theme name (a folder under wall/themes/, such as dark)",
    ),
]


class Announcement(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    # The slide's text (schedule, sponsors, "next talk at 14:00").
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=280)]
    # A picture for the slide: a /media/... URL served by Murmur, or none.
    image: Annotated[str, msgspec.Meta(pattern=r"^/media/[0-9a-f]{32}\.webp$")] | None = None
    # Shown over the wall after every this many new posts, however busy; 0: not on a count.
    every_posts: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0
    # Shown over the wall at least this often, in minutes, however busy; 0: not on a clock.
    every_minutes: Annotated[float, msgspec.Meta(ge=0, le=1440)] = 0
    # How long it stays over the wall when scheduled or shown now, in seconds.
    seconds: Annotated[int, msgspec.Meta(ge=3, le=300)] = 10


class DisplaySettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    # The screens' theme: a folder under wall/themes/.
    theme: ThemeName = "dark"
    # grid | single | ticker | stage; a screen's ?layout= wins.
    layout: Literal["grid", "single", "ticker", "stage"] = "grid"
    # Show the participation banner (hashtags and a QR code to the attendees' page).
    show_qr: bool = True
    # Seconds without a new post before the wall brings back earlier posts and slides.
    quiet_seconds: Annotated[int, msgspec.Meta(ge=5, le=3600)] = 20
    # Organiser slides shown in quiet moments.
    announcements: Annotated[tuple[Announcement, ...], msgspec.Meta(max_length=20)] = ()


class SubmissionSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The attendees' page, ``/submit/{event}``."""

    # Whether attendees may post from /submit/{event}.
    enabled: bool = True
    # Longest text, in characters.
    max_text: Annotated[int, msgspec.Meta(ge=1, le=5000)] = 500
    # Largest photo accepted, in megabytes (the media store takes 20 at most).
    max_photo_mb: Annotated[int, msgspec.Meta(ge=1, le=20)] = 15
    # Posts per device (a random id in a signed cookie) in any hour; 0: no limit.
    per_device_per_hour: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 10
    # Posts per client address in any hour; 0: no limit. Raise it when many attendees
    # share one address (a campus network behind NAT).
    per_address_per_hour: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 60
    # How long posts are kept and shown, in the consent line (French, English).
    retention_fr: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] = (
        "jusqu’à la fin de l’événement"
    )
    retention_en: Annotated[str, msgspec.Meta(min_length=1, max_length=300)] = (
        "until the end of the event"
    )
    # The whole consent line, written by the organiser (French, English); empty: Murmur's
    # own, built from the moderation mode and the retention above.
    consent_fr: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    consent_en: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class PrivacySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What Murmur keeps about the people on the wall (see docs/privacy.md)."""

    # Days a post is kept after it came in; then it is erased everywhere, its pictures
    # too, and the audit keeps only that it happened. 0: kept until erased by hand.
    retention_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] = 0


class MastodonReplies(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The institution's Mastodon account, to answer posts where they were written."""

    # The server the account lives on.
    server: HttpUrl
    # Environment variable holding the account's access token, with the scope
    # write:statuses (and read:search to find the post on this server).
    token_env: TokenEnv

    def variables(self) -> tuple[str, ...]:
        """The environment variables its secrets are read from."""
        return (self.token_env,)


class BlueskyReplies(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The institution's Bluesky account, to answer posts where they were written."""

    # The account's handle (univ.bsky.social) or DID.
    handle: Annotated[str, msgspec.Meta(min_length=3, max_length=253)]
    # Environment variable holding an app password of the account (Settings → Privacy
    # and security → App passwords), never the account's own password.
    token_env: TokenEnv
    # The account's PDS, where the reply is written.
    pds: HttpUrl = "https://bsky.social"
    # Where the answered post's cid and thread are read (app.bsky.feed.getPosts).
    appview: HttpUrl = "https://public.api.bsky.app"

    def variables(self) -> tuple[str, ...]:
        """The environment variables its secrets are read from."""
        return (self.token_env,)


class XReplies(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The institution's X account, to answer posts where they were written. X lets an app
    post for an account with OAuth 1.0a user context: four secrets, each in its variable.
    (Not an OAuth 2.0 user token: X makes those last two hours, and refreshing one rotates
    a secret Murmur could not keep in the file and the environment.)"""

    # The account's user name (without @), for the link to each reply.
    username: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_]{1,15}$")]
    # The app's API key and secret (developer portal: Keys and tokens, Consumer Keys).
    consumer_key_env: TokenEnv
    consumer_secret_env: TokenEnv
    # The account's access token and secret, made with "Read and write" permission.
    token_env: TokenEnv
    token_secret_env: TokenEnv
    # The X API's host.
    api: HttpUrl = "https://api.x.com"

    def variables(self) -> tuple[str, ...]:
        """The environment variables its secrets are read from."""
        return (self.consumer_key_env, self.consumer_secret_env, self.token_env,
                self.token_secret_env)  # fmt: skip


class RepliesSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Accounts the desk may answer from on the networks (docs/replies.md). Read from the
    configuration file only: live changes and events made in the browser have none."""

    mastodon: MastodonReplies | None = None
    bluesky: BlueskyReplies | None = None
    x: XReplies | None = None


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
    # The attendees' page.
    submissions: SubmissionSettings = msgspec.field(default_factory=SubmissionSettings)
    # How long posts are kept.
    privacy: PrivacySettings = msgspec.field(default_factory=PrivacySettings)
    # The event's window, with a time zone (2026-06-12T09:00:00+02:00): before it, screens
    # say when it starts; after it, a closing slide; sources run only within it. None: open.
    starts_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    ends_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    # Answer on the networks too (docs/replies.md): the accounts, from this file only...
    replies: RepliesSettings = msgspec.field(default_factory=RepliesSettings)
    # ...and whether the desk may use them for this event, which organisers switch from
    # the browser. Off by default.
    answer_on_networks: bool = False

    def __post_init__(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")


class DeskSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The moderation desk (see docs/moderation-desk.md)."""

    # How long after an action its moderator may undo it, in seconds.
    undo_seconds: Annotated[float, msgspec.Meta(ge=1, le=300)] = 10.0
    # How long a card stays reserved for the moderator who opened it, unless renewed.
    claim_seconds: Annotated[int, msgspec.Meta(ge=5, le=600)] = 30
    # How long a spotlight lasts when the moderator does not say.
    spotlight_seconds: Annotated[int, msgspec.Meta(ge=3, le=600)] = 15


def _no_password(key: str, url: str, where: str) -> None:
    """A password in the file would be read by anyone who reads the file (and its backups)."""
    from urllib.parse import urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        raise ValueError(f"{key}: {url!r} is not a URL") from None
    if password:
        raise ValueError(f"{key}: the URL holds a password; {where}")


class StoreSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where posts, decisions and the event log live (see docs/scaling.md)."""

    # Empty: one SQLite file in the data folder (one process). ``postgresql://user@host/db``:
    # PostgreSQL, which several Murmur processes share. The password comes from libpq's own
    # PGPASSWORD or ~/.pgpass, never from this file.
    url: str = ""

    def __post_init__(self) -> None:
        if not self.url:
            return
        if not self.url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                f"store.url: {self.url!r} is not a PostgreSQL URL (postgresql://user@host/db);"
                " leave it out to keep the SQLite file in the data folder"
            )
        _no_password("store.url", self.url, "put it in PGPASSWORD or ~/.pgpass (docs/scaling.md)")


class BusSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """How committed changes reach every process's screens (see docs/scaling.md)."""

    # Empty: in this process only. ``redis://host:6379/0``: through Redis, which also holds
    # claims, presence, the screen fleet and the limits shared by every process.
    url: str = ""
    # The environment variable holding Redis's password, if it has one.
    password_env: EnvName | None = None
    # Prefix of every Redis key and channel: several Murmur clusters may share one Redis.
    namespace: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "murmur"

    def __post_init__(self) -> None:
        if not self.url:
            return
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"bus.url: {self.url!r} is not a Redis URL (redis://host:6379/0); leave it"
                " out to keep the bus in this process"
            )
        _no_password("bus.url", self.url, "name its variable in bus.password_env")


class Settings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    events: list[EventSettings] = []
    media: MediaSettings = msgspec.field(default_factory=MediaSettings)
    desk: DeskSettings = msgspec.field(default_factory=DeskSettings)
    store: StoreSettings = msgspec.field(default_factory=StoreSettings)
    bus: BusSettings = msgspec.field(default_factory=BusSettings)
    # Not read from the file: set by the command line.
    data_dir: Path = Path("murmur-data")
    config_path: Path | None = None

    def __post_init__(self) -> None:
        secret = self.server.secret_key_env
        for event in self.events:
            for source in event.sources:
                if secret is not None and getattr(source, "token_env", None) == secret:
                    raise ValueError(
                        f"event {event.slug}: token_env {secret} is the session secret's "
                        "variable (server.secret_key_env); give the source its own"
                    )
            replies = event.replies
            accounts = [replies.mastodon, replies.bluesky, replies.x]
            names = [n for a in accounts if a is not None for n in a.variables()]
            if secret is not None and secret in names:
                raise ValueError(
                    f"event {event.slug}: replies: {secret} is the session secret's variable "
                    "(server.secret_key_env); give the account its own"
                )


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
    "AuthorSettings",
    "BlueskySource",
    "DemoSource",
    "DeskSettings",
    "DisplaySettings",
    "EventSettings",
    "MastodonSource",
    "MediaSettings",
    "PrivacySettings",
    "RssSource",
    "RulesSettings",
    "ServerSettings",
    "Settings",
    "SourceSettings",
    "SubmissionSettings",
    "XReplies",
    "XSource",
    "with_demo",
]
