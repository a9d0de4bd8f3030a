"""How the SDK sends a message or calls an RPC the API marks deprecated, on a caller's behalf.

``building_deprecated`` and ``call_deprecated`` keep the generated layer's
DeprecationWarning from reaching callers of SDK methods that are not
deprecated themselves (``tabular_data_by_filter`` and the like).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Awaitable, Generator, Iterator
from typing import Any, TypeVar

# The generated layer's own warning category: only its warnings are silenced, whatever their text.
from viam_api._deprecation import ViamDeprecationWarning

__all__ = ["building_deprecated", "call_deprecated"]

T = TypeVar("T")



@contextlib.contextmanager
def building_deprecated() -> Iterator[None]:
    """Silence the generated layer's DeprecationWarning while a deprecated message is built.

    For SDK methods that are not deprecated themselves but must send a message
    the API marks deprecated (``TabularDataByFilterRequest``, ...).  Only that
    warning category is filtered, and only for the ``with`` body, which must not
    ``await`` (the filter is process-wide while it is in force).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ViamDeprecationWarning)
        yield


class _QuietStart:
    """Await ``coro`` with the generated deprecation warning silenced during its first step only.

    A generated stub warns about a deprecated RPC as soon as its coroutine starts,
    before it first suspends; that synchronous step is all that runs with the
    filter in force, so no other task's warnings are affected.
    """

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Generator[Any, Any, Any]:
        coro = self._coro
        try:
            with building_deprecated():
                pending = coro.send(None)
        except StopIteration as done:
            return done.value
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 (handed on to the coroutine, as ``await`` does)
                try:
                    pending = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as done:
                    return done.value


async def call_deprecated(call: Awaitable[T]) -> T:
    """The result of a deprecated RPC's stub call, without the stub's DeprecationWarning.

    ``call`` is the un-awaited stub call, e.g. ``call_deprecated(stub.tags_by_filter(request))``.
    """
    result: T = await _QuietStart(call)
    return result
