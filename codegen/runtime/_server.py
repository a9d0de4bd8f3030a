"""The server side of the generated services: grpclib handlers around server-base methods.

A generated server base (``FooServiceBase``) lists its RPCs in
``__mapping__``; :func:`handler` wraps each method so it receives the decoded
request (or an async iterator of them) and its results are sent back.  Bytes
that do not decode answer INVALID_ARGUMENT; a method nobody overrode answers
UNIMPLEMENTED.  Inside a handler, :func:`current_stream` gives the call's
grpclib stream (metadata, peer, deadline).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpclib.const
import grpclib.server
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from ._wire import DecodeError

__all__ = ["ServiceBase", "current_stream", "handler", "unimplemented", "unimplemented_stream"]


_current_stream: contextvars.ContextVar[grpclib.server.Stream[Any, Any]] = contextvars.ContextVar(
    "viam_api_current_stream"
)


def current_stream() -> grpclib.server.Stream[Any, Any]:
    """The grpclib stream of the RPC being handled (metadata, peer, deadline).

    Only valid inside a handler of a generated server base.
    """
    try:
        return _current_stream.get()
    except LookupError:
        raise RuntimeError("current_stream() called outside an RPC handler") from None


def unimplemented(route: str) -> GRPCError:
    """The error a handler that nobody overrode answers with."""
    return GRPCError(Status.UNIMPLEMENTED, f"{route} is not implemented by this server")


async def unimplemented_stream(route: str) -> AsyncIterator[Any]:
    raise unimplemented(route)
    yield  # makes this an async generator


def _bad_request(exc: DecodeError) -> GRPCError:
    return GRPCError(Status.INVALID_ARGUMENT, f"malformed request: {exc}")


async def _incoming(stream: grpclib.server.Stream[Any, Any]) -> AsyncIterator[Any]:
    try:
        async for message in stream:
            yield message
    except DecodeError as exc:
        raise _bad_request(exc) from None


async def _first(stream: grpclib.server.Stream[Any, Any]) -> Any:
    try:
        return await stream.recv_message()
    except DecodeError as exc:
        raise _bad_request(exc) from None


def handler(
    func: Callable[..., Any], cardinality: str, request_type: type[Any], response_type: type[Any]
) -> grpclib.const.Handler:
    """Wrap a server-base method as a grpclib handler of the given cardinality."""
    kind = grpclib.const.Cardinality[cardinality]
    client_streaming = kind in (
        grpclib.const.Cardinality.STREAM_UNARY,
        grpclib.const.Cardinality.STREAM_STREAM,
    )
    server_streaming = kind in (
        grpclib.const.Cardinality.UNARY_STREAM,
        grpclib.const.Cardinality.STREAM_STREAM,
    )

    async def serve(stream: grpclib.server.Stream[Any, Any]) -> None:
        token = _current_stream.set(stream)
        try:
            source = _incoming(stream) if client_streaming else await _first(stream)
            if server_streaming:
                async for message in func(source):
                    await stream.send_message(message)
            else:
                result: Awaitable[Any] = func(source)
                await stream.send_message(await result)
        finally:
            _current_stream.reset(token)

    return grpclib.const.Handler(serve, kind, request_type, response_type)


class ServiceBase:
    """Base of every generated server base; grpclib reads ``__mapping__``."""

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        return {}
