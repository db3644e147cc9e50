"""Word rules: disguised words are caught, ordinary words are left alone.

Plain core tests (no event loop). The built-in lists are the ones Murmur ships: the
package's words (read by ``wall.wordlists``) with Murmur's curation.
"""

import sys
import unicodedata

import pytest

from moderation import Decision, Mode, Rules, WordMatcher, decide, invisible
from moderation.words import fold
from tests.factories import make_post
from wall import wordlists

BUILTIN = Rules(mode=Mode.POST, builtin_terms=wordlists.terms("fr") + wordlists.terms("en"))
MATCHER = WordMatcher(BUILTIN.builtin_terms)


def verdict(text: str, *, language: str | None = None, rules: Rules = BUILTIN):
    return decide(make_post(text, language=language), rules)


# -- the built-in lists catch disguised words ------------------------------------------

CAUGHT = [
    # (text, language, word the reason names)
    ("Quel connard ce type", "fr", "connard"),
    ("QUEL CONNARD", "fr", "connard"),
    ("c0nnard", "fr", "connard"),
    ("c o n n a r d", "fr", "connard"),
    ("c.o.n.n.a.r.d !", "fr", "connard"),
    ("c-0-n-n-4-r-d", "fr", "connard"),
    ("c_o_n_n_a_r_d", "fr", "connard"),
    ("connnnnard", "fr", "connard"),
    ("con\u00adnard", "fr", "connard"),  # a soft hyphen hides inside
    ("con\u200bnard", "fr", "connard"),  # a zero-width space too
    ("сonnard", "fr", "connard"),  # Cyrillic с
    ("ｃｏｎｎａｒｄ", "fr", "connard"),  # full-width letters
    ("c*nnard", "fr", "connard"),
    ("les connards du fond", "fr", "connard"),  # plural
    ("Enculé", "fr", "enculé"),
    ("encule", "fr", "enculé"),  # accents dropped by the writer
    ("3ncul3", "fr", "enculé"),
    ("ENCULÉE", "fr", "enculée"),
    ("m€rde alors", "fr", "merde"),
    ("meeeeerde", "fr", "merde"),
    ("Putain !", "fr", "putain"),
    ("pu7ain", "fr", "putain"),
    ("p.u.t.a.i.n", "fr", "putain"),
    ("fils de pute", "fr", "fils de pute"),
    ("fils-de-pute", "fr", "fils de pute"),
    ("filsdepute", "fr", "fils de pute"),
    ("fils d3 put3", "fr", "fils de pute"),
    ("nique ta mère", "fr", "nique ta mère"),
    ("nique ta mere", "fr", "nique ta mère"),
    ("salope", "fr", "salope"),
    ("$alope", "fr", "salope"),
    ("sal0pe", "fr", "salope"),
    ("pétasse? non: pouffiasse", "fr", "pouffiasse"),
    ("t'es qu'une bite", "fr", "bite"),
    ("b1te", "fr", "bite"),
    ("shit happens", "en", "shit"),
    ("$h!t", "en", "shit"),
    ("sh1t", "en", "shit"),
    ("s h i t", "en", "shit"),
    ("what the fuck", "en", "fuck"),
    ("what the f*ck", "en", "fuck"),
    ("fuuuuuck", "en", "fuck"),
    ("FUCK", "en", "fuck"),
    ("asshole", "en", "asshole"),
    ("a$$hole", "en", "asshole"),
    ("@sshole", "en", "asshole"),
    ("bitch", "en", "bitch"),
    ("b!tch", "en", "bitch"),
    ("bitches", "en", "bitches"),
    ("motherfucker", "en", "motherfucker"),
    ("m0th3rfuck3r", "en", "motherfucker"),
    ("piece of shit", "en", "piece of shit"),
    ("🖕", None, "🖕"),
    ("🖕🏽", None, "🖕"),
]


@pytest.mark.parametrize(("text", "language", "word"), CAUGHT)
def test_the_builtin_lists_reject_disguised_offensive_words(text, language, word):
    v = verdict(text, language=language)
    assert v.decision is Decision.REJECT, v.reason
    assert v.rule == "builtin_lists"
    assert f"“{fold(word)}”" in fold(v.reason)  # quoted as written, or read as the word
    assert "offensive-word list" in v.reason


