"""One post per reason code: the server's English sentence and its ``why``, made by the real
rules and the real store, for the pages' test that words each code in both languages."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from moderation import (
    Action,
    Author,
    AuthorAction,
    AuthorRule,
    Decision,
    History,
    Mode,
    Rules,
    Verdict,
    builtin_terms,
    decide,
)
from moderation.verdict import REASON_CODES
from tests.factories import make_post
from wall.desk_store import DeskStore
from wall.privacy_store import Person
from wall.screen_view import attendee_why

T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def _case(verdict: Verdict) -> dict[str, Any]:
    assert verdict.why is not None, verdict
    return {"reason": verdict.reason, "why": msgspec.to_builtins(verdict.why)}


def rule_cases() -> list[dict[str, Any]]:
    """Every reason the rules give, from ``decide`` on posts made to trigger each one."""
    cases = []
    rule = AuthorRule(
        author="troll@campus.example",
        action=AuthorAction.BLOCK,
        set_by="Claire",
        set_at=T0,
        why="spam",
        expires_at=T0 + timedelta(days=2, hours=9),
    )
    troll = make_post("salut", handle="troll@campus.example")
    cases.append(_case(decide(troll, Rules(authors=(rule,)), now=T0)))
    cases.append(_case(decide(troll, Rules(blocked_authors=("troll@campus.example",)), now=T0)))
    held = AuthorRule(author="ines@campus.example", action=AuthorAction.HOLD, set_by="Bob")
    cases.append(_case(decide(make_post("hi"), Rules(authors=(held,)), now=T0)))
    trusted = Rules(trusted_authors=("ines@campus.example",))
    cases.append(_case(decide(make_post("hi"), trusted, now=T0)))
    for rules, text in (
        (Rules(blocked_words=("arnaque",)), "Quelle ARNAQUE ce stand"),
        (Rules(blocked_words=("pas terrible",)), "c'est pas terrible"),
        (Rules(held_words=("concours",)), "Grand concours ce soir"),
        (Rules(held_words=("bon plan",)), "un bon plan"),
    ):
        cases.append(_case(decide(make_post(text), rules, now=T0)))
    french = builtin_terms("fr", ["connard", "bite"])
    english = builtin_terms("en", ["horny"])
    cases.append(_case(decide(make_post("quel connard"), Rules(builtin_terms=french), now=T0)))
    cases.append(_case(decide(make_post("quel c0nnard"), Rules(builtin_terms=french), now=T0)))
    unknown = make_post("une bite", language=None)
    cases.append(_case(decide(unknown, Rules(builtin_terms=french), now=T0)))
    cases.append(
        _case(decide(make_post("so horny", language="en"), Rules(builtin_terms=english), now=T0))
    )
    tagged = Rules(required_hashtags=("JPO2026", "#OpenDay"))
    cases.append(_case(decide(make_post("hi", hashtags=()), tagged, now=T0)))
    cases.append(_case(decide(make_post("hi", content_warning="spoilers"), Rules(), now=T0)))
    cases.append(_case(decide(make_post("hi", sensitive=True), Rules(), now=T0)))
    languages = Rules(languages=("fr", "en"))
    cases.append(_case(decide(make_post("Hallo", language="de"), languages, now=T0)))
    cases.append(
        _case(decide(make_post("Hallo", language=None), languages, now=T0, detected_language="de"))
    )
    bot = msgspec.structs.replace(
        make_post("beep"), author=Author(name="Bot", handle="bot@campus.example", bot=True)
    )
    cases.append(_case(decide(bot, Rules(hold_bots=True), now=T0)))
    for created in (T0 - timedelta(minutes=1, seconds=20), T0 - timedelta(hours=5)):
        young = msgspec.structs.replace(
            make_post("hi"),
            author=Author(name="New", handle="new@campus.example", created_at=created),
        )
        for days in (1, 3):
            cases.append(_case(decide(young, Rules(min_account_age_days=days), now=T0)))
    for whose in ("Graduation 2026", ""):
        others = Rules(other_hashtags={"Grad2026": whose})
        cases.append(_case(decide(make_post("hi", hashtags=("Grad2026",)), others, now=T0)))
    spam = "Achetez des montres pas chères sur notre site incroyable"
    dupes = Rules(mode=Mode.POST, duplicate_minutes=30, duplicate_similarity=0.75)
    history = History()
    history.record(make_post(spam), T0)
    cases.append(
        _case(decide(make_post(spam), dupes, now=T0 + timedelta(minutes=3), history=history))
    )
    other = make_post(spam + " vite", handle="autre@campus.example")
    long = Rules(mode=Mode.POST, duplicate_minutes=600, duplicate_similarity=0.75)
    cases.append(_case(decide(other, long, now=T0 + timedelta(hours=3), history=history)))
    flood = Rules(mode=Mode.POST, flood_posts=1, flood_minutes=1)
    history = History()
    history.record(make_post("un"), T0)
    cases.append(_case(decide(make_post("deux"), flood, now=T0, history=history)))
    cases.append(_case(decide(make_post("hi"), Rules(mode=Mode.POST), now=T0)))
    cases.append(_case(decide(make_post("hi"), Rules(), now=T0)))
    return cases


async def _store_cases(path: Path) -> list[dict[str, Any]]:
    store = DeskStore(path)
    await store.open()
    await store.save_event("jpo", "JPO", "{}")
    seen: list[Any] = []
    hold = decide(make_post("x"), Rules(), now=T0)
    try:
        for action in (Action.APPROVE, Action.REJECT):
            view = await store.ingest("jpo", make_post("hi"), hold)
            assert view is not None
            _, view = await store.act("jpo", view.id, action, actor="bob")
            seen.append(view)
        view = await store.ingest("jpo", make_post("hi"), hold)
        assert view is not None
        _, view = await store.act("jpo", view.id, Action.APPROVE, actor="bob")
        _, view = await store.act("jpo", view.id, Action.REMOVE, actor="bob")
        seen.append(view)
        _, view = await store.act("jpo", view.id, Action.RESTORE, actor="bob")
        seen.append(view)
        view = await store.ingest("jpo", make_post("hi"), hold)
        assert view is not None
        _, view = await store.act("jpo", view.id, Action.APPROVE, actor="bob", reason="top")
        seen.append(view)
        post = make_post("first words", network_id="edited-1")
        await store.ingest("jpo", post, hold)
        edited = msgspec.structs.replace(post, text="second words", html="<p>second words</p>")
        seen.append(await store.ingest("jpo", edited, decide(edited, Rules(), now=T0)))
        gone = make_post("bye", network="mastodon", network_id="gone-1")
        await store.ingest("jpo", gone, hold)
        seen.append(await store.withdraw("jpo", "mastodon", "gone-1"))
        for why in ("insults", ""):
            view = await store.ingest(
                "jpo", make_post("hi", handle=f"rude{why}@campus.example"), hold
            )
            assert view is not None
            _, _, views = await store.block_author("jpo", view.id, actor="bob", why=why)
            seen.extend(views)
        view = await store.ingest("jpo", make_post("hi"), hold)
        assert view is not None
        await store.act("jpo", view.id, Action.APPROVE, actor="bob")
        await store.undo("jpo", view.id, actor="bob", window=60)
        undone = [e for e in await store.audit("jpo") if e.action == "undo"]
        await store.ingest("jpo", make_post("hi", handle="gone@campus.example"), hold)
        await store.erase(Person(network="test", handle="gone@campus.example"), actor="olga")
        undone += [e for e in await store.audit("jpo") if e.action == "erase"]
        refused = await store.ingest(
            "jpo", make_post("hi"), Verdict(decision=Decision.REJECT, reason="x", rule="bots")
        )
        assert refused is not None
        told = attendee_why(refused)
        assert told is not None
        return [
            *({"reason": v.reason, "why": msgspec.to_builtins(v.why)} for v in seen),
            *({"reason": e.reason, "why": msgspec.to_builtins(e.why)} for e in undone),
            {
                "reason": "This post cannot be shown at this event.",
                "why": msgspec.to_builtins(told),
            },
        ]
    finally:
        await store.close()


def store_cases(path: Path) -> list[dict[str, Any]]:
    """Every reason the store writes (decisions, notes, edits, withdrawals, blocks)."""
    # In a thread of its own: the caller may be inside an event loop (Playwright's).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _store_cases(path)).result()


def all_cases(path: Path) -> list[dict[str, Any]]:
    cases = [*rule_cases(), *store_cases(path)]
    covered = {case["why"]["code"] for case in cases}
    assert covered == REASON_CODES, sorted(REASON_CODES ^ covered)
    return cases
