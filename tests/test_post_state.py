"""The pure core's decisions about a stored post (moderation.state, moderation.messages):
plain function calls, no store, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from moderation import (
    Action,
    ChangedMeanwhile,
    Decision,
    InvalidTransition,
    Status,
    Verdict,
    Why,
)
from moderation.flags import Flags
from moderation.messages import arrival_type, edit_types, for_screens
from moderation.state import PostState, arrived, blocked, decided, edited, revised, withdrawn
from tests.factories import make_post

AT = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
P, A, R, X = Status.PENDING, Status.APPROVED, Status.REJECTED, Status.REMOVED


def state(status: Status, **changes: object) -> PostState:
    base = PostState(status=status, reason="pre-moderation", rule="mode", decided_by=None,
                     decided_at=None, flags=Flags(pinned=True))  # fmt: skip
    return msgspec.structs.replace(base, **changes)


def verdict(decision: Decision, why: Why | None = None) -> Verdict:
    return Verdict(decision=decision, reason="a reason", rule="blocked_words", why=why)


@pytest.mark.parametrize(
    ("decision", "status", "kind", "screens"),
    [
        (Decision.APPROVE, A, "post.approved", True),
        (Decision.HOLD, P, "post.queued", False),
        (Decision.REJECT, R, "post.rejected", False),
    ],
)
def test_a_new_post_takes_the_rules_decision_and_only_an_approved_one_reaches_the_screens(
    decision, status, kind, screens
):
    assert arrived(decision) is status
    assert arrival_type(status) == kind
    assert for_screens(kind, status) is screens


def test_a_moderators_decision_records_who_and_keeps_the_pin_and_the_reply():
    after = decided(state(P), Action.APPROVE, by="alice", note="", at=AT)
    assert (after.status, after.reason, after.rule, after.decided_by, after.decided_at) == (
        A, "approved by alice", "moderator", "alice", AT
    )  # fmt: skip
    assert after.why == Why(code="decided", params={"action": "approve", "by": "alice"})
    assert after.flags == Flags(pinned=True)


def test_a_moderators_note_becomes_the_reason():
    after = decided(state(A), Action.REMOVE, by="bob", note="off topic", at=AT)
    assert (after.status, after.reason) == (X, "off topic")
    assert after.why == Why(code="note", params={"text": "off topic"})


def test_a_decision_the_status_does_not_allow_is_refused():
    with pytest.raises(InvalidTransition, match="already rejected"):
        decided(state(R), Action.REJECT, by="alice", note="", at=AT)


def test_a_decision_on_a_status_that_changed_meanwhile_is_refused_even_where_allowed():
    # Bob rejected while Alice looked at the waiting post: her approve would be allowed
    # from rejected, but it was meant for a waiting post, so it is refused.
    with pytest.raises(ChangedMeanwhile, match="was pending when you saw it") as refused:
        decided(state(R), Action.APPROVE, by="alice", note="", at=AT, seen=P)
    assert refused.value.code == "conflict"
    assert refused.value.params == {"action": "approve", "status": "rejected", "seen": "pending"}
    # Seen as it is, or not said: applied.
    assert decided(state(R), Action.APPROVE, by="alice", note="", at=AT, seen=R).status == A
    assert decided(state(R), Action.APPROVE, by="alice", note="", at=AT).status == A


def test_blocking_an_author_rejects_their_waiting_post_and_removes_their_shown_one():
    waiting = blocked(state(P), by="alice", note="", at=AT)
    shown = blocked(state(A), by="alice", note="spam", at=AT)
    assert (waiting.status, waiting.reason) == (R, "author blocked by alice")
    assert (shown.status, shown.reason) == (X, "author blocked by alice: spam")
    assert shown.why == Why(code="author_blocked_by", params={"by": "alice", "note": "spam"})
    assert (shown.rule, shown.decided_by, shown.decided_at) == ("moderator", "alice", AT)


def test_only_what_the_author_writes_makes_an_edit():
    stored = make_post("Hello #JPO2026")
    assert not edited(stored, msgspec.structs.replace(stored, url="https://elsewhere.example"))
    assert edited(stored, msgspec.structs.replace(stored, text="Hello again #JPO2026"))
    assert edited(stored, msgspec.structs.replace(stored, sensitive=True))
    assert edited(stored, msgspec.structs.replace(stored, content_warning="spoilers"))


@pytest.mark.parametrize(
    ("current", "decision", "status", "types"),
    [
        (P, Decision.HOLD, P, ("post.queued",)),  # back in the queue, with its new text
        (P, Decision.APPROVE, P, ("post.queued",)),  # waiting for a moderator still
        (P, Decision.REJECT, R, ("post.rejected",)),
        (A, Decision.APPROVE, A, ("post.updated",)),  # post-moderation: stays shown
        (A, Decision.HOLD, P, ("post.removed", "post.queued")),
        (A, Decision.REJECT, R, ("post.removed", "post.rejected")),
    ],
)
def test_an_edit_is_decided_again_and_a_shown_post_leaves_the_screens_unless_approved(
    current, decision, status, types
):
    outcome = revised(current, verdict(decision), at=AT)
    assert outcome is not None
    assert (outcome.status, outcome.types) == (status, types)
    assert outcome.decided_at == (None if status is P else AT)
    assert outcome.reason == "edited by its author: a reason"
    assert [for_screens(kind, status) for kind in types] == [
        kind == "post.removed" or status is A for kind in types
    ]


def test_an_edit_keeps_the_rules_reason_as_what_it_was_then():
    why = Why(code="word", params={"word": "spoiler"})
    outcome = revised(A, verdict(Decision.REJECT, why), at=AT)
    assert outcome is not None
    assert outcome.why == Why(
        code="edited", params={"then": {"code": "word", "params": {"word": "spoiler"}}}
    )
    plain = revised(P, verdict(Decision.HOLD), at=AT)
    assert plain is not None and plain.why == Why(code="edited")


@pytest.mark.parametrize("current", [R, X])
def test_an_edit_of_a_turned_down_post_leaves_its_status(current):
    assert revised(current, verdict(Decision.APPROVE), at=AT) is None


def test_a_post_deleted_on_the_network_is_rejected_if_waiting_and_removed_if_shown():
    waiting = withdrawn(P, "mastodon", at=AT)
    shown = withdrawn(A, "bluesky", at=AT)
    assert waiting is not None and shown is not None
    assert (waiting.status, waiting.types, waiting.rule) == (R, ("post.rejected",), "network")
    assert (shown.status, shown.types) == (X, ("post.removed",))
    assert shown.reason == "deleted by its author on bluesky"
    assert shown.why == Why(code="deleted_on_network", params={"network": "bluesky"})
    assert for_screens("post.removed", X) and not for_screens("post.rejected", R)
    assert withdrawn(R, "mastodon", at=AT) is None and withdrawn(X, "x", at=AT) is None


def test_an_edit_of_a_waiting_post_queues_it_again_where_other_changes_update_it():
    assert edit_types(P, P) == ["post.queued"]
    assert edit_types(A, A) == ["post.updated"]


@pytest.mark.parametrize(
    ("kind", "after", "screens"),
    [
        ("post.updated", A, True),  # a pin, a reply on a shown post: screens refresh it
        ("post.updated", P, False),
        ("post.updated", X, False),
        ("post.queued", P, False),
        ("post.rejected", R, False),
    ],
)
def test_screens_receive_what_is_shown_and_what_leaves_them(kind, after, screens):
    assert for_screens(kind, after) is screens
