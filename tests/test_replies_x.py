"""Answers published on X from the desk, on a real port against the fake X (which checks
the OAuth 1.0a signature, the account's write permission, the reply's parent, X's
weighted limit, and refuses duplicate content): the reply lands under the original once,
even after a timeout that came after X made it, though X has no idempotency key; the
screens have the answer whatever X does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from websockets.sync.client import connect

from tests.client import Client
from tests.fakes.x import FakePost, FakeX
from tests.fakes.x_writes import (
    ACCESS_SECRET,
    ACCESS_TOKEN,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    READ_ONLY_TOKEN,
    weight,
)
from tests.live import LiveServer, test_event
from tests.test_replies import (
    PASSWORD,
    Loop,
    answer,
    edit,
    fast,
    moderator,
    published,
    wait_for,
)
from wall.credentials import CredentialRefused
from wall.reply_x import weighted_length
from wall.settings import RepliesSettings, ServerSettings, Settings, XReplies
from wall.sources.x_wire import parse_search_page

SECRETS = {
    "MURMUR_TEST_X_APP_KEY_TOKEN": CONSUMER_KEY,
    "MURMUR_TEST_X_APP_SECRET_TOKEN": CONSUMER_SECRET,
    "MURMUR_TEST_X_REPLY_TOKEN": ACCESS_TOKEN,
    "MURMUR_TEST_X_REPLY_SECRET_TOKEN": ACCESS_SECRET,
}


def x_account(api: str) -> XReplies:
    return XReplies(
        username="univ",
        consumer_key_env="MURMUR_TEST_X_APP_KEY_TOKEN",
        consumer_secret_env="MURMUR_TEST_X_APP_SECRET_TOKEN",
        token_env="MURMUR_TEST_X_REPLY_TOKEN",
        token_secret_env="MURMUR_TEST_X_REPLY_SECRET_TOKEN",
        api=api,
    )


@pytest.fixture
def xworld(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, FakeX]]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    loop = Loop()
    fake = loop.run(lambda: FakeX().start())
    event = test_event("jpo")
    event.answer_on_networks = True
    event.replies = RepliesSettings(x=x_account(fake.url))
    live = LiveServer(
        tmp_path / "data", events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    live.add_user("bob", PASSWORD, "moderator")
    fast(live)
    try:
        yield live, fake
    finally:
        live.stop()
        loop.run(fake.close)
        loop.close()


def x_post(live: LiveServer, fake: FakeX) -> tuple[int, FakePost]:
    """A post on X, read by X's own parser as the source reads it, in the queue."""
    made = fake.publish(text="Où est l'amphi B ?")
    page = {"data": [made.data], "includes": {"users": [made.user]}, "meta": {}}
    (post,) = parse_search_page(json.dumps(page).encode()).posts
    return live.ingest("jpo", post), made


def shown_x_post(live: LiveServer, fake: FakeX, bob: Client) -> tuple[int, FakePost]:
    post_id, made = x_post(live, fake)
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id, made


def test_an_answer_goes_under_the_original_on_x_once(xworld):
    live, fake = xworld
    bob = moderator(live)
    assert bob.get("/api/events/jpo/replies").json() == {"networks": ["x"], "limits": {"x": 280}}
    post_id, original = shown_x_post(live, fake, bob)
    assert answer(bob, post_id, "Au bout du couloir : https://univ.example/plan").status == 200
    post = published(bob, post_id)
    (reply,) = fake.writes.thread(original.id)
    # X addresses the reply to the author itself: the text is the answer as written.
    assert reply["sent"] == "Au bout du couloir : https://univ.example/plan"
    assert post["reply"]["published"] == {
        "network": "x", "state": "published",
        "url": f"https://x.com/univ/status/{reply['id']}", "why": None,
    }  # fmt: skip
    assert fake.writes.signatures_checked >= 3  # who am I, my posts, the reply: all signed
    with connect(f"{live.ws_url}/ws/wall/jpo") as screen:
        snapshot = json.loads(screen.recv(timeout=10))
    (shown,) = [p for p in snapshot["posts"] if p["id"] == post_id]
    assert shown["reply"] == {"text": "Au bout du couloir : https://univ.example/plan"}


def test_a_timeout_after_x_made_the_reply_does_not_post_twice(xworld):
    live, fake = xworld
    bob = moderator(live)
    post_id, original = shown_x_post(live, fake, bob)
    fake.writes.time_out_after_write()
    # A link, which X gives back as a t.co one: the reply is found by what it answers.
    assert answer(bob, post_id, "Oui, à 15 h : https://univ.example/programme").status == 200
    post = published(bob, post_id)
    (reply,) = fake.writes.thread(original.id)
    # One POST only: the retry found the reply among the account's posts.
    assert len(fake.writes.attempts) == 1
    assert post["reply"]["published"]["url"].endswith(f"/status/{reply['id']}")


def test_a_restart_while_the_reply_is_in_flight_does_not_post_twice_on_x(xworld):
    live, fake = xworld
    bob = moderator(live)
    post_id, original = shown_x_post(live, fake, bob)
    live.hub.replier.timeout = 60.0  # Murmur is still waiting for the answer when it stops
    fake.writes.time_out_after_write()
    assert answer(bob, post_id, "Salle 12.").status == 200
    wait_for(lambda: len(fake.writes.made) == 1)  # X made the reply
    live.restart()
    fast(live)
    post = published(moderator(live), post_id)
    (reply,) = fake.writes.thread(original.id)
    assert post["reply"]["published"]["url"].endswith(f"/status/{reply['id']}")
    assert len(fake.writes.attempts) == 1  # found among the account's posts, not sent again


