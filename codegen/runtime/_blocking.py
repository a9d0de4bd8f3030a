"""Blocking code over asyncio: one loop bridge, and the blocking client stubs built on it.

A :class:`Runner` owns one private event loop for a client's whole life
(grpclib channels and every future are bound to the loop that made them).
Blocking code hands it coroutines (``run``), plain calls (``call``) and async
iterators (``stream``) and waits for the answers.  The caller's own loop, the
thread's "current" loop and ``asyncio.run`` are never touched.  The generated
blocking stubs (:class:`SyncChannel`, :class:`SyncStub`) and any hand-written
blocking facade over async clients use this one bridge.

The loop is driven in one of two ways:

* **direct** (how every runner starts): a call made from the thread that
  created the runner, while that thread has no running event loop (a plain
  script), runs the private loop right there (``run_forever``, stopped by the
  call itself in the turn it ends: see ``_then_stop``).
  No thread hop: no ``run_coroutine_threadsafe``, no wake-up of another
  thread, no cross-thread future.  Between calls the loop is simply stopped;
  pending socket data waits in the kernel, and after an idle spell (see
  ``_SETTLE_AFTER``) one empty turn of the loop handles what arrived
  meanwhile (a closed connection, an overdue timer) before the next call
  starts, as a loop running all along would have.
* **thread** (the only one in a notebook): a daemon thread runs the same loop
  with ``run_forever``; every call is handed over with
  ``run_coroutine_threadsafe`` and the caller waits on the future.

The switch is one-way and happens on the first call that direct mode cannot
serve: a call from a thread with a running loop (a notebook cell, a
coroutine), or from any thread other than the creating one (so shared and
concurrent use works).  The rule that keeps the loop single-driver: the loop
is only ever run by the creating thread inside ``_drive``
(``_driving`` is set, under ``_lock``, for exactly that span) or, after the
switch, by the helper thread; the helper thread is started by whoever flips
the mode if no direct call is in progress, otherwise by the direct caller
itself as soon as its run of the loop has returned.  A call that
triggers the switch while a direct call is in progress does not wait for it:
its coroutine is queued on the loop with ``run_coroutine_threadsafe``, the
direct caller's turn of the loop runs it, and the helper thread carries on
from there.  So a script blocked in ``next()`` on a server stream never
stalls a second thread's calls.

Streams are async iterators living on the loop; each ``next()`` is one
``run``, so a stream may be read across other calls and across the switch.
Deadlines belong to the calls themselves (a stub's ``timeout``): the bridge
waits for the call's own answer, so an expired deadline comes back as the
call's error.  ``close()`` cancels whatever is still running on the loop,
shuts its async generators down and closes the loop (joining the helper
thread if there is one); later calls raise ``RuntimeError``.  A runner
garbage-collected without ``close()`` does the same by itself, after running
the hooks its owner gave ``on_drop`` (a client releasing its connection).  Interrupting a
call (Ctrl-C) cancels its coroutine before the ``KeyboardInterrupt`` goes on,
in both modes.

A request stream given as a plain iterable (:func:`async_source`) is read on
a helper thread, one item when the call needs it, so a source that waits
between items stalls neither the loop nor the other calls.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import inspect
import selectors
import sys
import threading
import time
import types
import weakref
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable, Iterator
from typing import Any, ClassVar, Generic, TypeVar

import betterproto2
from grpclib.client import Channel

from ._stubs import AsyncStub, CallPolicy, MetadataLike

__all__ = ["Runner", "SyncChannel", "SyncStream", "SyncStub", "TurnEndLoop", "async_source", "new_loop"]

T = TypeVar("T")
M = TypeVar("M", bound=betterproto2.Message)
R = TypeVar("R", bound=betterproto2.Message)

#: Seconds the loop may sit stopped (direct mode) before the next call first
#: gives it one empty turn to handle I/O and timers that came due meanwhile.
_SETTLE_AFTER = 1.0

#: Seconds an interrupted direct call may take to finish cancelling before the
#: interruption is raised anyway (what is left is cancelled again by close()).
_CANCEL_WAIT = 2.0

_get_running_loop = asyncio._get_running_loop


class _HookedSelector(selectors.DefaultSelector):
    """The platform's selector, running its loop's end-of-turn callbacks first, and able to skip one poll."""

    def __init__(self, before_poll: Callable[[], None]) -> None:
        super().__init__()
        self._before_poll = before_poll
        self.skip_next = False

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        self._before_poll()
        if self.skip_next:
            self.skip_next = False
            if timeout is not None and timeout <= 0:
                return []  # level-triggered: whatever is ready now is reported by the next poll
        return super().select(timeout)


class TurnEndLoop(asyncio.SelectorEventLoop):
    """asyncio's selector loop, with callbacks that run at the end of the current turn (before it polls for I/O).

    ``call_before_poll(callback)`` is ``call_soon`` without a turn of its own:
    a callback given during a turn runs once that turn's callbacks are done,
    right before the loop next waits for (or checks) I/O.  A transport that
    gathers the writes of one turn (the SDK's gathering transport) sends them
    there: with ``call_soon`` the send would take one more turn of the loop
    (one more poll of the selector, per call).  ``skip_next_poll()`` lets the
    next turn that has callbacks ready run them without first checking for
    I/O (a blocking call's first step, which the caller has just scheduled).
    An exception in a callback goes to the loop's exception handler, as it
    would from ``call_soon``.
    """

    def __init__(self) -> None:
        self._turn_end: list[Callable[[], object]] = []
        self._hooked = _HookedSelector(self._run_turn_end)
        super().__init__(self._hooked)

    def call_before_poll(self, callback: Callable[[], object]) -> None:
        """Run ``callback()`` once, at the end of the current turn (before the next poll for I/O)."""
        self._turn_end.append(callback)

    def skip_next_poll(self) -> None:
        """The next turn starts with the callbacks ready, without a zero-timeout poll for I/O first."""
        self._hooked.skip_next = True

    def _run_turn_end(self) -> None:
        while self._turn_end:
            callbacks, self._turn_end = self._turn_end, []
            for callback in callbacks:
                try:
                    callback()
                except (SystemExit, KeyboardInterrupt):
                    raise
                except BaseException as exc:  # noqa: BLE001 -- handed on as call_soon's would be
                    self.call_exception_handler(
                        {"message": f"Exception in end-of-turn callback {callback!r}", "exception": exc}
                    )


def new_loop() -> asyncio.AbstractEventLoop:
    """A new event loop for a :class:`Runner`: a :class:`TurnEndLoop` where asyncio's default is its selector loop.

    Where the default loop is something else (the proactor loop on Windows, or
    a policy an application installed, such as uvloop's), that loop, as before.
    """
    policy = asyncio.get_event_loop_policy()
    if sys.platform != "win32" and type(policy) is asyncio.DefaultEventLoopPolicy:
        return TurnEndLoop()
    return asyncio.new_event_loop()


async def _settle() -> None:
    """Nothing: running it is one turn of the loop."""


async def _then_stop(coro: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop, driven: list[bool]) -> T:
    """``coro``, then stop ``loop``: a direct call's ``run_forever`` ends in the turn the call ends.

    ``run_until_complete`` stops the loop from the task's done callback, which
    runs one turn later (one more poll of the selector, per call).  ``driven[0]``
    is cleared when the caller stops waiting (an interrupted call): the call may
    then end during somebody else's run of the loop, which it must not stop.
    """
    try:
        return await coro
    finally:
        if driven[0]:
            loop.stop()


def _serve(loop: asyncio.AbstractEventLoop, dropped: threading.Event) -> None:
    """The helper thread: run ``loop`` until stopped; close it too if its runner was dropped.

    A plain function, not a method: the thread must not keep its runner alive,
    or a runner nobody closes could never be garbage-collected.
    """
    asyncio.set_event_loop(loop)
    loop.run_forever()
    if dropped.is_set():
        loop.close()


async def _release(hooks: list[Callable[[], object]], stop: bool = False) -> None:
    """What a runner nobody closed does last on its loop: its hooks, then what ``close()`` does."""
    for hook in hooks:
        with contextlib.suppress(Exception):  # a finaliser has nobody to raise to
            hook()
    await _drain()
    await asyncio.sleep(0)  # the hooks' transports see their connection_lost
    if stop:
        asyncio.get_running_loop().stop()


async def _drain() -> None:
    """Cancel every other task of the running loop, wait for them, shut its async generators down."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()


class Runner:
    """A private event loop, run in the calling thread when safe, else on a thread of its own."""

    def __init__(self, name: str = "viam-api-sync") -> None:
        self._name = name  # of the loop's thread, once it has one
        self._loop = new_loop()
        self._owner = threading.get_ident()
        self._lock = threading.Condition(threading.Lock())  # notified when a direct call ends
        self._threaded = False  # one-way: True once the loop belongs to a helper thread
        self._driving = False  # the owner is running the loop (_drive) right now
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopped_at = time.monotonic()
        # Set when garbage-collected unclosed in thread mode: the thread then closes the loop.
        self._dropped = threading.Event()
        self._on_drop: list[Callable[[], object]] = []

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def mode(self) -> str:
        """``"direct"`` (calls run in the calling thread) or ``"thread"`` (on the helper thread)."""
        return "thread" if self._threaded else "direct"

    # --- the two ways of driving the loop ------------------------------------

    def _to_thread_locked(self) -> None:
        """Switch to thread mode for good (``_lock`` held)."""
        self._threaded = True
        if self._thread is None and not self._driving:
            self._start_thread_locked()

    def _start_thread_locked(self) -> None:
        args = (self._loop, self._dropped)
        self._thread = threading.Thread(target=_serve, args=args, name=self._name, daemon=True)
        self._thread.start()

    def _enter(self) -> bool:
        """Whether this call may drive the loop here (and then it is marked as driving)."""
        running = _get_running_loop()
        if running is self._loop:
            raise RuntimeError("a blocking call cannot be made from the client's own event loop")
        with self._lock:
            if self._closed:
                raise RuntimeError("this client is closed")
            if not self._threaded:
                if running is None and not self._driving and threading.get_ident() == self._owner:
                    self._driving = True
                    return True
                self._to_thread_locked()
            return False

    def _drive(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` to completion on the loop in this thread (``_driving`` is set)."""
        loop = self._loop
        try:
            try:
                if time.monotonic() - self._stopped_at > _SETTLE_AFTER:
                    loop.run_until_complete(_settle())
                driven = [True]
                task = loop.create_task(_then_stop(coro, loop, driven))
                skip = getattr(loop, "skip_next_poll", None)
                if skip is not None:
                    skip()  # the task's first step needs no check for I/O before it
            except BaseException:
                coro.close()
                raise
            try:
                loop.run_forever()
                if not task.done():  # stopped by someone else (close() from inside the loop)
                    raise RuntimeError("the client's event loop was stopped before the call ended")
                return task.result()
            except asyncio.CancelledError:
                if task.cancelled():  # cancelled from elsewhere (close()): as future.result() says it
                    raise concurrent.futures.CancelledError() from None
                raise
            except BaseException:
                if task.done():  # the interruption went through the coroutine itself
                    if not task.cancelled():
                        task.exception()  # retrieved: it is what gets raised
                else:  # interrupted (KeyboardInterrupt) inside the loop: cancel the call, then go on
                    driven[0] = False
                    task.cancel()
                    with contextlib.suppress(BaseException):  # the interruption is what gets raised
                        loop.run_until_complete(asyncio.wait([task], timeout=_CANCEL_WAIT))
                raise
        finally:
            with self._lock:
                self._driving = False
                self._stopped_at = time.monotonic()
                if self._threaded and self._thread is None:  # switched during this call: hand over
                    self._start_thread_locked()
                if self._closed:  # close() may be waiting for this call to end
                    self._lock.notify_all()

    def _hop(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    # --- what the wrappers use -------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the client's loop and return its result (or raise its error)."""
        try:
            direct = self._enter()
        except BaseException:
            coro.close()
            raise
        return self._drive(coro) if direct else self._hop(coro)

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a plain function on the loop (for code that touches loop-bound objects)."""

        async def invoke() -> T:
            return func(*args, **kwargs)

        return self.run(invoke())

    def stream(self, source: AsyncIterator[T]) -> SyncStream[T]:
        """A blocking iterator over ``source``, one ``run`` per item."""
        return SyncStream(self, source)

    def close(self) -> None:
        """Cancel what still runs, stop and close the loop (joining its thread); later calls do nothing."""
        running = _get_running_loop()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if running is self._loop:  # from inside the loop: stop it once this step ends
                self._loop.call_soon(self._loop.stop)
                return
            direct = not self._threaded and running is None and threading.get_ident() == self._owner
            if direct:
                self._driving = True
            else:
                self._to_thread_locked()

        if direct:
            try:
                self._loop.run_until_complete(_drain())
            finally:
                self._loop.close()
            return
        asyncio.run_coroutine_threadsafe(_drain(), self._loop).result()
        with self._lock:  # a direct call the drain cancelled hands the loop to the thread first
            while self._driving:
                self._lock.wait()
            thread = self._thread
        assert thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        thread.join()
        self._loop.close()

    # --- a runner nobody closed ---------------------------------------------------

    def on_drop(self, hook: Callable[[], object]) -> None:
        """Have ``hook()`` run on the loop if this runner is garbage-collected without ``close()``.

        The hooks of a dropped runner run first (they release what lives on
        the loop, such as a connection, and say so), then what ``close()``
        does: its tasks are cancelled and its loop closed, its thread (if it
        has one) ends.  The runner keeps ``hook`` (and what it refers to) alive.
        """
        self._on_drop.append(hook)
        _release_at_exit(self)

    def __del__(self) -> None:
        self._finalise()

    def _finalise(self, wait: float = 0.0) -> None:
        """Release a runner nobody closed (``on_drop``); ``wait``: seconds to wait for its thread to end."""
        if self.__dict__.get("_closed", True):  # closed, or never fully made
            return
        self._closed = True
        loop, hooks = self._loop, self._on_drop
        if loop.is_closed():
            return
        if self._threaded:
            # Nobody can be driving the loop in this thread (that call would hold the runner):
            # the helper thread does the rest, then closes the loop and ends.
            self._dropped.set()
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (interpreter exit)
                loop.call_soon_threadsafe(loop.create_task, _release(hooks, stop=True))
            thread = self._thread
            if wait and thread is not None and thread is not threading.current_thread():
                thread.join(wait)
            return
        # Direct mode: run the loop's last turns here, whatever this thread is doing; another
        # loop running in it (a finaliser called from a coroutine) is set aside meanwhile.
        running = _get_running_loop()
        asyncio._set_running_loop(None)
        try:
            loop.run_until_complete(_release(hooks))
        except Exception:  # a finaliser has nobody to raise to: close the loop all the same
            pass
        finally:
            asyncio._set_running_loop(running)
            loop.close()


#: Runners with drop hooks, not closed yet: released at interpreter exit if still there.
_UNCLOSED: weakref.WeakSet[Runner] = weakref.WeakSet()
#: Seconds interpreter exit waits for a dropped runner's helper thread to close its loop.
EXIT_WAIT_S = 5.0
_exit_hook = False


def _release_at_exit(runner: Runner) -> None:
    """Have ``runner`` released like a dropped one at interpreter exit, if nobody closes it first.

    Garbage collection during interpreter shutdown comes in no fixed order, and
    may come after the modules a finaliser needs are gone, or not at all; an
    exit hook runs while everything is still there, and gives the loop the
    turns a socket needs to close.
    """
    global _exit_hook
    if not _exit_hook:  # registered on first use: it runs before the hooks of modules imported earlier
        _exit_hook = True
        atexit.register(_release_unclosed)
    _UNCLOSED.add(runner)


def _release_unclosed() -> None:
    for runner in list(_UNCLOSED):
        with contextlib.suppress(Exception):  # an exit hook has nobody to raise to
            runner._finalise(wait=EXIT_WAIT_S)


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


_END = object()


def async_source(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """An async iterator over ``items``, for an async API that takes a request stream.

    An async iterable is handed on as it is; a list or tuple is read in
    place (it cannot block); any other iterable is read on a helper thread
    (:func:`_pull_in_thread`).
    """
    if isinstance(items, AsyncIterable):
        return aiter(items)
    if isinstance(items, (list, tuple)):
        return _in_place(items)
    return _pull_in_thread(items)


async def _in_place(items: list[T] | tuple[T, ...]) -> AsyncIterator[T]:
    for item in items:
        yield item


async def _pull_in_thread(requests: Iterable[T]) -> AsyncIterator[T]:
    """The items of a plain iterable, each fetched on a helper thread when needed.

    A blocking caller may hand over any iterable, and one may wait between
    items (on a queue, a sensor, the next answer of a conversation).
    Fetching on the loop would stall every call on it, and a bidi
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


class SyncChannel:
    """A grpclib channel on a :class:`Runner`'s private loop, for the blocking stubs.

    The blocking stubs work in plain scripts (the loop runs in the calling
    thread) and inside programs that already run an event loop (a notebook:
    the loop gets a thread of its own) alike.  ``close()`` closes the channel
    and the loop; the channel is also a context manager.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, *, ssl: Any = None) -> None:
        self.runner = Runner()

        async def make() -> Channel:
            return Channel(host, port, ssl=ssl)

        try:
            self.channel: Channel = self.runner.run(make())
        except BaseException:
            self.runner.close()
            raise

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self.runner.loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the channel's loop and wait for its result."""
        return self.runner.run(coro)

    def iterate(self, source: AsyncIterator[T]) -> SyncStream[T]:
        """Iterate an async iterator from blocking code, one item at a time."""
        return self.runner.stream(source)

    def close(self) -> None:
        if self.runner.closed:
            return
        try:
            self.runner.call(self.channel.close)
        finally:
            self.runner.close()

    def __enter__(self) -> SyncChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    ) -> SyncStream[R]:
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
                async_source(requests),
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
    ) -> SyncStream[R]:
        return self.channel.iterate(
            self._async._stream_stream(
                route,
                async_source(requests),
                request_type,
                response_type,
                timeout=timeout,
                metadata=metadata,
            )
        )