def test_a_disguised_word_is_quoted_as_written_and_read_as_the_listed_word():
    assert verdict("Quel c0nnard", language="fr").reason == (
        "contains “c0nnard” (read as “connard”, on the French offensive-word list)"
    )
    assert verdict("Quel CONNARD", language="fr").reason == (
        "contains “CONNARD” (on the French offensive-word list)"
    )


# -- ordinary words are left alone (the Scunthorpe problem) ------------------------------

ORDINARY_FR = [
    "classe", "assistant", "Cons\u00adtitution", "constitution", "bâtard? non: bâtiment",
    "analyse", "connaissance", "concours", "confiture", "culture", "cumul", "document",
    "spectacle", "disputer", "député", "réputation", "computer", "connexion", "connecté",
    "salopette", "pénalité", "bassin", "assassin", "cocktail", "sextant", "cumin",
    "Niger", "Nigeria", "petit", "titre", "bitume", "pistache", "consul", "conseil",
    "concert", "contre", "compte", "bourreau", "bourse", "bandeau", "banderole", "cultiver",
    "culbute", "chute", "merci", "mercredi", "merveille", "fouet", "fourchette", "sucette",
    "succès", "pédagogie", "pédiatre", "pédalo", "salade", "salut", "salon", "chat",
    "chaton", "piscine", "pissenlit", "Nicolas", "nickel", "nectar", "Peter", "tanche",
    "une gerbe de fleurs", "une soirée folle", "un gâteau bourré de chocolat", "ramoner",
    "la mer de Chine", "cul-de-sac", "cul sec", "une gueule de bois", "un amuse-gueule",
    "un baiser", "gros baisers", "la pédale de frein", "le ménage", "Fanny", "Sophie",
]  # fmt: skip
ORDINARY_EN = [
    "class", "assistant", "constitution", "analysis", "assassin", "cocktail", "Dickens",
    "therapist", "Sussex", "Essex", "Middlesex", "cumulative", "cucumber", "document",
    "computer", "cockpit", "peacock", "shuttlecock", "Hancock", "title", "titanic",
    "bitter", "button", "butter", "basement", "glasses", "Arsenal", "hello", "shell",
    "grape", "grapefruit", "drape", "spice", "bitten", "canal", "Scunthorpe", "Penistone",
    "Clitheroe", "assume", "passage", "compass", "bass", "brass", "harass", "classic",
    "Jurassic", "shiitake", "scrape", "Cockburn", "arsenic", "homework", "sapiens",
    "seminar", "semester", "semantic", "niggle", "snigger", "night", "Nigel", "Pakistan",
    "spicy", "raccoon", "cocoon", "tycoon", "cartoon", "cumbersome", "cumulus",
    "circumference", "prickly", "bastion", "Bastille", "sexton", "sextet", "Moby Dick",
    "summa cum laude", "magna cum laude", "tit for tat", "a blue tit", "skeet shooting",
    "the butt of the joke", "pussy willow", "sex education", "Philip K. Dick",
    "spotted dick", "an escort of police", "world domination", "hardcore fans",
    "how to kill time", "tied up at work", "girl on fire", "a big black dog", "xx",
    "snatch the ball", "problems snowballing", "scat singing", "grab a bite",
]  # fmt: skip


@pytest.mark.parametrize("text", ORDINARY_FR)
def test_ordinary_french_words_are_not_caught(text):
    assert MATCHER.find(text, language="fr") is None


@pytest.mark.parametrize("text", ORDINARY_EN)
def test_ordinary_english_words_are_not_caught(text):
    assert MATCHER.find(text, language="en") is None


@pytest.mark.parametrize("text", ["classe", "assistant", "analyse", "Cons\u00adtitution"])
def test_ordinary_words_are_not_caught_in_a_post_of_unknown_language(text):
    assert MATCHER.find(text) is None


# -- words with innocent uses are held, not rejected -----------------------------------