def test_x_keeps_the_first_text_of_an_edited_answer_and_deletes_a_withdrawn_one(xworld):
    live, fake = xworld
    bob = moderator(live)
    post_id, original = shown_x_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    first = published(bob, post_id)
    changed = edit(bob, post_id, "Salle 14, pardon.", first["reply"]["at"])
    out = changed.json()["post"]["reply"]["published"]
    assert out["why"] == "reply_edit_unsupported"  # X's API cannot edit: the card says so
    assert out["url"] == first["reply"]["published"]["url"]
    (reply,) = fake.writes.thread(original.id)
    assert reply["sent"] == "Salle 12."
    withdrawn = bob.request(
        "DELETE", f"/api/events/jpo/posts/{post_id}/reply",
        {"replaces": changed.json()["post"]["reply"]["at"]},
    )  # fmt: skip
    assert withdrawn.status == 200
    wait_for(lambda: fake.writes.deleted == [reply["id"]])
    assert fake.writes.thread(original.id) == []


def test_a_server_error_on_x_is_retried_and_a_read_only_token_is_said(xworld, monkeypatch):
    live, fake = xworld
    bob = moderator(live)
    post_id, original = shown_x_post(live, fake, bob)
    fake.writes.fail_next(503)
    assert answer(bob, post_id, "Merci !").status == 200
    assert published(bob, post_id)["reply"]["published"]["state"] == "published"
    assert len(fake.writes.thread(original.id)) == 1
    monkeypatch.setenv("MURMUR_TEST_X_REPLY_TOKEN", READ_ONLY_TOKEN)
    other, second = shown_x_post(live, fake, bob)
    assert answer(bob, other, "Merci encore !").status == 200
    post = published(bob, other, "failed")
    assert post["reply"]["published"]["why"] == "reply_not_allowed"
    assert post["reply"]["text"] == "Merci encore !"  # the wall keeps the answer
    assert fake.writes.thread(second.id) == []


def test_a_reply_to_a_post_x_no_longer_shows_is_said(xworld):
    live, fake = xworld
    bob = moderator(live)
    post_id, original = shown_x_post(live, fake, bob)
    fake.posts.remove(original)  # deleted by its author meanwhile
    assert answer(bob, post_id, "Merci !").status == 200
    post = published(bob, post_id, "failed")
    assert post["reply"]["published"]["why"] == "reply_post_not_found"


def test_x_s_weighted_limit_is_counted_before_anything_is_written(xworld):
    live, fake = xworld
    bob = moderator(live)
    post_id, _ = shown_x_post(live, fake, bob)
    refused = answer(bob, post_id, "答" * 141)  # 141 characters, 282 as X weighs them
    assert refused.status == 400
    assert refused.json()["code"] == "reply_too_long_for_network"
    assert fake.writes.attempts == []
    assert answer(bob, post_id, "答" * 140).status == 200
    assert published(bob, post_id)["reply"]["published"]["state"] == "published"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 280, 280),
        ("日本語", 6),
        ("Plan : https://univ.example/un/tres/long/chemin/vers/le/plan/du/campus.pdf", 30),
        ("👍🏽", 2),  # a skin tone is part of its emoji
        ("👨‍👩‍👧", 2),  # a joined family is one emoji
        ("🇫🇷🇧🇪", 4),  # two flags
        ("❤️ é", 4),  # an emoji with its variation selector; é composed
        ("e\u0301", 1),  # é decomposed: X counts it after NFC
    ],
)
def test_murmur_counts_as_x_does(text, expected):
    assert weighted_length(text) == expected
    assert weight(text) == expected  # the fake, written apart, agrees


def test_the_organiser_sees_which_x_secrets_are_missing_never_their_values(xworld, monkeypatch):
    live, _ = xworld
    live.add_user("olga", PASSWORD, "organiser")
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    status = olga.get("/api/events/jpo/settings/status")
    assert status.json()["replies"] == [
        {"network": "x", "account": "@univ", "token_env": ", ".join(SECRETS), "set": True}
    ]
    assert not any(secret.encode() in status.body for secret in SECRETS.values())
    monkeypatch.delenv("MURMUR_TEST_X_REPLY_SECRET_TOKEN")
    assert olga.get("/api/events/jpo/settings/status").json()["replies"] == [
        {"network": "x", "account": "@univ", "token_env": "MURMUR_TEST_X_REPLY_SECRET_TOKEN",
         "set": False}
    ]  # fmt: skip
    bob = moderator(live)
    assert bob.get("/api/events/jpo/replies").json() == {"networks": [], "limits": {}}


def test_an_event_made_in_the_browser_carries_no_reply_account(xworld):
    live, fake = xworld
    event = test_event("jpo-x")
    event.replies = RepliesSettings(x=x_account(fake.url))
    with pytest.raises(CredentialRefused, match="replies"):
        live.call(lambda: live.hub.create_event(event, actor="olga"))
    assert "jpo-x" not in live.hub.events


def test_a_reply_account_may_not_read_the_session_secret_s_variable():
    account = msgspec.structs.replace(x_account("https://api.x.com"), token_env="SESSION_TOKEN")
    event = test_event("jpo")
    event.replies = RepliesSettings(x=account)
    with pytest.raises(ValueError, match="session secret"):
        Settings(server=ServerSettings(secret_key_env="SESSION_TOKEN"), events=[event])
