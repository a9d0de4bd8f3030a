"""The base of every generated async client stub, and the hooks each call passes through.

:class:`AsyncStub` makes the calls of all four streaming kinds over one
grpclib channel.  Every call is described by a :class:`CallInfo` and made
through a :class:`CallPolicy` (once, by default), which a library built on
the stubs replaces to add retries, typed errors or credential renewal.  A
one-shot request stream keeps its first messages so that a call refused at
its start can be made again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any, ClassVar, Generic, TypeVar

import betterproto2
import grpclib.const
import h2.exceptions
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

__all__ = [
    "REPLAY_KEEP",
    "STARTED",
    "AsyncStub",
    "CallInfo",
    "CallPolicy",
    "ConnectFailed",
    "MessageSource",
    "MetadataLike",
    "ResponseStream",
    "StreamAttempt",
    "UnaryAttempt",
    "merge_metadata",
]

T = TypeVar("T")
M = TypeVar("M", bound=betterproto2.Message)
R = TypeVar("R", bound=betterproto2.Message)

MetadataValue = str | bytes
MetadataLike = Mapping[str, MetadataValue] | Collection[tuple[str, MetadataValue]]
MessageSource = Iterable[M] | AsyncIterable[M]


_UNARY = grpclib.const.Cardinality.UNARY_UNARY


def merge_metadata(
    base: MetadataLike | None, extra: MetadataLike | None
) -> list[tuple[str, MetadataValue]] | None:
    """Per-call metadata added to the stub's default metadata.

    A per-call key replaces the stub's value for the same key; every other
    default (an ``authorization`` header, say) is kept.
    """
    if base is None and extra is None:
        return None
    base_items = list(base.items() if isinstance(base, Mapping) else base or ())
    extra_items = list(extra.items() if isinstance(extra, Mapping) else extra or ())
    overridden = {key.lower() for key, _ in extra_items}
    return [(k, v) for k, v in base_items if k.lower() not in overridden] + extra_items


def _deadline_error(route: str, timeout: float | None) -> GRPCError:
    return GRPCError(Status.DEADLINE_EXCEEDED, f"{route}: no answer within {timeout} s")


class ConnectFailed(ConnectionError):
    """The connection for a call could not be opened: nothing of the call was sent.

    A call that fails this way never reached a server, so repeating it is
    safe whatever the call does.
    """


@dataclasses.dataclass(frozen=True)
class CallInfo:
    """What a :class:`CallPolicy` is told about one call.

    ``timeout`` is the call's own limit in seconds (the per-call value, else
    the stub's default; None: none).  ``replayable`` tells whether the
    call's requests can be sent again: always for a single request or a list;
    for a one-shot source (an iterator or generator) only while every message
    taken from it so far was kept (the first :data:`REPLAY_KEEP`), so a call
    refused at its start (an expired token, say) can be made once more.
    """

    route: str
    cardinality: grpclib.const.Cardinality
    timeout: float | None
    replay_check: Callable[[], bool] | None = None

    @property
    def replayable(self) -> bool:
        return self.replay_check is None or self.replay_check()

    @property
    def method(self) -> str:
        """The RPC's own name, e.g. ``GetOrganization`` for ``/viam.app.v1.AppService/GetOrganization``."""
        return self.route.rsplit("/", 1)[-1]


# An attempt at a call: given the seconds it may take (None: no limit), it makes
# the call once.  A streaming attempt first yields STARTED, once the server has
# answered with its response headers, then the responses.
UnaryAttempt = Callable[[float | None], Awaitable[T]]
StreamAttempt = Callable[[float | None], AsyncIterator[Any]]


class _Started:
    def __repr__(self) -> str:
        return "STARTED"


STARTED: Any = _Started()


