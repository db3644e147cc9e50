"""Spam, languages, accounts and other events' hashtags: plain core tests, no event loop.

The spam rules read a ``History`` that the test fills the way the hub does: decide, then
record.
"""

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from moderation import Author, Decision, History, Mode, Post, Rules, decide
from tests.factories import make_post

T0 = datetime(2026, 5, 14, 10, 0, tzinfo=UTC)


def feed(history: History, rules: Rules, posts: list[tuple[Post, datetime]]) -> list:
    """Decide then record each post, as ``Hub.ingest`` does."""
    verdicts = []
    for post, at in posts:
        verdicts.append(decide(post, rules, now=at, history=history))
        history.record(post, at)
    return verdicts


# -- flooding ---------------------------------------------------------------------------

FLOOD = Rules(mode=Mode.POST, flood_posts=3, flood_minutes=10)


def test_an_author_posting_more_than_the_limit_within_the_window_is_held():
    history = History()
    posts = [(make_post(f"message numéro {i}"), T0 + timedelta(minutes=i)) for i in range(5)]
    verdicts = feed(history, FLOOD, posts)
    assert [v.decision for v in verdicts] == [Decision.APPROVE] * 3 + [Decision.HOLD] * 2
    assert verdicts[3].rule == "flood"
    assert verdicts[3].reason == (
        "post number 4 from ines@campus.example within 10 minutes (the limit is 3): a human decides"
    )


def test_posts_older_than_the_window_do_not_count():
    history = History()
    posts = [(make_post(f"message {i}"), T0 + timedelta(minutes=6 * i)) for i in range(6)]
    assert all(v.decision is Decision.APPROVE for v in feed(history, FLOOD, posts))


def test_flooding_is_counted_per_author_and_network():
    history = History()
    posts = [
        (make_post(f"message {i}", handle=f"user{i % 4}@campus.example"), T0) for i in range(12)
    ]
    assert all(v.decision is Decision.APPROVE for v in feed(history, FLOOD, posts))
    other_network = make_post("hello", handle="user0@campus.example", network="mastodon")
    assert decide(other_network, FLOOD, now=T0, history=history).decision is Decision.APPROVE


def test_a_post_delivered_twice_is_counted_once():
    history = History()
    post = make_post("hello there")
    for _ in range(5):
        history.record(post, T0)
    assert len(history) == 1
    assert decide(post, FLOOD, now=T0, history=history).decision is Decision.APPROVE


def test_a_trusted_author_may_post_as_often_as_they_like():
    rules = Rules(mode=Mode.POST, flood_posts=1, trusted_authors=("ines@campus.example",))
    history = History()
    posts = [(make_post(f"live report {i}"), T0) for i in range(5)]
    assert all(v.decision is Decision.APPROVE for v in feed(history, rules, posts))


# -- repeated texts ---------------------------------------------------------------------

DUPES = Rules(mode=Mode.POST, duplicate_minutes=30, duplicate_similarity=0.75)
SPAM = "Achetez des montres pas chères sur notre site incroyable"


@pytest.mark.parametrize(
    ("again", "alike"),
    [
        (SPAM, "word for word"),
        ("ACHETEZ des montres pas chères sur notre site incroyable !!! 🔥", "word for word"),
        (SPAM + " https://spam.example/x?ref=1 @someone #JPO2026", "word for word"),
        ("Achetez des montres vraiment pas chères sur notre site incroyable", "%"),
    ],
)
def test_the_same_author_repeating_a_text_is_rejected(again, alike):
    history = History()
    first, second = make_post(SPAM), make_post(again)
    v1, v2 = feed(history, DUPES, [(first, T0), (second, T0 + timedelta(minutes=3))])
    assert v1.decision is Decision.APPROVE
    assert (v2.decision, v2.rule) == (Decision.REJECT, "duplicates")
    assert v2.reason.startswith("repeats a post by the same author from 3 minutes ago (")
    assert alike in v2.reason


