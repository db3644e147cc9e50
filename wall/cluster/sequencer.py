"""Log entries from several writers, delivered in ``seq`` order, once each, none skipped.

Entries reach a process by two roads: its own commits (``on_commit``) and the other
processes' (through Redis). Neither road alone is complete nor ordered across processes,
so the sequencer holds what arrives early and hands the local bus one gap-free run:

- an entry at or below ``delivered`` was delivered already: it is dropped;
- ``delivered + 1`` goes out at once, with whatever was waiting behind it;
- anything further waits, and so does a head the store reported above ``delivered``: after
  a short grace (Redis usually brings the missing entries within a millisecond) the
  missing range is read from the store.

Reading the store is safe because the store gives out seq N+1 only after N is committed
(the writer lock, ``wall.pg``): whoever sees N+1 can read everything below it, and what
the store does not have below it (an erased entry) will never come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from wall.views import LogEntry

log = logging.getLogger(__name__)

# How long a gap may wait for Redis before the store is read (most gaps are two commits
# from two processes crossing on their way, and close within a millisecond).
GRACE = 0.05
# How long to wait before reading again when the store did not answer.
RETRY = 1.0

Fill = Callable[[int, int], Awaitable[list[LogEntry]]]


class Sequencer:
    """Hands entries to ``deliver`` in seq order; ``remote`` also gets those this
    process did not commit itself. ``fill(after, upto)`` reads the store's entries with
    ``after < seq <= upto``. Run ``run()`` as a task: it fills the gaps."""

    def __init__(
        self,
        deliver: Callable[[list[LogEntry]], None],
        fill: Fill,
        *,
        remote: Callable[[list[LogEntry]], None] | None = None,
        grace: float = GRACE,
    ) -> None:
        self._deliver = deliver
        self._fill = fill
        self.remote = remote
        self.grace = grace
        self.delivered = 0
        self._known = 0  # the highest seq the store (or an entry) says exists
        self._pending: dict[int, tuple[LogEntry, bool]] = {}  # seq -> (entry, local)
        self._wake = asyncio.Event()

    def reset(self, head: int) -> None:
        """Start after ``head``: what came before is the store's (screens replay it)."""
        self.delivered = self._known = head
        self._pending.clear()

    def offer(self, entries: list[LogEntry], *, local: bool = False) -> None:
        for entry in entries:
            if entry.seq > self.delivered:
                self._pending.setdefault(entry.seq, (entry, local))
        self._drain()
        if self._pending:
            self._wake.set()

    def known(self, head: int) -> None:
        """The store's head is ``head``: every entry up to it must be delivered."""
        if head > self._known:
            self._known = head
        if self._known > self.delivered:
            self._wake.set()

    @property
    def behind(self) -> bool:
        return bool(self._pending) or self._known > self.delivered

    def _drain(self) -> None:
        run: list[tuple[LogEntry, bool]] = []
        while (item := self._pending.pop(self.delivered + 1, None)) is not None:
            run.append(item)
            self.delivered += 1
        self._known = max(self._known, self.delivered)
        if run:
            self._emit(run)

    def _emit(self, run: list[tuple[LogEntry, bool]]) -> None:
        self._deliver([entry for entry, _ in run])
        if self.remote is not None:
            others = [entry for entry, local in run if not local]
            if others:
                self.remote(others)

    async def run(self) -> None:
        failed = False
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self.behind:
                continue
            await asyncio.sleep(self.grace)  # Redis may still bring it
            while self.behind:
                try:
                    await self._fill_gap()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the store is away: try again, screens wait
                    if not failed:
                        log.error(
                            "changes from other processes could not be read from the store"
                            " (%s); trying again every %.0f s",
                            exc,
                            RETRY,
                        )
                    failed = True
                    await asyncio.sleep(RETRY)
                else:
                    if failed:
                        log.warning("changes from other processes are read again")
                    failed = False

    async def _fill_gap(self) -> None:
        after = self.delivered
        upto = min(self._pending) - 1 if self._pending else self._known
        if upto <= after:
            self._drain()
            return
        found = await self._fill(after, upto)
        run: list[tuple[LogEntry, bool]] = []
        for entry in found:
            if self.delivered < entry.seq <= upto:
                waiting = self._pending.pop(entry.seq, None)
                run.append((entry, waiting is not None and waiting[1]))
                self.delivered = entry.seq
        for seq in [s for s in self._pending if s <= upto]:
            del self._pending[seq]
        self.delivered = max(self.delivered, upto)
        if run:
            self._emit(run)
        self._drain()
