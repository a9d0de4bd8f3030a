"""Live fan-out of machine-part log entries to tail subscribers.

RobotService/Log publishes here; AppService/TailRobotPartLogs subscribes.  The
hub is in memory and lives on the emulator's event loop: a subscriber only sees
entries published after it subscribed (older entries come from the database).

Each subscriber's backlog is bounded (``Limits.tail_max_entries`` entries and
``Limits.tail_max_bytes`` bytes, as a real server bounds a stream's send
queue): a subscriber that stops reading while entries keep coming is dropped
once it is that far behind, its queue freed at once, and its tail ends with
RESOURCE_EXHAUSTED naming the time of the first entry it missed, from where
GetRobotPartLogs fills the gap.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Generic, TypeVar

from .errors import ResourceExhausted

__all__ = ["LogHub", "Subscription", "TailOverflow", "entry_weight"]

T = TypeVar("T")

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
_OVERHEAD = 64  # bytes an entry costs beyond its text (time, framing)


def entry_weight(entry: Any) -> int:
    """About how many bytes a log entry holds: its texts, plus its structs when it has any."""
    size = _OVERHEAD
    for name in ("message", "stack", "host", "logger_name", "level"):
        value = getattr(entry, name, None)
        if isinstance(value, str):
            size += len(value)
    caller = getattr(entry, "caller", None)
    if caller is not None:
        size += len(bytes(caller))
    for item in getattr(entry, "fields", None) or ():
        size += len(bytes(item))
    return size


class TailOverflow(ResourceExhausted):
    """A tail subscriber fell too far behind and was dropped."""

    def __init__(
        self, behind: int, limit_entries: int, limit_bytes: int, first_missed: datetime | None
    ) -> None:
        since = (
            f"; the first entry it missed was logged at {first_missed.isoformat()}" if first_missed else ""
        )
        super().__init__(
            f"this log tail stopped reading and fell behind by {behind} entries (a tail may fall behind by "
            f"{limit_entries} entries or {limit_bytes} bytes), so it was ended{since}; read the entries since "
            "then with GetRobotPartLogs (start=that time) and tail again"
        )
        self.first_missed = first_missed


class Subscription(Generic[T]):
    """One subscriber's queue of batches for one key (a part id), bounded in entries and bytes."""

    def __init__(self, key: str, max_entries: int, max_bytes: int) -> None:
        self.key = key
        self._batches: deque[tuple[Sequence[T], int]] = deque()
        self._ready = asyncio.Event()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self.pending_entries = 0
        self.pending_bytes = 0
        self.overflow: TailOverflow | None = None

    def offer(self, batch: Sequence[T], weight: int) -> bool:
        """Queue ``batch``; False (and the queue dropped) when that puts the subscriber too far behind."""
        if self.overflow is not None:
            return False
        entries, size = self.pending_entries + len(batch), self.pending_bytes + weight
        if entries > self._max_entries or size > self._max_bytes:
            first = self._batches[0][0][0] if self._batches else batch[0] if batch else None
            stamp = getattr(first, "time", None)
            self.overflow = TailOverflow(
                entries, self._max_entries, self._max_bytes, stamp if isinstance(stamp, datetime) else None
            )
            self._batches.clear()
            self.pending_entries = self.pending_bytes = 0
            self._ready.set()
            return False
        self._batches.append((batch, weight))
        self.pending_entries, self.pending_bytes = entries, size
        self._ready.set()
        return True

    async def next_batch(self) -> Sequence[T]:
        """The oldest queued batch, waiting for one.

        Raises:
            TailOverflow: the subscriber fell too far behind and was dropped.
        """
        while not self._batches:
            if self.overflow is not None:
                raise self.overflow
            self._ready.clear()
            await self._ready.wait()
        batch, weight = self._batches.popleft()
        self.pending_entries -= len(batch)
        self.pending_bytes -= weight
        return batch


class LogHub(Generic[T]):
    """Publish batches under a key; every current subscriber of that key gets them.

    Args:
        max_entries: entries one subscriber may have waiting before it is dropped.
        max_bytes: the same in bytes, as ``weigh`` counts them.
        weigh: the size of one entry (default :func:`entry_weight`).
    """

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
        weigh: Callable[[T], int] = entry_weight,
    ) -> None:
        self._subscribers: dict[str, list[Subscription[T]]] = {}
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._weigh = weigh
        #: Subscribers dropped for falling behind, since the hub was made.
        self.dropped = 0

    @contextmanager
    def subscribe(self, key: str) -> Iterator[Subscription[T]]:
        sub: Subscription[T] = Subscription(key, self.max_entries, self.max_bytes)
        self._subscribers.setdefault(key, []).append(sub)
        try:
            yield sub
        finally:
            self._forget(sub)

    def _forget(self, sub: Subscription[T]) -> None:
        subs = self._subscribers.get(sub.key, [])
        if sub in subs:
            subs.remove(sub)
        if not subs:
            self._subscribers.pop(sub.key, None)

    def publish(self, key: str, batch: Sequence[T]) -> int:
        """Hand ``batch`` to every subscriber of ``key``; returns how many got it."""
        subs = list(self._subscribers.get(key, ()))
        if not subs:
            return 0
        weight = sum(self._weigh(e) for e in batch)
        got = 0
        for sub in subs:
            if sub.offer(batch, weight):
                got += 1
            else:
                self.dropped += 1
                self._forget(sub)
        return got

    def subscriber_count(self, key: str) -> int:
        return len(self._subscribers.get(key, ()))
