"""The background task that makes data pipelines run: every ``TICK_S`` seconds, the due runs.

The runs themselves (what is due, how a run executes and fills its sink) are
the pipelines backend's: :func:`viam_sdk.testing.backends.pipelines.run_due`.
The task calls it on a query worker thread, so the event loop never waits for
a pipeline; a test may call ``run_due`` directly, after moving the emulator's
clock (``Emulator(clock=...)``), to make runs happen at once.  A disabled
pipeline's runs wait until it is enabled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..backends.pipelines import run_due
from ..context import EmulatorContext
from ..query.budget import run_query

__all__ = ["TICK_S", "start_scheduler"]

_log = logging.getLogger(__name__)

TICK_S = 5.0


def start_scheduler(ctx: EmulatorContext) -> None:
    """Start the background task that runs due pipelines (when called inside a running loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return

    async def tick() -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await run_query(lambda _budget: run_due(ctx))
            except Exception as exc:  # a broken run is recorded FAILED; anything else waits a tick
                _log.warning("data pipeline scheduler: %s: %s", type(exc).__name__, exc)

    task = loop.create_task(tick(), name="emulator-data-pipelines")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    ctx.extras.setdefault("on_stop", []).append(stop)
