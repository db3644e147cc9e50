"""The Bluesky source: Jetstream frames parsed and matched, and the connector healing itself.

The first half tests the pure functions on frames built like Jetstream's. The second runs
the real connector, with a real store, media store, guarded HTTP session and supervisor,
against tests/fakes/jetstream.py, and makes the fake misbehave.
"""

from __future__ import annotations

import asyncio
import functools
import random
import sqlite3
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from moderation import Media, Post, Status
from tests.fakes.jetstream import (
    POST,
    FakeBluesky,
    FakeJetstream,
    cid,
    commit_frame,
    did,
    go_json,
    post_record,
    tid,
)
from wall.fetch import Guard, make_session
from wall.hub import rules_for
from wall.ingest import judge
from wall.media import MediaStore
from wall.settings import BlueskySource, EventSettings
from wall.sources.bluesky import BlueskyFeed
from wall.sources.bluesky_wire import (
    CASEFOLD_TO_ASCII,
    Malformed,
    Profile,
    Record,
    Sieve,
    matching_tags,
    normalise_tag,
    parse_frame,
    parse_post,
    pictures,
    quoted_uri,
    read_frame,
    render_html,
)
from wall.sources.context import Cursor, SourceContext
from wall.sources.errors import Disconnected, NotFoundOnNetwork, RateLimited, SourceFailure
from wall.store import Store
from wall.supervisor import Supervisor

EVENT = EventSettings(slug="jpo", title="JPO", hashtags=["#JPO2026", "CampusLife"])
WANTED = {"#JPO2026", "CampusLife"}
AUTHOR = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
T0 = 1_764_000_000_000_000


def frame_of(record: dict[str, Any], *, author: str = AUTHOR, **extra: Any) -> str:
    return commit_frame(
        author, T0, operation="create", collection=POST, rkey=tid(T0), record=record, extra=extra
    )


def record_of(text: str, **kwargs: Any) -> Record:
    frame = parse_frame(frame_of(post_record(text, **kwargs)))
    assert frame is not None and frame.commit is not None and frame.commit.record is not None
    return frame.commit.record


# -- frames ------------------------------------------------------------------------------


def test_a_create_frame_decodes_into_a_typed_frame():
    raw = frame_of(post_record("Hello #JPO2026"))
    frame = parse_frame(raw)

    assert frame is not None and frame.commit is not None
    assert (frame.did, frame.time_us, frame.kind) == (AUTHOR, T0, "commit")
    assert frame.commit.operation == "create"
    assert frame.commit.rkey == tid(T0)
    assert frame.commit.record is not None and frame.commit.record.text == "Hello #JPO2026"
    assert frame.uri == f"at://{AUTHOR}/app.bsky.feed.post/{tid(T0)}"
    assert parse_frame(raw.encode()) == frame


def test_unknown_keys_such_as_a_cursor_are_ignored():
    raw = frame_of(post_record("Hello #JPO2026"), cursor=T0, future={"x": [1, 2]})

    assert parse_frame(raw) is not None


@pytest.mark.parametrize("kind", ["identity", "account"])
def test_identity_and_account_frames_are_skipped(kind):
    body = {"did": AUTHOR, "handle": "a.bsky.social", "active": True, "seq": 1, "time": "x"}
    raw = go_json({"did": AUTHOR, "time_us": T0, "kind": kind, kind: body})

    assert parse_frame(raw) is None
    assert read_frame(raw) is None  # not malformed: of no interest


def test_commits_to_other_collections_are_skipped():
    like = {"$type": "app.bsky.feed.like", "subject": {"uri": "at://x", "cid": cid()}}
    raw = commit_frame(
        AUTHOR, T0, operation="create", collection="app.bsky.feed.like", rkey=tid(T0), record=like
    )

    assert parse_frame(raw) is None


def test_a_delete_has_no_record_and_is_kept():
    raw = commit_frame(AUTHOR, T0, operation="delete", collection=POST, rkey="3kabc", record=None)
    frame = parse_frame(raw)

    assert frame is not None and frame.commit is not None
    assert frame.commit.operation == "delete"
    assert frame.commit.record is None and frame.commit.cid is None


GOOD = frame_of(post_record("Hello #JPO2026"))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not json",
        GOOD[: len(GOOD) // 2],
        b"\xff\xfe\x00garbage",
        "[]",
        '{"did": 1, "time_us": 2, "kind": "commit"}',
        GOOD.replace(f'"time_us":{T0}', '"time_us":"soon"'),
        GOOD.replace(AUTHOR, "not-a-did"),
        GOOD.replace(f'"rkey":"{tid(T0)}"', '"rkey":".."'),
        GOOD.replace(f'"rkey":"{tid(T0)}"', '"rkey":"a/b"'),
        GOOD.replace('"operation":"create"', '"operation":"explode"'),
        commit_frame(AUTHOR, T0, operation="create", collection=POST, rkey="3k", record=None),
        GOOD.replace('"text":"Hello #JPO2026"', '"text":42'),
    ],
    ids=[
        "empty",
        "not-json",
        "truncated",
        "binary",
        "array",
        "no-commit",
        "time-not-int",
        "bad-did",
        "dotdot-rkey",
        "slash-rkey",
        "bad-operation",
        "create-without-record",
        "text-not-string",
    ],
)
def test_malformed_frames_give_none_and_read_frame_says_why(raw):
    assert parse_frame(raw) is None
    with pytest.raises(Malformed):
        read_frame(raw)


