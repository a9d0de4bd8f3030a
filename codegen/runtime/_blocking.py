"""Blocking client stubs: the async stubs driven on an event loop of their own.

:class:`SyncChannel` runs a grpclib channel on a private thread's loop, so a
blocking stub works in a plain script and inside a program that already runs
a loop (a notebook) alike.  A request stream given as a plain iterable is read
on a helper thread, one item when the call needs it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from typing import Any, ClassVar, TypeVar

import betterproto2
from grpclib.client import Channel

from ._stubs import AsyncStub, CallPolicy, MetadataLike

__all__ = ["SyncChannel", "SyncStub"]

T = TypeVar("T")
M = TypeVar("M", bound=betterproto2.Message)
R = TypeVar("R", bound=betterproto2.Message)


class SyncChannel:
    """A grpclib channel driven by an event loop on a private thread.

    Blocking stubs use it, so they work in plain scripts and inside programs
    that already run an event loop (a notebook) alike.  ``close()`` stops the
    thread; the channel is also a context manager.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, *, ssl: Any = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="viam-api-sync", daemon=True)
        self._thread.start()
        self._closed = False

        async def make() -> Channel:
            return Channel(host, port, ssl=ssl)

        self.channel: Channel = self.run(make())

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the channel's loop and wait for its result."""
        if self._closed:
            coro.close()
            raise RuntimeError("this SyncChannel is closed")
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("a blocking call cannot be made from the channel's own loop thread")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def iterate(self, source: AsyncIterator[T]) -> Iterator[T]:
        """Iterate an async iterator from this thread, one item at a time."""
        try:
            while True:
                try:
                    item = self.run(_anext(source))
                except StopAsyncIteration:
                    return
                yield item
        finally:
            closer = getattr(source, "aclose", None)
            if closer is not None and not self._closed:
                self.run(closer())

    def close(self) -> None:
        if self._closed:
            return

        async def shutdown() -> None:
            self.channel.close()

        self.run(shutdown())
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> SyncChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _anext(source: AsyncIterator[T]) -> T:
    return await source.__anext__()


_END = object()


async def _pull_in_thread(requests: Iterable[M]) -> AsyncIterator[M]:
    """The items of a plain iterable, each fetched on a helper thread when needed.

    Blocking stubs accept any iterable, and one may wait between items (on a
    queue, a sensor, the next answer of a conversation).  Fetching on the
    channel's loop thread would stall every call on the channel, and a bidi
    conversation would deadlock.  Items are fetched one at a time, on demand,
    so a large source is never read ahead.  The helper is a daemon thread: a
    source that never yields again cannot keep the program alive.
    """
    loop = asyncio.get_running_loop()
    wanted = threading.Semaphore(0)
    finished = threading.Event()
    answers: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue()

    def answer(ok: bool, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(answers.put_nowait, (ok, value))
        except RuntimeError:  # the loop is closed: nobody waits for this any more
            finished.set()

    def fetch() -> None:
        try:
            iterator = iter(requests)
            while True:
                wanted.acquire()
                if finished.is_set():
                    return
                item = next(iterator, _END)
                answer(True, item)
                if item is _END:
                    return
        except BaseException as exc:  # the source failed: the call fails with its error
            answer(False, exc)

    threading.Thread(target=fetch, name="viam-api-requests", daemon=True).start()
    try:
        while True:
            wanted.release()
            ok, value = await answers.get()
            if not ok:
                raise value
            if value is _END:
                return
            yield value
    finally:
        finished.set()
        wanted.release()  # wake the helper so it can see the call is over


class SyncStub:
    """Base of every blocking client stub: the async base driven through a SyncChannel."""

    SERVICE: ClassVar[str] = ""  # as on AsyncStub

    def __init__(
        self,
        channel: SyncChannel,
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
        policy: CallPolicy | None = None,
    ) -> None:
        self.channel = channel
        self._async = AsyncStub(channel.channel, timeout=timeout, metadata=metadata, policy=policy)

    @property
    def timeout(self) -> float | None:
        return self._async.timeout

    @property
    def metadata(self) -> MetadataLike | None:
        return self._async.metadata

    def _unary_unary(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> R:
        return self.channel.run(
            self._async._unary_unary(route, request, response_type, timeout=timeout, metadata=metadata)
        )

    def _unary_stream(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> Iterator[R]:
        return self.channel.iterate(
            self._async._unary_stream(route, request, response_type, timeout=timeout, metadata=metadata)
        )

    def _stream_unary(
        self,
        route: str,
        requests: Iterable[M],
        request_type: type[M],
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> R:
        return self.channel.run(
            self._async._stream_unary(
                route,
                _pull_in_thread(requests),
                request_type,
                response_type,
                timeout=timeout,
                metadata=metadata,
            )
        )

    def _stream_stream(
        self,
        route: str,
        requests: Iterable[M],
        request_type: type[M],
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> Iterator[R]:
        return self.channel.iterate(
            self._async._stream_stream(
                route,
                _pull_in_thread(requests),
                request_type,
                response_type,
                timeout=timeout,
                metadata=metadata,
            )
        )
