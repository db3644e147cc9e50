"""Answers published on Mastodon from the desk, on a real port against the fake Mastodon
(which checks what is written: the thread, the token's scope, the limit, the idempotency
key): the reply lands under the original once, even after a timeout that came after the
write or a restart between keeping the key and sending; refusals are said with a code;
the screens have the answer whatever the network does."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from websockets.sync.client import connect

from tests.client import Client
from tests.factories import make_post
from tests.fakes.jetstream import FakeBluesky, post_record
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.mastodon_writes import READ_ONLY_TOKEN, WRITE_TOKEN
from tests.fakes.pds import APP_PASSWORD, FakePds
from tests.live import LiveServer, test_event
from wall import reply_outbox
from wall.settings import (
    BlueskyReplies,
    MastodonReplies,
    RepliesSettings,
    ServerSettings,
)
from wall.sources.mastodon_wire import parse_status

T = TypeVar("T")
PASSWORD = "correct horse battery"
TOKEN_ENV = "MURMUR_TEST_REPLY_TOKEN"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(TOKEN_ENV, WRITE_TOKEN)
    return monkeypatch


class Loop:
    """An event loop in a thread of its own, for a fake that outlives the server's restarts."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        async def go() -> T:
            return await fn()

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def world(tmp_path: Path, env: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, FakeMastodon]]:
    loop = Loop()
    fake = loop.run(lambda: FakeMastodon().start())
    event = test_event("jpo")
    event.answer_on_networks = True
    event.replies = RepliesSettings(mastodon=MastodonReplies(server=fake.url, token_env=TOKEN_ENV))
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


def fast(live: LiveServer) -> None:
    live.hub.replier.timeout = 0.5
    live.hub.replier.first_delay = 0.05


def shown_mastodon_post(live: LiveServer, fake: FakeMastodon, bob: Client) -> tuple[int, Any]:
    status = fake.publish(text="Où est l'amphi B ?", tags=["JPO2026"])
    post = parse_status(json.dumps(status), server="mastodon.example").post
    post_id = live.ingest("jpo", post)
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id, status


def moderator(live: LiveServer) -> Client:
    bob = Client(live.url)
    assert bob.login("bob", PASSWORD).status == 200
    return bob


def answer(bob: Client, post_id: int, text: str, *, publish: bool = True) -> Any:
    body = {"text": text, "replaces": None, "publish": publish}
    return bob.request("PUT", f"/api/events/jpo/posts/{post_id}/reply", body)


def published(bob: Client, post_id: int, state: str = "published") -> dict[str, Any]:
    deadline = time.monotonic() + 15  # a safety net, not a measurement
    while True:
        posts = bob.get("/api/events/jpo/posts?status=approved").json()["posts"]
        post = next(p for p in posts if p["id"] == post_id)
        out = (post.get("reply") or {}).get("published") or {}
        if out.get("state") == state or time.monotonic() > deadline:
            return post
        time.sleep(0.05)


def test_an_answer_goes_under_the_original_on_mastodon_once(world):
    live, fake = world
    bob = moderator(live)
    assert bob.get("/api/events/jpo/replies").json() == {
        "networks": ["mastodon"], "limits": {"mastodon": 500}
    }  # fmt: skip
    post_id, status = shown_mastodon_post(live, fake, bob)
    sent = answer(bob, post_id, "Au bout du couloir, à gauche.")
    assert sent.status == 200
    assert sent.json()["post"]["reply"]["published"]["state"] in {"sending", "published"}
    post = published(bob, post_id)
    (reply,) = fake.writes.thread(status["id"])
    assert post["reply"]["published"] == {
        "network": "mastodon", "state": "published", "url": reply["url"], "why": None
    }  # fmt: skip
    # The author is addressed, as Mastodon's apps do, so they are told.
    assert reply["text"] == f"@{status['account']['acct']}@mastodon.example " \
        "Au bout du couloir, à gauche."  # fmt: skip
    assert reply["visibility"] == "public"
    # The screens show the answer, not where it went.
    with connect(f"{live.ws_url}/ws/wall/jpo") as screen:
        snapshot = json.loads(screen.recv(timeout=10))
    (shown,) = [p for p in snapshot["posts"] if p["id"] == post_id]
    assert shown["reply"] == {"text": "Au bout du couloir, à gauche."}