class CallPolicy:
    """Hooks that every call of a stub passes through; the default makes each call once.

    A library built on the stubs subclasses this to add what should apply to
    every call alike (typed errors, retries, renewing credentials, a deadline
    that spans several calls) and hands it to the stubs as ``policy=``.  The
    hooks receive the call's :class:`CallInfo` and an *attempt*: a callable
    that makes the call once each time it is invoked, reading the stub's
    metadata afresh (so a token renewed in that mapping takes effect on the
    next attempt).

    ``stream`` serves server-streaming calls: the iterator it returns must
    pass on the attempt's leading :data:`STARTED` marker (it tells the stub the
    server has accepted the call; callers never see it).
    """

    async def unary(self, call: CallInfo, attempt: UnaryAttempt[T]) -> T:
        return await attempt(call.timeout)

    def stream(self, call: CallInfo, attempt: StreamAttempt) -> AsyncIterator[Any]:
        return attempt(call.timeout)


class ResponseStream(AsyncIterator[R]):
    """The responses of a server-streaming call, handed on one by one as they arrive.

    The call starts on the first read, or on ``await stream.start()``, which
    returns once the server has accepted the call (its response headers have
    arrived; an error status is raised there).  ``aclose()`` ends the call.
    """

    def __init__(self, source: AsyncIterator[Any]) -> None:
        self._source = source
        self._started = False

    async def start(self) -> None:
        """Open the call and wait until the server has accepted it."""
        if self._started:
            return
        first = await self._source.__anext__()
        self._started = True
        if first is not STARTED:
            raise RuntimeError("a call policy swallowed the stream's STARTED marker")

    def __aiter__(self) -> ResponseStream[R]:
        return self

    async def __anext__(self) -> R:
        if not self._started:
            await self.start()
        while True:
            item = await self._source.__anext__()
            if item is not STARTED:  # a policy that re-opened the call passes the marker on again
                return item

    async def aclose(self) -> None:
        closer = getattr(self._source, "aclose", None)
        if closer is not None:
            await closer()


def _keep_trailers(exc: GRPCError, stream: Any) -> None:
    """Hand ``exc`` the server's trailing metadata as ``trailing_metadata``.

    A retry rule may need what the server said beside the status (a retry
    pushback); grpclib keeps it on the stream only.
    """
    if getattr(exc, "trailing_metadata", None) is None:
        exc.trailing_metadata = stream.trailing_metadata  # type: ignore[attr-defined]


@contextlib.contextmanager
def _trailers_kept(stream: Any) -> Iterator[None]:
    """A status error raised inside carries the server's trailing metadata (:func:`_keep_trailers`)."""
    try:
        yield
    except GRPCError as exc:
        _keep_trailers(exc, stream)
        raise


async def _open(stream: Any, route: str) -> None:
    """Send the request headers; a connection that cannot be opened raises ConnectFailed."""
    try:
        await stream.send_request()
    except (ConnectFailed, asyncio.TimeoutError, TimeoutError):
        raise  # a deadline that passed while connecting stays a deadline
    except OSError as exc:
        raise ConnectFailed(f"{route}: cannot connect ({type(exc).__name__}: {exc})") from exc


