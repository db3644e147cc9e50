"""Control characters, direction overrides and invisible characters are stripped from
every text field a post carries, on every path into the queue (``hub.ingest``); the word
rules read through every character that shows nothing, while emoji built with joiners,
selectors and tags are shown as written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from moderation import Author, LinkCard, Media, Poll, PollOption, Post, Quoted, Status
from tests.factories import make_post
from tests.live import LiveServer, test_event
from wall.ingest import MAX_NAME, MAX_TEXT, clean_text

HIDDEN = [
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE: "gnp.exe" shown as "exe.png"
    "\u202d",  # LEFT-TO-RIGHT OVERRIDE
    "\u202a",  # LEFT-TO-RIGHT EMBEDDING
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u2067",  # RIGHT-TO-LEFT ISOLATE
    "\u2069",  # POP DIRECTIONAL ISOLATE
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u200b",  # ZERO WIDTH SPACE
    "\ufeff",  # BYTE ORDER MARK
    "\u0000",  # NUL
    "\u0007",  # BEL
    "\u001b",  # ESC (terminal colour codes in logs)
    "\u007f",  # DEL
    "\u0085",  # NEXT LINE (C1)
    "\u009b",  # CONTROL SEQUENCE INTRODUCER (C1)
]


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_each_hidden_character_is_stripped(char: str) -> None:
    assert clean_text(f"a{char}b{char}", 100) == "ab"


def test_tabs_and_line_breaks_stay() -> None:
    assert clean_text("one\ttwo\nthree", 100) == "one\ttwo\nthree"


def test_every_field_of_a_post_is_cleaned_on_its_way_in(live: LiveServer) -> None:
    dirty = "".join(HIDDEN)
    post = Post(
        network="mastodon",
        network_id="bidi-1",
        author=Author(name=f"Ali{dirty}ce", handle=f"alice{dirty}@campus.example"),
        text=f"pay{dirty}load\u202egnp.exe",
        html=f"<p>pay{dirty}load</p>",
        media=(Media(url="/media/" + "a" * 32 + ".webp", alt=f"a{dirty}lt"),),
        content_warning=f"c{dirty}w",
        hashtags=(f"JPO{dirty}2026",),
        created_at=make_post().created_at,
    )
    post_id = live.ingest("jpo", post)

    (view,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert view.id == post_id
    assert view.author.name == "Alice" and view.author.handle == "alice@campus.example"
    assert view.text == "payloadgnp.exe"
    assert view.media[0].alt == "alt"
    assert view.content_warning == "cw"
    assert view.hashtags == ("JPO2026",)


def test_oversized_fields_are_cut_to_their_limits(live: LiveServer) -> None:
    post = make_post("x" * (MAX_TEXT * 3), name="n" * (MAX_NAME * 3), html="<p>" + "y" * 10**6)
    live.ingest("jpo", post)

    (view,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert len(view.text) == MAX_TEXT and len(view.author.name) == MAX_NAME
    assert len(view.html) <= MAX_TEXT * 4 + 100


def test_pictures_and_avatars_off_murmur_and_script_links_are_dropped(live: LiveServer) -> None:
    post = Post(
        network="rss",
        network_id="links-1",
        author=Author(
            name="Feed",
            handle="feed.example",
            avatar_url="https://tracker.example/a.png",
            profile_url="javascript:alert(1)",
        ),
        text="links",
        url="javascript:alert(2)",
        media=(
            Media(url="https://tracker.example/p.jpg"),
            Media(url="/media/../../etc/passwd"),
            Media(url="/media/" + "b" * 32 + ".webp", alt="kept"),
        ),
        created_at=make_post().created_at,
    )
    live.ingest("jpo", post)

    (view,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert view.author.avatar_url is None and view.author.profile_url is None
    assert view.url is None
    assert [m.alt for m in view.media] == ["kept"]


def test_what_a_post_shows_of_others_is_cleaned_on_its_way_in(live: LiveServer) -> None:
    # Who boosted it, the post it quotes, its poll and its link card reach the screens as
    # the post's own words do: with the same characters stripped and the same links kept.
    dirty = "".join(HIDDEN)
    post = msgspec.structs.replace(
        make_post("shared"),
        boosted_by=Author(name=f"Lé{dirty}a", handle=f"lea{dirty}@campus.example"),
        quote=Quoted(
            author=Author(name=f"S{dirty}am", handle="sam@x.example", avatar_url="https://t/a"),
            text=f"quo{dirty}ted\u202egnp.exe",
            url="javascript:alert(1)",
            content_warning=f"sp{dirty}oiler",
        ),
        poll=Poll(
            options=(PollOption(title=f"O{dirty}ui", votes=-3), PollOption(title="Non", votes=2)),
            voters=-1,
        ),
        link=LinkCard(
            url="https://news.example/a",
            title=f"Ti{dirty}tle",
            description=f"de{dirty}sc",
            image=Media(url="https://tracker.example/card.jpg"),
        ),
    )
    live.ingest("jpo", post)

    (view,) = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert view.boosted_by is not None
    assert (view.boosted_by.name, view.boosted_by.handle) == ("Léa", "lea@campus.example")
    assert view.quote is not None
    assert (view.quote.author.name, view.quote.text) == ("Sam", "quotedgnp.exe")
    assert view.quote.author.avatar_url is None and view.quote.url is None
    assert view.quote.content_warning == "spoiler"
    assert view.poll is not None
    assert [(o.title, o.votes) for o in view.poll.options] == [("Oui", None), ("Non", 2)]
    assert view.poll.voters is None
    assert view.link is not None
    assert (view.link.title, view.link.description, view.link.image) == ("Title", "desc", None)


def test_a_link_card_to_a_script_or_without_title_is_dropped(live: LiveServer) -> None:
    scripted = LinkCard(url="javascript:alert(1)", title="Click")
    untitled = LinkCard(url="https://news.example/a", title="\u202e\u200b")
    for n, link in enumerate((scripted, untitled)):
        live.ingest("jpo", msgspec.structs.replace(make_post(f"card {n}"), link=link))

    views = live.call(lambda: live.hub.store.posts("jpo", Status.PENDING, limit=5))[1]
    assert [v.link for v in views] == [None, None]


# -- characters that show nothing, inside a blocked word (moderation.invisible) ----------

HIDING = {
    "tag": "sp\U000e0041am",  # a Unicode tag character
    "hangul filler": "sp\u3164am",
    "halfwidth hangul filler": "sp\uffa0am",
    "variation selector": "sp\ufe0fam",
    "word joiner": "sp\u2060am",
    "soft hyphen": "sp\u00adam",
    "grapheme joiner": "sp\u034fam",
}


@pytest.fixture
def post_moderated(tmp_path: Path) -> Iterator[LiveServer]:
    """An event shown unless a rule stops a post, blocking the word "spam"."""
    server = LiveServer(
        tmp_path / "data",
        events=[test_event(moderation="post", blocked_words=["spam"])],
    ).start()
    try:
        yield server
    finally:
        server.stop()


def test_a_blocked_word_hidden_with_invisible_characters_never_reaches_a_screen(
    post_moderated: LiveServer,
) -> None:
    live = post_moderated
    for how, text in HIDING.items():
        live.ingest("jpo", make_post(f"Achetez {text} ici", language="fr", network_id=how))
    shown = live.call(lambda: live.hub.store.posts("jpo", Status.APPROVED, limit=50))[1]
    rejected = live.call(lambda: live.hub.store.posts("jpo", Status.REJECTED, limit=50))[1]
    assert [p.text for p in shown] == []
    assert len(rejected) == len(HIDING)
    assert {p.reason for p in rejected} == {"contains “spam” (blocked word “spam”)"}


EVERYDAY = [
    "Bienvenue à l’amphi ! Café, crêpes et démos à 14 h 30.",
    "Développeuse au labo 👩\u200d💻 et fière de l’être",
    "On t’aime ❤\ufe0f la promo 2026",
    "Allez les Bleus 🇫🇷",
    "Scotland 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "Famille 👨\u200d👩\u200d👧\u200d👦 au complet 👍🏽",
    "Persian: می\u200cخواهم",
]


def test_emoji_sequences_and_everyday_text_are_shown_exactly_as_written(
    post_moderated: LiveServer,
) -> None:
    # Joiners, variation selectors and tag characters build emoji and shape scripts: the
    # rules read through them, but the text a screen shows keeps every one.
    live = post_moderated
    for n, text in enumerate(EVERYDAY):
        live.ingest("jpo", make_post(text, language=None, network_id=f"everyday-{n}"))
    shown = live.call(lambda: live.hub.store.posts("jpo", Status.APPROVED, limit=50))[1]
    assert sorted(p.text for p in shown) == sorted(EVERYDAY)
