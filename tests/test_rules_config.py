"""From the config file to the core's rules: keys, the built-in lists, language guessing."""

from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from moderation import Author, AuthorAction, Decision, History
from tests.factories import make_post
from wall.config import ConfigError, load_settings
from wall.hub import rules_for
from wall.ingest import judge, normalise
from wall.language import Detector
from wall.settings import EventSettings, RulesSettings

RULES = """\
[[events]]
slug = "jpo"
title = "Journées portes ouvertes"
hashtags = ["JPO2026"]
moderation = "post"

[events.rules]
blocked_words = ["arnaque"]
held_words = ["grève"]
allowed_words = ["con"]
builtin_lists = ["fr", "en"]
languages = ["fr", "en"]
hold_bots = true
min_account_age_days = 3
flood_posts = 5
flood_minutes = 2
duplicate_minutes = 30
duplicate_similarity = 0.8
hold_other_events = true
other_hashtags = ["#AutreSalon"]

[[events.rules.authors]]
author = "mastodon:troll@bad.example"
action = "block"
set_by = "Claire"
set_at = 2026-05-12T09:30:00+02:00
why = "insults the speakers"
expires_at = 2026-06-01T00:00:00Z

[[events.rules.authors]]
author = "bu@univ.example"
action = "allow"

[[events]]
slug = "nuit"
title = "Nuit des chercheurs"
hashtags = ["NuitDesChercheurs", "JPO2026"]
"""


def load(tmp_path: Path, text: str):
    path = tmp_path / "murmur.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def test_every_rules_key_reaches_the_core(tmp_path):
    jpo, nuit = load(tmp_path, RULES).events
    rules = rules_for(jpo, others=[jpo, nuit])
    assert rules.held_words == ("grève",)
    assert rules.allowed_words == ("con",)
    assert {t.list_title for t in rules.builtin_terms if t.list_title} == {
        "the French offensive-word list",
        "the English offensive-word list",
    }
    assert rules.languages == ("fr", "en")
    assert (rules.hold_bots, rules.min_account_age_days) == (True, 3)
    assert (rules.flood_posts, rules.flood_minutes) == (5, 2)
    assert (rules.duplicate_minutes, rules.duplicate_similarity) == (30, 0.8)
    troll, bu = rules.authors
    assert troll.action is AuthorAction.BLOCK and troll.set_by == "Claire"
    assert troll.expires_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert bu.action is AuthorAction.ALLOW
    # The other event's hashtags, less the ones this event shares with it.
    assert rules.other_hashtags == {"NuitDesChercheurs": "Nuit des chercheurs", "#AutreSalon": ""}


def test_the_rules_hold_posts_as_configured(tmp_path):
    jpo, nuit = load(tmp_path, RULES).events
    rules = rules_for(jpo, others=[jpo, nuit])
    now = datetime(2026, 5, 14, tzinfo=UTC)

    def decide(post):
        return judge(post, rules, now=now, history=History())[1]

    assert decide(make_post("quel c0nnard", language="fr")).rule == "builtin_lists"
    assert decide(make_post("quel con", language="fr")).rule == "mode"  # allowed_words
    assert decide(make_post("Bonjour", hashtags=("JPO2026", "NuitDesChercheurs"))).rule == (
        "other_events"
    )
    assert decide(make_post("Hallo", language="de")).rule == "languages"
    troll = make_post("hello", handle="troll@bad.example", network="mastodon")
    assert decide(troll).decision is Decision.REJECT
    assert "Claire" in decide(troll).reason


def test_other_events_hashtags_only_hold_when_the_event_asks(tmp_path):
    jpo, nuit = load(tmp_path, RULES).events
    assert rules_for(nuit, others=[jpo, nuit]).other_hashtags == {}


def test_a_date_without_its_offset_is_refused_with_the_key_and_line(tmp_path):
    text = RULES.replace("expires_at = 2026-06-01T00:00:00Z", "expires_at = 2026-06-01T00:00:00")
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.key == "events[0].rules.authors[0].expires_at"
    assert info.value.line == text.splitlines().index("expires_at = 2026-06-01T00:00:00") + 1
    assert "with its UTC offset" in str(info.value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('builtin_lists = ["fr", "de"]', "events[0].rules.builtin_lists[1]"),
        ('languages = ["French"]', "events[0].rules.languages[0]"),
        ("flood_posts = -1", "events[0].rules.flood_posts"),
        ("duplicate_similarity = 0.1", "events[0].rules.duplicate_similarity"),
    ],
)
def test_bad_rule_values_are_refused_with_the_key(tmp_path, line, key):
    name = line.split(" = ")[0]
    lines = [x for x in RULES.splitlines() if not x.startswith(f"{name} = ")]
    at = lines.index("[events.rules]") + 1
    text = "\n".join([*lines[:at], line, *lines[at:]]) + "\n"
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    assert info.value.key == key


def test_an_event_without_rules_builds_empty_rules():
    rules = rules_for(EventSettings(slug="e", title="E"))
    assert rules.builtin_terms == () and rules.history_horizon is None
    assert not rules.wants_language


# -- language guessing at ingest -----------------------------------------------------------


class FakeDetector:
    def __init__(self, answer: str | None) -> None:
        self.answer, self.calls = answer, 0

    def __call__(self, text: str) -> str | None:
        self.calls += 1
        return self.answer


def test_judge_guesses_the_language_when_the_network_did_not_say():
    rules = rules_for(EventSettings(slug="e", title="E", rules=RulesSettings(languages=["fr"])))
    detect = FakeDetector("de")
    safe, verdict = judge(make_post("Guten Tag", language=None), rules, detect=detect)
    assert (verdict.rule, verdict.decision) == ("languages", Decision.HOLD)
    assert "detected" in verdict.reason
    assert safe.language == "de"  # the guess is kept with the post
    judge(make_post("Bonjour", language="fr"), rules, detect=detect)
    assert detect.calls == 1  # the network said: no guessing


def test_judge_does_not_guess_when_no_rule_cares():
    detect = FakeDetector("de")
    rules = rules_for(EventSettings(slug="e", title="E"))
    safe, _ = judge(make_post("Guten Tag", language=None), rules, detect=detect)
    assert detect.calls == 0 and safe.language is None


def test_normalise_keeps_what_the_network_says_about_the_account():
    author = Author(name="Bot", handle="b@x.example", bot=True, created_at=datetime(2026, 1, 1))
    post = msgspec.structs.replace(make_post(), author=author)
    assert normalise(post).author.bot is True
    assert normalise(post).author.created_at == datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def detector() -> Detector:
    detector = Detector()
    detector.load()
    return detector


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Merci pour cette belle journée portes ouvertes à la bibliothèque", "fr"),
        ("What a great open day, thanks everyone for the warm welcome!", "en"),
        ("Ich finde die Vorträge heute wirklich super spannend", "de"),
        ("Grazie a tutti per questa bellissima giornata", "it"),
        ("lol", None),  # too short to say
        ("#JPO2026 @ines https://example.org/a-long-link-with-words", None),
    ],
)
def test_the_detector_names_clear_languages_and_abstains_on_short_texts(detector, text, language):
    assert detector.detect(text) == language
