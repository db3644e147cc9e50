"""The network keeps what the wall shows, when the moderator changes their mind while a reply
is on its way: against the fake Mastodon, on a real port.

A reply not tried yet never goes out once its answer is withdrawn or undone (the undo bar
works on an answer sent to a network: it withdraws it there too). A reply tried
already may be on the network (a timeout after Mastodon took it): it is sent again with its
key, then deleted. A pending deletion survives a new answer, and deleting one reply does not
make Murmur forget another."""

from __future__ import annotations

from typing import Any

from tests import test_replies
from tests.client import Client
from tests.fakes.jetstream import post_record
from tests.test_replies import (
    answer,
    bluesky_post,
    fast,
    moderator,
    published,
    shown_mastodon_post,
    wait_for,
)
from wall import reply_outbox

# The fakes and the server with its accounts, as tests/test_replies.py builds them.
env, world, sky = test_replies.env, test_replies.world, test_replies.sky


def withdraw(bob: Client, post_id: int) -> Any:
    posts = bob.get("/api/events/jpo/posts?status=approved").json()["posts"]
    current = next(p for p in posts if p["id"] == post_id)["reply"]["at"]
    return bob.request("DELETE", f"/api/events/jpo/posts/{post_id}/reply", {"replaces": current})


def still_to_send(live: Any) -> list[reply_outbox.Outgoing]:
    return live.call(lambda: reply_outbox.due(live.hub.store, now=float("inf")))


def test_an_answer_withdrawn_before_its_reply_was_tried_never_goes_out(world):
    live, fake = world
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    live.call(live.hub.replier.stop)  # the reply waits in the outbox, not tried yet
    assert answer(bob, post_id, "Salle 12.").status == 200
    assert withdraw(bob, post_id).status == 200
    assert still_to_send(live) == []
    live.call(live.hub.replier.send_due)
    assert fake.writes.requests == []


