"""The emulator's connections: limits like a real gRPC server's, and writes gathered per loop turn.

Limits (:class:`Limits`, ``Emulator(limits=...)``, ``serve --max-message-size``...):

* **Message size.**  A request message longer than ``max_message_size``
  (4 MiB by default, as gRPC servers default to) is refused with
  RESOURCE_EXHAUSTED as soon as its 5-byte length prefix arrives; the body is
  never read, so a prefix that claims 4 GiB costs nothing.
* **Connections.**  Every listening port of one emulator (gRPC and HTTP)
  shares one :class:`ConnectionGuard`: at most ``max_connections`` open at
  once.  A new connection beyond that closes the connection that has been
  idle longest (idle: no call or request in progress); when every
  connection is busy the new one is closed at once.  A connection idle for
  ``idle_timeout`` seconds is closed (a gRPC one with GOAWAY, which clients
  take as "reconnect for the next call").  Bytes alone do not count as
  activity, so a peer that drips bytes without a call is still idle.
* **Error messages** leave capped (:func:`~viam_sdk.testing.errors.cap_message`),
  whatever raised them, so an echoed value cannot make trailers that the
  client refuses.

What h2 (grpclib's HTTP/2) already bounds per connection: 100 concurrent
streams, 64 KiB of header list, a 4 MiB receive window, 64 CONTINUATION
frames.

Gathered writes: grpclib hands every HTTP/2 frame batch to the transport at
once: the headers, the message and the trailers of one answer are three
``send`` system calls, and under load the calls of many answers on one
connection interleave.  Here the bytes written during one turn of the event
loop go out in one ``send`` at the end of it (measured: ~3 sends per unary
call down to ~1; the sends were a quarter of the emulator's time under 50
clients).  Nothing waits longer than the current turn of the loop.

Answers in batches: when many calls arrive together (a client with 100 calls in
flight sends their requests in one packet), their handlers all run in the same
turn, and gathering the whole turn held every answer back until the last
handler was done: the client, idle meanwhile, then had all of them at once, and
the two processes took turns instead of working side by side.  So before a
call is served, the whole answers gathered so far leave once they reach
:data:`ANSWER_BATCH_BYTES` (measured, 500 calls in flight on one connection,
both processes at real-time priority on a loaded machine: 550 -> 330 µs a call
with our client, whose throughput went from 0.69x the official client's to
~1.2x; with the official client, which sends as it goes, ~unchanged).

hpack's coders carry the SDK's memo (``viam_sdk.rpc._hpack``), as the client's do:
every answer's headers and trailers are the same few table indices.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import struct
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import grpclib.const
import grpclib.server
import h2.exceptions
from grpclib.exceptions import GRPCError

from viam_sdk.rpc._channel import GatheringTransport as _GatheringTransport
from viam_sdk.rpc._hpack import memoize

from .errors import ResourceExhausted, cap_message, error_trailers

__all__ = [
    "ANSWER_BATCH_BYTES",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "TLS_HANDSHAKE_TIMEOUT",
    "ConnectionGuard",
    "Limits",
    "Server",
    "default_max_connections",
]

DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024
#: Gathered answers of one connection that leave before the next call is served (module docstring).
ANSWER_BATCH_BYTES = 2048
DEFAULT_IDLE_TIMEOUT = 120.0
#: Seconds a TLS client may take over its handshake (asyncio's default is 60).
TLS_HANDSHAKE_TIMEOUT = 10.0
#: Descriptors kept free for everything else the process opens (database files, pipes, logs).
_FD_RESERVE = 64


def default_max_connections() -> int:
    """512, or fewer when the process may open fewer files (half its descriptor limit)."""
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):  # pragma: no cover - every POSIX system has the limit
        return 512
    if soft == resource.RLIM_INFINITY:
        return 512
    return max(8, min(512, (soft - _FD_RESERVE) // 2))


def _positive(name: str, value: float, *, integer: bool) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        what = "a positive whole number" if integer else "a positive number of seconds"
        raise ValueError(f"{name}={value!r}: expected {what}")


@dataclass(frozen=True)
class Limits:
    """What one emulator accepts from its callers.

    Args:
        max_message_size: the largest request message, in bytes (default 4 MiB).
        max_connections: open connections over all the emulator's ports (default:
            512, or half the process's descriptor limit when that is lower).
        idle_timeout: seconds a connection may stay open with no call in progress.
        tail_max_entries: log entries one TailRobotPartLogs subscriber may fall
            behind before its tail is ended (RESOURCE_EXHAUSTED).
        tail_max_bytes: the same bound in bytes of log text.

    Raises:
        ValueError: a value that is not positive.
    """

    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_connections: int = field(default_factory=default_max_connections)
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    tail_max_entries: int = 10_000
    tail_max_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("max_message_size", "max_connections", "tail_max_entries", "tail_max_bytes"):
            _positive(name, getattr(self, name), integer=True)
        _positive("idle_timeout", self.idle_timeout, integer=False)


# -- connections --------------------------------------------------------------------------


class Guarded(Protocol):
    """A connection the guard watches."""

    #: Loop time of the last call in progress (or of the connection's start).
    last_active: float

    def busy(self) -> bool:
        """True while a call or request is in progress on the connection."""

    def shut(self) -> None:
        """Close the connection (politely where the protocol has a way)."""


class ConnectionGuard:
    """Counts the open connections of every port of one emulator, and closes idle ones."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._open: dict[Guarded, None] = {}  # insertion order: oldest first
        self._sweep: asyncio.TimerHandle | None = None
        #: Connections closed for idleness, evicted for a newer one, and refused (all busy).
        self.closed_idle = 0
        self.evicted = 0
        self.refused = 0

    @property
    def open_count(self) -> int:
        return len(self._open)

    def admit(self, conn: Guarded) -> bool:
        """Register a new connection; False when it must be closed (every slot busy)."""
        loop = asyncio.get_running_loop()
        conn.last_active = loop.time()
        if len(self._open) >= self.limits.max_connections:
            victim = self._longest_idle()
            if victim is None:
                self.refused += 1
                return False
            self.evicted += 1
            self.release(victim)
            victim.shut()
        self._open[conn] = None
        if self._sweep is None:
            self._arm(loop)
        return True

    def release(self, conn: Guarded) -> None:
        self._open.pop(conn, None)

    def close(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None

    def _longest_idle(self) -> Guarded | None:
        idle = [c for c in self._open if not c.busy()]
        return min(idle, key=lambda c: c.last_active) if idle else None

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        interval = max(0.05, min(1.0, self.limits.idle_timeout / 4))
        self._sweep = loop.call_later(interval, self._sweep_once, loop)

    def _sweep_once(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweep = None
        now = loop.time()
        for conn in list(self._open):
            if conn.busy():
                conn.last_active = now
            elif now - conn.last_active >= self.limits.idle_timeout:
                self.closed_idle += 1
                self.release(conn)
                conn.shut()
        if self._open:
            self._arm(loop)


# -- gRPC ---------------------------------------------------------------------------------


class _AnswerWriter(_GatheringTransport):
    """The gathering transport of one gRPC connection, which also sends its answers on in batches."""

    def send_answers(self) -> None:
        """Send what is gathered now if it is a batch's worth (call between two calls: whole answers only)."""
        if self._size >= ANSWER_BATCH_BYTES:
            self.flush()


class _GrpcConnection(asyncio.Protocol):
    """grpclib's protocol behind a gathering transport, registered with the guard."""

    last_active = 0.0

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self._inner = inner
        self._guard = guard
        self._transport: asyncio.Transport | None = None
        self._writer: _AnswerWriter | None = None
        self._started = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if not self._guard.admit(self):
            self._inner.handler.close()  # grpclib forgets a closed handler; an unused open one stays
            transport.abort()
            return
        self._writer = _AnswerWriter(transport)
        self._inner.connection_made(self._writer)
        memoize(self._inner.connection._connection)  # answers' headers repeat as requests' do
        self._started = True

    def busy(self) -> bool:
        processor = getattr(self._inner, "processor", None)
        return bool(processor is not None and getattr(processor, "streams", None))

    def shut(self) -> None:
        if not self._started or self._writer is None:
            if self._transport is not None:
                self._transport.abort()
            return
        connection = self._inner.connection
        with contextlib.suppress(Exception):  # a connection already half gone: just close it
            connection._connection.close_connection()  # GOAWAY: the client reconnects for its next call
            connection.flush()
        self._writer.close()  # what is gathered (the GOAWAY) goes out first

    def data_received(self, data: bytes) -> None:
        if self._started:
            self._inner.data_received(data)
            if self.busy():
                self.last_active = asyncio.get_running_loop().time()

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._started else None

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard.release(self)
        if self._started:
            self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self._started:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._started:
            self._inner.resume_writing()


MethodFunc = Callable[[Any], Coroutine[Any, Any, None]]


def _size_checked(
    recv_data: Callable[[int], Awaitable[bytes]], limit: int
) -> Callable[[int], Awaitable[bytes]]:
    """``recv_data`` of one stream that refuses a message longer than ``limit`` from its length prefix.

    grpclib reads a message as two reads: the 5-byte prefix, then the length
    it names; the second read is never made for a message over the limit.
    """
    expect_prefix = True

    async def read(size: int) -> bytes:
        nonlocal expect_prefix
        data = await recv_data(size)
        if not expect_prefix:
            expect_prefix = True
            return data
        if len(data) == 5:
            length = struct.unpack(">I", data[1:])[0]
            if length > limit:
                raise ResourceExhausted(
                    f"the request message is {length} bytes, more than this emulator accepts ({limit} bytes); "
                    "send less per message (split uploads into chunks), or start the emulator with a larger "
                    "limit (Emulator(limits=Limits(max_message_size=...)) or serve --max-message-size)"
                )
            expect_prefix = False
        return data

    return read


def _limited(func: MethodFunc, limits: Limits) -> MethodFunc:
    limit = limits.max_message_size

    async def serve(stream: Any) -> None:
        inner = stream._stream
        writer = inner._transport  # the connection's: what the calls before this one answered
        if type(writer) is _AnswerWriter:
            writer.send_answers()
        inner.recv_data = _size_checked(inner.recv_data, limit)
        try:
            await func(stream)
        except GRPCError as exc:
            # Whatever raised it: the message leaves capped (see errors.cap_message), with
            # the emulator's trailers for its status (errors.error_trailers).
            exc.message = cap_message(exc.message)
            trailers = error_trailers(exc.status)
            if trailers is not None:
                await _send_error(stream, exc, trailers)
            raise
        finally:
            # The checking reader refers to the stream it is set on: left there, every call
            # would leave a reference cycle (the stream, its request, its metadata) for the
            # garbage collector, whose passes over them cost the emulator ~10% of its time.
            del inner.recv_data

    return serve


async def _send_error(stream: Any, exc: GRPCError, metadata: dict[str, str]) -> None:
    """End the call with ``exc`` and ``metadata``, as grpclib's stream would on the way out (it then sends nothing)."""
    if stream._send_trailing_metadata_done or stream._cancel_done or stream._stream._transport.is_closing():
        return  # grpclib would send nothing either
    with contextlib.suppress(h2.exceptions.StreamClosedError):
        await stream.send_trailing_metadata(
            status=exc.status, status_message=exc.message, status_details=exc.details, metadata=metadata
        )


class _LimitedRoutes(Mapping[str, "grpclib.const.Handler"]):
    """A route mapping whose handlers run under the emulator's limits (each wrapped once)."""

    def __init__(self, routes: Mapping[str, grpclib.const.Handler], limits: Limits) -> None:
        self._routes = routes
        self._limits = limits
        self._wrapped: dict[str, grpclib.const.Handler] = {}

    def _wrap(self, handler: grpclib.const.Handler) -> grpclib.const.Handler:
        func = _limited(cast(MethodFunc, handler.func), self._limits)
        return grpclib.const.Handler(func, handler.cardinality, handler.request_type, handler.reply_type)

    def get(self, route: str, default: Any = None) -> Any:
        found = self._wrapped.get(route)
        if found is not None:
            return found
        handler = self._routes.get(route)
        if handler is None:
            return default
        found = self._wrap(handler)
        if route in self._routes:  # a path the mapping only answers for (made up by a caller) is not kept
            self._wrapped[route] = found
        return found

    def __getitem__(self, route: str) -> grpclib.const.Handler:
        found = self.get(route)
        if found is None:
            raise KeyError(route)
        return cast(grpclib.const.Handler, found)

    def __iter__(self) -> Iterator[str]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)


class Server(grpclib.server.Server):
    """grpclib's server with the emulator's limits, its connections writing through a gathering transport."""

    def __init__(
        self, *args: Any, limits: Limits | None = None, guard: ConnectionGuard | None = None, **kw: Any
    ):
        self.limits = limits or Limits()
        super().__init__(*args, **kw)
        self.guard = guard or ConnectionGuard(self.limits)

    # grpclib asks its mapping for a route's handler per call; handlers go in through this
    # property (grpclib's __init__, or assigned later) and come out wrapped with the limits.
    # (Wrapping each call's handler from a RecvRequest listener cost an event per call.)
    @property  # type: ignore[override]
    def _mapping(self) -> Mapping[str, grpclib.const.Handler]:
        return self._routes

    @_mapping.setter
    def _mapping(self, routes: Mapping[str, grpclib.const.Handler]) -> None:
        self._routes = _LimitedRoutes(routes, self.limits)

    def _protocol_factory(self) -> Any:
        return _GrpcConnection(super()._protocol_factory(), self.guard)

    async def start(
        self, host: str | None = None, port: int | None = None, *, ssl: Any = None, **kw: Any
    ) -> None:
        """Listen on ``host:port`` (grpclib's ``start``, with a bound on TLS handshakes).

        A connection counts against the guard once its TLS handshake is done; one
        that never finishes it is dropped after ``TLS_HANDSHAKE_TIMEOUT`` seconds.
        """
        if ssl is None or kw:
            await super().start(host, port, ssl=ssl, **kw)
            return
        if self._server is not None:
            raise RuntimeError("the server is already started")
        self._server = await self._loop.create_server(
            self._protocol_factory, host, port or 0, ssl=ssl, ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT
        )
        self._server_closed_fut = self._loop.create_future()
