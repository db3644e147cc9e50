"""Claims and presence, in memory with a clock the test moves."""

from __future__ import annotations

import pytest

from wall.claims import Claims, Held
from wall.presence import Presence


def test_a_claim_holds_until_its_time_is_up_then_lapses():
    now = [1000.0]
    claims = Claims(30, clock=lambda: now[0])
    claim, changed = claims.take("jpo", 7, "alice")
    assert changed and claim.until == 1030
    with pytest.raises(Held) as info:
        claims.take("jpo", 7, "bob")
    assert info.value.claim.by == "alice"
    now[0] += 20
    _, changed = claims.take("jpo", 7, "alice")  # a renewal is not news
    assert not changed and claims.holder("jpo", 7).until == 1050
    now[0] += 31
    assert claims.holder("jpo", 7) is None
    assert claims.sweep() == ["jpo"] and claims.sweep() == []
    assert claims.take("jpo", 7, "bob")[0].by == "bob"


def test_a_moderator_holds_one_claim_per_event():
    claims = Claims(30, clock=lambda: 0.0)
    claims.take("jpo", 1, "alice")
    claims.take("other", 5, "alice")
    _, changed = claims.take("jpo", 2, "alice")
    assert changed
    assert [c.post_id for c in claims.of("jpo")] == [2]
    assert [c.post_id for c in claims.of("other")] == [5]
    assert not claims.release("jpo", 2, "bob")
    assert claims.release("jpo", 2, "alice") and claims.of("jpo") == []
    claims.take("jpo", 3, "alice")
    assert claims.drop_user("jpo", "alice") and claims.of("jpo") == []


def test_presence_counts_each_open_desk():
    presence = Presence()
    assert presence.join("jpo", "alice", "moderator")
    assert not presence.join("jpo", "alice", "moderator")  # a second tablet
    assert presence.join("jpo", "olga", "organiser")
    assert presence.of("jpo") == [("alice", "moderator"), ("olga", "organiser")]
    assert not presence.leave("jpo", "alice")
    assert presence.leave("jpo", "alice")
    assert presence.of("jpo") == [("olga", "organiser")]
    assert not presence.leave("jpo", "nobody")