# -- matching ----------------------------------------------------------------------------


def test_facet_tags_match_case_insensitively_and_without_the_hash():
    record = record_of("Great day #jpo2026 and #CAMPUSLIFE and #Other")

    assert matching_tags(record, WANTED) == {"jpo2026", "campuslife"}
    assert matching_tags(record, {"JPO2026"}) == {"jpo2026"}
    assert matching_tags(record, {"nope"}) == set()


def test_record_level_tags_match_too():
    record = record_of("No tag in the text", tags=["CampusLife", "#Extra"])

    assert matching_tags(record, WANTED) == {"campuslife"}


def test_a_hashtag_written_without_a_facet_is_not_a_tag():
    record = record_of("Plain #JPO2026 from a client without facets", facet_tags=False)

    assert matching_tags(record, WANTED) == set()


def test_tags_are_compared_after_unicode_case_folding():
    record = record_of("Ready for #Straße and #ÉCOLE", tags=["Ｋelvin"])

    assert matching_tags(record, {"strasse", "école"}) == {"strasse", "école"}
    assert normalise_tag("#Cafe\u0301") == normalise_tag("café")


def test_an_emoji_before_a_tag_keeps_the_byte_offsets_right():
    record = record_of("🎉🎉 Bienvenue à l'amphi #JPO2026 !")
    (facet,) = record.facets or []

    assert facet.index is not None
    text = record.text.encode()
    assert text[facet.index.byte_start : facet.index.byte_end].decode() == "#JPO2026"
    html = render_html(record.text, record.facets or [])
    assert html == (
        "<p>🎉🎉 Bienvenue à l&#x27;amphi "
        '<a href="https://bsky.app/hashtag/JPO2026">#JPO2026</a> !</p>'
    )


def test_html_escapes_the_text_and_links_mentions_and_links():
    text = "<script>x</script> & @ines.bsky.social https://example.org/a?b=1\n\nbye"
    record = record_of(
        text,
        mentions=[("@ines.bsky.social", AUTHOR)],
        links=["https://example.org/a?b=1"],
    )
    html = render_html(record.text, record.facets or [])

    assert html == (
        "<p>&lt;script&gt;x&lt;/script&gt; &amp; "
        f'<a href="https://bsky.app/profile/{AUTHOR}">@ines.bsky.social</a> '
        '<a href="https://example.org/a?b=1">https://example.org/a?b=1</a></p><p>bye</p>'
    )


def test_facets_that_overlap_overrun_or_cut_a_character_are_ignored():
    record = record_of("é #JPO2026")
    bad = msgspec.json.decode(
        b'[{"index":{"byteStart":1,"byteEnd":3},"features":[{"$type":'
        b'"app.bsky.richtext.facet#tag","tag":"x"}]},'
        b'{"index":{"byteStart":3,"byteEnd":99},"features":[{"$type":'
        b'"app.bsky.richtext.facet#tag","tag":"y"}]},'
        b'{"index":{"byteStart":3,"byteEnd":6},"features":[{"$type":'
        b'"app.bsky.richtext.facet#link","uri":"javascript:alert(1)"}]}]',
        type=list[Any],
    )
    facets = [msgspec.convert(f, type=type((record.facets or [])[0])) for f in bad]

    assert render_html(record.text, facets) == "<p>é #JPO2026</p>"


@pytest.mark.parametrize("label", ["porn", "sexual", "nudity", "graphic-media"])
def test_self_labels_make_a_post_sensitive(label):
    record = record_of("Careful #JPO2026", labels=[label])

    assert parse_post(AUTHOR, "3k", record, None).sensitive is True


def test_a_post_without_self_labels_is_not_sensitive():
    record = record_of("Fine #JPO2026", labels=["!no-unauthenticated"])

    assert parse_post(AUTHOR, "3k", record, None).sensitive is False


def test_images_keep_their_alt_text_and_aspect_ratio():
    first, second = cid(), cid()
    record = record_of(
        "Look #JPO2026",
        images=[(first, "The stage, lit in blue", (1600, 900)), (second, "", None)],
    )
    found = pictures(AUTHOR, record, cdn="https://cdn.example/")

    assert [(p.url, p.alt, p.width, p.height) for p in found] == [
        (f"https://cdn.example/img/feed_fullsize/plain/{AUTHOR}/{first}@jpeg", "The stage, "
         "lit in blue", 1600, 900),
        (f"https://cdn.example/img/feed_fullsize/plain/{AUTHOR}/{second}@jpeg", "", None, None),
    ]  # fmt: skip
    assert pictures(AUTHOR, record)[0].url.startswith("https://cdn.bsky.app/img/feed_fullsize/")


