"""Author rules: allow, hold or block, per network, with who, when, why and an expiry."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from moderation import AuthorAction, AuthorRule, Decision, Mode, Rules, decide
from tests.factories import make_post

NOW = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)


def rule(author: str, action: str, **extra) -> AuthorRule:
    return AuthorRule(author=author, action=AuthorAction(action), **extra)


@pytest.mark.parametrize(
    ("entry", "network", "handle", "applies"),
    [
        ("troll@bad.example", "mastodon", "@Troll@bad.example", True),  # any network
        ("mastodon:troll@bad.example", "mastodon", "troll@bad.example", True),
        ("Mastodon:@TROLL@bad.example", "mastodon", "troll@bad.example", True),
        ("bluesky:troll@bad.example", "mastodon", "troll@bad.example", False),
        ("troll.bsky.social", "bluesky", "troll.bsky.social", True),
        ("did:plc:abc123", "bluesky", "did:plc:abc123", True),  # a DID is a handle
        ("bluesky:did:plc:abc123", "bluesky", "did:plc:abc123", True),
        ("troll@bad.example", "mastodon", "troll@good.example", False),
    ],
)
@pytest.mark.parametrize("action", ["allow", "hold", "block"])
def test_an_author_entry_names_a_handle_on_any_network_or_on_one(
    entry, network, handle, applies, action
):
    post = make_post(handle=handle, network=network)
    v = decide(post, Rules(mode=Mode.PRE, authors=(rule(entry, action),)), now=NOW)
    expected = {"allow": Decision.APPROVE, "hold": Decision.HOLD, "block": Decision.REJECT}
    rules = {"allow": "trusted_authors", "hold": "held_authors", "block": "blocked_authors"}
    if applies:
        assert (v.decision, v.rule) == (expected[action], rules[action])
    else:
        assert v.rule == "mode"


def test_the_reason_says_who_set_the_entry_when_and_why():
    entry = rule(
        "mastodon:troll@bad.example",
        "block",
        set_by="Claire",
        set_at=datetime(2026, 5, 12, 9, 30, tzinfo=UTC),
        why="insults the speakers",
        expires_at=datetime(2026, 5, 15, 18, 0, tzinfo=UTC),
    )
    post = make_post(handle="troll@bad.example", network="mastodon")
    v = decide(post, Rules(authors=(entry,)), now=NOW)
    assert v.reason == (
        "author mastodon:troll@bad.example is blocked (by Claire on 12 May 2026: insults the "
        "speakers; until 15 May 2026 18:00 UTC)"
    )


def test_an_expired_entry_no_longer_applies():
    entry = rule("troll@bad.example", "block", expires_at=NOW + timedelta(hours=1))
    rules = Rules(mode=Mode.POST, authors=(entry,))
    post = make_post(handle="troll@bad.example")
    assert decide(post, rules, now=NOW).decision is Decision.REJECT
    assert decide(post, rules, now=NOW + timedelta(hours=2)).decision is Decision.APPROVE


def test_without_now_expiry_is_judged_at_the_posts_own_time():
    entry = rule("troll@bad.example", "block", expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    post = make_post(handle="troll@bad.example")
    assert decide(post, Rules(mode=Mode.POST, authors=(entry,))).decision is Decision.APPROVE


def test_a_naive_expiry_is_read_as_utc():
    entry = rule("troll@bad.example", "block", expires_at=datetime(2026, 5, 14, 11, 0))
    post = make_post(handle="troll@bad.example")
    assert decide(post, Rules(authors=(entry,)), now=NOW).decision is Decision.REJECT


def test_the_strictest_entry_wins_when_several_name_the_author():
    entries = (
        rule("ines@campus.example", "allow"),
        rule("test:ines@campus.example", "hold", why="new to the team"),
    )
    v = decide(make_post(handle="ines@campus.example"), Rules(authors=entries), now=NOW)
    assert v.decision is Decision.HOLD
    assert v.reason == (
        "author test:ines@campus.example is held for a human (new to the team): a human decides"
    )


def test_blocked_and_trusted_authors_are_block_and_allow_entries():
    post = make_post(handle="bu@univ.example")
    trusted = decide(post, Rules(trusted_authors=("bu@univ.example",)))
    assert (trusted.decision, trusted.reason) == (
        Decision.APPROVE,
        "author bu@univ.example is trusted",
    )
    blocked = decide(post, Rules(blocked_authors=("bu@univ.example",)))
    assert (blocked.decision, blocked.reason) == (
        Decision.REJECT,
        "author bu@univ.example is blocked",
    )


def test_a_held_author_waits_even_in_post_moderation_and_a_block_beats_a_trust():
    post = make_post(handle="x@y.example")
    held = Rules(mode=Mode.POST, authors=(rule("x@y.example", "hold"),))
    assert decide(post, held).decision is Decision.HOLD
    both = Rules(trusted_authors=("x@y.example",), blocked_authors=("x@y.example",))
    assert decide(post, both).decision is Decision.REJECT


def test_a_trusted_author_still_has_blocked_words_and_content_warnings_applied():
    rules = Rules(trusted_authors=("bu@univ.example",), blocked_words=("arnaque",))
    assert decide(make_post("arnaque", handle="bu@univ.example"), rules).decision is (
        Decision.REJECT
    )
    warned = make_post(handle="bu@univ.example", content_warning="spoilers")
    assert decide(warned, rules).decision is Decision.HOLD


def test_an_expiry_is_shown_in_the_time_zone_it_was_given_in():
    paris = timezone(timedelta(hours=2))
    entry = rule("t@x.example", "block", expires_at=datetime(2026, 5, 15, tzinfo=paris))
    assert entry.describe() == "author t@x.example is blocked (until 15 May 2026 00:00 UTC+02:00)"
