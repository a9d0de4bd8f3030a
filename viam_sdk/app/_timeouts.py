"""``timeout=`` on every public method of the SDK's clients: one deadline for all the RPCs a call makes."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from viam_sdk.rpc._policy import deadline_after

__all__ = ["with_call_timeouts"]

T = TypeVar("T")

_TIMED = "__viam_sdk_timed__"


def _timed(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``func`` with its ``timeout`` argument turned into a deadline for every RPC it makes."""
    params = list(inspect.signature(func).parameters.values())
    index = next(i for i, p in enumerate(params) if p.name == "timeout")
    # Only a parameter that comes before any *args can be given by position.
    by_position = params[index].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD

    @functools.wraps(func)
    async def method(*args: Any, **kwargs: Any) -> Any:
        timeout = kwargs.get("timeout")
        if timeout is None and by_position and len(args) > index:
            timeout = args[index]
        if timeout is None:
            return await func(*args, **kwargs)
        with deadline_after(timeout):
            return await func(*args, **kwargs)

    setattr(method, _TIMED, True)
    return method


def with_call_timeouts(cls: type[T]) -> type[T]:
    """Make ``timeout=`` of every public async method of ``cls`` a deadline for the RPCs it makes.

    The one mechanism behind the ``timeout`` parameter of the SDK's clients:
    each public coroutine method of ``cls`` and of its mixins (classes of this
    package in its MRO) that declares ``timeout`` is wrapped, in the class that
    defines it, so that the RPCs the method makes, however many (pages,
    retries), share one deadline ``timeout`` seconds from the call
    (``viam_sdk.rpc._policy.deadline_after``); a passed deadline raises
    ``viam_sdk.errors.DeadlineExceeded``.  ``timeout=None`` (the default) sets
    no deadline.  The wrapper keeps the method's name, signature and
    docstring.  Methods that return a stream (``tail_robot_part_logs``) give it
    the deadline too: the whole stream must end by then.
    """
    for klass in cls.__mro__:
        if not klass.__module__.startswith("viam_sdk."):
            continue
        for name, member in list(vars(klass).items()):
            if name.startswith("_") or not inspect.iscoroutinefunction(member) or getattr(member, _TIMED, False):
                continue
            if "timeout" in inspect.signature(member).parameters:
                if klass is not cls:
                    # Python's own errors (an unknown keyword) name the client, not its private mixin.
                    member.__qualname__ = f"{cls.__qualname__}.{name}"
                setattr(klass, name, _timed(member))
    return cls