class AsyncStub:
    """Base of every async client stub: one grpclib channel, defaults per stub.

    ``metadata`` is read at every call, so a mapping the owner updates in place
    (a renewed token) takes effect on the next call.  ``policy`` (a
    :class:`CallPolicy`) wraps every call; None makes each call once, as is.
    """

    # The proto service a generated stub calls ("viam.app.v1.AppService"): with a
    # method's Python name, the key of its entry in ``_paging.PAGED_RPCS``.
    SERVICE: ClassVar[str] = ""

    def __init__(
        self,
        channel: Channel,
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
        policy: CallPolicy | None = None,
    ) -> None:
        self.channel = channel
        self.timeout = timeout
        self.metadata = metadata
        self.policy = policy
        # The CallInfo of each route's unary calls made under the stub's own timeout.
        self._unary_calls: dict[str, CallInfo] = {}

    @property
    def metadata(self) -> MetadataLike | None:
        """The metadata every call of this stub sends (per-call metadata is added to it)."""
        return self._metadata

    @metadata.setter
    def metadata(self, value: MetadataLike | None) -> None:
        self._metadata = value

    def _options(self, timeout: float | None, metadata: MetadataLike | None) -> dict[str, Any]:
        return {"timeout": timeout, "metadata": merge_metadata(self._metadata, metadata)}

    def _call(
        self,
        route: str,
        kind: grpclib.const.Cardinality,
        timeout: float | None,
        check: Callable[[], bool] | None = None,
    ) -> CallInfo:
        return CallInfo(route, kind, self.timeout if timeout is None else timeout, check)

    async def _unary_unary(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> R:
        # The most frequent path of all: no closure, and one CallInfo per route
        # for calls under the stub's own timeout.
        policy = self.policy
        if policy is None:
            seconds = self.timeout if timeout is None else timeout
            return await self._unary_unary_once(route, request, response_type, seconds, metadata)
        attempt = functools.partial(self._unary_unary_once, route, request, response_type, metadata=metadata)
        if timeout is None:
            call = self._unary_calls.get(route)
            if call is None or call.timeout != self.timeout:
                call = self._unary_calls[route] = self._call(route, _UNARY, None)
        else:
            call = self._call(route, _UNARY, timeout)
        return await policy.unary(call, attempt)

    async def _unary_unary_once(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        timeout: float | None,
        metadata: MetadataLike | None,
    ) -> R:
        try:
            async with self.channel.request(
                route,
                _UNARY,
                type(request),
                response_type,
                timeout=timeout,
                metadata=merge_metadata(self._metadata, metadata),
            ) as stream:
                try:
                    await _open(stream, route)
                    await stream.send_message(request, end=True)
                    response = await stream.recv_message()
                except GRPCError as exc:
                    _keep_trailers(exc, stream)
                    raise
        except asyncio.TimeoutError:
            raise _deadline_error(route, timeout) from None
        if response is None:
            raise GRPCError(Status.INTERNAL, f"{route}: the server sent no response")
        return response

    def _unary_stream(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> ResponseStream[R]:
        def attempt(seconds: float | None) -> AsyncIterator[Any]:
            return self._unary_stream_once(route, request, response_type, seconds, metadata)

        call = self._call(route, grpclib.const.Cardinality.UNARY_STREAM, timeout)
        if self.policy is None:
            return ResponseStream(attempt(call.timeout))
        return ResponseStream(self.policy.stream(call, attempt))

    async def _unary_stream_once(
        self,
        route: str,
        request: betterproto2.Message,
        response_type: type[R],
        timeout: float | None,
        metadata: MetadataLike | None,
    ) -> AsyncIterator[Any]:
        options = self._options(timeout, metadata)
        try:
            async with self.channel.request(
                route, grpclib.const.Cardinality.UNARY_STREAM, type(request), response_type, **options
            ) as stream:
                with _trailers_kept(stream):
                    await _open(stream, route)
                    await stream.send_message(request, end=True)
                    await stream.recv_initial_metadata()
                    yield STARTED
                    # Hand each message on as it arrives; never collect the stream.
                    async for message in stream:
                        yield message
        except asyncio.TimeoutError:
            raise _deadline_error(route, timeout) from None

    async def _stream_unary(
        self,
        route: str,
        requests: MessageSource[M],
        request_type: type[M],
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> R:
        replay = _Replay.of(requests)

        async def attempt(seconds: float | None) -> R:
            source = requests if replay is None else replay.messages()
            return await self._stream_unary_once(
                route, source, request_type, response_type, seconds, metadata
            )

        check = None if replay is None else replay.replayable
        call = self._call(route, grpclib.const.Cardinality.STREAM_UNARY, timeout, check)
        if self.policy is None:
            return await attempt(call.timeout)
        return await self.policy.unary(call, attempt)

    async def _stream_unary_once(
        self,
        route: str,
        requests: MessageSource[M],
        request_type: type[M],
        response_type: type[R],
        timeout: float | None,
        metadata: MetadataLike | None,
    ) -> R:
        options = self._options(timeout, metadata)
        try:
            async with self.channel.request(
                route, grpclib.const.Cardinality.STREAM_UNARY, request_type, response_type, **options
            ) as stream:
                with _trailers_kept(stream):
                    await _open(stream, route)
                    response = await _send_and_receive(stream, requests)
        except asyncio.TimeoutError:
            raise _deadline_error(route, timeout) from None
        if response is None:
            raise GRPCError(Status.INTERNAL, f"{route}: the server sent no response")
        return response

    def _stream_stream(
        self,
        route: str,
        requests: MessageSource[M],
        request_type: type[M],
        response_type: type[R],
        *,
        timeout: float | None = None,
        metadata: MetadataLike | None = None,
    ) -> ResponseStream[R]:
        replay = _Replay.of(requests)

        def attempt(seconds: float | None) -> AsyncIterator[Any]:
            source = requests if replay is None else replay.messages()
            return self._stream_stream_once(route, source, request_type, response_type, seconds, metadata)

        check = None if replay is None else replay.replayable
        call = self._call(route, grpclib.const.Cardinality.STREAM_STREAM, timeout, check)
        if self.policy is None:
            return ResponseStream(attempt(call.timeout))
        return ResponseStream(self.policy.stream(call, attempt))

    async def _stream_stream_once(
        self,
        route: str,
        requests: MessageSource[M],
        request_type: type[M],
        response_type: type[R],
        timeout: float | None,
        metadata: MetadataLike | None,
    ) -> AsyncIterator[Any]:
        options = self._options(timeout, metadata)
        try:
            async with self.channel.request(
                route, grpclib.const.Cardinality.STREAM_STREAM, request_type, response_type, **options
            ) as stream:
                with _trailers_kept(stream):
                    await _open(stream, route)
                    yield STARTED
                    # Requests go out on their own task while responses are handed on
                    # here.  Whichever side ends the call first decides its outcome: the
                    # server's end of stream (or status) always wins; a failing request
                    # source aborts the call with its own error.
                    sender = asyncio.ensure_future(_send_all(stream, requests, started=True))
                    receiver: asyncio.Future[Any] | None = None
                    try:
                        while True:
                            if _source_failed(sender):
                                raise sender.exception()  # type: ignore[misc]
                            if receiver is None:
                                receiver = asyncio.ensure_future(stream.recv_message())
                            pending = {receiver} if sender.done() else {receiver, sender}
                            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                            if receiver.done():
                                message = receiver.result()
                                receiver = None
                                if message is None:
                                    break
                                yield message
                        if not sender.done():
                            # The server has ended the call: stop sending and close our
                            # side, so the call finishes with the server's status.
                            sender.cancel()
                            await asyncio.wait({sender})
                        if sender.cancelled() or sender.exception() is not None:
                            try:
                                await stream.end()
                            except _CALL_ERRORS:
                                pass  # already ended or reset; the status below still decides
                    finally:
                        for task in (receiver, sender):
                            if task is not None and not task.done():
                                task.cancel()
                        if sender.done() and not sender.cancelled():
                            sender.exception()  # retrieved: a transport error here is not news
        except asyncio.TimeoutError:
            raise _deadline_error(route, timeout) from None


#: How many messages of a one-shot request stream are kept for sending again.
#: A call refused at once (an expired token) has taken a few at most; a stream
#: that gets further is past replaying, and the kept messages are let go.
REPLAY_KEEP = 16


class _Replay(Generic[M]):
    """A one-shot request source whose first messages are kept, so the call can be made again.

    Each attempt iterates :meth:`messages`: the kept messages first, then on
    from the source where the last attempt left it.  Once more than
    :data:`REPLAY_KEEP` were taken, or the source failed or was interrupted
    while giving one, :meth:`replayable` is False for good.
    """

    def __init__(self, source: MessageSource[M]) -> None:
        self._source: Any = source.__aiter__() if isinstance(source, AsyncIterable) else iter(source)
        self._is_async = isinstance(source, AsyncIterable)
        self._kept: list[M] = []
        self._ended = False
        self._spent = False  # more were taken than kept, or taking one failed
        self._pulling: asyncio.Future[Any] | None = None

    @classmethod
    def of(cls, requests: MessageSource[M]) -> _Replay[M] | None:
        """None for requests that can be iterated again as they are (a list or tuple)."""
        return None if isinstance(requests, (list, tuple)) else cls(requests)

    def replayable(self) -> bool:
        return not self._spent

    async def _pull(self) -> M:
        # The source's next message is taken on a task of its own: an attempt
        # cancelled while waiting for it (the server answered first) leaves the
        # source intact, and the next attempt receives that message.
        if self._pulling is None:
            self._pulling = asyncio.ensure_future(self._source.__anext__())
            self._pulling.add_done_callback(_retrieve)
        pulling = self._pulling
        message: M = await asyncio.shield(pulling)
        self._pulling = None
        return message

    async def messages(self) -> AsyncIterator[M]:
        if self._spent:
            raise RuntimeError("this request stream was partly sent and cannot be sent again")
        for message in list(self._kept):
            yield message
        while not self._ended:
            try:
                if not self._is_async:
                    message = next(self._source)
                elif self._spent:
                    message = await self._source.__anext__()  # past replaying: no task per message
                else:
                    message = await self._pull()
            except (StopAsyncIteration, StopIteration):
                self._ended = True
                return
            except asyncio.CancelledError:
                raise  # the pull goes on; the next attempt takes its message
            except BaseException:
                self._spent = True
                raise
            if len(self._kept) < REPLAY_KEEP and not self._spent:
                self._kept.append(message)
            else:
                self._spent = True
                self._kept.clear()
            yield message


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a background future's exception as seen (a call that gave up on it reports its own)."""
    if not future.cancelled():
        future.exception()


async def _send_and_receive(stream: Any, requests: MessageSource[M]) -> Any:
    """Send every request while listening for the answer; an early answer stops the sending.

    A server that refuses a client stream at once (bad credentials, a missing
    resource) answers before reading it: the call ends then, rather than after
    the whole source was read and sent.  A failing request source aborts the
    call with its own error.
    """
    sender = asyncio.ensure_future(_send_all(stream, requests, started=True))
    receiver = asyncio.ensure_future(stream.recv_message())
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        if _source_failed(sender):
            raise sender.exception()  # type: ignore[misc]
        await asyncio.wait({receiver})
        try:
            return receiver.result()  # the server's answer (or status) decides the outcome
        except StreamTerminatedError:
            # A server that answers before reading everything resets the stream
            # after its status, and the reset interrupts the wait for that
            # status: read it from the headers that did arrive.
            return await stream.recv_message()
    finally:
        for task in (sender, receiver):
            if not task.done():
                task.cancel()
        await asyncio.wait({sender, receiver})
        if not sender.cancelled():
            sender.exception()  # retrieved: a transport error here is not news


# Errors of the call itself, as the request sender may meet them once the server
# has ended the call; the receiving side reports the call's real outcome.
_CALL_ERRORS = (GRPCError, StreamTerminatedError, ProtocolError, ConnectionError, h2.exceptions.H2Error)


def _source_failed(sender: asyncio.Future[Any]) -> bool:
    """True when the request source itself raised (not the closed call under it)."""
    if not sender.done() or sender.cancelled():
        return False
    error = sender.exception()
    return error is not None and not isinstance(error, _CALL_ERRORS)


async def _send_all(stream: Any, requests: MessageSource[M], *, started: bool = False) -> None:
    if not started:
        await stream.send_request()
    if isinstance(requests, AsyncIterable):
        async for message in requests:
            await stream.send_message(message)
    else:
        for message in requests:
            await stream.send_message(message)
    await stream.end()