def test_an_answer_withdrawn_after_a_timeout_is_deleted_once_its_reply_lands(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    live.hub.replier.first_delay = 0.5
    fake.writes.time_out_after_write()  # Mastodon takes the reply, Murmur never hears so
    assert answer(bob, post_id, "Salle 12.").status == 200
    wait_for(lambda: len(fake.writes.requests) == 1)
    assert withdraw(bob, post_id).status == 200
    # Sent again with its key (Mastodon gives back the same status), then deleted.
    wait_for(lambda: len(fake.writes.deleted) == 1)
    assert fake.writes.thread(status["id"]) == []
    keys = {key for _, _, key in fake.writes.requests}
    assert len(keys) == 1
    # The fake counts the deletion when it answers; Murmur records it a moment later.
    wait_for(lambda: still_to_send(live) == [])
    assert len(fake.writes.deleted) == 1


def test_a_new_answer_keeps_the_deletion_of_the_old_reply_on_its_way(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    published(bob, post_id)
    (old,) = fake.writes.thread(status["id"])
    live.hub.replier.first_delay = 0.5
    fake.writes.fail_next(503)  # the deletion has to be retried
    assert withdraw(bob, post_id).status == 200
    wait_for(lambda: [(r.kind, r.attempts) for r in still_to_send(live)] == [("delete", 1)])
    assert answer(bob, post_id, "Salle 14.").status == 200
    wait_for(lambda: fake.writes.deleted == [old["id"]])
    post = published(bob, post_id)
    (new,) = fake.writes.thread(status["id"])
    assert new["text"].endswith("Salle 14.")
    assert post["reply"]["published"]["url"] == new["url"]


def test_the_undo_bar_takes_back_an_answer_sent_to_mastodon_and_deletes_its_reply(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    published(bob, post_id)
    (reply,) = fake.writes.thread(status["id"])
    # Murmur said where the answer went since; the answer is still the moderator's to undo.
    undone = bob.post(f"/api/events/jpo/posts/{post_id}/undo")
    assert undone.status == 200 and undone.json()["post"]["reply"] is None
    wait_for(lambda: fake.writes.deleted == [reply["id"]])
    assert fake.writes.thread(status["id"]) == []


def test_an_answer_undone_before_its_reply_was_tried_never_goes_out(world):
    live, fake = world
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    live.call(live.hub.replier.stop)
    assert answer(bob, post_id, "Salle 12.").status == 200
    undone = bob.post(f"/api/events/jpo/posts/{post_id}/undo")
    assert undone.status == 200 and undone.json()["post"]["reply"] is None
    assert still_to_send(live) == []
    live.call(live.hub.replier.send_due)
    assert fake.writes.requests == []


def test_someone_else_s_action_after_the_answer_still_blocks_its_undo(world):
    live, fake = world
    bob = moderator(live)
    post_id, _ = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    published(bob, post_id)
    live.add_user("carol", test_replies.PASSWORD, "moderator")
    carol = Client(live.url)
    assert carol.login("carol", test_replies.PASSWORD).status == 200
    assert carol.post(f"/api/events/jpo/posts/{post_id}/pin").status == 200
    refused = bob.post(f"/api/events/jpo/posts/{post_id}/undo")
    assert refused.status == 409 and refused.json()["code"] == "undo_after_you"


def test_a_restart_while_the_reply_is_in_flight_does_not_post_twice_on_mastodon(world):
    live, fake = world
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    live.hub.replier.timeout = 60.0  # Murmur is still waiting for the answer when it stops
    fake.writes.time_out_after_write()
    assert answer(bob, post_id, "Salle 12.").status == 200
    wait_for(lambda: len(fake.writes.replies) == 1)  # Mastodon took it
    live.restart()
    fast(live)
    post = published(moderator(live), post_id)
    (reply,) = fake.writes.thread(status["id"])
    assert post["reply"]["published"]["url"] == reply["url"]
    keys = [key for _, _, key in fake.writes.requests]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_a_restart_while_the_reply_is_in_flight_does_not_post_twice_on_bluesky(sky):
    live, appview, pds = sky
    bob = moderator(live)
    post_id, uri = bluesky_post(live, appview, bob, post_record("Wifi ? #JPO2026"))
    live.hub.replier.timeout = 60.0
    pds.time_out_after_write()
    assert answer(bob, post_id, "Réseau Campus-Invité.").status == 200
    wait_for(lambda: len(pds.records) == 1)  # the PDS wrote the record
    live.restart()
    fast(live)
    post = published(moderator(live), post_id)
    (rkey,) = pds.records
    assert post["reply"]["published"]["url"].endswith(f"/post/{rkey}")
    assert len(pds.thread(uri)) == 1
    assert pds.writes == [rkey, rkey]  # asked again for the same record, not a second one


def test_the_audit_says_where_each_reply_went_and_when_one_could_not_be_deleted(world, env):
    live, fake = world
    live.add_user("olga", test_replies.PASSWORD, "organiser")
    olga = Client(live.url)
    assert olga.login("olga", test_replies.PASSWORD).status == 200
    bob = moderator(live)
    post_id, status = shown_mastodon_post(live, fake, bob)
    assert answer(bob, post_id, "Salle 12.").status == 200
    published(bob, post_id)
    (reply,) = fake.writes.thread(status["id"])
    assert withdraw(bob, post_id).status == 200
    wait_for(lambda: fake.writes.deleted == [reply["id"]])
    # The token loses its right to write: the next reply cannot be deleted.
    other, other_status = shown_mastodon_post(live, fake, bob)
    assert answer(bob, other, "Salle 14.").status == 200
    published(bob, other)
    (kept,) = fake.writes.thread(other_status["id"])
    env.setenv(test_replies.TOKEN_ENV, test_replies.READ_ONLY_TOKEN)
    assert withdraw(bob, other).status == 200

    def said() -> list[tuple[int, str | None, str, str]]:
        entries = olga.get("/api/events/jpo/audit").json()["entries"]
        return [
            (e["post_id"], e["actor"], e["action"], e["reason"])
            for e in entries
            if str(e["action"]).startswith("reply-")
        ]

    wait_for(lambda: any(action == "reply-delete-failed" for _, _, action, _ in said()))
    assert said() == [
        (post_id, "murmur", "reply-sending", ""),
        (post_id, "murmur", "reply-published", reply["url"]),
        (post_id, "murmur", "reply-deleted", reply["url"]),
        (other, "murmur", "reply-sending", ""),
        (other, "murmur", "reply-published", kept["url"]),
        (other, "murmur", "reply-delete-failed", f"{kept['url']} (reply_not_allowed)"),
    ]
    assert fake.writes.thread(other_status["id"]) == [kept]
