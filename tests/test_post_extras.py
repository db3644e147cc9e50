"""What a post carries besides its words: Mastodon boosts, polls, quotes and preview cards,
Bluesky link cards; read from payloads shaped as the networks send them, held by the
rules like the text, and shown to screens without anything a moderator hid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from moderation import Author, Decision, LinkCard, Media, Poll, PollOption, Quoted, Rules, decide
from tests.factories import make_post
from tests.fakes.jetstream import POST, cid, commit_frame, post_record, tid
from tests.fakes.mastodon import make_account, make_card, make_quote, make_status, quote_link
from wall.screen_view import screen_post
from wall.sources.bluesky_wire import link_card, parse_frame, parse_post
from wall.sources.mastodon_wire import html_to_text, parse_status
from wall.views import PostView

BASE = "https://campus.social"
AUTHOR = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


def status(status_id: str = "110000000000000001", **kwargs: Any) -> dict[str, Any]:
    return make_status(status_id, BASE, **kwargs)


# -- Mastodon ------------------------------------------------------------------------------


def test_a_boost_shows_the_original_post_and_author_and_who_shared_it():
    original = status(
        "110000000000000009",
        text="Conférence à 14 h, amphi A",
        account=make_account(BASE, "bibliotheque", display_name="La Bibliothèque"),
    )
    boost = status(
        "110000000000000010",
        content="",
        tags=(),
        account=make_account(BASE, "ines", display_name="Inès Moreau"),
    )
    boost["reblog"] = original
    parsed = parse_status(boost, server="campus.social")
    post = parsed.post
    assert post.text.startswith("Conférence à 14 h, amphi A")
    assert post.author.name == "La Bibliothèque"
    assert post.boosted_by is not None and post.boosted_by.name == "Inès Moreau"
    # The original's identity: seen directly too, it is the same post, stored once.
    assert post.network_id == original["uri"] and parsed.id == original["id"]


def test_a_poll_keeps_its_options_and_its_results_once_closed():
    open_poll = status()
    open_poll["poll"] = {
        "id": "34830", "expires_at": "2026-12-06T10:00:00.000Z", "expired": False,
        "multiple": False, "votes_count": 0, "voters_count": 0, "emojis": [],
        "options": [{"title": "Amphi A", "votes_count": None},
                    {"title": "Amphi B", "votes_count": None}],
    }  # fmt: skip
    poll = parse_status(open_poll, server="campus.social").post.poll
    assert poll is not None and not poll.closed
    assert [(o.title, o.votes) for o in poll.options] == [("Amphi A", None), ("Amphi B", None)]
    closed = status()
    closed["poll"] = {
        "id": "34831", "expired": True, "multiple": False, "votes_count": 10,
        "voters_count": 10, "options": [{"title": "Oui", "votes_count": 7},
                                        {"title": "Non", "votes_count": 3}],
    }  # fmt: skip
    poll = parse_status(closed, server="campus.social").post.poll
    assert poll is not None and poll.closed and poll.voters == 10
    assert [(o.title, o.votes) for o in poll.options] == [("Oui", 7), ("Non", 3)]


def test_a_quote_shows_the_quoted_post_as_text_in_both_shapes_servers_send():
    quoted = status(
        "110000000000000003",
        content='<p>Le plan du campus <script>alert(1)</script><a href="x">ici</a></p>',
        account=make_account(BASE, "plan", display_name="Plan"),
    )
    accepted = status()
    accepted["quote"] = {"state": "accepted", "quoted_status": quoted}  # Mastodon 4.4
    post = parse_status(accepted, server="campus.social").post
    assert post.quote is not None and post.quote.author.name == "Plan"
    assert post.quote.text == "Le plan du campus ici"  # text only: no markup, no script
    inline = status()
    inline["quote"] = quoted  # servers that put the status itself
    assert parse_status(inline, server="campus.social").post.quote == post.quote
    pending = status()
    pending["quote"] = {"state": "pending", "quoted_status": None}
    assert parse_status(pending, server="campus.social").post.quote is None
    broken = status()
    broken["quote"] = {"state": "accepted", "quoted_status": {"id": 3}}
    assert parse_status(broken, server="campus.social").post.quote is None


def test_a_preview_card_becomes_a_link_card_whose_picture_is_fetched():
    with_card = status()
    with_card["card"] = {
        "url": "https://www.univ.example/jpo", "title": "Journées portes ouvertes 2026",
        "description": "Le programme", "type": "link", "author_name": "", "provider_name": "",
        "image": "https://files.campus.social/cache/preview_cards/images/000/1.jpg",
        "width": 400, "height": 200, "html": "", "embed_url": "", "blurhash": None,
    }  # fmt: skip
    parsed = parse_status(with_card, server="campus.social")
    assert parsed.post.link == LinkCard(
        url="https://www.univ.example/jpo",
        title="Journées portes ouvertes 2026",
        description="Le programme",
    )
    assert parsed.link_image == with_card["card"]["image"]  # fetched like any picture
    javascript = status()
    javascript["card"] = {"url": "javascript:alert(1)", "title": "x", "image": None}
    assert parse_status(javascript, server="campus.social").post.link is None


# -- Bluesky ------------------------------------------------------------------------------


def test_an_external_embed_becomes_a_link_card_with_its_thumbnail_through_the_cdn():
    thumb = cid()
    record_json = post_record("Le programme #JPO2026")
    record_json["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://www.univ.example/jpo",
            "title": "Journées portes ouvertes",
            "description": "Tout le programme",
            "thumb": {"$type": "blob", "ref": {"$link": thumb}, "mimeType": "image/jpeg",
                      "size": 23456},
        },
    }  # fmt: skip
    frame = parse_frame(
        commit_frame(
            AUTHOR, 1, operation="create", collection=POST, rkey=tid(1), record=record_json
        )
    )
    assert frame is not None and frame.commit is not None and frame.commit.record is not None
    record = frame.commit.record
    found = link_card(AUTHOR, record, cdn="https://cdn.example")
    assert found is not None
    card, url = found
    assert (card.title, card.description) == ("Journées portes ouvertes", "Tout le programme")
    assert url == f"https://cdn.example/img/feed_thumbnail/plain/{AUTHOR}/{thumb}@jpeg"
    kept = Media(url="/media/" + "a" * 32 + ".webp", width=400, height=300)
    post = parse_post(AUTHOR, "3k", record, None, cdn="https://cdn.example", stored={url: kept})
    assert post.link is not None and post.link.image == kept
    # A thumbnail Murmur could not keep is left out: screens never load the CDN.
    assert parse_post(AUTHOR, "3k", record, None, cdn="https://cdn.example").link.image is None


# -- rules and screens ---------------------------------------------------------------------


def test_the_rules_read_a_quote_a_poll_and_a_link_card_like_the_text():
    rules = Rules(blocked_words=("arnaque",))
    quoted = make_post("hello", hashtags=())
    quoted = msgspec.structs.replace(
        quoted, quote=Quoted(author=Author(name="x", handle="x@y"), text="une arnaque")
    )
    polled = msgspec.structs.replace(
        make_post("hello"), poll=Poll(options=(PollOption(title="arnaque"),))
    )
    linked = msgspec.structs.replace(
        make_post("hello"), link=LinkCard(url="https://x.example", title="Grosse arnaque")
    )
    for post in (quoted, polled, linked):
        assert decide(post, rules).decision is Decision.REJECT


def test_screens_get_the_extras_but_not_a_link_picture_a_moderator_hid():
    picture = Media(url="/media/" + "b" * 32 + ".webp")
    post = msgspec.structs.replace(
        make_post("Le programme"),
        link=LinkCard(url="https://www.univ.example", title="Programme", image=picture),
    )
    now = datetime.now(UTC)
    view = PostView(
        id=1, event="jpo", status="approved", network=post.network, network_id=post.network_id,
        url=None, author=post.author, text=post.text, html=post.html, media=(), language="fr",
        content_warning="", sensitive=False, hashtags=(), created_at=now, received_at=now,
        reason="", rule="mode", decided_by=None, decided_at=None, link=post.link,
    )  # fmt: skip
    assert screen_post(view).link == post.link
    hidden = msgspec.structs.replace(view, media_hidden=True)
    assert screen_post(hidden).link is not None and screen_post(hidden).link.image is None
    plain = msgspec.json.encode(screen_post(msgspec.structs.replace(view, link=None)))
    assert b"boosted_by" not in plain and b"poll" not in plain  # only what a post has


# -- Mastodon's "RE:" line -------------------------------------------------------------------


def test_a_shown_quote_drops_the_re_line_mastodon_writes_for_apps_without_quotes():
    quoted = status(
        "110000000000000050",
        content="<p>Qui vient à la conférence sur le climat ?</p>",
        account=make_account(BASE, "sam", domain="social.example", display_name="Sam"),
    )
    quoting = status(text="Moi !", quote=make_quote(quoted))
    assert quoting["content"].startswith('<p class="quote-inline">RE: ')

    post = parse_status(quoting, server="campus.social").post

    assert post.text == "Moi ! #JPO2026"
    assert post.quote is not None
    assert post.quote.text == "Qui vient à la conférence sur le climat ?"


@pytest.mark.parametrize("state", ["pending", "revoked", "deleted", "blocked_account"])
def test_a_quote_that_may_not_be_shown_keeps_the_re_line_as_its_trace(state):
    url = "https://social.example/@sam/110000000000000050"
    quoting = status(content=quote_link(url) + "<p>Moi !</p>", quote=make_quote(None, state=state))

    post = parse_status(quoting, server="campus.social").post

    assert post.quote is None
    assert post.text == "RE: social.example/@sam/1100000000…\n\nMoi !"


def test_akkomas_quote_span_is_dropped_only_when_the_quote_is_shown():
    content = (
        "<p>Regardez<span class=\"quote-inline\"><br/><br/>RE: <a href='https://x.example/1'>"
        "https://x.example/1</a></span></p>"
    )

    assert html_to_text(content, without_quote_link=True) == "Regardez"
    assert html_to_text(content) == "Regardez\n\nRE: https://x.example/1"


def test_a_preview_card_of_the_quoted_post_is_not_shown_beside_it():
    quoted = status("110000000000000050", content="<p>Le plan du campus</p>")
    card = make_card(BASE, url=quoted["url"], title="Inès Moreau : « Le plan du campus »")
    other = make_card(BASE)

    same = parse_status(status(quote=make_quote(quoted), card=card), server="campus.social")
    elsewhere = parse_status(status(quote=make_quote(quoted), card=other), server="campus.social")

    assert same.post.link is None and same.link_image is None
    assert elsewhere.post.link is not None
    assert elsewhere.post.link.url == "https://www.univ.example/actualites/jpo-2026"


def test_a_quote_keeps_the_quoted_posts_warning_and_sensitivity():
    quoted = status(
        "110000000000000050",
        content="<p>La réponse du quiz</p>",
        spoiler_text="Spoiler",
        sensitive=True,
    )

    post = parse_status(status(quote=make_quote(quoted)), server="campus.social").post

    assert post.quote is not None
    assert (post.quote.content_warning, post.quote.sensitive) == ("Spoiler", True)
