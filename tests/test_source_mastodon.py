"""The Mastodon source: payload parsing, then the real connector against a fake server.

The misbehaviour suite runs ``MastodonFeed`` with a real ``SourceContext`` (SQLite store,
media store, guarded HTTP session) against ``tests.fakes.mastodon``, mostly through the
real ``Supervisor`` so that health is checked as moderators would see it.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

import wall.supervisor
from moderation import Post, Rules, Status
from tests.fakes.mastodon import (
    FakeMastodon,
    hashtag_link,
    iso,
    make_account,
    make_attachment,
    make_status,
)
from wall.fetch import Guard, make_session
from wall.ingest import judge, normalise
from wall.media import MediaStore
from wall.settings import EventSettings, MastodonSource
from wall.sources.context import Cursor, SourceContext
from wall.sources.errors import BadCredentials, NotFoundOnNetwork
from wall.sources.mastodon import MastodonFeed
from wall.sources.mastodon_wire import (
    Deletion,
    MalformedPayload,
    SseDecoder,
    StreamError,
    Update,
    html_to_text,
    parse_status,
    parse_ws_frame,
    retry_after,
    status_id_key,
)
from wall.sources.registry import build_source
from wall.store import Store
from wall.supervisor import Health, Supervisor

BASE = "https://campus.social"
SLUG = "jpo"


def status(**kwargs: Any) -> dict[str, Any]:
    return make_status("110000000000000001", BASE, **kwargs)


# -- parse_status ------------------------------------------------------------------------


def test_a_status_becomes_a_post_with_its_author_text_tags_and_link() -> None:
    created = datetime(2026, 11, 26, 9, 12, 30, 123000, tzinfo=UTC)
    data = status(text="Super ambiance", tags=["JPO2026", "CampusLife"], created_at=created)

    parsed = parse_status(json.dumps(data), server="campus.social")
    post = parsed.post

    assert parsed.id == "110000000000000001"
    assert post.network == "mastodon"
    assert post.network_id == "https://campus.social/users/ines/statuses/110000000000000001"
    assert post.url == "https://campus.social/@ines/110000000000000001"
    assert post.author.name == "Inès Moreau"
    assert post.author.handle == "ines@campus.social"
    assert post.author.profile_url == "https://campus.social/@ines"
    assert post.author.avatar_url is None  # fetched by the feed, never a third-party URL
    assert parsed.avatar == f"{BASE}/system/accounts/avatars/ines.png"
    assert post.text == "Super ambiance #JPO2026 #CampusLife"
    assert post.html == data["content"]
    assert post.hashtags == ("JPO2026", "CampusLife")
    assert post.language == "fr"
    assert post.created_at == created
    assert post.media == ()


def test_a_remote_account_keeps_its_own_domain_and_a_blank_name_falls_back_to_acct() -> None:
    account = make_account(BASE, "sam", domain="social.example", display_name="")

    post = parse_status(status(account=account), server="campus.social").post

    assert post.author.handle == "sam@social.example"
    assert post.author.name == "sam@social.example"


def test_a_decoded_status_parses_like_its_json() -> None:
    data = status()

    assert parse_status(data, server="campus.social") == parse_status(
        json.dumps(data).encode(), server="campus.social"
    )


def test_content_warning_sensitive_and_missing_language_are_kept() -> None:
    data = status(spoiler_text="Spoiler du quiz", sensitive=True, language=None)

    post = parse_status(data, server="campus.social").post

    assert post.content_warning == "Spoiler du quiz"
    assert post.sensitive is True
    assert post.language is None


def test_media_become_pictures_to_fetch_with_alt_text_and_size() -> None:
    media = [
        make_attachment(BASE, 1, description="Amphi A, packed", width=1200, height=800),
        make_attachment(BASE, 2, kind="video", description=None, width=1920, height=1080),
        make_attachment(BASE, 3, kind="gifv"),
        make_attachment(BASE, 4, kind="audio"),
    ]
    media[2]["meta"] = None

    pictures = parse_status(status(media=media), server="campus.social").media

    assert [(p.kind, p.url) for p in pictures] == [
        ("image", f"{BASE}/system/media_attachments/files/110/000/original/1.png"),
        ("video", f"{BASE}/system/media_attachments/files/110/000/small/2.png"),  # poster
        ("gifv", f"{BASE}/system/media_attachments/files/110/000/small/3.png"),
    ]
    assert [p.alt for p in pictures] == ["Amphi A, packed", "", "A lecture hall full of students"]
    assert [(p.width, p.height) for p in pictures] == [(1200, 800), (1920, 1080), (None, None)]


def test_at_most_four_pictures_are_kept() -> None:
    media = [make_attachment(BASE, n) for n in range(6)]

    assert len(parse_status(status(media=media), server="campus.social").media) == 4


# -- text from content HTML --------------------------------------------------------------


def test_paragraphs_and_breaks_become_newlines() -> None:
    html = "<p>Line one<br>line two<br/>line three</p><p>Second paragraph</p>"

    assert html_to_text(html) == "Line one\nline two\nline three\n\nSecond paragraph"


def test_hidden_parts_of_links_are_dropped_and_shortened_links_end_with_an_ellipsis() -> None:
    html = (
        '<p>Programme : <a href="https://example.org/very/long/path" rel="nofollow">'
        '<span class="invisible">https://</span><span class="ellipsis">example.org/very/lo'
        '</span><span class="invisible">ng/path</span></a> '
        '<a href="https://example.org/x"><span class="invisible">https://</span>'
        '<span class="">example.org/x</span><span class="invisible"></span></a></p>'
    )

    assert html_to_text(html) == "Programme : example.org/very/lo… example.org/x"


def test_hashtag_links_read_as_hashtags() -> None:
    assert html_to_text(f"<p>Venez ! {hashtag_link(BASE, 'JPO2026')}</p>") == "Venez ! #JPO2026"


def test_entities_are_unescaped_and_custom_emoji_stay_as_shortcodes() -> None:
    html = "<p>&lt;3 &amp; merci&nbsp;! :blobcat_heart: &#x1F389; &quot;ok&quot;</p>"

    assert html_to_text(html) == '<3 & merci ! :blobcat_heart: 🎉 "ok"'


def test_lists_and_quotes_from_other_servers_keep_their_lines() -> None:
    html = (
        "<p>Au programme :</p><ul><li>robotique</li><li>IA</li></ul><blockquote>Venez</blockquote>"
    )

    assert html_to_text(html) == "Au programme :\n\nrobotique\nIA\n\nVenez"


def test_hostile_content_never_reaches_the_text_and_is_sanitised_at_ingest() -> None:
    content = (
        "<p>Hi <script>alert(1)</script><img src=x onerror=alert(2)>"
        '<a href="javascript:alert(3)" onclick="alert(4)">there</a>'
        "<style>body{display:none}</style><iframe src=https://evil.example></iframe></p>"
    )

    post = parse_status(status(content=content), server="campus.social").post
    safe = normalise(post)

    assert post.text == "Hi there"
    for needle in ("script", "onerror", "onclick", "javascript", "iframe", "style"):
        assert needle not in safe.html


def test_a_display_name_is_plain_text_even_when_it_looks_like_html() -> None:
    name = "<b>Eve</b><script>alert(1)</script>\u202e"
    account = make_account(BASE, "eve", display_name=name)

    post = parse_status(status(account=account), server="campus.social").post

    assert post.author.name == name  # never parsed, never put in html
    assert normalise(post).author.name == "<b>Eve</b><script>alert(1)</script>"  # no bidi
    assert "Eve" not in post.html


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"[]",
        json.dumps({"id": "1", "uri": "x"}).encode(),  # no account
        json.dumps(status() | {"created_at": "yesterday"}).encode(),
        json.dumps(status() | {"account": {"display_name": "no acct"}}).encode(),
        json.dumps(status() | {"tags": "JPO2026"}).encode(),
    ],
    ids=["not-json", "a-list", "no-account", "bad-date", "account-without-acct", "bad-tags"],
)
def test_a_payload_that_is_not_a_status_is_refused(payload: bytes) -> None:
    with pytest.raises(MalformedPayload):
        parse_status(payload, server="campus.social")


def test_an_oversized_status_is_refused_before_it_is_decoded() -> None:
    huge = json.dumps(status(content="<p>" + "a" * 2_000_000 + "</p>"))

    with pytest.raises(MalformedPayload, match="bytes"):
        parse_status(huge, server="campus.social")


# -- streaming wire formats --------------------------------------------------------------


def frame(event: str, payload: object, tag: str = "JPO2026") -> str:
    return json.dumps({"stream": ["hashtag", tag], "event": event, "payload": payload})


def test_a_websocket_update_frame_is_parsed_twice() -> None:
    data = status()

    event = parse_ws_frame(frame("update", json.dumps(data)), server="campus.social")

    assert isinstance(event, Update)
    assert event.tag == "jpo2026"
    assert event.edited is False
    assert event.status == parse_status(data, server="campus.social")


def test_an_edit_is_an_update_marked_edited() -> None:
    event = parse_ws_frame(frame("status.update", json.dumps(status())), server="campus.social")

    assert isinstance(event, Update)
    assert event.edited is True


def test_a_delete_frame_carries_the_bare_id() -> None:
    event = parse_ws_frame(frame("delete", "110000000000000001"), server="campus.social")

    assert event == Deletion("110000000000000001")


def test_an_error_frame_is_a_stream_error() -> None:
    text = json.dumps({"error": "Missing access token", "status": 401})

    assert parse_ws_frame(text, server="x") == StreamError(401, "Missing access token")


def test_a_payload_sent_as_an_object_is_tolerated() -> None:
    event = parse_ws_frame(frame("update", status()), server="campus.social")

    assert isinstance(event, Update)


def test_events_a_wall_has_no_use_for_are_ignored() -> None:
    assert parse_ws_frame(frame("notification", "{}"), server="x") is None
    assert parse_ws_frame(json.dumps({"event": "filters_changed"}), server="x") is None


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps(["update"]),
        frame("update", "{not a status"),
        frame("update", json.dumps({"id": 1})),
        frame("update", None),
        frame("delete", ""),
        frame("delete", 110000000000000001),
    ],
)
def test_a_malformed_frame_is_refused(text: str) -> None:
    with pytest.raises(MalformedPayload):
        parse_ws_frame(text, server="campus.social")


def test_sse_lines_make_events_and_comments_are_heartbeats() -> None:
    decoder = SseDecoder(server="campus.social", tag="jpo2026")
    data = status()
    lines = [":)", ":thump", "event: update", f"data: {json.dumps(data)}", ""]
    lines += [":thump", "event: delete", "data: 110000000000000001", ""]
    lines += ["event: notification", "data: {}", "", "data: orphan", ""]

    events = [e for e in map(decoder.line, lines) if e is not None]

    assert events == [
        Update(parse_status(data, server="campus.social"), tag="jpo2026"),
        Deletion("110000000000000001"),
    ]


def test_a_malformed_sse_event_is_refused_and_the_decoder_goes_on() -> None:
    decoder = SseDecoder(server="campus.social")
    for line in ("event: update", "data: {broken"):
        decoder.line(line)

    with pytest.raises(MalformedPayload):
        decoder.line("")
    assert decoder.line("event: delete") is None
    assert decoder.line("data: 42") is None
    assert decoder.line("") == Deletion("42")


# -- small rules -------------------------------------------------------------------------


def test_status_ids_sort_by_length_then_text() -> None:
    ids = ["110000000000000002", "99", "110000000000000010", "100"]

    assert sorted(ids, key=status_id_key) == [
        "99",
        "100",
        "110000000000000002",
        "110000000000000010",
    ]


def test_retry_after_reads_seconds_dates_and_mastodon_reset_times() -> None:
    now = datetime(2026, 11, 26, 9, 12, tzinfo=UTC)
    soon = now + timedelta(seconds=120)
    at = now.timestamp()

    assert retry_after({"Retry-After": "30"}, 60.0, now=at) == 30.0
    assert retry_after({"X-RateLimit-Reset": "2026-11-26T09:14:00.000Z"}, 60.0, now=at) == 120
    http_date = soon.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after({"Retry-After": http_date}, 60.0, now=at) == 120
    assert retry_after({"X-RateLimit-Reset": iso(now - timedelta(hours=1))}, 60.0, now=at) == 0
    assert retry_after({"Retry-After": "86400"}, 60.0, now=at) == 3600
    assert retry_after({}, 60.0, now=at) == 60.0
    assert retry_after({"Retry-After": "soon", "X-RateLimit-Reset": "?"}, 60.0, now=at) == 60


# -- the connector against the fake server -----------------------------------------------


@dataclass
class Env:
    store: Store
    media: MediaStore
    guard: Guard
    http: aiohttp.ClientSession
    fake: FakeMastodon
    secrets: dict[str, str] = field(default_factory=dict)
    withdrawn: list[tuple[str, str]] = field(default_factory=list)

    async def withdraw(self, network: str, network_id: str) -> None:
        """The hub's path for a post deleted on its network, recorded."""
        self.withdrawn.append((network, network_id))
        await self.store.withdraw(SLUG, network, network_id)

    def feed(
        self,
        *,
        token: str | None = "MASTODON_TOKEN",
        tags: tuple[str, ...] = ("JPO2026",),
        stall: float = 0.4,
        **settings: Any,
    ) -> MastodonFeed:
        source = MastodonSource(
            server=self.fake.url, token_env=token, poll_seconds=0.05, **settings
        )
        event = EventSettings(slug=SLUG, title="Journée portes ouvertes", hashtags=list(tags))
        ctx = SourceContext(
            event=event,
            http=self.http,
            guard=self.guard,
            media=self.media,
            cursor=Cursor(self.store, SLUG, "mastodon-1"),
            secret=self.secrets.get,
            withdraw=self.withdraw,
        )
        feed = build_source(source, ctx, "mastodon-1")
        assert isinstance(feed, MastodonFeed)
        feed.stall_seconds = stall
        return feed


