"""The screen fleet across processes, on a real Redis (wall.shared.fleet).

Two "processes" are two ``RedisFleet`` on their own connections; the clock is the test's.
"""

from __future__ import annotations

from pathlib import Path

from tests import servers
from tests.shared_redis import process
from wall.screens import SILENT_AFTER
from wall.shared.connection import Shared
from wall.shared.fleet import DEAD_AFTER, RedisFleet


def two(tmp_path: Path, opened: list[Shared], now: list[float]) -> tuple[RedisFleet, RedisFleet]:
    opened += [process(tmp_path), process(tmp_path)]
    return RedisFleet(opened[0], clock=lambda: now[0]), RedisFleet(opened[1], clock=lambda: now[0])


def states(screens: list[dict]) -> dict[str, str]:
    return {s["screen"]: s["state"] for s in screens}


async def test_screens_on_every_process_are_listed_by_any(tmp_path, opened):
    now = [1000.0]
    a, b = two(tmp_path, opened, now)
    hall = await a.connect("jpo", "hall")
    await b.connect("jpo", "library")
    await a.heard(hall, {"type": "hello", "layout": "stage", "width": 1920, "height": 1080})
    for fleet in (a, b):
        listed = await fleet.of("jpo")
        assert states(listed) == {"hall": "online", "library": "online"}
        assert listed[0]["layout"] == "stage" and listed[0]["width"] == 1920
    assert [s["screen"] for s in a.here("jpo")] == ["hall"]  # this process's own
    now[0] += SILENT_AFTER + 1
    await a.of("jpo")  # A's hub counts its screens every 15 s: it is alive
    assert states(await b.of("jpo"))["hall"] == "silent"
    await a.disconnect(hall)
    assert states(await b.of("jpo"))["hall"] == "offline"


async def test_a_killed_process_s_screens_go_offline_after_a_while(tmp_path, opened):
    now = [1000.0]
    a, b = two(tmp_path, opened, now)
    await a.connect("jpo", "hall")  # then A is killed: it writes nothing more
    library = await b.connect("jpo", "library")
    now[0] += DEAD_AFTER - 1
    await b.heard(library, {"type": "hello"})  # B is alive and says so
    assert states(await b.of("jpo"))["hall"] == "online"  # its process is not taken for dead yet
    now[0] += 2
    assert states(await b.of("jpo")) == {"hall": "offline", "library": "online"}


async def test_a_screen_that_moved_to_another_process_is_one_screen(tmp_path, opened):
    now = [1000.0]
    a, b = two(tmp_path, opened, now)
    on_a = await a.connect("jpo", "hall")
    now[0] += 5
    await b.connect("jpo", "hall")  # reconnected to B before A saw its socket close
    await a.disconnect(on_a)
    listed = await b.of("jpo")
    assert [(s["screen"], s["state"]) for s in listed] == [("hall", "online")]


async def test_unnamed_screens_on_two_processes_get_different_names(tmp_path, opened):
    now = [1000.0]
    a, b = two(tmp_path, opened, now)
    first, second = await a.connect("jpo", None), await b.connect("jpo", None)
    assert first.name != second.name
    assert len(await a.of("jpo")) == 2
    await a.disconnect(first)
    assert [s["screen"] for s in await a.of("jpo")] == [second.name]


async def test_the_fleet_lists_this_process_s_screens_while_redis_is_away(tmp_path):
    redis = servers.Redis().start()
    shared = process(tmp_path, url=redis.url)
    try:
        fleet = RedisFleet(shared)
        await fleet.connect("jpo", "hall")
        redis.stop()
        await fleet.connect("jpo", "library")
        assert states(await fleet.of("jpo")) == {"hall": "online", "library": "online"}
    finally:
        await shared.close()
        redis.close()