def test_a_quote_with_media_keeps_its_images_and_names_the_quoted_post():
    quoted = f"at://{did()}/app.bsky.feed.post/3kquoted"
    record = record_of("Quoting #JPO2026", images=[(cid(), "alt", (1, 1))], quote=quoted)

    assert len(pictures(AUTHOR, record)) == 1
    assert quoted_uri(record) == quoted
    assert quoted_uri(record_of("Just a quote", quote=quoted)) == quoted


def test_parse_post_builds_the_wall_post():
    first = cid()
    record = record_of(
        "Bonjour #JPO2026",
        langs=["fr", "en"],
        images=[(first, "Amphi A", (4, 3))],
        created_at="2026-11-26T09:12:00.000Z",
    )
    profile = Profile(
        did=AUTHOR,
        handle="ines.bsky.social",
        display_name=" Inès ",
        avatar="https://cdn.bsky.app/img/avatar/plain/a@jpeg",
        created_at="2024-02-07T10:21:00.000Z",
    )
    picture = pictures(AUTHOR, record)[0].url
    stored = {
        picture: Media(url="/media/p.webp", width=800, height=600),
        "https://cdn.bsky.app/img/avatar/plain/a@jpeg": Media(url="/media/a.webp"),
    }
    seen = int(datetime(2026, 11, 26, 9, 12, 1, tzinfo=UTC).timestamp() * 1_000_000)
    post = parse_post(AUTHOR, "3kxyz", record, profile, time_us=seen, stored=stored)

    assert post.network == "bluesky"
    assert post.network_id == f"at://{AUTHOR}/app.bsky.feed.post/3kxyz"
    assert post.url == f"https://bsky.app/profile/{AUTHOR}/post/3kxyz"
    assert post.text == "Bonjour #JPO2026"
    assert post.html.startswith("<p>Bonjour <a href=")
    assert post.language == "fr"
    assert post.created_at == datetime(2026, 11, 26, 9, 12, tzinfo=UTC)
    assert post.hashtags == ("JPO2026",)
    assert post.author.name == "Inès"
    assert post.author.handle == "ines.bsky.social"
    assert post.author.avatar_url == "/media/a.webp"
    assert post.author.profile_url == "https://bsky.app/profile/ines.bsky.social"
    assert post.author.created_at == datetime(2024, 2, 7, 10, 21, tzinfo=UTC)
    assert post.media == (Media(url="/media/p.webp", alt="Amphi A", width=800, height=600),)


def test_an_unknown_author_is_shown_by_did_and_unstored_pictures_are_left_out():
    record = record_of("Hi #JPO2026", images=[(cid(), "x", None)])
    post = parse_post(AUTHOR, "3k", record, None)

    assert post.author.handle == post.author.name == AUTHOR
    assert post.author.avatar_url is None
    assert post.media == ()


def test_a_created_at_in_the_future_is_brought_back_to_when_jetstream_saw_it():
    record = record_of("Hi #JPO2026", created_at="2099-01-01T00:00:00Z")
    post = parse_post(AUTHOR, "3k", record, None, time_us=T0)

    assert post.created_at < datetime(2030, 1, 1, tzinfo=UTC)


def test_casefold_to_ascii_lists_every_character_that_folds_to_ascii_word_characters():
    found = {
        c
        for c in map(chr, range(0x80, 0x30000))
        if not 0xD800 <= ord(c) <= 0xDFFF
        and (folded := unicodedata.normalize("NFC", c).casefold()).isascii()
        and all(x.isalnum() or x == "_" for x in folded)
    }

    assert found == set(CASEFOLD_TO_ASCII)


def _random_tag(rng: random.Random) -> str:
    base = rng.choice(["JPO2026", "CampusLife", "jpo2026", "campus", "Strasse", "kilo", "fix"])
    variants = [
        base,
        base.upper(),
        base.replace("ss", "ß"),
        base.replace("k", "\u212a"),
        base.replace("fi", "\ufb01"),
        base + "🎉",
        "<" + base,
        base + "&co",
        "日本" + base,
    ]
    return rng.choice(variants)