@pytest.fixture
async def fake() -> AsyncIterator[FakeMastodon]:
    async with FakeMastodon(heartbeat=0.05) as server:
        yield server


@pytest.fixture
async def env(tmp_path: Path, fake: FakeMastodon) -> AsyncIterator[Env]:
    store = Store(tmp_path / "murmur.sqlite3")
    await store.open()
    await store.save_event(SLUG, "Journée portes ouvertes", "{}")
    guard = Guard(["127.0.0.0/8"])
    http = make_session(guard)
    try:
        yield Env(store, MediaStore(tmp_path / "media"), guard, http, fake)
    finally:
        await http.close()
        await store.close()


@pytest.fixture
def secrets(env: Env) -> dict[str, str]:
    env.secrets["MASTODON_TOKEN"] = env.fake.token
    return env.secrets


@dataclass
class Wall:
    """The ingest path (normalise, decide, store: which drops duplicates), recorded."""

    store: Store
    delivered: list[Post] = field(default_factory=list)
    stored: dict[str, Post] = field(default_factory=dict)

    @property
    def deliveries(self) -> list[str]:
        return [post.network_id for post in self.delivered]

    async def ingest(self, slug: str, post: Post) -> None:
        self.delivered.append(post)
        safe, verdict = judge(post, Rules())
        if await self.store.ingest(slug, safe, verdict) is not None:
            self.stored[post.network_id] = post

    async def wait_for(self, statuses: list[dict[str, Any]]) -> None:
        await until(lambda: {s["uri"] for s in statuses} <= set(self.stored))


