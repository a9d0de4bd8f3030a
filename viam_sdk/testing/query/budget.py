"""Time and memory budgets for the emulator's SQL and MQL queries, and the threads they run on.

A query never runs on the event loop: :func:`run_query` hands it to a small
pool of worker threads (``QUERY_WORKERS`` of them), so every other call keeps
being served while a heavy query works.  Each query gets a :class:`Budget`:

* time: ``TIME_BUDGET_S`` seconds of wall time from the moment the query
  starts; past it the query is stopped and the caller gets DEADLINE_EXCEEDED
  with a message saying the time budget ran out;
* memory: no single value (string, blob, array) may exceed
  ``VALUE_BUDGET_BYTES``, no stage may hold more than ``DOCUMENT_BUDGET``
  documents, and the encoded result may not exceed ``RESULT_BUDGET_BYTES``;
  past any of them the caller gets RESOURCE_EXHAUSTED naming the budget.

The figures are module attributes so an embedding test may lower them.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from grpclib.const import Status
from grpclib.exceptions import GRPCError

__all__ = [
    "Budget",
    "QueryBudgetExceeded",
    "QueryMemoryExceeded",
    "QueryTimeExceeded",
    "activate",
    "check_items",
    "run_query",
    "running_queries",
    "tick",
]

TIME_BUDGET_S = 30.0
VALUE_BUDGET_BYTES = 64 * 1024 * 1024
RESULT_BUDGET_BYTES = 256 * 1024 * 1024
DOCUMENT_BUDGET = 2_000_000
QUERY_WORKERS = 2

T = TypeVar("T")


class QueryBudgetExceeded(Exception):
    """A query went past one of its budgets; :meth:`status_error` is what the caller sees."""

    status = Status.RESOURCE_EXHAUSTED

    def status_error(self) -> GRPCError:
        return GRPCError(self.status, str(self))


class QueryTimeExceeded(QueryBudgetExceeded):
    status = Status.DEADLINE_EXCEEDED


class QueryMemoryExceeded(QueryBudgetExceeded):
    status = Status.RESOURCE_EXHAUSTED


class Budget:
    """The limits of one query; ``check()`` is cheap enough to call per document."""

    def __init__(
        self,
        seconds: float | None = None,
        value_bytes: int | None = None,
        result_bytes: int | None = None,
        documents: int | None = None,
    ) -> None:
        self.seconds = TIME_BUDGET_S if seconds is None else seconds
        self.value_bytes = VALUE_BUDGET_BYTES if value_bytes is None else value_bytes
        self.result_bytes = RESULT_BUDGET_BYTES if result_bytes is None else result_bytes
        self.documents = DOCUMENT_BUDGET if documents is None else documents
        self.deadline = time.monotonic() + self.seconds
        self._ticks = 0

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def time_error(self, language: str) -> QueryTimeExceeded:
        return QueryTimeExceeded(
            f"{language} query stopped: it ran past its time budget of {self.seconds:g} s"
        )

    def check(self, language: str = "MQL") -> None:
        """Raise QueryTimeExceeded once the deadline has passed (looked at every 256 calls)."""
        self._ticks += 1
        if self._ticks & 0xFF == 0 and self.expired():
            raise self.time_error(language)

    def check_documents(self, count: int, stage: str) -> None:
        if count > self.documents:
            raise QueryMemoryExceeded(
                f"MQL query stopped: {stage} would hold more than {self.documents:,} documents "
                "(the memory budget)"
            )

    def check_value(self, size: int, what: str, language: str = "MQL") -> None:
        if size > self.value_bytes:
            raise QueryMemoryExceeded(
                f"{language} query stopped: {what} of {size:,} bytes is over the memory budget "
                f"of {self.value_bytes:,} bytes per value"
            )

    def check_result(self, size: int, language: str) -> None:
        if size > self.result_bytes:
            raise QueryMemoryExceeded(
                f"{language} query stopped: its result is over the memory budget of "
                f"{self.result_bytes:,} bytes"
            )


# The budget of the query running on this thread, for loops deep inside an engine.
_active = threading.local()

# What one array item or string character is taken to cost, for the per-value budget.
ITEM_BYTES = 32


def activate(budget: Budget | None) -> Budget | None:
    """Make ``budget`` this thread's current one; returns the previous one (to restore)."""
    previous: Budget | None = getattr(_active, "budget", None)
    _active.budget = budget
    return previous


def tick(language: str = "MQL") -> None:
    """Check this thread's current budget's deadline (a no-op outside a query)."""
    budget: Budget | None = getattr(_active, "budget", None)
    if budget is not None:
        budget.check(language)


def check_items(count: int, what: str) -> None:
    """Refuse an array or string of ``count`` items past the current per-value budget."""
    budget: Budget | None = getattr(_active, "budget", None)
    limit = budget.value_bytes if budget is not None else VALUE_BUDGET_BYTES
    if count * ITEM_BYTES > limit:
        raise QueryMemoryExceeded(
            f"MQL query stopped: {what} would hold {count:,} items, over the memory budget of "
            f"{limit:,} bytes per value ({limit // ITEM_BYTES:,} items)"
        )


_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=QUERY_WORKERS, thread_name_prefix="emulator-query")
    return _pool


_running = 0
_running_lock = threading.Lock()


def running_queries() -> int:
    """How many queries the worker threads are running now (for diagnostics and tests)."""
    return _running


def _counted(work: Callable[[], T]) -> T:
    global _running
    with _running_lock:
        _running += 1
    try:
        return work()
    finally:
        with _running_lock:
            _running -= 1


async def run_query(work: Callable[[], T]) -> T:
    """Run ``work`` on a query worker thread and wait for it without blocking the loop."""
    counted: Callable[[], T] = functools.partial(_counted, work)
    return await asyncio.get_running_loop().run_in_executor(_executor(), counted)
