"""The demo source: a reproducible, realistic stream that the rules have work to do on."""

from __future__ import annotations

import html
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from moderation import Decision, Post, Rules, decide
from wall.media import MediaStore
from wall.settings import DemoSource, EventSettings, RulesSettings
from wall.sources import Source
from wall.sources.demo import PERSONAS, SCENES, DemoFeed, Gallery, build_gallery, make_post

EVENT = EventSettings(
    slug="jpo",
    title="Journée portes ouvertes",
    hashtags=["#JPO2026", "CampusLife"],
    rules=RulesSettings(blocked_words=["spam", "arnaque", "idiot"]),
)
RULES = Rules(
    blocked_words=tuple(EVENT.rules.blocked_words),
    required_hashtags=tuple(EVENT.hashtags),
)
NOW = datetime(2026, 11, 26, 9, 12, tzinfo=UTC)
COUNT = 360


def stream(seed: int, *, gallery: Gallery | None = None, images: float = 0.3) -> list[Post]:
    rng = random.Random(seed)
    return [
        make_post(rng, n, EVENT, run_id="cafe0001", images=images, gallery=gallery, now=NOW)
        for n in range(COUNT)
    ]


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


@pytest.fixture
async def gallery(store: MediaStore) -> Gallery:
    return await build_gallery(store)


def test_a_seeded_stream_is_reproducible() -> None:
    assert stream(7) == stream(7)
    assert stream(7) != stream(8)


def test_make_post_needs_no_event_loop_nor_pictures() -> None:
    post = make_post(random.Random(1), 0, EVENT, run_id="abcd1234")

    assert post.network == "demo"
    assert post.network_id == "abcd1234-0"
    assert post.url is None
    assert post.author.avatar_url is None
    assert post.media == ()
    assert post.created_at.tzinfo is not None


def test_the_gallery_does_not_change_the_text(gallery: Gallery) -> None:
    plain, pictured = stream(3), stream(3, gallery=gallery)

    assert [p.text for p in plain] == [p.text for p in pictured]


def test_posts_are_in_french_and_english() -> None:
    languages = Counter(post.language for post in stream(1))

    assert set(languages) == {"fr", "en"}
    assert min(languages.values()) > COUNT // 4


def test_every_post_carries_one_or_two_event_hashtags_in_its_text() -> None:
    allowed = {"JPO2026", "CampusLife"}
    sizes: Counter[int] = Counter()
    for post in stream(2):
        assert 1 <= len(post.hashtags) <= 2
        assert set(post.hashtags) <= allowed
        for tag in post.hashtags:
            assert f"#{tag}" in post.text
        sizes[len(post.hashtags)] += 1
    assert set(sizes) == {1, 2}


def test_some_posts_carry_blocked_words_and_the_rules_reject_them() -> None:
    verdicts = [decide(post, RULES) for post in stream(4)]
    rejected = [v for v in verdicts if v.decision is Decision.REJECT]

    assert {v.rule for v in rejected} == {"blocked_words"}
    assert COUNT / 30 < len(rejected) < COUNT / 6  # about 1 in 12


def test_some_posts_are_held_as_sensitive() -> None:
    posts = stream(5)
    held = [p for p in posts if decide(p, RULES).rule == "sensitive"]

    assert COUNT / 60 < len(held) < COUNT / 8  # about 1 in 20
    assert any(p.content_warning for p in held)
    assert any(p.sensitive for p in held)


def test_the_rest_waits_for_a_moderator() -> None:
    rules = {decide(post, RULES).rule for post in stream(6)}

    assert rules == {"blocked_words", "sensitive", "mode"}


async def test_pictures_and_avatars_are_files_in_the_store(
    store: MediaStore, gallery: Gallery
) -> None:
    posts = stream(9, gallery=gallery)
    pictured = [p for p in posts if p.media]

    assert COUNT * 0.15 < len(pictured) < COUNT * 0.5  # about 30 %
    for post in pictured:
        (media,) = post.media
        assert store.path_for(media.url.removeprefix("/media/")) is not None
        assert media.alt
        assert media.width and media.height
    for post in posts:
        assert post.author.avatar_url is not None
        assert store.path_for(post.author.avatar_url.removeprefix("/media/")) is not None
    sizes = {(m.width, m.height) for p in pictured for m in p.media}
    assert sizes == {(1280, 853), (853, 1280)}


async def test_alt_text_follows_the_post_language(gallery: Gallery) -> None:
    for post in stream(10, gallery=gallery, images=1.0):
        (media,) = post.media
        assert media.alt in {scene.alt(post.language or "") for scene in SCENES}


async def test_each_author_and_scene_is_stored_once(store: MediaStore, gallery: Gallery) -> None:
    files = [p for p in store.root.iterdir() if "-" not in p.stem]  # not the smaller copies

    assert len(files) == len(PERSONAS) + len(SCENES)
    assert len(gallery.avatars) == len(PERSONAS)


def test_authors_vary_and_include_accented_names() -> None:
    names = {post.author.name for post in stream(11)}

    assert len(names) >= 10
    assert {"Inès Moreau", "Chloé Nguyen", "Jordan Lee"} <= names
    assert all("@" in post.author.handle for post in stream(11))


def test_html_is_the_escaped_text_in_a_paragraph() -> None:
    posts = stream(12)

    for post in posts:
        assert post.html == f"<p>{html.escape(post.text)}</p>"
    assert any("&#x27;" in post.html for post in posts)  # "l'amphi", "Let's"


def test_there_are_long_posts_and_emoji() -> None:
    posts = stream(13)

    assert any(len(p.text) > 250 for p in posts)
    assert sum(any(ord(c) > 0x1F000 for c in p.text) for p in posts) > COUNT // 2


def test_network_ids_are_unique() -> None:
    posts = stream(14)

    assert len({p.network_id for p in posts}) == COUNT


async def test_the_feed_yields_posts_at_its_rate(store: MediaStore) -> None:
    feed = DemoFeed(DemoSource(rate=50, images=0.5, seed=3), event=EVENT, media=store)
    source: Source = feed

    async def take(count: int) -> list[Post]:
        posts: list[Post] = []
        async for post in source.posts():
            posts.append(post)
            if len(posts) == count:
                break
        return posts

    first, second = await take(5), await take(5)

    assert source.name == "demo"
    assert [p.text for p in first] == [p.text for p in second]  # same seed, same stream
    ids = {p.network_id for p in first + second}
    assert len(ids) == 10  # a new run id each time the stream starts
    assert len({i.rsplit("-", 1)[0] for i in ids}) == 2