HELD = [
    ("quel con", "fr", "con"),
    ("sans déconner", "fr", "déconner"),
    ("ta gueule", "fr", "gueule"),
    ("quel bordel", "fr", "bordel"),
    ("Dick was here", "en", "dick"),
    ("this sucks", "en", "sucks"),
    ("a rape prevention campaign", "en", "rape"),
    ("sexy", "en", "sexy"),
]


@pytest.mark.parametrize(("text", "language", "word"), HELD)
def test_words_with_innocent_uses_hold_the_post_for_a_human(text, language, word):
    v = verdict(text, language=language)
    assert v.decision is Decision.HOLD
    assert v.rule == "builtin_lists"
    assert f"“{word}”" in v.reason.casefold()
    assert v.reason.endswith("it has innocent uses too): a human decides")


def test_a_word_ordinary_in_the_posts_language_is_not_caught():
    assert verdict("grab a bite before the talk", language="en").rule == "mode"
    assert verdict("ma bite", language="fr").decision is Decision.REJECT
    assert verdict("Bitte schön", language="de").rule == "mode"
    assert verdict("café con leche", language="es").rule == "mode"


def test_a_word_ordinary_elsewhere_only_holds_when_the_language_is_unknown():
    v = verdict("grab a bite before the talk", language=None)
    assert v.decision is Decision.HOLD
    assert v.reason == (
        "contains “bite” (on the French offensive-word list, but ordinary in English and "
        "this post's language is unknown): a human decides"
    )


def test_the_most_severe_word_wins_whatever_comes_first():
    v = verdict("quel con, quel connard", language="fr")
    assert v.decision is Decision.REJECT
    assert "connard" in v.reason


def test_a_word_in_the_content_warning_author_name_alt_text_or_hashtags_counts():
    assert decide(make_post(content_warning="connard"), BUILTIN).decision is Decision.REJECT
    assert decide(make_post(name="Le Connard"), BUILTIN).decision is Decision.REJECT
    tagged = make_post("Hello", hashtags=("JPO2026", "connard"))
    assert decide(tagged, BUILTIN).decision is Decision.REJECT


# -- an event's own words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("arnaque", True),
        ("4rn4qu3", True),
        ("a r n a q u e", True),
        ("Arnaaaaque", True),
        ("arnaques", True),
        ("les arnaqueurs", False),
        ("une ARNAQUE", True),
    ],
)
def test_an_events_blocked_words_see_through_the_same_disguises(text, caught):
    v = verdict(text, rules=Rules(mode=Mode.POST, blocked_words=("arnaque",)))
    assert (v.decision is Decision.REJECT) is caught
    if caught:
        assert v.rule == "blocked_words"
        assert v.reason.endswith("(blocked word “arnaque”)")


def test_a_blocked_phrase_matches_across_spaces_and_punctuation():
    rules = Rules(mode=Mode.POST, blocked_words=("jeu concours",))
    for text in ("Grand jeu concours !", "JEU-CONCOURS", "jeu  concours", "jeuconcours"):
        assert verdict(text, rules=rules).decision is Decision.REJECT, text
    assert verdict("le jeu et le concours", rules=rules).decision is Decision.APPROVE
    assert verdict("Grand jeu concours", rules=rules).reason == (
        "contains “jeu concours” (blocked phrase “jeu concours”)"
    )


def test_held_words_hold_and_say_so():
    rules = Rules(mode=Mode.POST, held_words=("grève",))
    v = verdict("Grève demain ?", rules=rules)
    assert v.decision is Decision.HOLD
    assert v.rule == "held_words"
    assert v.reason == "contains “Grève” (held word “grève”): a human decides"


def test_allowed_words_lift_a_builtin_word_but_not_an_events_own():
    rules = Rules(
        mode=Mode.POST,
        builtin_terms=BUILTIN.builtin_terms,
        allowed_words=("con", "Moby Dick"),
    )
    assert verdict("quel con", language="fr", rules=rules).decision is Decision.APPROVE
    blocked = Rules(mode=Mode.POST, blocked_words=("con",), allowed_words=("con",))
    assert verdict("quel con", rules=blocked).decision is Decision.REJECT


