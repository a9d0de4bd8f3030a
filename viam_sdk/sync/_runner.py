"""The event-loop thread behind the blocking clients (hand-written, not generated).

A ``Runner`` owns one asyncio loop on a private daemon thread.  Blocking
wrappers hand it coroutines (``run``), plain calls (``call``) and async
iterators (``stream``) and wait for the answers, so they work in a plain
script and inside a program that already runs a loop of its own (a notebook)
alike: the caller's loop is never touched.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import types
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["Runner", "SyncStream", "async_source"]

T = TypeVar("T")


class Runner:
    """An event loop running on its own thread until ``close()``."""

    def __init__(self, name: str = "viam-sdk-sync") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._closed = False
        self._lock = threading.Lock()
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def _check(self) -> None:
        if self._closed:
            raise RuntimeError("this client is closed")
        if threading.current_thread() is self._thread:
            raise RuntimeError("a blocking call cannot be made from the client's own event-loop thread")

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop thread and return its result (or raise its error)."""
        try:
            self._check()
        except BaseException:
            coro.close()
            raise
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a plain function on the loop thread (for code that touches loop-bound objects)."""

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())

    def stream(self, source: AsyncIterator[T]) -> SyncStream[T]:
        """A blocking iterator over ``source``, one item per round trip to the loop."""
        return SyncStream(self, source)

    def close(self) -> None:
        """Stop the loop and join its thread; later calls do nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if threading.current_thread() is self._thread:
            self._loop.call_soon(self._loop.stop)
            return

        async def drain() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._loop.shutdown_asyncgens()

        asyncio.run_coroutine_threadsafe(drain(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


async def _next(source: AsyncIterator[T]) -> T:
    return await source.__anext__()


async def _close(source: AsyncIterator[Any]) -> None:
    closer = getattr(source, "aclose", None) or getattr(source, "close", None)
    if closer is not None:
        result = closer()
        if inspect.isawaitable(result):
            await result


class SyncStream(Iterator[T], Generic[T]):
    """A blocking view of an async stream: ``for item in stream``, ``next()``, ``close()``."""

    def __init__(self, runner: Runner, source: AsyncIterator[T]) -> None:
        self._runner = runner
        self._source = source
        self._done = False

    def __iter__(self) -> SyncStream[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        try:
            return self._runner.run(_next(self._source))
        except StopAsyncIteration:
            self._done = True
            raise StopIteration from None

    def next(self) -> T | None:
        """The next item, or None once the stream has ended."""
        try:
            return self.__next__()
        except StopIteration:
            return None

    def close(self) -> None:
        """Stop the stream early (cancels the underlying call)."""
        if self._done:
            return
        self._done = True
        if not self._runner.closed:
            self._runner.run(_close(self._source))

    def __enter__(self) -> SyncStream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.close()


async def async_source(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """Feed a plain iterable to an async API that expects an async iterable."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