def test_a_timeout_after_the_write_does_not_post_twice(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    fake.writes.time_out_after_write()
    assert answer(bob, post_id, "Oui, à 15 h.").status == 200
    post = published(bob, post_id)
    assert post["reply"]["published"]["state"] == "published"
    assert len(fake.writes.thread(status["id"])) == 1
    keys = [key for path, _, key in fake.writes.requests]
    assert len(keys) == 2 and keys[0] == keys[1]  # the retry carried the same key


def test_a_restart_between_keeping_the_key_and_sending_does_not_post_twice(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    live.call(live.hub.replier.stop)  # as if Murmur stopped right after keeping the key
    assert answer(bob, post_id, "Bienvenue !").status == 200
    assert fake.writes.requests == []
    live.restart()
    fast(live)
    bob = moderator(live)
    post = published(bob, post_id)
    assert post["reply"]["published"]["state"] == "published"
    assert len(fake.writes.thread(status["id"])) == 1


def test_a_server_error_is_retried_and_a_refusal_is_said(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    fake.writes.fail_next(503)
    assert answer(bob, post_id, "Merci !").status == 200
    assert published(bob, post_id)["reply"]["published"]["state"] == "published"
    assert len(fake.writes.thread(status["id"])) == 1
    # A token without write:statuses: refused for good, said in a code the desk words.
    live.hub.replier._read_env = lambda _name: READ_ONLY_TOKEN
    other, _ = shown_mastodon_post(live, fake, bob)
    assert answer(bob, other, "Merci encore !").status == 200
    post = published(bob, other, "failed")
    assert post["reply"]["published"]["why"] == "reply_not_allowed"
    assert post["reply"]["text"] == "Merci encore !"  # the wall keeps the answer


def test_what_cannot_go_out_is_refused_before_anything_is_written(world):
    live, fake = world
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    refused = answer(bob, post_id, "é" * 495)  # 500 for the desk, 510 with the mention
    assert refused.status == 400
    assert refused.json()["code"] == "reply_too_long_for_network"
    elsewhere = live.ingest("jpo", make_post("Bonjour #JPO2026", network="bluesky"))
    assert bob.post(f"/api/events/jpo/posts/{elsewhere}/approve").status == 200
    refused = answer(bob, elsewhere, "Bonjour !")
    assert refused.status == 400 and refused.json()["code"] == "reply_network_unavailable"
    # Without asking to publish, the answer is the wall's only.
    assert answer(bob, elsewhere, "Bonjour !", publish=False).status == 200
    assert fake.writes.requests == []


def test_without_its_token_an_account_is_not_offered(world, env):
    live, _ = world
    env.delenv(TOKEN_ENV)
    bob = moderator(live)
    assert bob.get("/api/events/jpo/replies").json() == {"networks": [], "limits": {}}


def test_an_answer_s_publication_is_kept_in_the_store(world):
    live, fake = world
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Noté.").status == 200
    published(bob, post_id)
    rows = live.call(lambda: reply_outbox.sent(live.hub.store, "jpo"))
    assert [(p, s) for p, s, _ in rows] == [(post_id, "published")]
    assert str(rows[0][2]).startswith(fake.url)


def test_accounts_come_from_the_file_only(world):
    live, fake = world
    olga = Client(live.url)
    live.add_user("olga", PASSWORD, "organiser")
    assert olga.login("olga", PASSWORD).status == 200
    # A copy of the event does not take its account along.
    copied = olga.post("/api/events", {"slug": "jpo-copy", "title": "Copie", "copy_from": "jpo"})
    assert copied.status in (200, 201)
    assert live.hub.events["jpo-copy"].replies.mastodon is None
    assert live.hub.replier.networks("jpo-copy") == []
    # Nor can a live change of the settings name one.
    changed = olga.request(
        "PATCH",
        "/api/events/jpo/settings",
        {"replies": {"mastodon": {"server": fake.url, "token_env": "OTHER_TOKEN"}}},
    )
    assert changed.status == 400


# -- Bluesky -------------------------------------------------------------------------------

BSKY_ENV = "MURMUR_TEST_BSKY_REPLY_TOKEN"
LEA = "did:plc:lea234567abcdefghijklmno"


@pytest.fixture
def sky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LiveServer, Any, Any]]:
    monkeypatch.setenv(BSKY_ENV, APP_PASSWORD)
    loop = Loop()
    appview = loop.run(lambda: FakeBluesky().__aenter__())
    pds = loop.run(lambda: FakePds(appview).start())
    appview.add_profile(LEA, "lea.bsky.example", "Léa")
    event = test_event("jpo")
    event.answer_on_networks = True
    event.replies = RepliesSettings(
        bluesky=BlueskyReplies(
            handle=pds.handle, token_env=BSKY_ENV, pds=pds.url, appview=appview.url
        )
    )
    live = LiveServer(
        tmp_path / "data", events=[event], server=ServerSettings(fetch_allow=["127.0.0.0/8"])
    ).start()
    live.add_user("bob", PASSWORD, "moderator")
    fast(live)
    try:
        yield live, appview, pds
    finally:
        live.stop()
        loop.run(pds.close)
        loop.run(lambda: appview.__aexit__(None, None, None))
        loop.close()


def bluesky_post(
    live: LiveServer, appview: Any, bob: Client, record: dict[str, Any]
) -> tuple[int, str]:
    uri = appview.add_post(LEA, record)
    post = make_post(record["text"], network="bluesky", network_id=uri,
                     handle="lea.bsky.example", name="Léa")  # fmt: skip
    post_id = live.ingest("jpo", post)
    assert bob.post(f"/api/events/jpo/posts/{post_id}/approve").status == 200
    return post_id, uri


def test_an_answer_goes_under_the_original_on_bluesky_with_its_refs_and_facets(sky):
    live, appview, pds = sky
    bob = moderator(live)
    assert bob.get("/api/events/jpo/replies").json() == {
        "networks": ["bluesky"], "limits": {"bluesky": 300}
    }  # fmt: skip
    post_id, uri = bluesky_post(live, appview, bob, post_record("Où est l'amphi B ? #JPO2026"))
    assert answer(bob, post_id, "Au bout du couloir : https://univ.example/plan").status == 200
    post = published(bob, post_id)
    (reply,) = pds.thread(uri)
    rkey = next(iter(pds.records))
    assert post["reply"]["published"]["url"] == f"https://bsky.app/profile/{pds.handle}/post/{rkey}"
    parent = {"uri": uri, "cid": appview.cid_of(uri)}
    assert reply["reply"] == {"root": parent, "parent": parent}
    text = reply["text"]
    assert text == "@lea.bsky.example Au bout du couloir : https://univ.example/plan"
    mention, link = reply["facets"]
    assert mention["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": LEA}]
    assert text.encode()[mention["index"]["byteStart"] : mention["index"]["byteEnd"]] == (
        b"@lea.bsky.example"
    )
    assert text.encode()[link["index"]["byteStart"] : link["index"]["byteEnd"]] == (
        b"https://univ.example/plan"
    )