def test_the_sieve_picks_exactly_the_frames_whose_tags_match():
    rng = random.Random(5)
    wanted = ["JPO2026", "CampusLife", "Strasse", "kilo", "fix"]
    sieve = Sieve(wanted)
    picked = matched = 0
    for _ in range(3000):
        facet_tags = [_random_tag(rng) for _ in range(rng.randrange(3))]
        text = rng.choice(["Salut", "こんにちは 🎉", "a & b <c>", "JPO2026 in words"])
        text = " ".join([text, *(f"#{t}" for t in facet_tags)])
        extra = [_random_tag(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
        raw = frame_of(post_record(text, tags=extra)).encode()
        frame = parse_frame(raw)
        assert frame is not None and frame.commit is not None and frame.commit.record is not None
        expected = bool(matching_tags(frame.commit.record, wanted))
        got = sieve.pick(raw) is not None
        assert got == expected, raw
        picked += got
        matched += expected
    assert 300 < matched < 2700  # the sample has both kinds


def test_the_sieve_rejects_what_cannot_match_without_decoding(monkeypatch):
    import wall.sources.bluesky_wire as wire

    decoded: list[object] = []
    real = wire.read_frame
    monkeypatch.setattr(wire, "read_frame", lambda raw: decoded.append(raw) or real(raw))
    sieve = Sieve(WANTED)

    assert sieve.pick(frame_of(post_record("No tags at all, only words")).encode()) is None
    assert sieve.pick(frame_of(post_record("Another #coffee")).encode()) is None
    assert decoded == []
    assert sieve.pick(frame_of(post_record("Yes #jpo2026")).encode()) is not None
    assert len(decoded) == 1


def test_deletes_are_picked_only_once_asked_for():
    sieve = Sieve(WANTED)
    raw = commit_frame(AUTHOR, T0, operation="delete", collection=POST, rkey="3k", record=None)

    assert sieve.pick(raw.encode()) is None
    sieve.deletes = True
    assert sieve.pick(raw.encode()) is not None


# -- the connector against the fakes -----------------------------------------------------


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """The supervisor's real backoff is seconds; these tests need milliseconds."""
    monkeypatch.setattr("wall.supervisor.backoff_delay", lambda *args, **kwargs: 0.01)


async def eventually(check: Callable[[], bool | Awaitable[bool]], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(0.01)


class Wall:
    """A store, a media store, a guarded session, and a supervisor ingesting like the hub."""

    def __init__(
        self,
        path: Path,
        bluesky: FakeBluesky,
        jetstream: FakeJetstream,
        event: EventSettings = EVENT,
    ) -> None:
        self.path = path
        self.event = event
        self.bluesky = bluesky
        self.jetstream = jetstream
        self.store = Store(path / "murmur.sqlite3")
        self.media = MediaStore(path / "media")
        self.guard = Guard(["127.0.0.0/8"])
        self.http: aiohttp.ClientSession | None = None
        self.supervisor = Supervisor(self.ingest)
        self.yielded: list[Post] = []
        self.withdrawn: list[tuple[str, str]] = []
        self.rules = rules_for(event)

    async def __aenter__(self) -> Wall:
        await self.store.open()
        await self.store.save_event(self.event.slug, self.event.title, "{}")
        self.http = make_session(self.guard)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.supervisor.stop()
        if self.http is not None:
            await self.http.close()
        await self.store.close()

    async def ingest(self, slug: str, post: Post) -> object:
        self.yielded.append(post)
        safe, verdict = judge(post, self.rules)
        return await self.store.ingest(slug, safe, verdict)

    def context(self, name: str = "bluesky-1") -> SourceContext:
        assert self.http is not None
        return SourceContext(
            event=self.event,
            http=self.http,
            guard=self.guard,
            media=self.media,
            cursor=Cursor(self.store, self.event.slug, name),
            secret=lambda _: None,
            withdraw=self.withdraw,
            stored=functools.partial(self.store.recent_network_ids, self.event.slug),
            on_skip=functools.partial(self.supervisor.mark_skipped, self.event.slug, name),
        )

    async def withdraw(self, network: str, network_id: str) -> object:
        done = await self.store.withdraw(self.event.slug, network, network_id)
        self.withdrawn.append((network, network_id))
        return done

    def feed(self, name: str = "bluesky-1", **kwargs: Any) -> BlueskyFeed:
        settings = BlueskySource(jetstream=self.jetstream.url, appview=self.bluesky.url)
        feed = BlueskyFeed(settings, self.context(name), name, cdn=self.bluesky.url, **kwargs)
        feed.stall_seconds = 5.0
        feed.batch_seconds = 0.02
        return feed

    def start(self, feed: BlueskyFeed) -> BlueskyFeed:
        self.supervisor.start(self.event.slug, feed)
        return feed

    def health(self, name: str = "bluesky-1") -> Any:
        return self.supervisor.health[(self.event.slug, name)]

    def stored(self) -> list[str]:
        conn = sqlite3.connect(self.store.path)
        try:
            return [r[0] for r in conn.execute("SELECT network_id FROM posts ORDER BY id")]
        finally:
            conn.close()

    async def wait_stored(self, uris: set[str]) -> None:
        await eventually(lambda: uris <= set(self.stored()))

    async def cursor(self, name: str = "bluesky-1") -> str | None:
        return await self.store.get_cursor(self.event.slug, name)


@pytest.fixture
async def jetstream() -> AsyncIterator[FakeJetstream]:
    async with FakeJetstream() as fake:
        yield fake


@pytest.fixture
async def bluesky() -> AsyncIterator[FakeBluesky]:
    async with FakeBluesky() as fake:
        yield fake


@pytest.fixture
async def wall(tmp_path, bluesky, jetstream) -> AsyncIterator[Wall]:
    async with Wall(tmp_path, bluesky, jetstream) as wall:
        yield wall


def publish(jetstream: FakeJetstream, count: int, *, noise: int = 3, prefix: str = "") -> set[str]:
    """``count`` matching posts among ``noise`` ignored events each; their URIs."""
    uris = set()
    for n in range(count):
        jetstream.noise(noise)
        tag = ["#JPO2026", "#jpo2026", "#CampusLife"][n % 3]
        event = jetstream.post(AUTHOR, post_record(f"{prefix}post {n} {tag}"))
        uris.add(event.uri)
    return uris


async def test_posts_with_the_event_hashtags_reach_the_store_and_nothing_else(wall, jetstream):
    bluesky = wall.bluesky
    bluesky.add_profile(AUTHOR, "ines.bsky.social", "Inès Moreau")
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    wanted = publish(jetstream, 6, noise=10)
    wanted.add(jetstream.post(AUTHOR, post_record("Only in tags[]", tags=["campuslife"])).uri)
    jetstream.post(AUTHOR, post_record("Close but no #JPO2025"))
    jetstream.post(AUTHOR, post_record("No facet #JPO2026", facet_tags=False))
    jetstream.like(AUTHOR, f"at://{AUTHOR}/{POST}/3k")
    last = jetstream.post(AUTHOR, post_record("Last one #JPO2026"))
    wanted.add(last.uri)

    await wall.wait_stored(wanted)

    assert sorted(wall.stored()) == sorted(wanted)
    (handshake,) = jetstream.handshakes
    assert handshake.path == "/subscribe"
    assert handshake.query == {"wantedCollections": ["app.bsky.feed.post"]}
    assert "compress" not in handshake.query
    assert "permessage-deflate" not in handshake.headers.get("Sec-WebSocket-Extensions", "")
    post = next(p for p in wall.yielded if p.network_id == last.uri)
    assert post.author.name == "Inès Moreau"
    assert post.author.handle == "ines.bsky.social"
    assert wall.health().state == "live"
    assert wall.health().posts == len(wanted)


async def test_pictures_and_avatars_are_fetched_into_the_media_store(wall, jetstream):
    profile = wall.bluesky.add_profile(AUTHOR, "ines.bsky.social", "Inès")
    missing = cid()
    wall.bluesky.missing.add(missing)
    images = [(cid(), "The stage", (16, 9)), (cid(), "", None), (missing, "gone", None)]
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    jetstream.noise(1)
    event = jetstream.post(AUTHOR, post_record("Photos #JPO2026", images=images))

    await wall.wait_stored({event.uri})

    (post,) = wall.yielded
    assert [m.alt for m in post.media] == ["The stage", ""]
    for media in (*post.media, Media(url=post.author.avatar_url or "")):
        assert media.url.startswith("/media/")
        assert wall.media.path_for(media.url.removeprefix("/media/")) is not None
    hits = wall.bluesky.cdn_hits
    assert f"/img/avatar/plain/{AUTHOR}/{profile.avatar_cid}@jpeg" in hits
    assert f"/img/feed_fullsize/plain/{AUTHOR}/{images[0][0]}@jpeg" in hits


async def test_profiles_are_looked_up_25_at_a_time_and_cached(wall, jetstream):
    authors = [did(random.Random(n)) for n in range(30)]
    for n, author in enumerate(authors):
        wall.bluesky.add_profile(author, f"user{n}.bsky.social", avatar=False)
    feed = wall.start(wall.feed())
    feed.batch_seconds = 0.5  # the burst below arrives well within it
    await jetstream.wait_connections(1)
    first = {jetstream.post(a, post_record(f"Hello #JPO2026 from {a}")).uri for a in authors}
    await wall.wait_stored(first)
    second = {jetstream.post(a, post_record(f"Again #JPO2026 from {a}")).uri for a in authors}
    await wall.wait_stored(second)

    calls = wall.bluesky.profile_calls
    assert all(1 <= len(call) <= 25 for call in calls)
    assert sorted(a for call in calls for a in call) == sorted(authors)  # each asked once
    assert len(calls) < len(authors)  # batched
    handles = {p.author.handle for p in wall.yielded}
    assert handles == {f"user{n}.bsky.social" for n in range(30)}


async def test_a_post_goes_through_when_the_profile_lookup_fails(wall, jetstream):
    wall.bluesky.profile_status = 500
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Anyone? #JPO2026"))

    await wall.wait_stored({event.uri})

    (post,) = wall.yielded
    assert post.author.handle == AUTHOR
    assert wall.bluesky.profile_calls == [[AUTHOR]]


async def test_a_dropped_connection_loses_nothing_and_duplicates_nothing(wall, jetstream):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    before = publish(jetstream, 10, prefix="before ")
    await wall.wait_stored(before)
    jetstream.drop(after=15)  # mid-stream: 15 more frames, then the connection is cut
    during = publish(jetstream, 10, prefix="during ")  # 40 frames: some sent, some not
    await jetstream.wait_connections(2)
    after = publish(jetstream, 10, prefix="after ")

    await wall.wait_stored(before | during | after)

    stored = wall.stored()
    assert set(stored) == before | during | after
    assert len(stored) == len(before | during | after)
    assert jetstream.connections == 2
    resumed = jetstream.handshakes[1].cursor
    assert resumed is not None and resumed < max(e.time_us for e in jetstream.events)
    health = wall.health()
    assert "dropped" in (health.last_error or "")
    assert health.state == "live"


async def test_a_replay_after_reconnecting_is_not_delivered_twice(wall, jetstream):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    first = publish(jetstream, 5)
    await wall.wait_stored(first)
    jetstream.drop()
    await jetstream.wait_connections(2)
    second = publish(jetstream, 1, prefix="new ")
    await wall.wait_stored(second)

    assert jetstream.replayed[1] > 0  # the rewind sent the earlier posts again
    assert sorted(p.network_id for p in wall.yielded) == sorted(first | second)


async def test_a_stalled_stream_is_detected_and_reconnected(wall, jetstream):
    feed = wall.start(wall.feed())
    feed.stall_seconds = 0.2
    await jetstream.wait_connections(1)
    before = publish(jetstream, 3)
    await wall.wait_stored(before)
    jetstream.stall()
    during = publish(jetstream, 3, prefix="during ")

    await wall.wait_stored(during)

    assert set(wall.stored()) == before | during
    assert jetstream.connections >= 2
    assert "no frame" in (wall.health().last_error or "")


@pytest.mark.parametrize(
    ("status", "headers", "failure", "message"),
    [
        (500, {}, Disconnected, "HTTP 500"),
        (503, {}, Disconnected, "HTTP 503"),
        (429, {"Retry-After": "7"}, RateLimited, "HTTP 429"),
        (403, {}, SourceFailure, "refused the connection (HTTP 403)"),
        (404, {}, NotFoundOnNetwork, "HTTP 404"),
    ],
)
async def test_a_refused_handshake_becomes_a_readable_failure(
    wall, jetstream, status, headers, failure, message
):
    jetstream.refuse(status, headers=headers)
    stream = wall.feed().posts()

    with pytest.raises(failure) as raised:
        await anext(stream)

    assert type(raised.value) is failure
    assert message in str(raised.value)
    assert jetstream.url in str(raised.value)
    if status == 429:
        assert raised.value.retry_after == 7.0
    await stream.aclose()


async def test_an_unreachable_host_is_a_disconnection(wall, jetstream):
    settings = BlueskySource(jetstream="ws://127.0.0.1:9", appview=wall.bluesky.url)
    stream = BlueskyFeed(settings, wall.context()).posts()

    with pytest.raises(Disconnected, match="could not reach"):
        await anext(stream)
    await stream.aclose()


@pytest.mark.parametrize("status", [500, 429, 403])
async def test_the_supervisor_retries_refused_handshakes_until_one_succeeds(
    wall, jetstream, status
):
    jetstream.refuse(status, times=2, headers={"Retry-After": "0"})
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Finally #JPO2026"))

    await wall.wait_stored({event.uri})

    assert len(jetstream.handshakes) == 3
    assert f"HTTP {status}" in (wall.health().last_error or "")
    assert wall.health().state == "live"


async def test_malformed_and_huge_frames_are_skipped_without_reconnecting(wall, jetstream, caplog):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    jetstream.inject("{not json")
    jetstream.inject(frame_of(post_record("Truncated #JPO2026"))[:-40])
    jetstream.inject('{"did":"x","time_us":1,"kind":"commit","commit":{"operation":"create"}}')
    jetstream.inject("#JPO2026 " * 250_000)  # over 2 MB of garbage
    huge = jetstream.post(AUTHOR, post_record("Huge #JPO2026"), padding="x" * 2_000_000)
    last = jetstream.post(AUTHOR, post_record("After the storm #JPO2026"))

    await wall.wait_stored({huge.uri, last.uri})

    assert set(wall.stored()) == {huge.uri, last.uri}
    assert jetstream.connections == 1
    assert wall.health().failures == 0
    assert [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert wall.health().skipped == 1  # the truncated frame; the others carry no hashtag
    assert (wall.health().last_skipped or "").startswith(
        f"{jetstream.url} sent a frame Murmur cannot read: "
    )


async def test_a_frame_that_cannot_become_a_post_is_skipped_and_counted_not_fatal(wall, jetstream):
    # A time Python cannot hold (year 3 170 843): the post cannot be dated. Before, the
    # error escaped, the source restarted from its cursor and met the same frame again.
    wall.bluesky.add_profile(AUTHOR, "ines.bsky.social", "Inès Moreau")
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    broken = commit_frame(
        AUTHOR,
        10**20,
        operation="create",
        collection=POST,
        rkey=tid(T0),
        record=post_record("Out of time #JPO2026"),
    )
    jetstream.inject(broken)
    after = jetstream.post(AUTHOR, post_record("After it #JPO2026"))

    await wall.wait_stored({after.uri})

    assert wall.stored() == [after.uri]
    assert jetstream.connections == 1
    health = wall.health()
    assert (health.failures, health.skipped) == (0, 1)
    assert health.last_skipped == (
        f"Murmur cannot read the post at://{AUTHOR}/{POST}/{tid(T0)}: "
        "ValueError: year 3170843 is out of range"
    )


async def test_a_duplicate_frame_is_stored_once(wall, jetstream):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Twice #JPO2026"))
    jetstream.duplicate(event)
    jetstream.duplicate(event)
    last = jetstream.post(AUTHOR, post_record("Once #JPO2026"))

    await wall.wait_stored({event.uri, last.uri})

    assert sorted(wall.stored()) == sorted([event.uri, last.uri])
    assert [p.network_id for p in wall.yielded] == [event.uri, last.uri]


async def test_a_restart_resumes_from_the_stored_cursor(tmp_path, bluesky):
    async with FakeJetstream(step_us=1_000_000) as jetstream:  # one second per event
        async with Wall(tmp_path, bluesky, jetstream) as first:
            first.start(first.feed())
            await jetstream.wait_connections(1)
            before = publish(jetstream, 20, noise=1)
            await first.wait_stored(before)
            last = str(max(e.time_us for e in jetstream.events))

            async def consumed() -> bool:
                return await first.cursor() == last

            await eventually(consumed)
            await first.supervisor.stop()
            saved = await first.cursor()
        assert saved == last
        while_down = publish(jetstream, 5, noise=1, prefix="down ")

        async with Wall(tmp_path, bluesky, jetstream) as second:  # same data folder
            second.start(second.feed())
            await second.wait_stored(while_down)

            assert jetstream.handshakes[-1].cursor == int(saved) - 5_000_000
            assert jetstream.replayed[-1] < len(jetstream.events) // 2  # not from the start
            stored = second.stored()
            assert set(stored) == before | while_down
            assert len(stored) == len(before | while_down)


async def test_the_cursor_passes_a_post_only_once_it_is_consumed(wall, jetstream):
    feed = wall.feed()
    stream = feed.posts()
    first = asyncio.ensure_future(anext(stream))
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Keep me #JPO2026"))
    post = await first
    assert post.network_id == event.uri
    assert await wall.cursor() != str(event.time_us)  # yielded, not yet consumed

    second = asyncio.ensure_future(anext(stream))

    async def consumed() -> bool:
        return await wall.cursor() == str(event.time_us)

    await eventually(consumed)

    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await second
    await stream.aclose()


async def test_a_post_deleted_by_its_author_leaves_the_queue(wall, jetstream):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Oops #JPO2026"))
    await wall.wait_stored({event.uri})
    jetstream.delete(AUTHOR, "3kunrelated")  # never on the wall: not even looked up
    jetstream.delete(AUTHOR, event.rkey)

    await eventually(lambda: bool(wall.withdrawn))

    assert wall.withdrawn == [("bluesky", event.uri)]
    _, rejected = await wall.store.posts(EVENT.slug, Status.REJECTED)
    assert [(p.network_id, p.reason) for p in rejected] == [
        (event.uri, "deleted by its author on bluesky")
    ]


async def test_a_post_deleted_after_a_restart_still_leaves_the_queue(wall, jetstream):
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Posted before the restart #JPO2026"))
    later = jetstream.post(AUTHOR, post_record("And a later one #JPO2026"))
    await wall.wait_stored({event.uri, later.uri})
    await wall.supervisor.stop_event(EVENT.slug)

    # A new feed that resumes exactly at its cursor: the first post is not replayed, so
    # only the store can tell the feed that this post is on the wall.
    again = wall.feed()
    again.rewind_seconds = 0
    wall.start(again)
    await jetstream.wait_connections(2)
    jetstream.delete(AUTHOR, event.rkey)

    await eventually(lambda: bool(wall.withdrawn))
    assert wall.withdrawn == [("bluesky", event.uri)]


async def test_an_event_without_hashtags_fails_clearly(wall):
    settings = BlueskySource(jetstream=wall.jetstream.url, appview=wall.bluesky.url)
    ctx = wall.context()
    ctx.event = EventSettings(slug="jpo", title="JPO")
    stream = BlueskyFeed(settings, ctx).posts()

    with pytest.raises(SourceFailure, match="no hashtags"):
        await anext(stream)
    assert wall.jetstream.connections == 0
    await stream.aclose()


async def test_the_registry_builds_a_bluesky_feed(wall):
    from wall.sources.registry import build_source

    feed = build_source(BlueskySource(), wall.context(), "bluesky-2")

    assert isinstance(feed, BlueskyFeed)
    assert feed.name == "bluesky-2"
    assert feed.cdn == "https://cdn.bsky.app"
    mirror = BlueskySource(cdn="https://cdn.campus.example/")
    built = build_source(mirror, wall.context(), "bluesky-3")
    assert isinstance(built, BlueskyFeed) and built.cdn == "https://cdn.campus.example"


async def test_the_fake_jetstream_honours_wanted_collections_and_cursor(jetstream):
    from websockets.asyncio.client import connect

    jetstream.post(AUTHOR, post_record("A post #JPO2026"))
    like = jetstream.like(AUTHOR, f"at://{AUTHOR}/{POST}/3k")
    identity = jetstream.identity(AUTHOR, "ines.bsky.social")
    url = f"{jetstream.url}/subscribe?wantedCollections=app.bsky.feed.like&cursor=0"
    async with connect(url) as ws:
        frames = [msgspec.json.decode(await ws.recv()) for _ in range(2)]

    assert [f["kind"] for f in frames] == ["commit", "identity"]
    assert frames[0]["commit"]["collection"] == "app.bsky.feed.like"
    assert [f["time_us"] for f in frames] == [like.time_us, identity.time_us]


# quoted posts: looked up on the AppView (the payloads: test_source_bluesky_quotes.py)

SAM = "did:plc:4v6q2gzcgqnyq5bbw3gy6mbk"


def with_external(record: dict[str, Any], thumb: str) -> dict[str, Any]:
    """``record``'s quote embed as ``recordWithMedia`` with a link card for media."""
    external = {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://www.univ.example/jpo",
            "title": "Journées portes ouvertes",
            "description": "Le programme",
            "thumb": {"$type": "blob", "ref": {"$link": thumb}, "mimeType": "image/jpeg",
                      "size": 23456},
        },
    }  # fmt: skip
    record["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": record["embed"],
        "media": external,
    }
    return record


async def test_a_quote_post_shows_the_quoted_post_looked_up_on_the_appview(wall, jetstream):
    wall.bluesky.add_profile(AUTHOR, "ines.bsky.social", "Inès Moreau")
    wall.bluesky.add_profile(SAM, "sam.bsky.social", "Sam")
    quoted = wall.bluesky.add_post(SAM, post_record("Qui vient au hall B ?"), rkey="3kquoted")
    thumb = cid()
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    plain = jetstream.post(AUTHOR, post_record("Moi ! #JPO2026", quote=quoted))
    again = jetstream.post(AUTHOR, post_record("Moi aussi #JPO2026", quote=quoted))
    carded = jetstream.post(
        AUTHOR, with_external(post_record("Et le programme #JPO2026", quote=quoted), thumb)
    )

    await wall.wait_stored({plain.uri, again.uri, carded.uri})

    by_uri = {p.network_id: p for p in wall.yielded}
    for uri in (plain.uri, again.uri, carded.uri):
        quote = by_uri[uri].quote
        assert quote is not None
        assert (quote.author.name, quote.author.handle) == ("Sam", "sam.bsky.social")
        assert quote.text == "Qui vient au hall B ?"
        assert quote.url == f"https://bsky.app/profile/{SAM}/post/3kquoted"
    assert wall.bluesky.post_calls == [[quoted]]  # asked once, then remembered
    link = by_uri[carded.uri].link
    assert link is not None and link.title == "Journées portes ouvertes"
    assert link.image is not None and link.image.url.startswith("/media/")


async def test_a_quote_the_appview_does_not_show_or_cannot_answer_costs_only_the_quote(
    wall, jetstream
):
    gone = f"at://{SAM}/{POST}/3kdeleted"  # deleted: the AppView leaves it out
    feed_uri = f"at://{SAM}/app.bsky.feed.generator/campus"  # a quoted feed: not a post
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    first = jetstream.post(AUTHOR, post_record("Disparu ? #JPO2026", quote=gone))
    second = jetstream.post(AUTHOR, post_record("Un fil #JPO2026", quote=feed_uri))
    await wall.wait_stored({first.uri, second.uri})
    wall.bluesky.posts_status = 502
    third = jetstream.post(AUTHOR, post_record("En panne #JPO2026", quote=f"at://{SAM}/{POST}/3kx"))
    await wall.wait_stored({third.uri})

    assert [p.quote for p in wall.yielded] == [None, None, None]
    assert [p.text for p in wall.yielded] == ["Disparu ? #JPO2026", "Un fil #JPO2026",
                                              "En panne #JPO2026"]  # fmt: skip
    assert wall.bluesky.post_calls == [[gone], [f"at://{SAM}/{POST}/3kx"]]  # no feed asked
    assert wall.health().state == "live"


async def test_a_post_quoting_a_post_bluesky_labelled_is_held_for_a_moderator(wall, jetstream):
    wall.bluesky.add_profile(SAM, "sam.bsky.social", "Sam")
    labelled = wall.bluesky.add_post(SAM, post_record("Photo de la soirée"), labels=["porn"])
    wall.start(wall.feed())
    await jetstream.wait_connections(1)
    event = jetstream.post(AUTHOR, post_record("Haha #JPO2026", quote=labelled))

    await wall.wait_stored({event.uri})

    _, pending = await wall.store.posts(EVENT.slug, Status.PENDING)
    assert [(p.network_id, p.rule) for p in pending] == [(event.uri, "sensitive")]
    assert pending[0].quote is not None and pending[0].quote.sensitive
