"""The SDK's gRPC channel: grpclib's, with the writes of one loop turn sent together.

grpclib hands the transport every batch of HTTP/2 frames as soon as h2 has
made it: a unary call's request headers and its message are two ``send``
system calls, each of which also wakes the server once.  Through
:class:`GatheringTransport` the bytes written during one turn of the event
loop leave in one ``send`` at the end of that turn; under concurrency the
requests of many calls started in the same turn share it.  Nothing waits
longer than the current turn, and bulk data (past :data:`GATHER_LIMIT`) is not
held at all, so an upload still meets the transport's flow control.  The
emulator's server writes the same way (``viam_sdk.testing.transport``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Any

import grpclib.client
from grpclib.exceptions import StreamTerminatedError
from grpclib.protocol import H2Protocol

from viam_sdk.rpc import _frames
from viam_sdk.rpc._hpack import memoize

__all__ = ["GATHER_LIMIT", "Channel", "GatheringTransport", "StreamSlots"]

_frames.install()

#: Bytes gathered at most before they are sent without waiting for the end of the turn
#: (asyncio's own high-water mark for a transport's buffer).
GATHER_LIMIT = 64 * 1024


class GatheringTransport:
    """A transport whose ``write`` calls of one loop turn become one write of the real transport.

    Everything else (``is_closing``, ``get_extra_info``, flow control) is the
    real transport's; ``close`` sends what is gathered first (and, over TLS, does not
    wait for the peer's goodbye), ``abort`` drops it.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._pending: list[bytes] = []
        self._size = 0
        loop = asyncio.get_running_loop()
        # A loop that runs callbacks at the end of the turn (the blocking client's) sends the
        # gathered bytes then, without a turn of their own; any other loop, on its next turn.
        self._schedule = getattr(loop, "call_before_poll", None) or loop.call_soon

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        self._pending.append(bytes(data))
        self._size += len(data)
        if self._size >= GATHER_LIMIT:
            # Bulk data (an upload, a large answer) goes on at once: the real transport's
            # flow control (pause_writing) then holds the writer back, as without gathering.
            self.flush()
        elif len(self._pending) == 1:
            self._schedule(self.flush)

    def flush(self) -> None:
        """Send what was gathered now (a no-op when nothing is)."""
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def is_closing(self) -> bool:
        return self._transport.is_closing()  # asked several times per call: not through __getattr__

    def close(self) -> None:
        self.flush()
        self._transport.close()
        if self._transport.get_extra_info("ssl_object") is not None:
            # TLS's goodbye (close_notify) has just been written; waiting for the peer's
            # would need loop turns a script ending right after close() never runs, and
            # would leave the socket underneath open.  HTTP/2 already said goodbye (GOAWAY).
            self._transport.abort()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def drop(self) -> None:
        """Close the socket at once, its loop being closed (a connection left open at interpreter exit).

        ``abort`` would need a turn of the loop to close the socket; asyncio's transport
        closes it only when collected, with a warning naming its internals.
        """
        self._pending.clear()
        close = getattr(self._transport, "_call_connection_lost", None)  # asyncio's last step of abort()
        if close is not None:
            with contextlib.suppress(Exception):  # the protocol's own clean-up may need the closed loop
                close(None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class StreamSlots:
    """Stands in for grpclib's ``stream_close_waiter`` event: a closed stream wakes one waiting call, not all.

    A call that finds every stream the server allows in use waits for one to
    close.  With grpclib's event every closed stream woke every waiting call; all
    but one tried again, failed (h2 counts the open streams one by one for each
    try) and went back to waiting: about two failed tries per call under 500
    concurrent calls and the usual limit of 100 streams.  Here each closed stream
    wakes the call that has waited longest.

    A connection that is lost fails its waiting calls (``StreamTerminatedError``,
    as a call on the wire fails): with grpclib's event they woke, found h2 still
    counting the dead connection's streams as open, and waited again for ever.
    """

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def clear(self) -> None:
        """Nothing to clear: a wake-up is never kept for a call that starts waiting later."""

    def is_set(self) -> bool:
        return False

    async def wait(self) -> bool:
        if self._connection.is_closing():
            raise StreamTerminatedError("Connection lost")
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.set()  # woken, then cancelled before it could try: the closed stream goes to the next
            raise
        return True

    def set(self) -> None:
        """One stream closed: wake the longest waiting call (fail every one, the connection being lost)."""
        waiters = self._waiters
        if self._connection.is_closing():
            while waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_exception(StreamTerminatedError("Connection lost"))
            return
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():  # a cancelled waiter is passed over
                waiter.set_result(None)
                return


class _Protocol(H2Protocol):
    """grpclib's HTTP/2 protocol, writing through a :class:`GatheringTransport`, its hpack coders memoized,
    a closed stream waking one waiting call (:class:`StreamSlots`)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.gathering = GatheringTransport(transport)
        super().connection_made(self.gathering)  # type: ignore[arg-type]
        memoize(self.connection._connection)
        self.connection.stream_close_waiter = StreamSlots(self.connection)  # type: ignore[assignment]

    def connection_lost(self, exc: BaseException | None) -> None:
        super().connection_lost(exc)
        self.connection.stream_close_waiter.set()  # closed now: every waiting call fails


class Channel(grpclib.client.Channel):
    """grpclib's ``Channel`` whose connections gather their writes per loop turn (module docstring).

    A channel garbage-collected open closes its connection quietly: the client
    that owns it (``ViamClient``) says, in one warning of its own, that it was never
    closed; grpclib's warning and error record, which name the channel's internals, are not made.
    """

    def _protocol_factory(self) -> H2Protocol:
        return _Protocol(grpclib.client.Handler(), self._config, self._h2_config)

    def release(self, final: bool = False) -> None:
        """Close the connection from wherever a finaliser runs: any thread, its loop running, stopped or closed.

        ``final``: the loop, unless running, will never turn again (interpreter exit).
        """
        protocol = self._protocol
        if protocol is None:
            return
        loop = self._loop
        if loop.is_closed() or (final and not loop.is_running()):  # close the socket underneath now
            del self._protocol
            if isinstance(protocol, _Protocol):
                protocol.gathering.drop()
        elif loop.is_running() and asyncio._get_running_loop() is not loop:  # running in another thread
            loop.call_soon_threadsafe(self.close)
        else:  # this thread's loop, or a stopped one: the socket closes on its next turn
            self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # a finaliser has nobody to raise to
            self.release()
