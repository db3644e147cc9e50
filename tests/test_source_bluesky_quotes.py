"""The post a Bluesky post quotes, from the AppView's ``getPosts`` answer (PostViews as the
AppView serialises them); the feed's use of it is tested in test_source_bluesky.py."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from wall.sources.bluesky_quotes import decode_posts, is_post_uri, quoted_post

SAM = "did:plc:4v6q2gzcgqnyq5bbw3gy6mbk"
URI = f"at://{SAM}/app.bsky.feed.post/3lbzd5ziakc2d"


def view(text: str = "Qui vient au hall B ?", **changes: Any) -> dict[str, Any]:
    """One ``app.bsky.feed.defs#postView``, shaped as public.api.bsky.app answers."""
    post: dict[str, Any] = {
        "uri": URI,
        "cid": "bafyreihbmbq2utjw3pmtdeopeqxhr3eanbbufxsm7zwvb4ic4ixyzt4aui",
        "author": {
            "did": SAM,
            "handle": "sam.bsky.social",
            "displayName": "Sam ",
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{SAM}/bafkreia@jpeg",
            "associated": {"chat": {"allowIncoming": "following"}},
            "labels": [],
            "createdAt": "2023-08-17T21:11:05.394Z",
        },
        "record": {
            "$type": "app.bsky.feed.post",
            "createdAt": "2026-11-26T09:02:11.872Z",
            "langs": ["fr"],
            "text": text,
        },
        "replyCount": 2,
        "repostCount": 5,
        "likeCount": 31,
        "quoteCount": 1,
        "indexedAt": "2026-11-26T09:02:12.511Z",
        "labels": [],
    }
    post.update(changes)
    return post


def answer(*views: dict[str, Any]) -> bytes:
    return json.dumps({"posts": list(views)}).encode()


def test_a_post_view_becomes_the_quoted_post_by_its_author() -> None:
    (found,) = decode_posts(answer(view()))

    quote = quoted_post(found)

    assert quote is not None
    assert (quote.author.name, quote.author.handle) == ("Sam", "sam.bsky.social")
    assert quote.author.profile_url == "https://bsky.app/profile/sam.bsky.social"
    assert quote.author.avatar_url is None  # never a CDN address on a screen
    assert quote.text == "Qui vient au hall B ?"
    assert quote.url == f"https://bsky.app/profile/{SAM}/post/3lbzd5ziakc2d"
    assert quote.sensitive is False


def test_an_author_without_a_name_or_a_valid_handle_is_shown_by_what_is_left() -> None:
    nameless = view(author={"did": SAM, "handle": "sam.bsky.social"})
    invalid = view(author={"did": SAM, "handle": "handle.invalid", "displayName": ""})

    first, second = (quoted_post(v) for v in decode_posts(answer(nameless, invalid)))

    assert first is not None and first.author.name == "sam.bsky.social"
    assert second is not None and (second.author.name, second.author.handle) == (SAM, SAM)


@pytest.mark.parametrize(
    "labels",
    [
        {"record": {"text": "Photo", "labels": {"values": [{"val": "nudity"}]}}},
        {"labels": [{"src": "did:plc:ar7c4by46qjdydhdevvrndac", "uri": URI, "val": "porn"}]},
    ],
)
def test_a_quoted_post_labelled_by_its_author_or_by_bluesky_is_sensitive(labels) -> None:
    (found,) = decode_posts(answer(view(**labels)))

    quote = quoted_post(found)

    assert quote is not None and quote.sensitive is True


def test_a_record_that_is_not_a_post_or_has_no_words_quotes_nothing() -> None:
    generator = view(uri=f"at://{SAM}/app.bsky.feed.generator/campus")
    silent = view(text="   ")

    assert [quoted_post(v) for v in decode_posts(answer(generator, silent))] == [None, None]


def test_only_post_uris_are_looked_up() -> None:
    assert is_post_uri(URI)
    assert not is_post_uri(f"at://{SAM}/app.bsky.graph.list/3k")
    assert not is_post_uri("https://bsky.app/profile/sam/post/3k")
    assert not is_post_uri(None)


@pytest.mark.parametrize("body", [b"<html>", b'{"posts": "none"}', b'{"posts": [{"uri": 1}]}'])
def test_an_answer_that_is_not_getposts_is_refused(body: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_posts(body)


def test_markup_in_a_quoted_post_stays_words() -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    (found,) = decode_posts(answer(view(text=hostile)))

    quote = quoted_post(found)

    # Bluesky posts are plain text: kept as written, and the pages put it in with
    # textContent (tests/browser/test_wall_extras.py shows it is read, never run).
    assert quote is not None and quote.text == hostile
