"""Waiting for a long operation (training job, sequence export, pipeline run) to end: one poller for all.

``wait_for_*`` methods read the operation's state again and again, waiting
longer between reads (``poll_interval`` first, times 1.5 each round, at most
``max_poll_interval``), until it reaches a terminal state or ``timeout``
seconds have passed in all (every read included: a read in flight when time
runs out is cut short).  What they raise:

* ``OperationFailed``: the operation ended in failure (its last state on ``.state``);
* ``OperationCanceled`` (a subclass): it was cancelled;
* ``WaitTimeout`` (a ``TimeoutError``): ``timeout`` passed before it ended
  (its last state seen on ``.state``; the operation itself goes on).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, Literal, TypeVar

from viam_sdk import errors
from viam_sdk.rpc._policy import check_timeout, deadline_after

__all__ = ["OperationCanceled", "OperationFailed", "Outcome", "WaitTimeout", "poll_until_done"]

T = TypeVar("T")

#: What a state says: still going, ended well, ended in failure, or cancelled.
Outcome = Literal["running", "done", "failed", "canceled"]


class OperationFailed(Exception, Generic[T]):
    """A long operation ended in failure; ``state`` is its last state as the server reported it."""

    def __init__(self, message: str, state: T) -> None:
        super().__init__(message)
        self.state = state


class OperationCanceled(OperationFailed[T]):
    """A long operation was cancelled before it finished."""


class WaitTimeout(TimeoutError, Generic[T]):
    """``timeout`` passed before the operation ended; ``state`` is the last state seen (None: none read)."""

    def __init__(self, message: str, state: T | None) -> None:
        super().__init__(message)
        self.state = state


def _check_interval(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name}={value!r}: expected a positive number of seconds")
    return float(value)


async def poll_until_done(
    read: Callable[[], Awaitable[T]],
    judge: Callable[[T], tuple[Outcome, str]],
    *,
    what: str,
    timeout: float | None,
    poll_interval: float = 0.5,
    max_poll_interval: float = 10.0,
) -> T:
    """Call ``read`` until ``judge`` says the state it returned is terminal; that state.

    ``judge`` returns the outcome and words for the error messages (the
    status name, and the server's reason on failure).  ``what`` names the
    operation in messages (``"training job 'abc'"``).

    Raises:
        ValueError: ``timeout`` or an interval is not a positive number.
        OperationFailed, OperationCanceled, WaitTimeout: see the module's docstring.
    """
    limit = check_timeout(timeout)
    wait = _check_interval("poll_interval", poll_interval)
    ceiling = max(_check_interval("max_poll_interval", max_poll_interval), wait)
    loop = asyncio.get_running_loop()
    end = None if limit is None else loop.time() + limit
    last: T | None = None
    while True:
        left = None if end is None else end - loop.time()
        if left is not None and left <= 0:
            break
        try:
            with deadline_after(left):
                last = await read()
        except errors.DeadlineExceeded:
            if end is not None and loop.time() >= end:
                break
            raise
        outcome, words = judge(last)
        if outcome == "done":
            return last
        if outcome == "failed":
            raise OperationFailed(f"{what} failed: {words}", last)
        if outcome == "canceled":
            raise OperationCanceled(f"{what} was cancelled ({words})", last)
        left = None if end is None else end - loop.time()
        await asyncio.sleep(wait if left is None else max(0.0, min(wait, left)))
        wait = min(wait * 1.5, ceiling)
    seen = "" if last is None else f"; last state: {judge(last)[1]}"
    raise WaitTimeout(f"{what} did not end within {limit:g} s{seen}; it goes on without you", last)
