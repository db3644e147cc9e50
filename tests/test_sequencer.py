"""The sequencer alone: entries from two roads, delivered in seq order, once, gaps read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from wall.cluster.sequencer import Sequencer
from wall.views import WALL, LogEntry


def entry(seq: int) -> LogEntry:
    return LogEntry(seq=seq, event="jpo", audience=WALL, text=f'{{"type":"x","seq":{seq}}}')


class Log:
    """The store's log as the sequencer reads it, and what it delivered."""

    def __init__(self, head: int) -> None:
        self.rows = {seq: entry(seq) for seq in range(1, head + 1)}
        self.delivered: list[int] = []
        self.remote: list[int] = []
        self.reads: list[tuple[int, int]] = []
        self.failures = 0
        self.changed = asyncio.Event()

    async def fill(self, after: int, upto: int) -> list[LogEntry]:
        self.reads.append((after, upto))
        if self.failures:
            self.failures -= 1
            raise OSError("the store is not answering")
        return [self.rows[s] for s in sorted(self.rows) if after < s <= upto]

    def deliver(self, entries: list[LogEntry]) -> None:
        self.delivered += [e.seq for e in entries]
        self.changed.set()

    async def until(self, count: int) -> list[int]:
        async with asyncio.timeout(10):
            while len(self.delivered) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.delivered


@contextlib.asynccontextmanager
async def running(log: Log, start: int = 0) -> AsyncIterator[Sequencer]:
    sequencer = Sequencer(
        log.deliver, log.fill, remote=lambda es: log.remote.extend(e.seq for e in es), grace=0
    )
    sequencer.reset(start)
    task = asyncio.create_task(sequencer.run())
    try:
        yield sequencer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_entries_in_order_are_delivered_at_once_without_reading_the_store():
    log = Log(head=3)
    async with running(log) as seq:
        seq.offer([entry(1), entry(2)], local=True)
        seq.offer([entry(3)])
        assert log.delivered == [1, 2, 3]
        assert log.remote == [3]  # only what another process committed
        await asyncio.sleep(0)
    assert log.reads == []


async def test_an_entry_that_arrives_early_waits_for_the_one_before_it():
    log = Log(head=4)
    async with running(log, start=1) as seq:
        seq.offer([entry(3)])
        seq.offer([entry(4)])
        assert log.delivered == []
        seq.offer([entry(2)])
        assert log.delivered == [2, 3, 4]


async def test_an_entry_delivered_already_is_dropped():
    log = Log(head=2)
    async with running(log) as seq:
        seq.offer([entry(1)], local=True)
        seq.offer([entry(1), entry(2)])
        seq.offer([entry(2)])
        assert log.delivered == [1, 2]
        assert log.remote == [2]


async def test_a_missed_entry_is_read_from_the_store_before_the_next_goes_out():
    log = Log(head=5)
    async with running(log, start=1) as seq:
        seq.offer([entry(5)])  # 2, 3 and 4 never came through Redis
        assert await log.until(4) == [2, 3, 4, 5]
    assert log.reads == [(1, 4)]
    assert log.remote == [2, 3, 4, 5]


async def test_a_head_above_what_was_delivered_is_read_from_the_store():
    log = Log(head=3)
    async with running(log) as seq:
        seq.known(3)
        assert await log.until(3) == [1, 2, 3]
        seq.known(3)
        seq.offer([entry(3)])
        await asyncio.sleep(0)
    assert log.delivered == [1, 2, 3] and log.reads == [(0, 3)]


async def test_an_entry_erased_from_the_store_is_skipped_not_waited_for():
    log = Log(head=4)
    del log.rows[2]
    async with running(log, start=1) as seq:
        seq.offer([entry(4)])
        assert await log.until(2) == [3, 4]
        seq.offer([entry(5)])
        assert log.delivered == [3, 4, 5]


async def test_a_store_that_does_not_answer_is_read_again_and_nothing_is_skipped(caplog):
    log = Log(head=3)
    log.failures = 1
    async with running(log) as seq:
        seq.offer([entry(3)])
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("wall.cluster.sequencer.RETRY", 0)
            assert await log.until(3) == [1, 2, 3]
    assert len(log.reads) == 2
    assert "could not be read from the store" in caplog.text


async def test_a_local_entry_waiting_behind_a_gap_is_not_taken_for_another_process_s():
    log = Log(head=3)
    async with running(log) as seq:
        seq.offer([entry(3)], local=True)
        assert await log.until(3) == [1, 2, 3]
    assert log.remote == [1, 2]