def test_someone_else_posting_nearly_the_same_text_is_held():
    history = History()
    first = make_post(SPAM, handle="bot1@spam.example")
    second = make_post(SPAM.replace("incroyable", "génial"), handle="bot2@spam.example")
    _, v = feed(history, DUPES, [(first, T0), (second, T0 + timedelta(seconds=30))])
    assert (v.decision, v.rule) == (Decision.HOLD, "duplicates")
    assert v.reason.startswith("repeats a post by bot1@spam.example from just now (")
    assert v.reason.endswith("% alike): a human decides")


@pytest.mark.parametrize(
    "text",
    [
        "Merci à tous !",  # short: many people write it
        "Super conférence sur les robots ce matin en amphi A",  # different words
    ],
)
def test_short_or_different_texts_from_other_people_are_not_repeats(text):
    history = History()
    first = make_post("Merci à tous !", handle="a@campus.example")
    second = make_post(text, handle="b@campus.example")
    _, v = feed(history, DUPES, [(first, T0), (second, T0)])
    assert v.rule == "mode"


def test_a_repeat_older_than_the_window_is_not_one():
    history = History()
    posts = [(make_post(SPAM), T0), (make_post(SPAM), T0 + timedelta(minutes=31))]
    assert feed(history, DUPES, posts)[1].rule == "mode"


def test_the_same_post_delivered_again_is_not_its_own_repeat():
    history = History()
    post = make_post(SPAM)
    history.record(post, T0)
    assert decide(post, DUPES, now=T0, history=history).rule == "mode"


def test_without_a_history_the_spam_rules_are_skipped():
    rules = Rules(mode=Mode.POST, flood_posts=1, duplicate_minutes=10)
    assert decide(make_post(SPAM), rules).decision is Decision.APPROVE


def test_the_history_stays_bounded_in_size_and_age():
    history = History(capacity=100, horizon=timedelta(minutes=10))
    for i in range(1000):
        history.record(make_post(f"post {i} about robots and libraries"), T0)
    assert len(history) == 100
    history.record(make_post("much later"), T0 + timedelta(minutes=11))
    assert len(history) == 1
    assert history._index == {} or all(history._index.values())


def test_rules_say_how_far_back_their_history_must_go():
    assert Rules().history_horizon is None
    assert Rules(flood_posts=3, flood_minutes=5).history_horizon == timedelta(minutes=5)
    both = Rules(flood_posts=3, flood_minutes=5, duplicate_minutes=30)
    assert both.history_horizon == timedelta(minutes=30)


# -- other events' hashtags ---------------------------------------------------------------

OTHERS = Rules(mode=Mode.POST, other_hashtags={"NuitDesChercheurs": "Nuit des chercheurs"})


def test_a_post_carrying_another_events_hashtag_is_held():
    post = make_post(hashtags=("JPO2026", "nuitdeschercheurs"))
    v = decide(post, OTHERS)
    assert (v.decision, v.rule) == (Decision.HOLD, "other_events")
    assert v.reason == (
        "carries #NuitDesChercheurs, a hashtag of another event (“Nuit des chercheurs”): "
        "a human decides"
    )
    assert decide(make_post(hashtags=("JPO2026",)), OTHERS).decision is Decision.APPROVE


def test_a_hashtag_the_event_requires_is_never_another_events():
    rules = Rules(required_hashtags=("JPO2026",), other_hashtags={"#jpo2026": "Other"})
    assert decide(make_post(hashtags=("JPO2026",)), rules).rule == "mode"


# -- languages ----------------------------------------------------------------------------

LANGUAGES = Rules(mode=Mode.POST, languages=("fr", "en"))


