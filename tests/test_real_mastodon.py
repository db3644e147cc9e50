"""Mastodon statuses and timelines as a real Mastodon server answered them
(tests/data/real/mastodon, see tests/data/README.md for origins and licences), each
asserted to the exact posts Murmur makes of it. No exception escapes any item."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wall.sources.mastodon_wire import ParsedStatus, parse_status

REAL = Path(__file__).parent / "data" / "real"
SERVER = "mastodon.example"


def statuses(name: str) -> list[dict[str, Any]]:
    loaded = json.loads((REAL / "mastodon" / name).read_bytes())
    return loaded if isinstance(loaded, list) else [loaded]


def parsed(name: str) -> list[ParsedStatus]:
    return [parse_status(json.dumps(s), server=SERVER) for s in statuses(name)]


# -- Mastodon ------------------------------------------------------------------------------


def test_every_recorded_mastodon_status_reads_without_an_error():
    names = sorted(p.name for p in (REAL / "mastodon").glob("*.json"))
    read = [(name, item) for name in names for item in parsed(name)]
    assert len(read) == 60  # 13 answers of a Mastodon server, 60 statuses in all
    assert all(item.post.author.handle.endswith(f"@{SERVER}") for _, item in read)
    assert all(item.post.created_at.tzinfo is not None for _, item in read)


def test_a_hashtag_timeline_page_gives_its_posts_with_their_tag():
    (hoot,) = parsed("tag-timeline-hoot.json")
    assert hoot.post.text == "#hoot (hashtag toot)"
    assert hoot.post.hashtags == ("hoot",)
    assert hoot.post.author.handle == f"mastodonpy_test_2@{SERVER}"
    assert hoot.post.created_at == datetime(2026, 8, 1, 13, 55, 55, 867000, tzinfo=UTC)
    page = parsed("tag-timeline-page.json")
    assert [p.post.text.split("!")[0] for p in page] == [
        f"Toot number {n}" for n in range(29, 19, -1)
    ]  # newest first, as the server pages them
    assert {p.post.hashtags for p in page} == {
        ("fgiztsshwiaqqiztpmmjbtvmescsculuvmgjgopwoeidbcrixp",)
    }
    assert len({p.post.network_id for p in page}) == 10


def test_a_boost_shows_the_original_post_and_who_shared_it():
    (boost,) = parsed("status-reblog.json")
    original = statuses("status-reblog.json")[0]["reblog"]
    assert boost.post.text == "Toot!"
    assert boost.post.network_id == original["uri"]  # the same post seen directly is one
    assert boost.post.boosted_by is not None
    assert boost.post.boosted_by.handle == f"mastodonpy_test@{SERVER}"


def test_a_poll_keeps_its_options_and_votes():
    (poll,) = parsed("status-poll.json")
    assert poll.post.text == "nice"
    assert poll.post.poll is not None
    assert [(o.title, o.votes) for o in poll.post.poll.options] == [
        ("four twenty", 0),
        ("sixty-nine", 0),
    ]
    assert poll.post.poll.closed is False


def test_an_accepted_quote_is_shown_and_a_revoked_one_is_not():
    (quoting,) = parsed("status-quote.json")
    assert quoting.post.text == "yoooooooo"  # the "RE:" line stands for the quote: gone
    assert quoting.post.quote is not None and quoting.post.quote.text == "Toot!"
    (revoked,) = parsed("status-quote-revoked.json")
    assert revoked.post.quote is None
    # Without the quoted post, its link line stays, as Mastodon writes it for old apps.
    assert revoked.post.text.startswith("RE: localhost:3000/@mastodonpy_tes…\n\n")


def test_pictures_a_video_a_content_warning_and_a_link_card():
    (media,) = parsed("status-media.json")
    assert media.post.text == "LOL check this out"
    assert [(m.kind, m.width, m.height) for m in media.media] == [
        ("image", 600, 600),
        ("image", 400, 400),
    ]
    (video,) = parsed("status-edited-media.json")
    assert [(m.kind, m.width, m.height) for m in video.media] == [("video", 640, 640)]
    assert "/thumbnails/" in video.media[0].url  # the poster frame, not the video
    (warned,) = parsed("status-content-warning.json")
    assert (warned.post.content_warning, warned.post.text) == ("Content warning", "Toot!")
    (card,) = parsed("status-card.json")
    assert card.post.link is not None and card.post.link.title == "Example Domain"


def test_timelines_give_a_post_per_status_with_polls_read():
    for name, count, polls in (
        ("home-timeline.json", 13, 1),
        ("public-timeline.json", 8, 1),
        ("public-timeline-20.json", 20, 0),
    ):
        page = parsed(name)
        assert len(page) == count, name
        assert sum(p.post.poll is not None for p in page) == polls, name
        assert all(p.post.text for p in page), name
