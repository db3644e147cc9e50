import asyncio

import pytest

from wall.bus import Bus, Overflow
from wall.views import MODERATE, WALL, LogEntry


def entry(seq: int, audience: str = WALL, event: str = "jpo") -> LogEntry:
    return LogEntry(seq=seq, event=event, audience=audience, text=f'{{"seq":{seq}}}')


async def take(sub, n):
    out = []
    async for e in sub:
        out.append(e)
        if len(out) == n:
            return out
    return out


async def test_every_subscriber_of_an_event_gets_the_same_encoded_text():
    bus = Bus()
    with bus.subscribe("jpo", WALL) as a, bus.subscribe("jpo", MODERATE) as b:
        e = entry(1)
        bus.publish([e])
        got_a, got_b = await asyncio.gather(take(a, 1), take(b, 1))
        assert got_a[0].text is e.text and got_b[0].text is e.text


async def test_screens_do_not_receive_moderator_only_entries():
    bus = Bus()
    with bus.subscribe("jpo", WALL) as wall, bus.subscribe("jpo", MODERATE) as mod:
        bus.publish([entry(1, MODERATE), entry(2, WALL)])
        assert [e.seq for e in await take(wall, 1)] == [2]
        assert [e.seq for e in await take(mod, 2)] == [1, 2]


async def test_other_events_are_not_delivered():
    bus = Bus()
    with bus.subscribe("jpo", WALL) as sub:
        bus.publish([entry(1, event="other"), entry(2)])
        assert [e.seq for e in await take(sub, 1)] == [2]


async def test_an_overflowing_subscriber_is_told_to_resync_and_others_are_untouched():
    bus = Bus(queue_size=3)
    with bus.subscribe("jpo", WALL) as slow, bus.subscribe("jpo", WALL) as fast:
        for seq in range(1, 4):
            bus.publish([entry(seq)])
        assert [e.seq for e in await take(fast, 3)] == [1, 2, 3]
        bus.publish([entry(4)])  # slow still holds 3: it overflows
        assert [e.seq for e in await take(fast, 1)] == [4]
        with pytest.raises(Overflow):
            await take(slow, 1)


async def test_unsubscribing_stops_delivery_and_forgets_the_subscriber():
    bus = Bus()
    with bus.subscribe("jpo", WALL):
        assert bus.count("jpo") == 1
    assert bus.count() == 0
    bus.publish([entry(1)])  # nobody listening: nothing to do, nothing raised