@dataclass
class Running:
    feed: MastodonFeed
    supervisor: Supervisor
    wall: Wall

    @property
    def health(self) -> Health:
        return self.supervisor.health[(SLUG, self.feed.name)]


@pytest.fixture
async def run(env: Env, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[..., Running]]:
    """Start a feed under a real Supervisor whose backoff is a hundredth of a second."""
    monkeypatch.setattr(wall.supervisor, "backoff_delay", lambda failures, **_: 0.01)
    started: list[Supervisor] = []

    def start(feed: MastodonFeed) -> Running:
        collected = Wall(env.store)
        supervisor = Supervisor(collected.ingest)
        # As the hub does: what the source cannot read is counted in its health.
        feed.ctx.on_skip = functools.partial(supervisor.mark_skipped, SLUG, feed.name)
        supervisor.start(SLUG, feed)
        started.append(supervisor)
        return Running(feed, supervisor, collected)

    yield start
    for supervisor in started:
        await supervisor.stop()


async def until(condition: Callable[[], bool]) -> None:
    """Wait for ``condition`` (a safety limit only: no test asserts on time taken)."""
    async with asyncio.timeout(10):
        while not condition():
            await asyncio.sleep(0.005)


def uris(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["uri"] for s in statuses]


async def saved_cursor(env: Env) -> dict[str, str]:
    saved = await env.store.get_cursor(SLUG, "mastodon-1")
    return json.loads(saved) if saved else {}