@pytest.mark.parametrize(
    ("language", "detected", "decision"),
    [
        ("fr", None, Decision.APPROVE),
        ("fr-CA", None, Decision.APPROVE),
        ("EN", None, Decision.APPROVE),
        ("de", None, Decision.HOLD),
        (None, "es", Decision.HOLD),
        (None, "en", Decision.APPROVE),
        (None, None, Decision.APPROVE),  # unknown and undetected: let it through
    ],
)
def test_posts_in_other_languages_are_held_not_rejected(language, detected, decision):
    v = decide(make_post(language=language), LANGUAGES, detected_language=detected)
    assert v.decision is decision


def test_the_language_reason_says_whether_the_network_said_or_murmur_guessed():
    said = decide(make_post(language="de"), LANGUAGES)
    assert said.reason == (
        "written in German (de); this event shows English, French: a human decides"
    )
    guessed = decide(make_post(language=None), LANGUAGES, detected_language="es")
    assert guessed.reason == (
        "looks like Spanish (es, detected: the network did not say); this event shows "
        "English, French: a human decides"
    )
    assert guessed.rule == "languages"


# -- bots and new accounts ------------------------------------------------------------------


def by(author: Author, text: str = "Bonjour à tous") -> Post:
    return msgspec.structs.replace(make_post(text), author=author)


def test_bot_accounts_are_held_when_the_event_asks():
    bot = by(Author(name="News Bot", handle="news@bots.example", bot=True))
    v = decide(bot, Rules(mode=Mode.POST, hold_bots=True))
    assert (v.decision, v.rule) == (Decision.HOLD, "bots")
    assert v.reason == "the network marks news@bots.example as a bot account: a human decides"
    assert decide(bot, Rules(mode=Mode.POST)).decision is Decision.APPROVE


def test_new_accounts_are_held_when_the_event_asks():
    rules = Rules(mode=Mode.POST, min_account_age_days=7)
    young = by(Author(name="New", handle="new@x.example", created_at=T0 - timedelta(days=2)))
    v = decide(young, rules, now=T0)
    assert (v.decision, v.rule) == (Decision.HOLD, "account_age")
    assert v.reason == (
        "account created 2 days ago (this event holds accounts younger than 7 days): "
        "a human decides"
    )
    old = by(Author(name="Old", handle="old@x.example", created_at=T0 - timedelta(days=400)))
    assert decide(old, rules, now=T0).decision is Decision.APPROVE
    unknown = by(Author(name="Who", handle="who@x.example"))  # the network did not say
    assert decide(unknown, rules, now=T0).decision is Decision.APPROVE


# -- the order of the rules -------------------------------------------------------------------

ALL = Rules(
    mode=Mode.POST,
    blocked_words=("arnaque",),
    held_words=("grève",),
    required_hashtags=("JPO2026",),
    authors=(),
    trusted_authors=("bu@univ.example",),
    blocked_authors=("troll@bad.example",),
    languages=("fr",),
    hold_bots=True,
    other_hashtags={"Autre": ""},
)


@pytest.mark.parametrize(
    ("post", "rule", "decision"),
    [
        (make_post("arnaque", handle="troll@bad.example"), "blocked_authors", Decision.REJECT),
        (make_post("arnaque", handle="bu@univ.example"), "blocked_words", Decision.REJECT),
        (make_post("salut", hashtags=("Autre",)), "required_hashtags", Decision.REJECT),
        (make_post("grève", content_warning="cw"), "sensitive", Decision.HOLD),
        (make_post("grève", handle="bu@univ.example", language="de"), "trusted_authors",
         Decision.APPROVE),
        (make_post("grève", language="de"), "held_words", Decision.HOLD),
        (make_post("hello", language="de", hashtags=("JPO2026", "Autre")), "languages",
         Decision.HOLD),
        (make_post("salut", hashtags=("JPO2026", "Autre")), "other_events", Decision.HOLD),
        (make_post("salut"), "mode", Decision.APPROVE),
    ],
)  # fmt: skip
def test_the_first_rule_that_applies_settles_the_post(post, rule, decision):
    v = decide(post, ALL)
    assert (v.rule, v.decision) == (rule, decision)