def test_a_reply_in_a_thread_keeps_the_thread_s_root(sky):
    live, appview, pds = sky
    bob = moderator(live)
    root_uri = appview.add_post(LEA, post_record("Journée portes ouvertes !"))
    root = {"uri": root_uri, "cid": appview.cid_of(root_uri)}
    record = post_record("Et le parking ? #JPO2026")
    record["reply"] = {"root": root, "parent": root}
    post_id, uri = bluesky_post(live, appview, bob, record)
    assert answer(bob, post_id, "Parking P2, gratuit.").status == 200
    published(bob, post_id)
    (reply,) = pds.thread(uri)
    assert reply["reply"]["root"] == root
    assert reply["reply"]["parent"] == {"uri": uri, "cid": appview.cid_of(uri)}


def test_a_timeout_after_the_record_was_written_does_not_post_twice_on_bluesky(sky):
    live, appview, pds = sky
    bob = moderator(live)
    post_id, uri = bluesky_post(live, appview, bob, post_record("Merci ! #JPO2026"))
    pds.time_out_after_write()
    assert answer(bob, post_id, "Avec plaisir.").status == 200
    post = published(bob, post_id)
    assert post["reply"]["published"]["state"] == "published"
    assert len(pds.thread(uri)) == 1
    assert len(pds.writes) == 2 and pds.writes[0] == pds.writes[1]  # the same record key


def test_a_wrong_app_password_is_said_and_the_wall_keeps_the_answer(sky, monkeypatch):
    live, appview, pds = sky
    monkeypatch.setenv(BSKY_ENV, "not-the-app-password")
    bob = moderator(live)
    post_id, uri = bluesky_post(live, appview, bob, post_record("Bonjour #JPO2026"))
    assert answer(bob, post_id, "Bonjour !").status == 200
    post = published(bob, post_id, "failed")
    assert post["reply"]["published"]["why"] == "reply_not_allowed"
    assert post["reply"]["text"] == "Bonjour !"
    assert pds.thread(uri) == []


def test_the_organiser_sees_which_accounts_are_ready_never_their_token(world, env):
    live, fake = world
    live.add_user("olga", PASSWORD, "organiser")
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    status = olga.get("/api/events/jpo/settings/status")
    assert status.json()["replies"] == [
        {"network": "mastodon", "account": fake.url, "token_env": TOKEN_ENV, "set": True}
    ]
    assert WRITE_TOKEN.encode() not in status.body
    env.delenv(TOKEN_ENV)
    assert olga.get("/api/events/jpo/settings/status").json()["replies"][0]["set"] is False


