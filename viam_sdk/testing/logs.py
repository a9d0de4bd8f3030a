"""Live fan-out of machine-part log entries to tail subscribers.

RobotService/Log publishes here; AppService/TailRobotPartLogs subscribes.  The
hub is in memory and lives on the emulator's event loop: a subscriber only sees
entries published after it subscribed (older entries come from the database).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

__all__ = ["LogHub", "Subscription"]

T = TypeVar("T")


class Subscription(Generic[T]):
    """One subscriber's queue of batches for one key (a part id)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.queue: asyncio.Queue[Sequence[T]] = asyncio.Queue()

    async def next_batch(self) -> Sequence[T]:
        return await self.queue.get()


class LogHub(Generic[T]):
    """Publish batches under a key; every current subscriber of that key gets them."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscription[T]]] = {}

    @contextmanager
    def subscribe(self, key: str) -> Iterator[Subscription[T]]:
        sub: Subscription[T] = Subscription(key)
        self._subscribers.setdefault(key, []).append(sub)
        try:
            yield sub
        finally:
            subs = self._subscribers.get(key, [])
            if sub in subs:
                subs.remove(sub)
            if not subs:
                self._subscribers.pop(key, None)

    def publish(self, key: str, batch: Sequence[T]) -> int:
        """Hand ``batch`` to every subscriber of ``key``; returns how many got it."""
        subs = list(self._subscribers.get(key, ()))
        for sub in subs:
            sub.queue.put_nowait(batch)
        return len(subs)

    def subscriber_count(self, key: str) -> int:
        return len(self._subscribers.get(key, ()))
