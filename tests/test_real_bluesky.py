"""Bluesky as the network really sends it (tests/data/real/bluesky, see tests/data/README.md
for origins and licences): 162 Jetstream frames captured from the live network in 2026,
and answers of Bluesky's AppView and PDSes recorded by the MarshalX/atproto SDK's tests.
Each is asserted to the exact posts Murmur makes of it, or to why it is set aside."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from moderation.post import Media
from tests.fakes.jetstream import FakeBluesky, FakeJetstream
from tests.test_source_bluesky import Wall, eventually
from wall.settings import EventSettings
from wall.sources.bluesky_quotes import PostView, quoted_post
from wall.sources.bluesky_wire import (
    Record,
    link_card,
    parse_post,
    pictures,
    quoted_uri,
    read_frame,
)

REAL = Path(__file__).parent / "data" / "real" / "bluesky"

# -- Bluesky -------------------------------------------------------------------------------


FRAMES = [
    line
    for name in sorted(REAL.glob("*.jsonl"))
    for line in name.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


def test_every_captured_jetstream_frame_is_read_or_set_aside_without_an_error():
    kinds: Counter[str] = Counter()
    for frame in FRAMES:
        found = read_frame(frame)  # raises Malformed for a broken frame: none here
        kinds["other" if found is None else found.commit.operation] += 1
    # Likes, reposts, follows, blocks, identity and account events are not posts.
    assert kinds == {"other": 143, "create": 18, "delete": 1}


async def test_the_connector_keeps_exactly_the_captured_posts_with_the_events_hashtags(
    tmp_path,
):
    # Two of the eighteen captured posts carry these tags (the case differs on purpose).
    event = EventSettings(
        slug="jpo", title="JPO", hashtags=["#indierebellion", "TalesAtWonderworld"]
    )
    async with (
        FakeBluesky() as bluesky,
        FakeJetstream() as jetstream,
        Wall(tmp_path, bluesky, jetstream, event) as wall,
    ):
        wall.start(wall.feed())
        # Jetstream without a cursor starts from now: the frames come once subscribed.
        await eventually(lambda: bool(jetstream.clients))
        for frame in FRAMES:
            jetstream.replay(frame)
        wanted = {
            "at://did:plc:tn3hni2jpphsgl6amfbb7ja6/app.bsky.feed.post/3mptbypfywk2v",
            "at://did:plc:ynfp6wddjqpl44gordpsqkuw/app.bsky.feed.post/3mptbyo7tas2u",
        }
        await wall.wait_stored(wanted)
        await asyncio.sleep(0.3)  # time for anything else to (wrongly) arrive
        assert sorted(wall.stored()) == sorted(wanted)
        posts = {p.network_id: p for p in wall.yielded}
        rebel = posts[min(wanted)]
        assert rebel.text.startswith("#HowToTellAiToShutUp!")
        assert {t.lower() for t in rebel.hashtags} >= {"indierebellion"}
        assert rebel.language == "de"
        tales = posts[max(wanted)]
        assert tales.text.startswith("\"Behind them, Timmi and Wanky'u follow silently")
        assert wall.health().skipped == 0


# rkey: (text begins, hashtags, language, pictures, link card title begins, quoted, reply)
CREATED = {
    "3mptbyoeyc22k": (
        "www.youtube.com/watch?v=V5lD",
        (),
        "en",
        0,
        "What does America's 250th",
        None,
        False,
    ),
    "3mptbyqhi7s2f": ("待って天幕のジャードゥーガル観ようと", (), "ja", 0, None, None, False),
    "3mptbyp7lu223": ("이쁘시네용~~~", (), "ko", 0, None, None, True),
    "3mptbyo7dms2m": ("Read the part about throwing off", (), "en", 0, None, None, True),
    "3mptbypfywk2v": (
        "#HowToTellAiToShutUp!  \n\nThese days",
        ("HowToTellAiToShutUp", "IndieRebellion"),
        "de",
        0,
        None,
        None,
        False,
    ),
    "3mptbyospqk2i": ("Going under a band's event post", (), "tr", 0, None, None, False),
    "3mptbyou7ls2i": ("The government you're trying", (), "tr", 0, None, None, True),
    "3mptbyoumc22i": ("even know the country's election", (), "tr", 0, None, None, True),
    "3mptbypky4c27": ("My show is super boring", (), "en", 0, None, None, True),
    "3mptbyoigog2b": (
        "Has anyone properly debunked",
        (),
        "en-US",
        0,
        "Has anyone properly",
        None,
        False,
    ),
    "3mptbypjm6224": ("Mount Rushmore and that", (), "en", 0, None, None, False),
    "3mptbypockk2v": ("Make MAGA-pliant institutions uninsurable.", (), "en", 0, None, None, True),
    # A reply that is only a link: no words, the card says it all.
    "3mptbyproxc2q": ("", (), "en", 0, "Ariana Grande Crying", None, True),
    "3mptbypt22l26": ("denikn.cz/2113523\nV souvislosti", (), None, 0, None, None, False),
    "3mptbypqqok2f": ("Makes you wonder what is wrong", (), "en", 0, None, None, True),
    "3mptbxs3hq22j": ("Вечерок с Аватаром", (), "ru", 1, None, None, False),
    "3mptbyo7tas2u": (
        "\"Behind them, Timmi and Wanky'u",
        ("talesatwonderworld", "balanwonderworldoc"),
        "es",
        1,
        None,
        None,
        False,
    ),
    "3mmoojp4cd223": ("Try RSV for a good time !!", (), "en", 0, None, None, True),
}


def test_every_captured_post_reads_to_its_text_tags_pictures_and_card():
    got = {}
    for raw in FRAMES:
        frame = read_frame(raw)
        if frame is None or frame.commit is None or frame.commit.record is None:
            continue
        record = frame.commit.record
        post = parse_post(frame.did, frame.commit.rkey, record, None, time_us=frame.time_us)
        want = CREATED[frame.commit.rkey]
        found = link_card(frame.did, record)
        got[frame.commit.rkey] = (
            post.text[: len(want[0])],
            post.hashtags,
            post.language,
            len(pictures(frame.did, record)),
            found[0].title[: len(want[4])] if found is not None and want[4] else None,
            quoted_uri(record),
            record.reply is not None,
        )
        # A phone's clock may run ahead (one here by 0.3 s): createdAt is kept within five
        # minutes of when Jetstream saw the post, in UTC.
        seen = datetime.fromtimestamp(frame.time_us / 1e6, UTC)
        assert post.created_at <= seen + timedelta(minutes=5)
        assert post.created_at.tzinfo is not None
    assert got == CREATED


# -- answers of the AppView and of a PDS, recorded by MarshalX/atproto's tests -------------

APPVIEW = REAL / "appview"
SDK = "did:plc:kvwvcn5iqfooopmyzvb4qzba"  # the SDK's test account, test.marshal.dev
KEPT = Media(url="/media/kept.jpg", width=1200, height=900)  # Murmur's copy of a picture


def test_a_recorded_quote_with_a_picture_gives_its_picture_and_the_quoted_posts_address():
    answer = json.loads((APPVIEW / "thread_view_post_with_embed_media.json").read_bytes())
    # getPostThread's post is a postView, as getPosts answers the quote lookup.
    view = msgspec.convert(answer["thread"]["post"], PostView)
    record = view.record
    assert record.embed is not None and record.embed.type == "app.bsky.embed.recordWithMedia"
    (picture,) = pictures(SDK, record)
    assert picture.url == (
        f"https://cdn.bsky.app/img/feed_fullsize/plain/{SDK}/"
        "bafkreic3cp5ky525vsukjvrzxsc2h3jka2gud74l2hgeatw2rhj2qycnmq@jpeg"
    )
    assert quoted_uri(record) == f"at://{SDK}/app.bsky.feed.post/3kahesw26il2z"
    post = parse_post(SDK, "3kaheyt6vpc22", record, None, stored={picture.url: KEPT})
    assert (post.text, post.language, post.created_at) == (
        "",
        "en",
        datetime(2023, 9, 28, 12, 49, 36, 735000, tzinfo=UTC),
    )
    assert [(m.url, m.alt) for m in post.media] == [(KEPT.url, "")]
    # Quoted in turn, a post of a picture and no words shows nothing of itself.
    assert quoted_post(view) is None


@pytest.mark.parametrize(
    ("name", "text", "created"),
    [
        # The offset written +00:00 rather than Z.
        ("post_record.json", "new text114", datetime(2024, 2, 22, 19, 58, 13, 903293, tzinfo=UTC)),
        # No zone at all (an early SDK wrote it so), and a field no lexicon has: read as UTC.
        (
            "extended_post_record.json",
            "regress test",
            datetime(2023, 7, 21, 1, 33, 51, 481951, tzinfo=UTC),
        ),
    ],
)
def test_recorded_post_records_read_their_dates_in_utc(name, text, created):
    answer = json.loads((APPVIEW / name).read_bytes())  # com.atproto.repo.getRecord
    record = msgspec.convert(answer["value"], Record)
    rkey = answer["uri"].rsplit("/", 1)[1]
    post = parse_post(SDK, rkey, record, None)
    assert (post.text, post.created_at) == (text, created)
    assert post.network_id == answer["uri"]
