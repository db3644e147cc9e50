"""The rules read what a post shows of others: the post it quotes (its words, warning and
author), its poll, its link card and who boosted it, as they read the post's own."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from moderation import (
    Author,
    Decision,
    LinkCard,
    Mode,
    Poll,
    PollOption,
    Post,
    Quoted,
    Rules,
    decide,
)
from tests.factories import make_post

RULES = Rules(mode=Mode.POST, blocked_words=("arnaque",), held_words=("grève",))


def quoting(text: str, **quote: object) -> Post:
    author = Author(name="Sam", handle="sam@social.example")
    return msgspec.structs.replace(
        make_post("Regardez ça #JPO2026"), quote=Quoted(author=author, text=text, **quote)
    )


def test_a_held_word_in_a_poll_option_holds_the_post() -> None:
    poll = Poll(options=(PollOption(title="Oui"), PollOption(title="Non, grève demain")))
    post = msgspec.structs.replace(make_post("Vous venez ? #JPO2026"), poll=poll)

    verdict = decide(post, RULES)

    assert verdict.decision is Decision.HOLD
    assert verdict.rule == "held_words"


def test_a_clean_quote_poll_and_link_leave_the_post_to_the_mode() -> None:
    post = msgspec.structs.replace(
        quoting("Belle journée au campus"),
        poll=Poll(options=(PollOption(title="Oui"), PollOption(title="Non"))),
        link=LinkCard(url="https://univ.example/jpo", title="Programme des JPO"),
    )

    assert decide(post, RULES).decision is Decision.APPROVE


@pytest.mark.parametrize("field", ["boosted_by", "quote"])
def test_a_post_boosted_by_or_quoting_a_blocked_author_is_rejected(field: str) -> None:
    troll = Author(name="Troll", handle="troll@bad.example")
    extra = (
        {"boosted_by": troll}
        if field == "boosted_by"
        else {"quote": Quoted(author=troll, text="Bonjour")}
    )
    post = msgspec.structs.replace(make_post(network="mastodon"), **extra)

    verdict = decide(post, Rules(mode=Mode.POST, blocked_authors=("troll@bad.example",)))

    assert verdict.decision is Decision.REJECT
    assert verdict.rule == "blocked_authors"
    assert "troll@bad.example" in verdict.reason


def test_a_quoted_post_behind_a_content_warning_is_held_with_its_warning() -> None:
    verdict = decide(quoting("Les résultats du quiz", content_warning="Spoiler"), RULES)

    assert verdict.decision is Decision.HOLD
    assert verdict.rule == "sensitive"
    assert "Spoiler" in verdict.reason


def test_a_quoted_post_marked_sensitive_is_held() -> None:
    verdict = decide(quoting("Photo", sensitive=True), RULES)

    assert verdict.decision is Decision.HOLD
    assert verdict.rule == "sensitive"


def test_a_post_stored_before_these_fields_existed_decodes_with_none_of_them() -> None:
    old = {
        "network": "mastodon",
        "network_id": "https://campus.social/users/ines/statuses/1",
        "author": {"name": "Inès", "handle": "ines@campus.social"},
        "text": "Bonjour",
        "created_at": datetime(2026, 5, 14, tzinfo=UTC).isoformat(),
    }

    post = msgspec.json.decode(msgspec.json.encode(old), type=Post)

    assert (post.boosted_by, post.poll, post.quote, post.link) == (None, None, None, None)


def test_the_boosters_name_and_the_quoted_warning_are_read_like_the_text() -> None:
    shared = msgspec.structs.replace(
        make_post("Bonjour #JPO2026"), boosted_by=Author(name="Collectif grève", handle="c@x.y")
    )
    warned = quoting("Le quiz", content_warning="Une arnaque")

    assert decide(shared, RULES).rule == "held_words"
    assert decide(warned, RULES).rule == "blocked_words"  # before the warning holds it
