"""``timeout=`` and ``retry=`` on every public method of the SDK's clients, and a trace span per method.

One class decorator, ``with_call_timeouts``, gives them to every public method
that declares ``timeout``: a method written with ``timeout`` gets the rest
without a line of its own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from viam_sdk.rpc import _tracing
from viam_sdk.rpc._policy import DEFAULT, RetryOption, check_retry, deadline_after, retrying

__all__ = ["with_call_timeouts"]

T = TypeVar("T")

_TIMED = "__viam_sdk_timed__"

# The parameter every wrapped method gains (keyword-only), unless it declares one itself.
_RETRY_HINT = RetryOption
_RETRY = inspect.Parameter("retry", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT, annotation=_RETRY_HINT)


def _with_retry(func: Callable[..., Any], method: Callable[..., Any]) -> bool:
    """Give ``method`` (the wrapper of ``func``) ``func``'s signature plus ``retry``; False if ``func`` has it."""
    signature = inspect.signature(func)
    if "retry" in signature.parameters:
        return False
    params = list(signature.parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
    params.insert(at, _RETRY)
    method.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    method.__annotations__ = {**func.__annotations__, "retry": _RETRY_HINT}
    return True


def _timed(func: Callable[..., Awaitable[Any]], name: str) -> Callable[..., Awaitable[Any]]:
    """``func`` with ``timeout`` a deadline for every RPC it makes, ``retry`` their retries, and a span."""
    params = list(inspect.signature(func).parameters.values())
    index = next(i for i, p in enumerate(params) if p.name == "timeout")
    # Only a parameter that comes before any *args can be given by position.
    by_position = params[index].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD

    @functools.wraps(func)
    async def method(*args: Any, **kwargs: Any) -> Any:
        retry = kwargs.pop("retry", DEFAULT) if added else kwargs.get("retry", DEFAULT)
        timeout = kwargs.get("timeout")
        if timeout is None and by_position and len(args) > index:
            timeout = args[index]
        if _tracing.ENABLED:
            with _tracing.method_span(name):
                return await _controlled(func, args, kwargs, timeout, retry)
        return await _controlled(func, args, kwargs, timeout, retry)

    added = _with_retry(func, method)
    setattr(method, _TIMED, True)
    return method


async def _controlled(
    func: Callable[..., Awaitable[Any]], args: Any, kwargs: Any, timeout: float | None, retry: Any
) -> Any:
    """``func(*args, **kwargs)`` under ``timeout`` and ``retry`` (no context set for what is left out)."""
    if timeout is None and retry is DEFAULT:
        return await func(*args, **kwargs)
    with deadline_after(timeout), retrying(retry):
        return await func(*args, **kwargs)


def _timed_iterator(func: Callable[..., AsyncIterator[Any]], name: str) -> Callable[..., AsyncIterator[Any]]:
    """The async generator ``func`` with ``retry`` the retries of every RPC it makes, and a span.

    Its ``timeout`` stays its own (each request of an ``iter_*`` method gets
    it).  The settings and the span are in force only while ``func`` runs,
    never across a ``yield``, so the caller's loop body is outside them.
    """

    @functools.wraps(func)
    async def method(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        retry = check_retry(kwargs.pop("retry", DEFAULT) if added else kwargs.get("retry", DEFAULT))
        items = func(*args, **kwargs)
        span = _tracing.open_span(name)
        failure: BaseException | None = None
        try:
            while True:
                with retrying(retry), _tracing.current_span(span):
                    try:
                        item = await items.__anext__()
                    except StopAsyncIteration:
                        return
                yield item
        except BaseException as exc:
            failure = exc
            raise
        finally:
            await items.aclose()  # type: ignore[attr-defined]
            _tracing.close_span(span, failure)

    added = _with_retry(func, method)
    setattr(method, _TIMED, True)
    return method


def with_call_timeouts(cls: type[T]) -> type[T]:
    """Give every public async method of ``cls`` that declares ``timeout`` its call controls.

    The one mechanism behind the ``timeout`` and ``retry`` parameters of the
    SDK's clients: each public coroutine method of ``cls`` and of its mixins
    (classes of this package in its MRO) that declares ``timeout`` is wrapped,
    in the class that defines it, so that:

    * the RPCs the method makes, however many (pages, retries), share one
      deadline ``timeout`` seconds from the call
      (``viam_sdk.rpc._policy.deadline_after``); a passed deadline raises
      ``viam_sdk.errors.DeadlineExceeded``; ``timeout=None`` (the default)
      sets none.  Methods that return a stream (``tail_robot_part_logs``)
      give it the deadline too: the whole stream must end by then;
    * the method gains a keyword-only ``retry`` (unless it declares one):
      ``RetrySettings`` for its RPCs instead of the connection's, ``None``
      for single attempts, ``DEFAULT`` (left out) for the connection's
      (``viam_sdk.rpc._policy.retrying``);
    * with the ``otel`` extra, the method makes a span named after it
      (``AppClient.get_organization``), the parent of its RPCs' attempt spans
      (``viam_sdk.rpc._tracing``).

    Async generator methods (``iter_*``) get ``retry`` and the span; their
    ``timeout`` bounds each request, as they document.  The wrapper keeps the
    method's name and docstring, and its signature with ``retry`` added.
    """
    for klass in cls.__mro__:
        if not klass.__module__.startswith("viam_sdk."):
            continue
        for name, member in list(vars(klass).items()):
            if name.startswith("_") or getattr(member, _TIMED, False):
                continue
            coroutine = inspect.iscoroutinefunction(member)
            if not (coroutine or inspect.isasyncgenfunction(member)):
                continue
            if "timeout" in inspect.signature(member).parameters:
                if klass is not cls:
                    # Python's own errors (an unknown keyword) name the client, not its private mixin.
                    member.__qualname__ = f"{cls.__qualname__}.{name}"
                wrap = _timed if coroutine else _timed_iterator
                setattr(klass, name, wrap(member, member.__qualname__))
    return cls