def test_the_figures_count_answers_published_and_the_time_to_answer(world):
    live, fake = world
    live.add_user("olga", PASSWORD, "organiser")
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Merci !").status == 200
    published(bob, post_id)
    found = olga.get("/api/events/jpo/figures").json()
    assert found["answered"] == 1
    assert found["published_replies"] == {"mastodon": 1}
    assert found["unpublished_replies"] == 0
    assert found["answer_median_seconds"] >= 0
    assert (
        "published_replies,mastodon,1"
        in olga.get("/api/events/jpo/figures?format=csv").body.decode()
    )


def edit(bob: Client, post_id: int, text: str, replaces: str) -> Any:
    body = {"text": text, "replaces": replaces}
    return bob.request("PUT", f"/api/events/jpo/posts/{post_id}/reply", body)


def wait_for(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 15  # a safety net, not a measurement
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.05)


def test_an_edited_answer_is_edited_on_mastodon_and_a_withdrawn_one_deleted(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    first = published(bob, post_id)
    # Edited on the desk (no box to tick): the same reply is edited on Mastodon.
    assert edit(bob, post_id, "Salle 14, pardon.", first["reply"]["at"]).status == 200
    wait_for(lambda: fake.writes.thread(status["id"])[0]["text"].endswith("Salle 14, pardon."))
    (reply,) = fake.writes.thread(status["id"])
    assert reply["history"] == [f"@{status['account']['acct']}@mastodon.example Salle 12."]
    assert published(bob, post_id)["reply"]["published"]["url"] == reply["url"]
    # Withdrawn: deleted on Mastodon too.
    current = published(bob, post_id)["reply"]["at"]
    withdrawn = bob.request(
        "DELETE", f"/api/events/jpo/posts/{post_id}/reply", {"replaces": current}
    )
    assert withdrawn.status == 200
    wait_for(lambda: fake.writes.deleted == [reply["id"]])
    assert fake.writes.thread(status["id"]) == []


def test_bluesky_keeps_the_first_text_and_the_desk_says_so_then_deletes_on_withdraw(sky):
    live, appview, pds = sky
    bob = moderator(live)
    post_id, uri = bluesky_post(live, appview, bob, post_record("Wifi ? #JPO2026"))
    assert answer(bob, post_id, "Réseau Campus-Invité.").status == 200
    first = published(bob, post_id)
    changed = edit(bob, post_id, "Réseau Campus-Visiteurs.", first["reply"]["at"])
    out = changed.json()["post"]["reply"]["published"]
    assert (
        out["why"] == "reply_edit_unsupported" and out["url"] == first["reply"]["published"]["url"]
    )
    (reply,) = pds.thread(uri)
    assert reply["text"].endswith("Réseau Campus-Invité.")  # Bluesky has no edits
    rkey = next(iter(pds.records))
    current = changed.json()["post"]["reply"]["at"]
    withdrawn = bob.request(
        "DELETE", f"/api/events/jpo/posts/{post_id}/reply", {"replaces": current}
    )
    assert withdrawn.status == 200
    wait_for(lambda: pds.deleted == [rkey])
    assert pds.thread(uri) == []


def test_the_organiser_switches_answers_on_the_networks_on_and_off(world):
    live, _ = world
    live.add_user("olga", PASSWORD, "organiser")
    olga = Client(live.url)
    assert olga.login("olga", PASSWORD).status == 200
    bob = moderator(live)
    switch = "/api/events/jpo/settings"
    assert olga.request("PATCH", switch, {"answer_on_networks": False}).status == 200
    assert bob.get("/api/events/jpo/replies").json()["networks"] == []
    assert olga.request("PATCH", switch, {"answer_on_networks": True}).status == 200
    assert bob.get("/api/events/jpo/replies").json()["networks"] == ["mastodon"]


def test_answers_on_the_networks_are_off_unless_the_organiser_says(tmp_path, env):
    event = test_event("jpo")  # an account in the file, but the switch left as it is
    event.replies = RepliesSettings(
        mastodon=MastodonReplies(server="https://m.example", token_env=TOKEN_ENV)
    )
    live = LiveServer(tmp_path / "data", events=[event]).start()
    try:
        live.add_user("bob", PASSWORD, "moderator")
        assert moderator(live).get("/api/events/jpo/replies").json()["networks"] == []
    finally:
        live.stop()
