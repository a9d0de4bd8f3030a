"""OpenTelemetry spans for SDK calls, when the ``otel`` extra (``opentelemetry-api``) is installed.

With the extra, every public method of the SDK's clients makes one span
(``INTERNAL``, named after the method: ``AppClient.get_organization``), and
every attempt of every RPC it makes one child span (``CLIENT``, named after the
RPC: ``viam.app.v1.AppService/GetOrganization``) with these attributes:

* ``rpc.system`` (``grpc``), ``rpc.service``, ``rpc.method``: the RPC;
* ``rpc.grpc.status_code``: the status it ended with (0 for OK; 14,
  UNAVAILABLE, when the connection could not be made or was lost);
* ``viam.rpc.attempt``: 1 for the first attempt, 2 for the first retry or
  the repeat after a token renewal, and so on.

Each request carries the attempt span's context to the server as W3C Trace
Context metadata (``traceparent``, and ``tracestate`` when there is one),
through the globally configured propagator, added by a grpclib
``SendRequest`` listener on the client's channel.  Spans go wherever the
application's tracer provider sends them; with none configured, the API's
no-op tracer records nothing and no ``traceparent`` is sent.

Without the extra, nothing of this runs: ``ENABLED`` is False, no
``opentelemetry`` module is imported, no listener is added, and the calls
take the same paths as before tracing existed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

from grpclib.exceptions import GRPCError

if TYPE_CHECKING:
    from grpclib.client import Channel
    from viam_api._runtime import CallInfo

try:
    from opentelemetry import context as _context
    from opentelemetry import propagate as _propagate
    from opentelemetry import trace as _trace
except ImportError:  # the `otel` extra is not installed: tracing is off
    _trace = None  # type: ignore[assignment]

__all__ = [
    "ENABLED",
    "attempt_stream",
    "attempt_unary",
    "close_span",
    "current_context",
    "current_span",
    "instrument",
    "method_span",
    "open_span",
]

#: True when the ``otel`` extra is installed (spans are made; the tracer provider decides what is kept).
ENABLED: Final = _trace is not None

R = TypeVar("R")

_TRACER = _trace.get_tracer("viam_sdk") if _trace is not None else None
# The status code an attempt that never got a gRPC status reports (what the SDK raises: Unavailable).
_UNAVAILABLE: Final = 14
_INSTRUMENTED = "_viam_sdk_traced"


class _Current:
    """Makes ``span`` the current span within a ``with`` block, when it can be a parent (not a no-op span).

    A class rather than a generator-based context manager: it runs on every
    call, and the API's own helpers cost several times more.
    """

    __slots__ = ("_end", "_span", "_token")

    def __init__(self, span: Any, end: bool) -> None:
        self._span = span
        self._end = end
        self._token: object = None

    def __enter__(self) -> None:
        span = self._span
        # The API alone (no SDK configured) makes invalid, non-recording spans: nothing to attach.
        if span is not None and span.get_span_context().is_valid:
            self._token = _context.attach(_trace.set_span_in_context(span))

    def __exit__(self, kind: object, failure: BaseException | None, tb: object) -> None:
        if self._token is not None:
            _context.detach(self._token)  # type: ignore[arg-type]
            self._token = None
        if self._end:
            close_span(self._span, failure)


def _spans_recorded() -> bool:
    """Whether an application has set a tracer provider.

    Without one, every span the API makes is a stand-in that records nothing
    and carries the current context on as it is; the calls then skip making
    them (the ``traceparent`` of a context the caller made current is still sent).
    """
    return not isinstance(_trace.get_tracer_provider(), _trace.ProxyTracerProvider)


def method_span(name: str) -> contextlib.AbstractContextManager[None]:
    """A span for the SDK method ``name``, current within the block (a no-op without the extra)."""
    if _TRACER is None or not _spans_recorded():
        return contextlib.nullcontext()
    return _Current(_TRACER.start_span(name, kind=_trace.SpanKind.INTERNAL), end=True)


def open_span(name: str) -> Any:
    """A span for the SDK method ``name`` that is not made current (``current_span``); None without the extra."""
    if _TRACER is None:
        return None
    return _TRACER.start_span(name, kind=_trace.SpanKind.INTERNAL)


def current_span(span: Any) -> contextlib.AbstractContextManager[None]:
    """Within the block, ``span`` (from ``open_span``) is the current span; None changes nothing."""
    return _Current(span, end=False)


def close_span(span: Any, failure: BaseException | None) -> None:
    """End ``span`` (from ``open_span``), marked failed by ``failure``, unless that is the consumer stopping early."""
    if span is None:
        return
    if failure is not None and not isinstance(failure, GeneratorExit) and span.is_recording():
        span.record_exception(failure)
        span.set_status(_trace.Status(_trace.StatusCode.ERROR, type(failure).__name__))
    span.end()


def current_context() -> Any:
    """The OpenTelemetry context now, for spans started later elsewhere (streams); None without the extra."""
    return _context.get_current() if _trace is not None else None


def _attempt_span(call: CallInfo, number: int, parent: Any = None) -> Any:
    assert _TRACER is not None
    span = _TRACER.start_span(call.route.strip("/"), context=parent, kind=_trace.SpanKind.CLIENT)
    if span.is_recording():
        service = call.route.strip("/").rsplit("/", 1)[0]
        span.set_attributes(
            {"rpc.system": "grpc", "rpc.service": service, "rpc.method": call.method, "viam.rpc.attempt": number}
        )
    return span


def _ended(span: Any, exc: BaseException | None) -> None:
    """Record on the attempt's ``span`` the status it ended with and end it."""
    if span.is_recording():
        failed = exc is not None and not isinstance(exc, GeneratorExit)
        code = (exc.status.value if isinstance(exc, GRPCError) else _UNAVAILABLE) if failed else 0
        span.set_attribute("rpc.grpc.status_code", code)
    close_span(span, exc)


async def attempt_unary(
    call: CallInfo, number: int, attempt: Callable[[float | None], Awaitable[R]], seconds: float | None
) -> R:
    """Run ``attempt(seconds)`` (attempt ``number`` of ``call``) inside its own span."""
    if not _spans_recorded():
        return await attempt(seconds)
    span = _attempt_span(call, number)
    try:
        with _Current(span, end=False):
            result = await attempt(seconds)
    except BaseException as exc:
        _ended(span, exc)
        raise
    _ended(span, None)
    return result


async def attempt_stream(call: CallInfo, number: int, source: AsyncIterator[Any], parent: Any) -> AsyncIterator[Any]:
    """The items of ``source`` (attempt ``number`` of the stream ``call``), inside a span under ``parent``.

    The span is current only while ``source`` runs (each step), never across a
    ``yield``: the consumer's context is left as it was.
    """
    span = _attempt_span(call, number, parent)
    failure: BaseException | None = None
    try:
        while True:
            with _Current(span, end=False):
                try:
                    item = await source.__anext__()
                except StopAsyncIteration:
                    return
            yield item
    except BaseException as exc:
        failure = exc
        raise
    finally:
        closer = getattr(source, "aclose", None)
        if closer is not None:
            await closer()
        _ended(span, failure)  # a stream the consumer stopped early (GeneratorExit) ended well


async def _inject(event: Any) -> None:
    _propagate.inject(event.metadata)


def instrument(channel: Channel) -> None:
    """Send the current span's context (``traceparent``) with every request on ``channel`` (once per channel)."""
    if _trace is None or getattr(channel, _INSTRUMENTED, False):
        return
    from grpclib.events import SendRequest, listen

    listen(channel, SendRequest, _inject)
    setattr(channel, _INSTRUMENTED, True)

