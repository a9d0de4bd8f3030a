"""The emulator's errors: what a handler or query engine raises, and what the route guard answers.

A handler refuses a call by raising one of the typed errors below, each a
``GRPCError`` of one status (``raise NotFound(f"no robot {robot_id!r}")``);
the message is what the caller reads.  ``fail(status, message)`` raises the
same typed error for a status given as a value.

The route guard (routes.py) runs every handler through :func:`translated`:

* SQLite giving up on a lock another connection holds -> UNAVAILABLE;
* a value the handler cannot take (a number past SQLite's 64-bit integers or
  past a float's range, text that is not valid Unicode, nesting past
  Python's recursion limit, any ValueError) -> INVALID_ARGUMENT naming the
  field when it can be found in the request;

each logged as one line; so is a call that arrives with its deadline already
passed (:func:`quiet_deadline_logs`).  Anything else is a bug in the emulator: it keeps
its traceback in the log and answers INTERNAL.

Messages echo the caller's values (``no robot 'x'``); :func:`cap_message`
shortens long ones, and the transport applies it to every status that leaves,
so a 70 kB id cannot make trailers larger than a client accepts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import re
from collections.abc import Iterator
from typing import Any, ClassVar, NoReturn

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.metadata import encode_grpc_message

from .store import is_lock_error

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "Aborted",
    "AlreadyExists",
    "EmulatorError",
    "FailedPrecondition",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unauthenticated",
    "Unimplemented",
    "cap_message",
    "error_for",
    "fail",
    "invalid",
    "error_trailers",
    "mark_resource_exhausted",
    "not_found",
    "out_of_range_fields",
    "quiet_deadline_logs",
    "translated",
]

log = logging.getLogger("viam_sdk.testing")

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Where the depth-first walk of a request stops (the codec refuses deeper nesting anyway).
_MAX_WALK_DEPTH = 120


def _numbers(value: Any, path: str, depth: int) -> Iterator[tuple[str, int | float]]:
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _numbers(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}[{key!r}]", depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            try:
                item = getattr(value, f.name)
            except Exception:  # a lazily built view that does not build: not ours to judge
                continue
            yield from _numbers(item, f"{path}.{f.name}" if path else f.name, depth + 1)


def out_of_range_fields(message: Any) -> list[str]:
    """Fields of ``message`` whose numbers SQLite or arithmetic cannot take as they are.

    Integers past 64-bit signed range, floats that are NaN or infinite or so
    large that a little arithmetic makes them infinite (above 1e300).
    """
    bad: list[str] = []
    for path, number in _numbers(message, "", 0):
        if isinstance(number, int):
            if not INT64_MIN <= number <= INT64_MAX:
                bad.append(path)
        elif not math.isfinite(number) or abs(number) > 1e300:
            bad.append(path)
    return bad


class EmulatorError(GRPCError):
    """A refusal with one status; subclasses fix the status, the message says what is wrong."""

    status_code: ClassVar[Status] = Status.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(self.status_code, message)


class InvalidArgument(EmulatorError):
    status_code = Status.INVALID_ARGUMENT


class NotFound(EmulatorError):
    status_code = Status.NOT_FOUND


class AlreadyExists(EmulatorError):
    status_code = Status.ALREADY_EXISTS


class PermissionDenied(EmulatorError):
    status_code = Status.PERMISSION_DENIED


class Unauthenticated(EmulatorError):
    status_code = Status.UNAUTHENTICATED


class FailedPrecondition(EmulatorError):
    status_code = Status.FAILED_PRECONDITION


class ResourceExhausted(EmulatorError):
    status_code = Status.RESOURCE_EXHAUSTED


class Aborted(EmulatorError):
    status_code = Status.ABORTED


class Unimplemented(EmulatorError):
    status_code = Status.UNIMPLEMENTED


_BY_STATUS: dict[Status, type[EmulatorError]] = {
    kind.status_code: kind
    for kind in (
        InvalidArgument,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        Unauthenticated,
        FailedPrecondition,
        ResourceExhausted,
        Aborted,
        Unimplemented,
    )
}


def error_for(status: Status, message: str) -> GRPCError:
    """The typed error of ``status`` (a plain GRPCError for a status without a class here)."""
    kind = _BY_STATUS.get(status)
    return kind(message) if kind is not None else GRPCError(status, message)


def fail(status: Status, message: str) -> NoReturn:
    """Raise the typed error of ``status`` with ``message``."""
    raise error_for(status, message)


# The older spellings, kept so that code written against them still runs: ``raise invalid(...)``.
invalid = InvalidArgument
not_found = NotFound


class _QuietDeadlines(logging.Filter):
    """grpclib's record of a call whose deadline passed before it started, as one line without a traceback.

    grpclib logs it with ``log.exception("Timeout occurred")``: a traceback of
    its own code for what is only a client's short timeout (the client gets
    DEADLINE_EXCEEDED either way).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if record.msg == "Timeout occurred" and isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            record.msg = (
                "DEADLINE_EXCEEDED: a call arrived with its deadline already passed (the client's timeout is "
                "shorter than the trip); answered without running it"
            )
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def quiet_deadline_logs() -> None:
    """Have grpclib's server log a call that came too late as one line (once per process)."""
    logger = logging.getLogger("grpclib.server")
    if not any(isinstance(f, _QuietDeadlines) for f in logger.filters):
        logger.addFilter(_QuietDeadlines())