async def cursor_reaches(env: Env, expected: dict[str, str]) -> None:
    """Wait until the saved cursor is ``expected`` (it is saved once a post is consumed)."""
    async with asyncio.timeout(10):
        while await saved_cursor(env) != expected:
            await asyncio.sleep(0.005)


# streaming


async def test_streaming_catches_up_on_the_timeline_then_streams_live(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    before = env.fake.publish_many(3)
    running = run(env.feed())
    await running.wall.wait_for(before)
    await env.fake.wait_subscribed()
    after = env.fake.publish_many(3)
    await running.wall.wait_for(before + after)

    assert running.wall.deliveries == uris(before + after)
    assert running.health.state == "live"
    assert env.fake.stream_connections == 1
    (stream,) = env.fake.open_streams()
    assert stream.subscriptions == {("hashtag", "jpo2026"): "jpo2026"}
    assert stream.request.headers["Authorization"] == f"Bearer {env.fake.token}"


async def test_the_streaming_address_comes_from_the_instance_or_the_settings(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    first = run(env.feed())
    await env.fake.wait_subscribed()
    assert env.fake.requests[0].path == "/api/v2/instance"
    await first.supervisor.stop()
    env.fake.requests.clear()

    second = run(env.feed(streaming=env.fake.streaming_url.replace("ws://", "http://")))
    await env.fake.wait_subscribed()
    status = env.fake.publish()
    await second.wall.wait_for([status])

    assert "/api/v2/instance" not in [r.path for r in env.fake.requests]


async def test_a_dropped_stream_reconnects_and_loses_nothing(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_subscribed()
    first = env.fake.publish_many(2)
    await running.wall.wait_for(first)

    env.fake.drop_streams()
    missed = env.fake.publish_many(2)  # while reconnecting: the catch-up finds them
    await until(lambda: env.fake.stream_connections == 2)
    await env.fake.wait_subscribed()
    live = env.fake.publish_many(2)
    await running.wall.wait_for(first + missed + live)

    assert running.wall.deliveries == uris(first + missed + live)
    assert running.health.last_error is not None
    assert "dropped" in running.health.last_error
    assert running.health.state == "live"


async def test_a_stalled_stream_is_noticed_by_its_missing_pongs_and_replaced(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed(stall=0.3))
    await env.fake.wait_subscribed()
    first = env.fake.publish_many(2)
    await running.wall.wait_for(first)

    env.fake.stall_streams()
    missed = env.fake.publish_many(2)  # swallowed by the stalled stream
    await running.wall.wait_for(first + missed)

    assert env.fake.stream_connections == 2
    assert running.wall.deliveries == uris(first + missed)
    assert running.health.last_error is not None
    assert "stalled" in running.health.last_error


async def test_malformed_frames_and_a_huge_payload_are_skipped_without_dropping_the_stream(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_subscribed()

    env.fake.send_raw("{not json")
    env.fake.send_huge(2 * 1024 * 1024)
    env.fake.send_raw(frame("update", json.dumps({"id": "1"}), tag="jpo2026"))
    env.fake.send_raw(frame("delete", ""))
    good = env.fake.publish()
    await running.wall.wait_for([good])

    assert running.wall.deliveries == [good["uri"]]
    assert env.fake.stream_connections == 1
    assert running.health.last_error is None
    assert running.health.skipped == 4
    assert running.health.last_skipped == (
        f"{URL(env.fake.url).host} sent a frame Murmur cannot read: delete without a status id"
    )


async def test_a_post_on_two_tags_or_delivered_twice_is_yielded_once(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed(tags=("JPO2026", "CampusLife")))
    await env.fake.wait_subscribed(tags=2)

    both = env.fake.publish(tags=["JPO2026", "CampusLife"])  # on both tag streams
    env.fake.resend(both)  # and once more on each
    after = env.fake.publish(tags=["CampusLife"])
    await running.wall.wait_for([both, after])

    assert running.wall.deliveries == uris([both, after])
    await cursor_reaches(env, {"campuslife": after["id"], "jpo2026": both["id"]})


async def test_an_edit_is_yielded_again_with_the_same_network_id(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_subscribed()
    status = env.fake.publish(text="Rendez-vous à 14 h")
    await running.wall.wait_for([status])

    env.fake.edit(status, text="Rendez-vous à 15 h")
    await until(lambda: len(running.wall.delivered) == 2)

    edited = running.wall.delivered[-1]
    assert edited.network_id == status["uri"]
    assert edited.text == "Rendez-vous à 15 h"


async def test_a_status_deleted_on_mastodon_is_withdrawn_by_its_uri(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_subscribed()
    kept, deleted = env.fake.publish_many(2)
    await running.wall.wait_for([kept, deleted])

    env.fake.delete(deleted)
    env.fake.send_raw(frame("delete", "110999999999999999"))  # never seen: nothing to do
    await until(lambda: bool(env.withdrawn))
    later = env.fake.publish()
    await running.wall.wait_for([later])

    assert env.withdrawn == [("mastodon", deleted["uri"])]
    _, rejected = await env.store.posts(SLUG, Status.REJECTED)
    assert [(p.network_id, p.reason) for p in rejected] == [
        (deleted["uri"], "deleted by its author on mastodon")
    ]


@pytest.mark.parametrize("refusal", [401, 404])
async def test_when_the_server_will_not_stream_the_feed_polls_with_its_token(
    env: Env, secrets: dict[str, str], run: Callable[..., Running], refusal: int
) -> None:
    env.fake.refuse_streaming(refusal)
    first = env.fake.publish_many(2)
    running = run(env.feed())
    await running.wall.wait_for(first)
    later = env.fake.publish_many(2)
    await running.wall.wait_for(first + later)

    assert env.fake.stream_connections == 0
    assert running.wall.deliveries == uris(first + later)
    requests = env.fake.timeline_requests()
    assert {r.headers.get("Authorization") for r in requests} == {f"Bearer {env.fake.token}"}


async def test_a_refusal_on_the_open_stream_also_falls_back_to_polling(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_subscribed()
    env.fake.send_error(401, "Access token does not have the required scopes")
    polls = len(env.fake.timeline_requests())
    await until(lambda: len(env.fake.timeline_requests()) > polls + 1)
    status = env.fake.publish()
    await running.wall.wait_for([status])

    assert running.health.last_error is None


async def test_local_only_follows_the_local_stream(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    running = run(env.feed(local_only=True))
    await env.fake.wait_subscribed()
    remote = env.fake.publish(account=make_account(env.fake.url, "sam", domain="social.example"))
    local = env.fake.publish()
    await running.wall.wait_for([local])

    (stream,) = env.fake.open_streams()
    assert set(stream.subscriptions) == {("hashtag:local", "jpo2026")}
    assert remote["uri"] not in running.wall.deliveries


# polling


async def test_polling_pages_forward_with_min_id_oldest_first(
    env: Env, run: Callable[..., Running]
) -> None:
    first = env.fake.publish_many(5)
    running = run(env.feed(token=None))
    await running.wall.wait_for(first)
    burst = env.fake.publish_many(45)  # more than a page
    await running.wall.wait_for(first + burst)

    assert running.wall.deliveries == uris(first + burst)
    queries = [r.query for r in env.fake.timeline_requests()]
    assert "min_id" not in queries[0]
    assert all(q.get("min_id") for q in queries[1:])
    assert {q["limit"] for q in queries} == {"40"}
    assert not any("Authorization" in r.headers for r in env.fake.timeline_requests())
    assert env.fake.stream_connections == 0


async def test_local_only_polls_the_local_timeline(env: Env, run: Callable[..., Running]) -> None:
    remote = env.fake.publish(account=make_account(env.fake.url, "sam", domain="social.example"))
    local = env.fake.publish()
    running = run(env.feed(token=None, local_only=True))
    await running.wall.wait_for([local])

    assert running.wall.deliveries == [local["uri"]]
    assert remote["uri"] not in running.wall.deliveries
    assert {r.query.get("local") for r in env.fake.timeline_requests()} == {"true"}


async def test_a_malformed_status_in_a_page_is_skipped_and_the_cursor_moves_past_it(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.store_raw({"id": env.fake.next_id(), "uri": "broken", "tags": [{"name": "JPO2026"}]})
    good = env.fake.publish()
    running = run(env.feed(token=None))
    await running.wall.wait_for([good])
    later = env.fake.publish()
    await running.wall.wait_for([good, later])

    assert running.wall.deliveries == uris([good, later])
    await cursor_reaches(env, {"jpo2026": later["id"]})
    assert running.health.skipped == 1
    assert (running.health.last_skipped or "").startswith(
        f"{URL(env.fake.url).host} sent a status Murmur cannot read: not a Mastodon status: "
    )


async def test_a_post_on_two_polled_tags_is_yielded_once(
    env: Env, run: Callable[..., Running]
) -> None:
    both = env.fake.publish(tags=["JPO2026", "CampusLife"])
    other = env.fake.publish()
    running = run(env.feed(token=None, tags=("JPO2026", "CampusLife")))
    await running.wall.wait_for([both, other])
    await until(lambda: len(env.fake.timeline_requests()) >= 4)  # a second round, too

    assert running.wall.deliveries == uris([both, other])


async def test_a_server_error_is_retried_and_nothing_is_lost(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next(500, times=2)
    first = env.fake.publish_many(3)
    running = run(env.feed(token=None))
    await running.wall.wait_for(first)

    assert running.health.last_error is not None
    assert "500" in running.health.last_error
    assert running.wall.deliveries == uris(first)


async def test_a_request_that_never_answers_counts_as_a_stall(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.stall_next()
    first = env.fake.publish_many(2)
    running = run(env.feed(token=None, stall=0.2))
    await running.wall.wait_for(first)

    assert running.health.last_error is not None
    assert "stopped answering" in running.health.last_error


@pytest.mark.parametrize("hint", ["Retry-After", "X-RateLimit-Reset"])
async def test_a_429_reports_rate_limited_until_the_servers_retry_time(
    env: Env, run: Callable[..., Running], hint: str
) -> None:
    reset = time.time() + 30
    value = "30" if hint == "Retry-After" else iso(datetime.fromtimestamp(reset, UTC))
    env.fake.fail_next(429, headers={hint: value})
    before = time.time()
    running = run(env.feed(token=None))
    await until(lambda: running.health.state == "rate limited")
    after = time.time()

    retry = running.health.next_retry_at
    assert retry is not None
    if hint == "Retry-After":
        assert before + 30 <= retry <= after + 30
    else:
        assert retry == pytest.approx(reset, abs=1)  # the server's reset, not a backoff
    assert running.health.last_error == "127.0.0.1 says too many requests"


async def test_after_a_429_the_feed_resumes_once_the_limit_resets(
    env: Env, run: Callable[..., Running]
) -> None:
    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    env.fake.fail_next(429, headers={"X-RateLimit-Reset": iso(soon)})
    first = env.fake.publish_many(2)
    running = run(env.feed(token=None))
    await running.wall.wait_for(first)

    assert running.health.last_error == "127.0.0.1 says too many requests"
    assert running.wall.deliveries == uris(first)


async def test_an_exhausted_budget_waits_for_the_reset_instead_of_asking(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.set_rate_limit(remaining=1, reset_in=30)
    first = env.fake.publish_many(2)
    running = run(env.feed(token=None))
    await running.wall.wait_for(first)
    await until(lambda: running.health.state == "rate limited")

    assert len(env.fake.timeline_requests()) == 1  # the 0 left was honoured: no 429
    retry = running.health.next_retry_at
    assert retry is not None
    assert retry == pytest.approx(env.fake.reset_at, abs=1)


async def test_a_refused_token_reports_bad_credentials_naming_its_variable(
    env: Env, run: Callable[..., Running]
) -> None:
    env.secrets["MASTODON_TOKEN"] = "not-the-token"
    running = run(env.feed())
    await until(lambda: running.health.state == "failing: bad credentials")

    assert running.health.last_error is not None
    assert "MASTODON_TOKEN" in running.health.last_error
    assert env.fake.stream_connections == 0


async def test_a_server_that_wants_a_token_says_so(env: Env, run: Callable[..., Running]) -> None:
    env.fake.timelines_need_token = True
    running = run(env.feed(token=None))
    await until(lambda: running.health.state == "failing: bad credentials")

    assert running.health.last_error is not None
    assert "token_env" in running.health.last_error


async def test_an_unknown_tag_is_reported_when_the_server_says_404(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.unknown_tag_status = 404
    running = run(env.feed(token=None))
    await until(lambda: running.health.state == "failing: not found")

    assert running.health.last_error == "127.0.0.1 does not know #jpo2026"


async def test_one_unknown_tag_among_several_does_not_stop_the_others(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.unknown_tag_status = 404
    first = env.fake.publish_many(2)
    running = run(env.feed(token=None, tags=("JPO2026", "NobodyYet")))
    await running.wall.wait_for(first)

    assert running.health.last_error is None


async def test_an_empty_timeline_is_simply_quiet(env: Env, run: Callable[..., Running]) -> None:
    running = run(env.feed(token=None))
    await until(lambda: len(env.fake.timeline_requests()) >= 3)

    assert running.health.last_error is None
    assert running.wall.delivered == []


async def test_an_event_without_hashtags_has_nothing_to_follow(env: Env) -> None:
    with pytest.raises(NotFoundOnNetwork, match="no hashtags"):
        await anext(env.feed(tags=()).posts())


async def test_a_bad_credential_is_a_permanent_failure(env: Env) -> None:
    env.secrets["MASTODON_TOKEN"] = "not-the-token"
    env.fake.refuse_streaming(401)

    with pytest.raises(BadCredentials) as caught:
        await anext(env.feed().posts())
    assert caught.value.permanent


# cursor and restarts


@pytest.mark.parametrize("mode", ["streaming", "polling"])
async def test_a_restart_resumes_from_the_saved_cursor_without_a_gap(
    env: Env, run: Callable[..., Running], mode: str
) -> None:
    token = "MASTODON_TOKEN" if mode == "streaming" else None
    env.secrets["MASTODON_TOKEN"] = env.fake.token
    first = env.fake.publish_many(3)
    before = run(env.feed(token=token))
    await before.wall.wait_for(first)
    await cursor_reaches(env, {"jpo2026": first[-1]["id"]})
    await before.supervisor.stop()

    missed = env.fake.publish_many(2)  # while Murmur is down
    env.fake.requests.clear()
    after = run(env.feed(token=token))  # a new feed, the same store
    await after.wall.wait_for(missed)
    live = env.fake.publish_many(1)
    await after.wall.wait_for(missed + live)

    assert after.wall.deliveries == uris(missed + live)
    assert env.fake.timeline_requests()[0].query["min_id"] == first[-1]["id"]


async def test_an_unreadable_cursor_starts_afresh(env: Env, run: Callable[..., Running]) -> None:
    await env.store.set_cursor(SLUG, "mastodon-1", "not json")
    first = env.fake.publish_many(2)
    running = run(env.feed(token=None))
    await running.wall.wait_for(first)

    await cursor_reaches(env, {"jpo2026": first[-1]["id"]})


# media


async def test_pictures_and_avatars_are_stored_by_murmur_and_a_failed_one_is_dropped(
    env: Env, run: Callable[..., Running]
) -> None:
    url = env.fake.url
    pictured = env.fake.publish(
        media=[
            make_attachment(url, 1, description="Amphi A"),
            make_attachment(url, 2, broken=True),
            make_attachment(url, 3, kind="video", description="Démo du robot"),
        ]
    )
    faceless = env.fake.publish(account=make_account(url, "zoe", avatar_broken=True))
    running = run(env.feed(token=None))
    await running.wall.wait_for([pictured, faceless])

    first, second = running.wall.delivered
    assert [(m.kind, m.alt) for m in first.media] == [
        ("image", "Amphi A"),
        ("video", "Démo du robot"),
    ]
    for media in first.media:
        assert media.url.startswith("/media/")
        assert (env.media.root / media.url.removeprefix("/media/")).is_file()
    assert first.author.avatar_url is not None
    assert first.author.avatar_url.startswith("/media/")
    assert second.author.avatar_url is None
    for post in running.wall.delivered:
        assert url not in json.dumps([m.url for m in post.media] + [post.author.avatar_url])


# the fake speaks the SSE format the decoder reads


async def test_the_sse_stream_reads_as_events_between_heartbeats(env: Env) -> None:
    fake = env.fake
    base = fake.streaming_url.replace("ws://", "http://") + "/api/v1/streaming/hashtag"
    decoder = SseDecoder(server="127.0.0.1", tag="jpo2026")
    events: list[object] = []
    heartbeats = 0
    async with aiohttp.ClientSession() as http:
        async with http.get(base, params={"tag": "JPO2026"}) as refused:
            assert refused.status == 401
            assert await refused.json() == {"error": "Missing access token"}
        headers = {"Authorization": f"Bearer {fake.token}"}
        async with http.get(base, params={"tag": "JPO2026"}, headers=headers) as response:
            assert response.content_type == "text/event-stream"
            assert await response.content.readline() == b":)\n"
            status = fake.publish()
            fake.delete(status)
            async with asyncio.timeout(10):
                while len(events) < 2 or not heartbeats:
                    line = (await response.content.readline()).decode().removesuffix("\n")
                    heartbeats += line == ":thump"
                    if (event := decoder.line(line)) is not None:
                        events.append(event)

    assert events == [
        Update(parse_status(status, server="127.0.0.1"), tag="jpo2026"),
        Deletion(status["id"]),
    ]


async def test_a_server_the_guard_refuses_is_never_contacted(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    feed = env.feed()
    feed.ctx.guard = Guard()  # public addresses only: the fake is on 127.0.0.1
    running = run(feed)
    await until(lambda: running.health.last_error is not None)

    assert running.health.state == "failing"
    assert (
        running.health.last_error
        == "127.0.0.1 may not be reached: 127.0.0.1 is not a public address"
    )
    assert env.fake.requests == []
    assert env.fake.stream_connections == 0


async def test_a_streaming_host_that_resolves_to_a_private_address_is_refused(
    env: Env, secrets: dict[str, str], run: Callable[..., Running]
) -> None:
    port = env.fake.streaming_url.rsplit(":", 1)[1]
    feed = env.feed(streaming=f"ws://localhost:{port}")
    feed.ctx.guard = Guard()
    running = run(feed)
    await until(lambda: running.health.last_error is not None)

    assert running.health.last_error is not None
    assert "localhost resolves to" in running.health.last_error
    assert env.fake.stream_connections == 0


async def test_custom_emoji_are_stored_by_murmur_and_kept_with_their_shortcode(
    env: Env, run: Callable[..., Running]
) -> None:
    url = env.fake.url
    picture = f"{url}/system/media_attachments/files/110/000/small/7.png"
    status = env.fake.publish(
        text="Merci :blobcat_heart: !",
        emojis=[
            {
                "shortcode": "blobcat_heart",
                "url": picture,
                "static_url": picture,
                "visible_in_picker": True,
            },
            {
                "shortcode": "unused",
                "url": picture,
                "static_url": picture,
                "visible_in_picker": True,
            },
        ],
        account=make_account(url, "bot_account") | {"bot": True},
    )
    running = run(env.feed(token=None))
    await running.wall.wait_for([status])

    (post,) = running.wall.delivered
    assert [e.shortcode for e in post.emoji] == ["blobcat_heart"]  # only those in the text
    assert post.emoji[0].url.startswith("/media/")
    assert (env.media.root / post.emoji[0].url.removeprefix("/media/")).is_file()
    assert post.author.bot is True and post.author.created_at is not None