def test_an_event_without_lists_catches_nothing():
    assert verdict("connard", rules=Rules(mode=Mode.POST)).decision is Decision.APPROVE


def test_the_published_lists_are_non_trivial_and_curated():
    fr = {t.word for t in wordlists.terms("fr")}
    en = {t.word for t in wordlists.terms("en")}
    assert {"connard", "salope", "enculé"} <= fr
    assert {"fuck", "shit", "asshole"} <= en
    assert "tanche" not in fr  # a fish
    assert "escort" not in en


def test_spelled_out_letters_do_not_run_on_into_the_next_field():
    post = make_post("c o n n a r d", name="A", language="fr")
    assert decide(post, BUILTIN).decision is Decision.REJECT
    assert decide(make_post("t o p", name="B", language="fr"), BUILTIN).rule == "mode"


# -- characters that show nothing cannot split a word ------------------------------------

# (character, what it is): each one, put inside a blocked word, shows nothing on a screen
# (or, for the blanks, shows as a space between spelled-out letters).
HIDDEN_INSIDE = [
    ("\U000e0041", "TAG LATIN CAPITAL LETTER A"),
    ("\U000e0020", "TAG SPACE"),
    ("\U000e007f", "CANCEL TAG"),
    ("\U000e0001", "LANGUAGE TAG"),
    ("\U000e0100", "VARIATION SELECTOR-17"),
    ("\U000e01ef", "VARIATION SELECTOR-256"),
    ("\U000e0fff", "an unassigned default-ignorable code point"),
    ("\u3164", "HANGUL FILLER"),
    ("\uffa0", "HALFWIDTH HANGUL FILLER"),
    ("\u115f", "HANGUL CHOSEONG FILLER"),
    ("\u1160", "HANGUL JUNGSEONG FILLER"),
    ("\u00ad", "SOFT HYPHEN"),
    ("\u034f", "COMBINING GRAPHEME JOINER"),
    ("\u061c", "ARABIC LETTER MARK"),
    ("\u17b4", "KHMER VOWEL INHERENT AQ"),
    ("\u180e", "MONGOLIAN VOWEL SEPARATOR"),
    ("\u180f", "MONGOLIAN FREE VARIATION SELECTOR FOUR"),
    ("\u200b", "ZERO WIDTH SPACE"),
    ("\u200c", "ZERO WIDTH NON-JOINER"),
    ("\u200d", "ZERO WIDTH JOINER"),
    ("\u200e", "LEFT-TO-RIGHT MARK"),
    ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
    ("\u2060", "WORD JOINER"),
    ("\u2064", "INVISIBLE PLUS"),
    ("\u2066", "LEFT-TO-RIGHT ISOLATE"),
    ("\u206f", "NOMINAL DIGIT SHAPES"),
    ("\ufe0f", "VARIATION SELECTOR-16"),
    ("\ufeff", "ZERO WIDTH NO-BREAK SPACE"),
    ("\ufff0", "an unassigned default-ignorable code point"),
    ("\U0001bca0", "SHORTHAND FORMAT LETTER OVERLAP"),
    ("\U0001d173", "MUSICAL SYMBOL BEGIN BEAM"),
    ("\u0600", "ARABIC NUMBER SIGN"),
    ("\ufff9", "INTERLINEAR ANNOTATION ANCHOR"),
    ("\U00013430", "EGYPTIAN HIEROGLYPH VERTICAL JOINER"),
]
HIDDEN_IDS = [f"U+{ord(c):04X} {name}" for c, name in HIDDEN_INSIDE]
SPAM = Rules(mode=Mode.POST, blocked_words=("spam", "arnaque"))


@pytest.mark.parametrize(("char", "name"), HIDDEN_INSIDE, ids=HIDDEN_IDS)
def test_a_character_that_shows_nothing_does_not_hide_a_blocked_word(char, name):
    for text in (f"sp{char}am", f"s{char}p{char}a{char}m", f"Grosse ar{char * 3}naque ici"):
        v = verdict(text, rules=SPAM)
        assert v.decision is Decision.REJECT, (name, text)
        assert v.rule == "blocked_words"


