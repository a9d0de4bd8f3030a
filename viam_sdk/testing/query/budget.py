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

A query also stops when its caller goes away: when the call is cancelled or
its deadline passes, :func:`run_query` marks the query's budget cancelled, the
engines look at that mark where they look at the clock (SQL: SQLite's progress
handler and ``interrupt``; MQL: every operator, accumulator and document), and
the worker is free again within a few milliseconds.

Workers are shared fairly: one organization runs at most ``ORG_QUERY_WORKERS``
queries at once (its further queries wait their turn, off the event loop), so
one organization cannot take every worker while others wait.

The figures are module attributes so an embedding test may lower them; a
served emulator reads ``VIAM_EMULATOR_QUERY_TIME_BUDGET_S`` (seconds) from the
environment, for test suites that want hostile queries stopped sooner.
"""

from __future__ import annotations

import asyncio
import os
import sys
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
    "QueryCancelled",
    "QueryMemoryExceeded",
    "QueryTimeExceeded",
    "activate",
    "check_chars",
    "check_items",
    "run_query",
    "running_queries",
    "tick",
]


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


TIME_BUDGET_S = _env_seconds("VIAM_EMULATOR_QUERY_TIME_BUDGET_S", 30.0)
VALUE_BUDGET_BYTES = 64 * 1024 * 1024
RESULT_BUDGET_BYTES = 256 * 1024 * 1024
DOCUMENT_BUDGET = 2_000_000
QUERY_WORKERS = 4
# At most this many of the workers serve one organization at a time.
ORG_QUERY_WORKERS = 2
# How long a busy query thread keeps the GIL while the event loop waits for it (Python's default
# is 5 ms; each call the loop serves waits for the GIL several times).  0 leaves Python's setting.
SWITCH_INTERVAL_S = float(os.environ.get("VIAM_EMULATOR_SWITCH_INTERVAL_S", "0.001") or 0)

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


class QueryCancelled(QueryBudgetExceeded):
    """The caller went away (cancelled, or its deadline passed); nobody reads this answer."""

    status = Status.CANCELLED


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
        self.cancelled = False
        self._on_cancel: list[Callable[[], object]] = []

    def start(self) -> None:
        """Start the clock again (a query's time counts from when a worker takes it up)."""
        self.deadline = time.monotonic() + self.seconds

    def expired(self) -> bool:
        """True once the deadline has passed or the caller has gone away."""
        return self.cancelled or time.monotonic() > self.deadline

    def cancel(self) -> None:
        """Stop the query: the engines see it at their next look (thread-safe, idempotent)."""
        self.cancelled = True
        for stop in list(self._on_cancel):
            try:
                stop()
            except Exception:  # e.g. the SQLite connection was closed meanwhile
                pass

    def on_cancel(self, stop: Callable[[], object]) -> None:
        """Call ``stop`` (e.g. ``sqlite3.Connection.interrupt``) when the query is cancelled."""
        self._on_cancel.append(stop)
        if self.cancelled:
            stop()

    def cancel_hooks_clear(self) -> None:
        """Forget the ``on_cancel`` hooks (what they stop is about to close)."""
        self._on_cancel.clear()

    def time_error(self, language: str) -> QueryBudgetExceeded:
        if self.cancelled:
            return QueryCancelled(f"{language} query stopped: its caller cancelled it or its deadline passed")
        return QueryTimeExceeded(
            f"{language} query stopped: it ran past its time budget of {self.seconds:g} s"
        )

    def check(self, language: str = "MQL") -> None:
        """Raise QueryTimeExceeded once the deadline has passed (looked at every 64 calls)."""
        self._ticks += 1
        if self._ticks & 0x3F == 0 and self.expired():
            raise self.time_error(language)

    def check_now(self, language: str = "MQL") -> None:
        """Raise at once if the deadline has passed or the query was cancelled (between phases)."""
        if self.expired():
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


def check_chars(count: int, what: str) -> None:
    """Refuse a string of ``count`` characters past the current per-value budget."""
    budget: Budget | None = getattr(_active, "budget", None)
    limit = budget.value_bytes if budget is not None else VALUE_BUDGET_BYTES
    if count > limit:
        raise QueryMemoryExceeded(
            f"MQL query stopped: {what} would make a string of {count:,} characters, over the memory "
            f"budget of {limit:,} bytes per value"
        )


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
    if SWITCH_INTERVAL_S and sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=QUERY_WORKERS, thread_name_prefix="emulator-query")
    return _pool


_running = 0
_running_lock = threading.Lock()
# Per organization: how many of its queries hold a worker, and the queries waiting for one.
_org_running: dict[str, int] = {}
_org_waiting: dict[str, list[asyncio.Future[None]]] = {}


def running_queries() -> int:
    """How many queries the worker threads are running now (for diagnostics and tests)."""
    return _running


def _counted(work: Callable[[Budget], T], budget: Budget) -> T:
    global _running
    with _running_lock:
        _running += 1
    previous = activate(budget)
    budget.start()
    try:
        budget.check_now()  # it waited in the queue: its caller may have gone meanwhile
        return work(budget)
    finally:
        activate(previous)
        with _running_lock:
            _running -= 1


async def _org_slot(org: str) -> None:
    """Wait until ``org`` runs fewer than ``ORG_QUERY_WORKERS`` queries (first come, first served)."""
    if _org_running.get(org, 0) < max(1, ORG_QUERY_WORKERS) and not _org_waiting.get(org):
        _org_running[org] = _org_running.get(org, 0) + 1
        return
    turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _org_waiting.setdefault(org, []).append(turn)
    try:
        await turn
    except asyncio.CancelledError:
        waiting = _org_waiting.get(org, [])
        if turn in waiting:
            waiting.remove(turn)
        elif turn.done() and not turn.cancelled():
            _org_release(org)  # the slot was handed over just as the caller left: pass it on
        raise


def _org_release(org: str) -> None:
    waiting = _org_waiting.get(org, [])
    while waiting:
        turn = waiting.pop(0)
        if not turn.done():
            turn.set_result(None)  # the slot passes straight to the next query of the org
            return
    _org_waiting.pop(org, None)
    left = _org_running.get(org, 1) - 1
    if left > 0:
        _org_running[org] = left
    else:
        _org_running.pop(org, None)


async def run_query(work: Callable[[Budget], T], org: str = "", budget: Budget | None = None) -> T:
    """Run ``work(budget)`` on a query worker thread and wait for it without blocking the loop.

    ``org`` names the organization the query serves (its share of the
    workers, see ``ORG_QUERY_WORKERS``); the emulator's own work (data
    pipelines' runs) passes none and is not limited.  If the caller is cancelled (a
    client's cancel, or a deadline that passed), the query's budget is
    cancelled so the engine stops at its next look, and the worker is freed.
    """
    budget = budget or Budget()
    loop = asyncio.get_running_loop()
    # Slots are per event loop too: several emulators may share this module (and its workers).
    slot = f"{id(loop)}/{org}" if org else ""
    if slot:
        await _org_slot(slot)
    try:
        future = loop.run_in_executor(_executor(), _counted, work, budget)
    except BaseException:
        if slot:
            _org_release(slot)
        raise

    def finished(done: asyncio.Future[T]) -> None:
        # The organization's slot is free when the worker is, not when the caller stops waiting.
        if slot:
            _org_release(slot)
        if not done.cancelled():
            done.exception()  # seen: a caller that left does not leave an unread error behind

    future.add_done_callback(finished)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        budget.cancel()
        raise
