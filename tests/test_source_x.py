"""The X source: payload parsing, rule sync, then the real connector against a fake X API.

The misbehaviour suite runs ``XFeed`` (tweepy's ``AsyncStreamingClient`` underneath) with a
real ``SourceContext`` (SQLite store, media store, guarded HTTP session) against
``tests.fakes.x``, through the real ``Supervisor``, so that health is checked as
moderators would see it. The documented waits (5 s, 60 s, 250 ms steps…) are shortened
through the feed's attributes; no test asserts on time taken.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from moderation import Post, Rules
from tests.fakes.x import FakePost, FakeX, line, make_media, make_post, make_user
from wall.fetch import Guard, make_session
from wall.ingest import judge
from wall.media import MediaStore
from wall.settings import EventSettings, Settings, XSource
from wall.sources.context import Cursor, SourceContext
from wall.sources.errors import BadCredentials, Disconnected, RateLimited, SourceFailure
from wall.sources.registry import build_source
from wall.sources.x import XFeed, parse_search_page, parse_stream_line
from wall.sources.x_wire import MalformedLine, rules_for, search_queries
from wall.store import Store
from wall.supervisor import Health, Supervisor

BASE = "https://x.example"
SLUG = "jpo"
ENV = "X_BEARER_TOKEN"

# A stream line as X documents it (docs.x.com, filtered stream, "Consuming streaming data"),
# with the expansions and fields Murmur asks for.
LINE = (
    b'{"data":{"attachments":{"media_keys":["3_1718"]},"author_id":"2244994945",'
    b'"created_at":"2026-11-26T09:12:30.000Z","edit_history_tweet_ids":["1861362475836960768"],'
    b'"entities":{"hashtags":[{"start":30,"end":38,"tag":"JPO2026"}],'
    b'"urls":[{"start":39,"end":62,"url":"https://t.co/AbCdEfGhIj",'
    b'"expanded_url":"https://x.com/ines_m/status/1861362475836960768/photo/1",'
    b'"display_url":"pic.x.com/AbCdEfGhIj","media_key":"3_1718"}]},'
    b'"id":"1861362475836960768","lang":"fr","possibly_sensitive":false,'
    b'"text":"Amphi A plein &amp; ravi &lt;3 #JPO2026 https://t.co/AbCdEfGhIj"},'
    b'"includes":{"media":[{"alt_text":"Amphi A, packed","height":800,"media_key":"3_1718",'
    b'"type":"photo","url":"https://pbs.twimg.com/media/GdR1.jpg","width":1200}],'
    b'"users":[{"id":"2244994945","name":"In\\u00e8s Moreau",'
    b'"profile_image_url":"https://pbs.twimg.com/profile_images/1/ines_normal.jpg",'
    b'"username":"ines_m"}]},'
    b'"matching_rules":[{"id":"1861000000000000001","tag":"murmur:jpo:JPO2026"}]}\r\n'
)


def fixture(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(LINE)
    for path, value in changes.items():
        target = message
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return message


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\r\n"


# -- parse_stream_line -------------------------------------------------------------------


def test_a_stream_line_becomes_a_post_with_its_author_text_tags_link_and_picture() -> None:
    (post,) = parse_stream_line(LINE) or []

    assert post.network == "x"
    assert post.network_id == "1861362475836960768"
    assert post.url == "https://x.com/ines_m/status/1861362475836960768"
    assert post.author.name == "Inès Moreau"
    assert post.author.handle == "ines_m"
    assert post.author.profile_url == "https://x.com/ines_m"
    assert post.author.avatar_url == "https://pbs.twimg.com/profile_images/1/ines_400x400.jpg"
    assert post.text == "Amphi A plein & ravi <3 #JPO2026"
    assert post.html == "<p>Amphi A plein &amp; ravi &lt;3 #JPO2026</p>"
    assert post.hashtags == ("JPO2026",)
    assert post.language == "fr"
    assert post.sensitive is False
    assert post.created_at == datetime(2026, 11, 26, 9, 12, 30, tzinfo=UTC)
    (picture,) = post.media
    assert picture.url == "https://pbs.twimg.com/media/GdR1.jpg"  # the feed fetches it
    assert (picture.kind, picture.alt, picture.width, picture.height) == (
        "image",
        "Amphi A, packed",
        1200,
        800,
    )


@pytest.mark.parametrize("rule_id", ["1166916266197536768", 1166916266197536768])
def test_a_matching_rule_id_may_be_a_string_or_a_number(rule_id: str | int) -> None:
    # X sent rule ids as numbers in 2021: every post of the stream was refused whole.
    message = fixture(matching_rules=[{"id": rule_id, "tag": "murmur:jpo:JPO2026"}])

    (post,) = parse_stream_line(encode(message), rule_prefix="murmur:jpo:") or []

    assert post.network_id == "1861362475836960768"
    assert parse_stream_line(encode(message), rule_prefix="murmur:other:") == []


LONG = (
    "Journée portes ouvertes : le programme complet. 9 h accueil dans le hall, 10 h "
    "amphi A pour la présentation des licences, 11 h visite des labos de robotique et de "
    "chimie, 12 h 30 déjeuner au restaurant universitaire, 14 h ateliers d'orientation, "
    "15 h 30 rencontre avec les associations étudiantes, 17 h concert de la fanfare sur "
    "le parvis. Venez nombreux ! #JPO2026 #CampusLife https://t.co/Prog2026"
)


def test_a_long_post_is_read_whole_from_its_note_tweet() -> None:
    # What X sends for a post over 280 characters (docs.x.com, "note_tweet"): the first
    # 280 characters and a link in ``text``, the whole in ``note_tweet``, with its own
    # entities.
    short = LONG[:270] + "… https://t.co/More1234"
    message = fixture(
        data__text=short,
        data__entities={
            "urls": [
                {
                    "start": 272,
                    "end": 295,
                    "url": "https://t.co/More1234",
                    "display_url": "x.com/i/web/status/1…",
                }
            ]
        },
        data__attachments=None,
        data__note_tweet={
            "text": LONG,
            "entities": {
                "hashtags": [
                    {"start": 357, "end": 365, "tag": "JPO2026"},
                    {"start": 366, "end": 377, "tag": "CampusLife"},
                ],
                "urls": [
                    {
                        "start": 378,
                        "end": 399,
                        "url": "https://t.co/Prog2026",
                        "display_url": "univ.example/jpo",
                    },
                ],
            },
        },
    )

    (post,) = parse_stream_line(encode(message)) or []

    assert post.text == LONG.replace("https://t.co/Prog2026", "univ.example/jpo")
    assert post.hashtags == ("JPO2026", "CampusLife")
    assert post.media == ()


def test_a_keep_alive_carries_no_post() -> None:
    assert parse_stream_line(b"\r\n") is None
    assert parse_stream_line(b"") is None


def test_an_errors_line_is_logged_and_carries_no_post(caplog: pytest.LogCaptureFixture) -> None:
    message = {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": "UpstreamOperationalDisconnect",
                "detail": "This stream has been disconnected upstream for operational reasons.",
                "type": "https://api.twitter.com/2/problems/operational-disconnect",
            }
        ]
    }
    with caplog.at_level(logging.WARNING, logger="wall.sources.x"):
        assert parse_stream_line(encode(message)) is None
    assert "disconnected upstream for operational reasons" in caplog.text


def test_partial_errors_beside_a_post_keep_the_post() -> None:
    message = fixture(errors=[{"title": "Not Found Error", "detail": "Could not find media"}])

    posts = parse_stream_line(encode(message))

    assert posts is not None
    assert [p.network_id for p in posts] == ["1861362475836960768"]


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json\r\n",
        b"[1, 2]\r\n",
        encode(fixture(data__id=1861362475836960768)),  # a number, not a string
        encode(fixture(data__id="12ab")),
        encode(fixture(data__text=None)),
        encode(fixture(matching_rules=[{"tag": "no id"}])),
    ],
    ids=["not-json", "not-an-object", "numeric-id", "bad-id", "no-text", "bad-rule"],
)
def test_a_malformed_line_is_refused(payload: bytes) -> None:
    with pytest.raises(MalformedLine):
        parse_stream_line(payload)


def test_a_line_over_the_limit_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(MalformedLine, match="bytes"):
        parse_stream_line(b'{"data":{"text":"' + b"a" * (1024 * 1024) + b'"}}\r\n')


def test_a_post_matched_only_by_other_rules_is_not_this_events() -> None:
    others = fixture(matching_rules=[{"id": "1", "tag": "murmur:other:JPO2026"}, {"id": "2"}])
    both = fixture(matching_rules=[{"id": "2"}, {"id": "3", "tag": "murmur:jpo:JPO2026"}])

    assert parse_stream_line(encode(others), rule_prefix="murmur:jpo:") == []
    assert parse_stream_line(encode(both), rule_prefix="murmur:jpo:") != []
    assert parse_stream_line(encode(others)) != []  # no prefix: every post


def test_a_rule_without_a_tag_is_tolerated() -> None:
    # tweepy's own on_data reads rule["tag"] and would fail here.
    posts = parse_stream_line(encode(fixture(matching_rules=[{"id": "7"}])))

    assert posts is not None
    assert len(posts) == 1


def test_videos_and_gifs_give_their_still_and_at_most_four_pictures_are_kept() -> None:
    media = [
        make_media(BASE, 1, kind="video", alt_text=None),
        make_media(BASE, 2, kind="animated_gif"),
        *(make_media(BASE, n) for n in range(3, 7)),
        {"media_key": "16_1", "type": "unknown"},
    ]
    post = make_post("1861362475836960771", BASE, media=media)
    message = {"data": post.data, "includes": {"users": [post.user], "media": post.media}}

    (parsed,) = parse_stream_line(encode(message)) or []

    assert [(m.kind, m.url) for m in parsed.media] == [
        ("video", f"{BASE}/media/1_thumb.png"),
        ("gifv", f"{BASE}/media/2_thumb.png"),
        ("image", f"{BASE}/media/3.png"),
        ("image", f"{BASE}/media/4.png"),
    ]
    assert parsed.media[0].alt == ""


@pytest.mark.parametrize(("lang", "expected"), [("en", "en"), ("und", None), ("qme", None)])
def test_x_codes_for_no_language_become_none(lang: str, expected: str | None) -> None:
    (post,) = parse_stream_line(encode(fixture(data__lang=lang))) or []
    assert post.language == expected


def test_sensitive_posts_and_other_links_are_kept_readable() -> None:
    urls = [
        {
            "start": 5,
            "end": 28,
            "url": "https://t.co/Zz9",
            "expanded_url": "https://www.univ.example/jpo",
            "display_url": "univ.example/jpo",
        }
    ]
    message = fixture(
        data__text="Plan https://t.co/Zz9 #JPO2026",
        data__possibly_sensitive=True,
        data__entities__urls=urls,
    )

    (post,) = parse_stream_line(encode(message)) or []

    assert post.text == "Plan univ.example/jpo #JPO2026"
    assert post.sensitive is True


def test_the_link_of_an_attached_picture_goes_even_without_its_media_key() -> None:
    # As X sent it in 2021 (tests/data/real/x/twarc): no media_key on the picture's link,
    # which leads to the post's own /photo/1; a link to another post stays.
    urls = [
        {
            "url": "https://t.co/YbMgHU5xRX",
            "expanded_url": "https://twitter.com/ines_m/status/1861362475836960768/photo/1",
            "display_url": "pic.twitter.com/YbMgHU5xRX",
        },
        {
            "url": "https://t.co/tXgDG9jrKX",
            "expanded_url": "https://twitter.com/other/status/1377640162566496258/photo/1",
            "display_url": "pic.twitter.com/tXgDG9jrKX",
        },
    ]
    message = fixture(
        data__text="Fury https://t.co/YbMgHU5xRX https://t.co/tXgDG9jrKX",
        data__entities__urls=urls,
    )

    (post,) = parse_stream_line(encode(message)) or []

    assert post.text == "Fury pic.twitter.com/tXgDG9jrKX"


def test_a_post_without_its_author_or_date_still_reads() -> None:
    message = fixture(includes=None, data__created_at=None)

    (post,) = parse_stream_line(encode(message)) or []

    assert post.author.name == "X user"
    assert post.author.handle == "2244994945"
    assert post.author.avatar_url is None
    assert post.url == "https://x.com/i/status/1861362475836960768"
    assert post.media == ()
    # The id is a snowflake: its high bits are the time it was posted.
    assert post.created_at.date() == datetime(2024, 11, 26, tzinfo=UTC).date()


def test_hostile_text_is_escaped_in_the_html() -> None:
    message = fixture(data__text="<script>alert(1)</script>\n\nSecond paragraph\nline")

    (post,) = parse_stream_line(encode(message)) or []

    assert post.text.startswith("<script>")
    assert post.html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>Second paragraph<br>line</p>"
    )


# -- parse_search_page -------------------------------------------------------------------


def test_a_search_page_reads_with_its_newest_id_and_next_token() -> None:
    posts = [make_post(str(1861362475836960770 + n), BASE) for n in (2, 1)]
    body = {
        "data": [p.data for p in posts] + [{"id": 5, "text": "a number id"}],
        "includes": {"users": [posts[0].user]},
        "meta": {
            "newest_id": posts[0].id,
            "oldest_id": posts[1].id,
            "result_count": 3,
            "next_token": "b26v89c19zqg8o3fr5",
        },
    }

    page = parse_search_page(json.dumps(body).encode())

    assert [p.network_id for p in page.posts] == [posts[0].id, posts[1].id]  # bad one skipped
    assert page.skipped == ["not a post: Expected `str`, got `int` - at `$.id`"]
    assert page.newest_id == posts[0].id
    assert page.next_token == "b26v89c19zqg8o3fr5"
    assert page.posts[0].author.handle == "ines"


def test_an_empty_search_page_has_no_newest_id() -> None:
    page = parse_search_page(b'{"meta":{"result_count":0}}')

    assert (page.posts, page.newest_id, page.next_token) == ([], None, None)


def test_a_search_answer_that_is_not_a_page_is_refused() -> None:
    with pytest.raises(MalformedLine):
        parse_search_page(b'{"data": "nope"}')


# -- rules and queries -------------------------------------------------------------------


def test_each_hashtag_gets_one_tagged_rule_without_retweets() -> None:
    assert rules_for("jpo", ["#JPO2026", "CampusLife", "jpo2026"]) == {
        "murmur:jpo:JPO2026": "#JPO2026 -is:retweet",
        "murmur:jpo:CampusLife": "#CampusLife -is:retweet",
    }


def test_search_queries_join_hashtags_within_xs_length_limit() -> None:
    tags = [f"tag{n:03d}{'x' * 40}" for n in range(30)]

    queries = search_queries(tags)

    assert len(queries) > 1
    assert all(len(q) <= 512 and q.endswith(") -is:retweet") for q in queries)
    assert sorted(t for q in queries for t in re.findall(r"#(\w+)", q)) == sorted(tags)
    assert search_queries(["JPO2026"]) == ["(#JPO2026) -is:retweet"]


# -- the documented waits ----------------------------------------------------------------


def test_the_retry_hints_follow_xs_reconnection_rules() -> None:
    feed = XFeed(XSource(), _dummy_ctx(), "x-1")

    network = [feed._network_failure("dropped").retry_after for _ in range(70)]
    http = [feed._http_failure(503, {}, "HTTP 503").retry_after for _ in range(8)]
    limited = [feed._http_failure(429, {}, "HTTP 429").retry_after for _ in range(3)]
    reset = feed._http_failure(429, {"x-rate-limit-reset": str(int(time.time()) + 600)}, "")

    assert network[:3] == [0.25, 0.5, 0.75]
    assert network[-1] == 16.0  # linear, capped at 16 s
    assert http == [5, 10, 20, 40, 80, 160, 320, 320]  # exponential from 5 s to 320 s
    assert limited == [60, 120, 240]  # exponential from 60 s
    assert isinstance(reset, RateLimited)
    assert reset.retry_after is not None
    assert 590 < reset.retry_after <= 600


def test_auth_failures_are_bad_credentials_naming_the_variable() -> None:
    feed = XFeed(XSource(token_env="CAMPUS_X"), _dummy_ctx(), "x-1")

    for status in (401, 403):
        failure = feed._http_failure(status, {}, "")
        assert isinstance(failure, BadCredentials)
        assert "CAMPUS_X" in str(failure)


def _dummy_ctx() -> SourceContext:
    class Nothing:
        pass

    return SourceContext(
        event=EventSettings(slug=SLUG, title="JPO", hashtags=["JPO2026"]),
        http=Nothing(),  # type: ignore[arg-type]
        guard=Guard(),
        media=Nothing(),  # type: ignore[arg-type]
        cursor=Nothing(),  # type: ignore[arg-type]
        secret={}.get,
    )


# -- settings ----------------------------------------------------------------------------


def test_x_settings_have_documented_defaults_and_load_from_toml() -> None:
    source = XSource()
    assert (source.api, source.token_env, source.search_fallback, source.poll_seconds) == (
        "https://api.x.com",
        "X_BEARER_TOKEN",
        True,
        30.0,
    )
    loaded = msgspec.toml.decode(
        b'[[events]]\nslug = "jpo"\ntitle = "JPO"\n'
        b'[[events.sources]]\ntype = "x"\nsearch_fallback = false\n',
        type=Settings,
    )
    assert loaded.events[0].sources == [XSource(search_fallback=False)]


# -- the connector against the fake API --------------------------------------------------


@dataclass
class Env:
    store: Store
    media: MediaStore
    guard: Guard
    http: aiohttp.ClientSession
    fake: FakeX
    secrets: dict[str, str] = field(default_factory=dict)

    def feed(
        self, *, tags: tuple[str, ...] = ("JPO2026",), stall: float = 0.3, **settings: Any
    ) -> XFeed:
        source = XSource(api=self.fake.url, poll_seconds=0.05, **settings)
        event = EventSettings(slug=SLUG, title="Journée portes ouvertes", hashtags=list(tags))
        ctx = SourceContext(
            event=event,
            http=self.http,
            guard=self.guard,
            media=self.media,
            cursor=Cursor(self.store, SLUG, "x-1"),
            secret=self.secrets.get,
        )
        feed = build_source(source, ctx, "x-1")
        assert isinstance(feed, XFeed)
        feed.stall_seconds = stall
        feed.network_step = feed.http_start = feed.limit_start = 0.01
        return feed


@pytest.fixture
async def fake() -> AsyncIterator[FakeX]:
    async with FakeX(keepalive=0.05) as server:
        yield server


@pytest.fixture
async def env(tmp_path: Path, fake: FakeX) -> AsyncIterator[Env]:
    store = Store(tmp_path / "murmur.sqlite3")
    await store.open()
    await store.save_event(SLUG, "Journée portes ouvertes", "{}")
    guard = Guard(["127.0.0.0/8"])
    http = make_session(guard)
    try:
        yield Env(store, MediaStore(tmp_path / "media"), guard, http, fake, {ENV: fake.token})
    finally:
        await http.close()
        await store.close()


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

    async def wait_for(self, posts: list[FakePost]) -> None:
        await until(lambda: {p.id for p in posts} <= set(self.stored))


@dataclass
class Running:
    feed: XFeed
    supervisor: Supervisor
    wall: Wall

    @property
    def health(self) -> Health:
        return self.supervisor.health[(SLUG, self.feed.name)]


@pytest.fixture
async def run(env: Env) -> AsyncIterator[Callable[..., Running]]:
    """Start a feed under a real Supervisor whose backoff is at most a hundredth of a second."""
    started: list[Supervisor] = []

    def start(feed: XFeed) -> Running:
        collected = Wall(env.store)
        supervisor = Supervisor(collected.ingest, backoff_base=0.001, backoff_cap=0.01)
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


def ids(posts: list[FakePost]) -> list[str]:
    return [p.id for p in posts]


async def saved_cursor(env: Env) -> str | None:
    return await env.store.get_cursor(SLUG, "x-1")


async def cursor_reaches(env: Env, expected: str) -> None:
    async with asyncio.timeout(10):
        while await saved_cursor(env) != expected:
            await asyncio.sleep(0.005)


# rules


async def test_the_first_start_adds_one_tagged_rule_per_hashtag(
    env: Env, run: Callable[..., Running]
) -> None:
    run(env.feed(tags=("JPO2026", "CampusLife")))
    await env.fake.wait_streaming()

    assert sorted((r["tag"], r["value"]) for r in env.fake.rules.values()) == [
        ("murmur:jpo:CampusLife", "#CampusLife -is:retweet"),
        ("murmur:jpo:JPO2026", "#JPO2026 -is:retweet"),
    ]
    (change,) = [r for r in env.fake.seen("/2/tweets/search/stream/rules") if r.method == "POST"]
    assert all("tag" in rule for rule in change.body["add"])


async def test_stale_rules_of_the_event_go_and_other_rules_stay(
    env: Env, run: Callable[..., Running]
) -> None:
    wanted = env.fake.add_rule("#JPO2026 -is:retweet", "murmur:jpo:JPO2026")
    old = env.fake.add_rule("#JPO2025 -is:retweet", "murmur:jpo:JPO2025")
    changed = env.fake.add_rule("#CampusLife", "murmur:jpo:CampusLife")  # an older form
    other_event = env.fake.add_rule("#NuitInfo -is:retweet", "murmur:nuit:NuitInfo")
    other_tool = env.fake.add_rule("cats has:images")  # another tool's, without a tag
    tagged_tool = env.fake.add_rule("from:univ_example", "press-office")

    run(env.feed(tags=("JPO2026", "CampusLife")))
    await env.fake.wait_streaming()

    rules = {r["id"]: r for r in env.fake.rules.values()}
    assert old["id"] not in rules
    assert changed["id"] not in rules
    for kept in (wanted, other_event, other_tool, tagged_tool):
        assert rules[kept["id"]] == kept
    ours = sorted(
        (r["tag"], r["value"]) for r in rules.values() if r.get("tag", "")[:11] == "murmur:jpo:"
    )
    assert ours == [
        ("murmur:jpo:CampusLife", "#CampusLife -is:retweet"),
        ("murmur:jpo:JPO2026", "#JPO2026 -is:retweet"),
    ]


async def test_rules_already_in_place_are_left_untouched(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.add_rule("#JPO2026 -is:retweet", "murmur:jpo:JPO2026")

    run(env.feed())
    await env.fake.wait_streaming()

    assert [r.method for r in env.fake.seen("/2/tweets/search/stream/rules")] == ["GET"]


async def test_a_hashtag_change_is_picked_up_on_the_next_start(
    env: Env, run: Callable[..., Running]
) -> None:
    first = run(env.feed(tags=("JPO2026",)))
    await env.fake.wait_streaming()
    await first.supervisor.stop()

    second = run(env.feed(tags=("JPO2027",)))
    await env.fake.wait_streaming(connections=2)
    post = env.fake.publish(tags=["JPO2027"])
    await second.wall.wait_for([post])

    assert [(r["tag"], r["value"]) for r in env.fake.rules.values()] == [
        ("murmur:jpo:JPO2027", "#JPO2027 -is:retweet")
    ]


async def test_posts_brought_only_by_other_rules_are_not_shown(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.add_rule("#NuitInfo -is:retweet", "murmur:nuit:NuitInfo")
    env.fake.add_rule("#Robotique")  # another tool's rule, untagged
    running = run(env.feed())
    await env.fake.wait_streaming()

    env.fake.publish(tags=["NuitInfo"])
    env.fake.publish(tags=["Robotique"])
    ours = env.fake.publish(tags=["JPO2026", "Robotique"])
    await running.wall.wait_for([ours])

    assert running.wall.deliveries == [ours.id]


async def test_a_rule_x_refuses_is_logged_and_the_others_still_stream(
    env: Env, run: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    env.fake.add_rule("#CampusLife -is:retweet", "murmur:nuit:CampusLife")  # same value
    running = run(env.feed(tags=("JPO2026", "CampusLife")))
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert "DuplicateRule" in caplog.text


# streaming


async def test_posts_stream_in_with_the_documented_fields(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    posts = env.fake.publish_many(3)
    await running.wall.wait_for(posts)

    assert running.wall.deliveries == ids(posts)
    assert running.health.state == "live"
    assert running.health.last_error is None
    (stream,) = env.fake.seen("/2/tweets/search/stream")
    assert stream.query == {
        "expansions": "author_id,attachments.media_keys",
        "tweet.fields": "created_at,lang,entities,attachments,possibly_sensitive,note_tweet",
        "user.fields": "name,username,profile_image_url",
        "media.fields": "url,preview_image_url,type,alt_text,width,height",
    }
    assert stream.headers["Authorization"] == f"Bearer {env.fake.token}"
    assert env.fake.seen("/2/tweets/search/recent") == []  # no cursor: no search, no cost
    await cursor_reaches(env, posts[-1].id)


async def test_retweets_are_left_out_by_the_rule(env: Env, run: Callable[..., Running]) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    env.fake.publish(retweet=True)
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.wall.deliveries == [post.id]


async def test_a_dropped_stream_reconnects_and_fills_the_gap_from_search(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    first = env.fake.publish_many(2)
    await running.wall.wait_for(first)

    env.fake.drop_streams()  # in the middle of a line
    missed = env.fake.publish_many(2)  # nobody is connected: only search has them
    await env.fake.wait_streaming(connections=2)
    live = env.fake.publish_many(2)
    await running.wall.wait_for(first + missed + live)

    assert sorted(running.wall.stored) == sorted(ids(first + missed + live))
    assert len(running.wall.deliveries) == len(set(running.wall.deliveries))
    (search,) = env.fake.seen("/2/tweets/search/recent")
    assert search.query["since_id"] == first[-1].id
    assert running.health.last_error is not None
    assert "dropped" in running.health.last_error
    assert running.health.state == "live"


async def test_a_stalled_stream_is_noticed_and_replaced(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed(stall=0.3))
    await env.fake.wait_streaming()
    first = env.fake.publish_many(2)
    await running.wall.wait_for(first)

    env.fake.stall_streams()
    swallowed = env.fake.publish_many(2)  # the stalled stream never sends them
    await running.wall.wait_for(first + swallowed)

    assert env.fake.stream_connections == 2
    assert sorted(running.wall.stored) == sorted(ids(first + swallowed))
    assert running.health.last_error is not None
    assert "stalled" in running.health.last_error


async def test_a_stream_broken_below_http_is_caught_by_the_silence_watchdog(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed(stall=0.3))
    await env.fake.wait_streaming()
    first = env.fake.publish()
    await running.wall.wait_for([first])

    env.fake.drop_streams(framing=False)  # aiohttp's own read timeout never fires here
    missed = env.fake.publish()
    await env.fake.wait_streaming(connections=2)
    live = env.fake.publish()
    await running.wall.wait_for([first, missed, live])

    assert running.health.last_error is not None
    assert "stalled" in running.health.last_error


async def test_keep_alives_keep_a_quiet_stream_open(env: Env, run: Callable[..., Running]) -> None:
    running = run(env.feed(stall=0.3))
    await env.fake.wait_streaming()
    await asyncio.sleep(0.8)  # several stall periods of keep-alives only
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert env.fake.stream_connections == 1
    assert running.health.last_error is None


async def test_malformed_errors_and_big_lines_are_skipped_on_the_same_connection(
    env: Env, run: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()

    env.fake.send_raw(b"{not json\r\n")
    env.fake.send_raw(line({"data": {"id": 42, "text": "a number id"}}))
    env.fake.send_huge(300 * 1024)  # big, below the line limit, not a post
    env.fake.send_errors({"title": "Not Found Error", "detail": "Could not find user 12"})
    good = env.fake.publish()
    await running.wall.wait_for([good])

    assert running.wall.deliveries == [good.id]
    assert env.fake.stream_connections == 1
    assert running.health.last_error is None
    assert "Could not find user 12" in caplog.text
    assert running.health.skipped == 3  # the errors line carries no post: not a skip
    assert (running.health.last_skipped or "").startswith(
        "X sent a stream line Murmur cannot read: not a stream message: "
    )


async def test_a_post_whose_rule_id_is_a_number_reaches_the_wall(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    post = env.fake.post()
    numbered = [
        {"id": 1166916266197536768, "tag": rule["tag"]} for rule in env.fake.matching_rules(post)
    ]
    env.fake.send_raw(
        line({"data": post.data, "includes": {"users": [post.user]}, "matching_rules": numbered})
    )
    await running.wall.wait_for([post])

    assert running.wall.deliveries == [post.id]
    assert running.health.skipped == 0


async def test_a_line_over_the_limit_costs_a_reconnection_and_nothing_else(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    first = env.fake.publish()
    await running.wall.wait_for([first])

    env.fake.send_huge(2 * 1024 * 1024)
    behind = env.fake.publish()  # after the huge line, on the connection being dropped
    await env.fake.wait_streaming(connections=2)
    live = env.fake.publish()
    await running.wall.wait_for([first, behind, live])

    assert running.health.last_error is not None
    assert "line over" in running.health.last_error


async def test_duplicates_and_out_of_order_posts_are_stored_once_each(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    older, newer = env.fake.post(), env.fake.post()

    env.fake.publish(newer)
    env.fake.publish(older)  # out of order
    env.fake.deliver(newer)  # and again
    env.fake.deliver(older)
    last = env.fake.publish()
    await running.wall.wait_for([older, newer, last])

    assert running.wall.deliveries == [newer.id, older.id, last.id]
    assert sorted(running.wall.stored) == sorted([older.id, newer.id, last.id])
    await cursor_reaches(env, last.id)


async def test_an_operational_disconnect_is_a_reconnection(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    env.fake.send_errors(
        {
            "title": "operational-disconnect",
            "disconnect_type": "UpstreamOperationalDisconnect",
            "detail": "This stream has been disconnected upstream for operational reasons.",
            "type": "https://api.twitter.com/2/problems/operational-disconnect",
        }
    )
    for stream in env.fake.streams:
        stream.queue.put_nowait(None)  # then X ends the response
    await env.fake.wait_streaming(connections=2)
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.health.last_error is not None
    assert "closed" in running.health.last_error


# restarts


async def test_a_restart_fills_the_gap_from_recent_search_then_streams(
    env: Env, run: Callable[..., Running]
) -> None:
    before = run(env.feed())
    await env.fake.wait_streaming()
    first = env.fake.publish_many(2)
    await before.wall.wait_for(first)
    await cursor_reaches(env, first[-1].id)  # saved once the post was consumed
    await before.supervisor.stop()

    missed = env.fake.publish_many(3)  # while Murmur is down
    after = run(env.feed())  # a new feed, the same store
    await after.wall.wait_for(missed)
    await env.fake.wait_streaming(connections=2)
    live = env.fake.publish_many(1)
    await after.wall.wait_for(missed + live)

    assert after.wall.deliveries == ids(missed + live)  # oldest first, nothing twice
    (search,) = env.fake.seen("/2/tweets/search/recent")
    assert search.query["since_id"] == first[-1].id
    assert search.query["query"] == "(#JPO2026) -is:retweet"
    assert search.query["expansions"] == "author_id,attachments.media_keys"
    await cursor_reaches(env, live[-1].id)


async def test_a_long_gap_is_read_page_by_page(env: Env, run: Callable[..., Running]) -> None:
    await env.store.set_cursor(SLUG, "x-1", env.fake.next_id())
    missed = env.fake.publish_many(230)
    running = run(env.feed())
    await running.wall.wait_for(missed)

    assert running.wall.deliveries == ids(missed)
    pages = env.fake.seen("/2/tweets/search/recent")
    assert [p.query.get("next_token") for p in pages] == [None, "page100", "page200"]
    assert {p.query["since_id"] for p in pages} == {pages[0].query["since_id"]}


async def test_without_search_fallback_no_search_is_made(
    env: Env, run: Callable[..., Running]
) -> None:
    await env.store.set_cursor(SLUG, "x-1", env.fake.next_id())
    env.fake.publish_many(2)
    running = run(env.feed(search_fallback=False))
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.wall.deliveries == [post.id]
    assert env.fake.seen("/2/tweets/search/recent") == []


async def test_an_unreadable_cursor_starts_afresh(env: Env, run: Callable[..., Running]) -> None:
    await env.store.set_cursor(SLUG, "x-1", "not an id")
    running = run(env.feed())
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert env.fake.seen("/2/tweets/search/recent") == []
    await cursor_reaches(env, post.id)


# failures


async def test_a_missing_token_is_bad_credentials_naming_the_variable(
    env: Env, run: Callable[..., Running]
) -> None:
    env.secrets.clear()
    running = run(env.feed())
    await until(lambda: running.health.state == "failing: bad credentials")

    assert ENV in (running.health.last_error or "")
    assert env.fake.requests == []


async def test_a_refused_token_is_bad_credentials_naming_the_variable(
    env: Env, run: Callable[..., Running]
) -> None:
    env.secrets[ENV] = "not the token"
    running = run(env.feed())
    await until(lambda: running.health.state == "failing: bad credentials")

    assert ENV in (running.health.last_error or "")
    assert "401" in (running.health.last_error or "")


async def test_a_401_on_the_stream_is_bad_credentials_then_it_recovers(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("stream", 401)
    running = run(env.feed())
    await env.fake.wait_streaming()  # after one refusal, retried (bad credentials, slowly)
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.health.last_error == "X refused the bearer token (401): check X_BEARER_TOKEN"
    assert running.health.state == "live"


async def test_a_429_waits_until_the_rate_limit_reset(
    env: Env, run: Callable[..., Running]
) -> None:
    reset = int(time.time()) + 600
    env.fake.fail_next("stream", 429, headers={"x-rate-limit-reset": str(reset)})
    running = run(env.feed())
    await until(lambda: running.health.state == "rate limited")

    assert running.health.next_retry_at is not None
    assert reset - 5 < running.health.next_retry_at <= reset + 1
    assert env.fake.stream_connections == 0


async def test_a_429_without_a_reset_backs_off_from_the_documented_minute_and_recovers(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("rules", 429, times=2)
    running = run(env.feed())
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.health.last_error is not None
    assert "429" in running.health.last_error
    assert running.health.state == "live"


async def test_a_second_connection_is_refused_by_x_and_retried(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.max_connections = 0  # another process holds the app's one connection
    running = run(env.feed())
    await until(lambda: running.health.state == "rate limited")
    env.fake.max_connections = 1
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert running.health.state == "live"


@pytest.mark.parametrize("where", ["stream", "rules", "search"])
async def test_a_server_error_is_retried_and_nothing_is_lost(
    env: Env, run: Callable[..., Running], where: str
) -> None:
    await env.store.set_cursor(SLUG, "x-1", env.fake.next_id())
    missed = env.fake.publish_many(2)
    env.fake.fail_next(where, 500, times=2)  # type: ignore[arg-type]
    running = run(env.feed())
    await running.wall.wait_for(missed)
    await env.fake.wait_streaming()
    live = env.fake.publish()
    await running.wall.wait_for([*missed, live])

    assert running.wall.deliveries == ids([*missed, live])
    assert "500" in (running.health.last_error or "")


async def test_a_lasting_server_error_is_reported_as_failing(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("stream", 503, times=1000)
    running = run(env.feed())
    await until(lambda: running.health.state == "failing")

    assert "503" in (running.health.last_error or "")


async def test_an_app_that_may_not_stream_searches_instead(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("stream", 403, times=1000)
    running = run(env.feed())
    first = env.fake.publish_many(2)
    await running.wall.wait_for(first)
    later = env.fake.publish_many(2)
    await running.wall.wait_for(first + later)

    assert running.wall.deliveries == ids(first + later)
    searches = env.fake.seen("/2/tweets/search/recent")
    assert searches[0].query["max_results"] == "10"  # no cursor: only the newest few
    assert "since_id" not in searches[0].query
    assert searches[-1].query["since_id"] in {p.id for p in first + later}


async def test_an_app_refused_the_rules_searches_instead(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("rules", 403, times=1000)
    running = run(env.feed())
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert env.fake.seen("/2/tweets/search/stream") == []


async def test_without_search_fallback_a_403_is_bad_credentials(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("stream", 403, times=1000)
    running = run(env.feed(search_fallback=False))
    await until(lambda: running.health.state == "failing: bad credentials")

    assert env.fake.seen("/2/tweets/search/recent") == []


async def test_an_app_refused_both_stream_and_search_is_bad_credentials(
    env: Env, run: Callable[..., Running]
) -> None:
    env.fake.fail_next("stream", 403, times=1000)
    env.fake.fail_next("search", 403, times=1000)
    running = run(env.feed())
    await until(lambda: running.health.state == "failing: bad credentials")

    assert ENV in (running.health.last_error or "")


async def test_a_refused_search_leaves_the_gap_but_keeps_streaming(
    env: Env, run: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    await env.store.set_cursor(SLUG, "x-1", env.fake.next_id())
    env.fake.fail_next("search", 403)
    running = run(env.feed())
    await env.fake.wait_streaming()
    post = env.fake.publish()
    await running.wall.wait_for([post])

    assert "gap since the last post is not filled" in caplog.text
    assert running.health.last_error is None


async def test_an_unreachable_api_is_a_reconnection(env: Env, run: Callable[..., Running]) -> None:
    await env.fake.close()
    running = run(env.feed())
    await until(lambda: running.health.state == "reconnecting")

    assert "could not reach X" in (running.health.last_error or "")


async def test_an_address_the_guard_refuses_is_not_contacted(
    env: Env, run: Callable[..., Running]
) -> None:
    env.guard.allow.clear()
    running = run(env.feed())
    await until(lambda: running.health.state == "failing")

    assert "may not be reached" in (running.health.last_error or "")
    assert env.fake.requests == []


async def test_fifty_connections_in_fifteen_minutes_is_the_limit(env: Env) -> None:
    feed = env.feed()
    feed.connects_allowed = 2
    for _ in range(2):
        env.fake.fail_next("stream", 500)
        with pytest.raises(SourceFailure):
            async for _post in feed.posts():
                pass

    with pytest.raises(RateLimited) as info:
        async for _post in feed.posts():
            pass
    assert info.value.retry_after is not None
    assert info.value.retry_after > feed.connects_window - 60
    assert env.fake.stream_connections == 0
    assert len(env.fake.seen("/2/tweets/search/stream")) == 2


async def test_a_refused_stream_raises_a_failure_carrying_xs_first_wait(env: Env) -> None:
    feed = env.feed()
    env.fake.fail_next("stream", 500)

    with pytest.raises(SourceFailure) as info:
        async for _post in feed.posts():
            pass
    assert not isinstance(info.value, Disconnected)
    assert info.value.retry_after == feed.http_start


# pictures


async def test_pictures_and_avatars_are_stored_by_murmur_and_a_broken_one_is_dropped(
    env: Env, run: Callable[..., Running]
) -> None:
    running = run(env.feed())
    await env.fake.wait_streaming()
    media = [
        make_media(env.fake.url, 1, alt_text="Amphi A, packed"),
        make_media(env.fake.url, 2, kind="video", alt_text="Le stand robotique"),
        make_media(env.fake.url, 3, broken=True),
    ]
    post = env.fake.publish(media=media, user=make_user(env.fake.url, "sam", name="Sam"))
    await running.wall.wait_for([post])

    (stored,) = running.wall.delivered
    assert [(m.kind, m.alt) for m in stored.media] == [
        ("image", "Amphi A, packed"),
        ("video", "Le stand robotique"),
    ]
    assert all(m.url.startswith("/media/") for m in stored.media)
    assert stored.author.avatar_url is not None
    assert stored.author.avatar_url.startswith("/media/")
    assert stored.text == "Super ambiance dans l'amphi A #JPO2026"  # no t.co link left
