"""The pure core's post flags: pin, hidden media, spotlight and the reply, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moderation import Status
from moderation.flags import MAX_REPLY, Change, Flags, InvalidChange, Reply, change

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ANSWER = Reply(text="Rendez-vous à 14 h", by="alice", at=T0)
NEWER = Reply(text="Rendez-vous à 15 h", by="bob", at=T0 + timedelta(minutes=1))

ALLOWED = [
    (Status.APPROVED, Flags(), Change.PIN, {}, Flags(pinned=True)),
    (Status.APPROVED, Flags(pinned=True), Change.UNPIN, {}, Flags()),
    (Status.REMOVED, Flags(pinned=True), Change.UNPIN, {}, Flags()),
    (Status.PENDING, Flags(), Change.HIDE_MEDIA, {}, Flags(media_hidden=True)),
    (Status.APPROVED, Flags(media_hidden=True), Change.SHOW_MEDIA, {}, Flags()),
    (Status.APPROVED, Flags(), Change.SPOTLIGHT, {}, Flags()),
    (Status.PENDING, Flags(), Change.REPLY, {"reply": ANSWER}, Flags(reply=ANSWER)),
    (
        Status.APPROVED,
        Flags(reply=ANSWER),
        Change.REPLY,
        {"reply": NEWER, "replaces": T0},
        Flags(reply=NEWER),
    ),
    (Status.APPROVED, Flags(reply=ANSWER), Change.WITHDRAW_REPLY, {"replaces": T0}, Flags()),
]

REFUSED = [
    (Status.PENDING, Flags(), Change.PIN, {}, "approve it first"),
    (Status.APPROVED, Flags(pinned=True), Change.PIN, {}, "already pinned"),
    (Status.APPROVED, Flags(), Change.UNPIN, {}, "not pinned"),
    (Status.REJECTED, Flags(), Change.SPOTLIGHT, {}, "not on the screens"),
    (Status.APPROVED, Flags(), Change.HIDE_MEDIA, {"has_media": False}, "no picture"),
    (Status.APPROVED, Flags(media_hidden=True), Change.HIDE_MEDIA, {}, "already hidden"),
    (Status.APPROVED, Flags(), Change.SHOW_MEDIA, {}, "not hidden"),
    (Status.APPROVED, Flags(reply=NEWER), Change.REPLY, {"reply": ANSWER}, "changed the answer"),
    (
        Status.APPROVED,
        Flags(reply=NEWER),
        Change.REPLY,
        {"reply": ANSWER, "replaces": T0},
        "changed the answer",
    ),
    (Status.APPROVED, Flags(), Change.REPLY, {"reply": ANSWER, "replaces": T0}, "withdrawn"),
    (Status.APPROVED, Flags(), Change.WITHDRAW_REPLY, {}, "no answer"),
    (
        Status.APPROVED,
        Flags(),
        Change.REPLY,
        {"reply": Reply(text="   ", by="a", at=T0)},
        "empty",
    ),
    (
        Status.APPROVED,
        Flags(),
        Change.REPLY,
        {"reply": Reply(text="x" * (MAX_REPLY + 1), by="a", at=T0)},
        "too long",
    ),
]


@pytest.mark.parametrize(("status", "flags", "what", "kw", "expected"), ALLOWED)
def test_a_change_the_state_allows_gives_the_new_flags(status, flags, what, kw, expected):
    assert change(status, flags, what, **kw) == expected


@pytest.mark.parametrize(("status", "flags", "what", "kw", "words"), REFUSED)
def test_a_change_the_state_refuses_says_why_in_a_sentence(status, flags, what, kw, words):
    with pytest.raises(InvalidChange, match=words):
        change(status, flags, what, **kw)
