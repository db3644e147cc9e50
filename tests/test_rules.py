import pytest

from moderation import Decision, Mode, Rules, decide
from tests.factories import make_post


def test_pre_moderation_holds_an_ordinary_post_for_a_human():
    verdict = decide(make_post(), Rules(mode=Mode.PRE))
    assert verdict.decision is Decision.HOLD
    assert verdict.rule == "mode"
    assert "pre-moderation" in verdict.reason


def test_post_moderation_shows_an_ordinary_post():
    verdict = decide(make_post(), Rules(mode=Mode.POST))
    assert verdict.decision is Decision.APPROVE


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("Quelle ARNAQUE ce stand", True),
        ("quelle arnaque!", True),
        ("Arnàque au buffet", True),  # accents do not hide a word
        ("Les arnaqueurs du quiz", False),  # whole words only
        ("Super journée", False),
    ],
)
def test_blocked_words_match_whole_words_ignoring_case_and_accents(text, caught):
    rules = Rules(mode=Mode.POST, blocked_words=("arnaque",))
    verdict = decide(make_post(text), rules)
    assert (verdict.decision is Decision.REJECT) is caught
    if caught:
        assert verdict.rule == "blocked_words"
        assert "arnaque" in verdict.reason


def test_a_blocked_author_is_rejected_on_any_network_or_the_named_one():
    post = make_post(handle="@Troll@bad.example", network="mastodon")
    assert decide(post, Rules(blocked_authors=("troll@bad.example",))).decision is Decision.REJECT
    assert (
        decide(post, Rules(blocked_authors=("mastodon:troll@bad.example",))).decision
        is Decision.REJECT
    )
    assert (
        decide(post, Rules(blocked_authors=("bluesky:troll@bad.example",))).decision
        is Decision.HOLD
    )


def test_a_trusted_author_is_approved_even_in_pre_moderation():
    post = make_post(handle="bu@univ.example")
    verdict = decide(post, Rules(mode=Mode.PRE, trusted_authors=("bu@univ.example",)))
    assert verdict.decision is Decision.APPROVE
    assert verdict.reason == "author bu@univ.example is trusted"


def test_a_blocked_word_beats_a_trusted_author():
    post = make_post("spam spam", handle="bu@univ.example")
    rules = Rules(trusted_authors=("bu@univ.example",), blocked_words=("spam",))
    assert decide(post, rules).decision is Decision.REJECT


def test_required_hashtags_reject_a_post_that_carries_none_of_them():
    rules = Rules(mode=Mode.POST, required_hashtags=("#JPO2026", "CampusLife"))
    assert decide(make_post(hashtags=("jpo2026",)), rules).decision is Decision.APPROVE
    verdict = decide(make_post(hashtags=("Other",)), rules)
    assert verdict.decision is Decision.REJECT
    assert verdict.reason == "carries none of the event's hashtags (#JPO2026, #CampusLife)"


def test_content_warnings_and_sensitive_media_are_held_even_in_post_moderation():
    rules = Rules(mode=Mode.POST)
    assert decide(make_post(sensitive=True), rules).decision is Decision.HOLD
    verdict = decide(make_post(content_warning="spoilers"), rules)
    assert verdict.decision is Decision.HOLD
    assert "spoilers" in verdict.reason