@pytest.mark.parametrize(("char", "name"), HIDDEN_INSIDE, ids=HIDDEN_IDS)
def test_a_character_that_shows_nothing_does_not_hide_a_word_of_the_builtin_lists(char, name):
    v = verdict(f"quel con{char}nard", language="fr")
    assert v.decision is Decision.REJECT, name
    assert "“connard”" in v.reason


@pytest.mark.parametrize(("char", "name"), HIDDEN_INSIDE, ids=HIDDEN_IDS)
def test_a_character_that_shows_nothing_counts_in_author_names_and_hashtags_too(char, name):
    assert decide(make_post("Bonjour", name=f"Sp{char}am"), SPAM).decision is Decision.REJECT
    tagged = make_post("Bonjour", hashtags=("JPO2026", f"arna{char}que"))
    assert decide(tagged, SPAM).decision is Decision.REJECT, name


def test_a_hidden_word_is_quoted_as_a_reader_sees_it():
    reason = verdict("sp\U000e0041am", rules=SPAM).reason
    assert reason == "contains “spam” (blocked word “spam”)"


@pytest.mark.parametrize("blank", ["\u2800", "\U0001d159"], ids=["U+2800", "U+1D159"])
def test_a_character_drawn_as_an_empty_cell_reads_as_a_space(blank):
    spelled = f"s{blank}p{blank}a{blank}m"  # shows as "s p a m"
    assert verdict(spelled, rules=SPAM).decision is Decision.REJECT
    assert verdict(f"sp{blank}am", rules=SPAM).decision is Decision.APPROVE  # "sp am"


def test_every_format_character_is_read_as_nothing():
    # Cf characters are never letters; Python's unicodedata knows the category (it has no
    # Default_Ignorable_Code_Point property, which moderation.invisible copies from Unicode).
    format_chars = [
        chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"
    ]
    assert len(format_chars) > 150
    missed = [f"U+{ord(c):04X}" for c in format_chars if invisible.visible(f"a{c}b") != "ab"]
    assert missed == []


def test_nothing_that_reads_as_nothing_is_a_letter_digit_or_space_a_word_needs():
    listed = [
        chr(c)
        for first, last in invisible.DEFAULT_IGNORABLE + invisible.OTHER_INVISIBLE
        for c in range(first, last + 1)
    ]
    fillers = {"\u115f", "\u1160", "\u3164", "\uffa0"}  # letters by category, shown as nothing
    words = [
        f"U+{ord(c):04X}"
        for c in listed
        if c not in fillers and (c.isalnum() or c.isspace() or unicodedata.category(c)[0] in "LN")
    ]
    assert words == []


# Everyday text, and emoji built with joiners, selectors and tags: nothing is caught.
# (That the shown text keeps them: tests/security/test_text_hygiene.py.)
EVERYDAY = [
    "Bienvenue à l’amphi ! Café, crêpes et démos de robotique à 14 h 30.",
    "Great talk on spectroscopy, thanks everyone — see you at the poster session.",
    "Développeuse au labo 👩\u200d💻 et fière de l’être",
    "On t’aime ❤\ufe0f la promo 2026",
    "Allez les Bleus 🇫🇷 et bravo 🇬🇧",
    "Scotland in the house 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "Famille 👨\u200d👩\u200d👧\u200d👦 au complet, merci 👍🏽",
    "Persian: می\u200cخواهم",  # a zero-width non-joiner that shapes letters
    "Hindi: क्\u200dष",  # a zero-width joiner that shapes a conjunct
    "1️⃣ keycap, #️⃣ hash, ©️ and ™️",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_text_and_emoji_sequences_are_not_caught(text):
    post = make_post(text, language=None)
    rules = Rules(
        mode=Mode.POST,
        builtin_terms=BUILTIN.builtin_terms,
        blocked_words=("spam", "arnaque"),
    )
    v = decide(post, rules)
    assert v.decision is Decision.APPROVE, v.reason