#: An unbroken run of more characters than this (an echoed id, a pasted blob) is shortened.
MAX_ECHOED_RUN = 240
#: A whole message longer than this keeps its beginning and its end.
MAX_MESSAGE_CHARS = 2000
#: The message as sent (percent-encoded in ``grpc-message``) stays below this many bytes,
#: well inside the 8-16 KiB of metadata gRPC clients accept.
MAX_MESSAGE_BYTES = 6000
_LONG_RUN = re.compile(rf"\S{{{MAX_ECHOED_RUN + 1},}}")


def _elide(text: str, keep: int) -> str:
    if len(text) <= keep:
        return text
    head, tail = keep * 3 // 4, keep // 4
    return f"{text[:head]}...[{len(text) - head - tail} characters left out]...{text[len(text) - tail:]}"


def cap_message(message: str | None) -> str | None:
    """``message`` with long echoed values and an overlong whole shortened in the middle.

    The beginning (what is wrong) and the end (what to do) survive; what was
    left out is counted in the text.  Short messages come back unchanged.
    """
    if message is None or (len(message) <= MAX_ECHOED_RUN and message.isascii()):
        return message
    text = _LONG_RUN.sub(lambda m: _elide(m.group(0), MAX_ECHOED_RUN), message)
    keep = MAX_MESSAGE_CHARS
    capped = _elide(text, keep)
    while len(encode_grpc_message(capped)) > MAX_MESSAGE_BYTES and keep > 60:
        keep //= 2
        capped = _elide(text, keep)
    return capped


#: The server pushback trailer (gRFC A6's rule; grpclib refuses the reserved ``grpc-`` key): negative = do not retry.
PUSHBACK_KEY = "retry-pushback-ms"


def error_trailers(status: Status) -> dict[str, str] | None:
    """The trailing metadata the emulator sends with an error of ``status`` (None: nothing).

    The emulator's RESOURCE_EXHAUSTED answers are its query budgets refusing a
    query, which would refuse it again on every retry: they go out with a
    pushback of -1 ("do not retry"), which the SDK's retry rule honours (see
    ``viam_sdk.rpc._policy``).  The emulator's calls send it on their way out
    (``transport``); :func:`mark_resource_exhausted` does the same for any
    grpclib server.
    """
    return {PUSHBACK_KEY: "-1"} if status is Status.RESOURCE_EXHAUSTED else None


def mark_resource_exhausted(server: Any, pushback_ms: int = -1) -> None:
    """Have ``server`` (a grpclib Server) send ``retry-pushback-ms`` with every RESOURCE_EXHAUSTED.

    See :func:`error_trailers`.  A pushback the handler already set is kept.
    A test server may pass ``pushback_ms >= 0`` to play a rate limit that clears.
    (A listener costs every call an event, so the emulator does it in its calls' wrapper.)
    """
    from grpclib.events import SendTrailingMetadata, listen

    async def mark(event: SendTrailingMetadata) -> None:
        if event.status is Status.RESOURCE_EXHAUSTED and PUSHBACK_KEY not in event.metadata:
            event.metadata[PUSHBACK_KEY] = str(pushback_ms)

    listen(server, SendTrailingMetadata, mark)


def _bad_input(route: str, text: str) -> GRPCError:
    log.warning("%s: INVALID_ARGUMENT: %s", route, text)
    return GRPCError(Status.INVALID_ARGUMENT, text)


def translated(route: str, exc: Exception, request: Any) -> GRPCError:
    """The GRPCError to answer for ``exc``, raised by the handler of ``route`` given ``request``."""
    if is_lock_error(exc):
        text = f"the database is locked by another connection or process ({exc}); retry later"
        log.warning("%s: UNAVAILABLE: %s", route, text)
        return GRPCError(Status.UNAVAILABLE, text)
    if isinstance(exc, RecursionError):
        return _bad_input(route, "the request is nested too deeply to process")
    if isinstance(exc, (OverflowError, ValueError, UnicodeError)):
        fields = out_of_range_fields(request) if request is not None else []
        if fields:
            shown = ", ".join(fields[:5]) + (f" and {len(fields) - 5} more" if len(fields) > 5 else "")
            return _bad_input(route, f"out of range: {shown} ({type(exc).__name__}: {exc})")
        return _bad_input(route, f"the request holds a value this server cannot take ({type(exc).__name__}: {exc})")
    log.error("%s: INTERNAL: %s: %s", route, type(exc).__name__, exc, exc_info=exc)
    return GRPCError(Status.INTERNAL, f"internal error in the emulator ({type(exc).__name__})")
