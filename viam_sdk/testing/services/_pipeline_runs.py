"""Data pipelines that run: each scheduled run executes the pipeline's MQL and fills its sink.

A run covers one interval of the pipeline's cron schedule, ``[data_start_time,
data_end_time)`` (start included, end excluded), as Viam's pipelines do: the
readings of the organization received in that interval (from the hot data
store's window too, for a hot-storage pipeline) go through the stages, and
the resulting documents are appended to the pipeline's sink, which
``TabularDataByMQL`` reads with the pipeline-sink data source.

:func:`run_due` does the work: for every enabled pipeline, each SCHEDULED run
whose interval has ended by the emulator's clock is STARTED, executed and
marked COMPLETED (or FAILED, with the error message), and the next interval
is scheduled.  A background task of the emulator calls it every
``TICK_S`` seconds (on a query worker thread, so the event loop never waits
for a pipeline); a test may call it directly, after moving the emulator's
clock (``Emulator(clock=...)``), to make runs happen at once.  A disabled
pipeline's runs wait until it is enabled again.  At most ``MAX_CATCH_UP``
intervals of one pipeline run per call; the rest follow on the next ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import sqlite3
from typing import Any

import bson
from bson.codec_options import CodecOptions
from viam_api.app.datapipelines.v1 import DataPipelineRunStatus

from ..context import EmulatorContext
from ..query.budget import Budget, QueryBudgetExceeded, run_query
from ..query.mql import MQLError, run_pipeline
from ..query.sources import HOT_STORAGE, prefilter, reading_documents, recent_window
from ._cron import next_fire
from ._data_common import from_micros, to_micros

__all__ = ["SINK_SCHEMA", "TICK_S", "record_run", "run_due", "start_scheduler"]

SINK_SCHEMA = """
CREATE TABLE IF NOT EXISTS data_pipeline_sink (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    doc BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS data_pipeline_sink_by_pipeline ON data_pipeline_sink(pipeline_id, seq);
"""

_log = logging.getLogger(__name__)

TICK_S = 5.0
MAX_CATCH_UP = 100

# viam.app.datapipelines.v1.DataPipelineRunStatus
_SCHEDULED, _STARTED, _COMPLETED, _FAILED = 1, 2, 3, 4

_BSON_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


# -- runs --------------------------------------------------------------------------


def record_run(
    ctx: EmulatorContext,
    pipeline_id: str,
    *,
    status: DataPipelineRunStatus = DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_SCHEDULED,
    data_start_time: datetime.datetime | None = None,
    data_end_time: datetime.datetime | None = None,
    start_time: datetime.datetime | None = None,
    end_time: datetime.datetime | None = None,
    error_message: str = "",
    db: sqlite3.Connection | None = None,
) -> str:
    """Record a run of ``pipeline_id`` (which must exist) and return its id."""
    row = ctx.store.one("SELECT data_source_type FROM data_pipelines WHERE id = ?", (pipeline_id,))
    if row is None:
        raise KeyError(f"no data pipeline {pipeline_id!r}")
    run_id = ctx.new_id()
    values = (
        run_id,
        pipeline_id,
        int(status),
        *(
            None if t is None else to_micros(t)
            for t in (start_time, end_time, data_start_time, data_end_time)
        ),
        error_message,
        int(row["data_source_type"]),
    )
    sql = (
        "INSERT INTO data_pipeline_runs(id, pipeline_id, status, start_time, end_time, data_start_time, "
        "data_end_time, error_message, data_source_type) VALUES (?,?,?,?,?,?,?,?,?)"
    )
    if db is not None:
        db.execute(sql, values)
    else:
        with ctx.store.transaction() as conn:
            conn.execute(sql, values)
    return run_id


def _execute(ctx: EmulatorContext, pipeline: Any, run: Any) -> None:
    store = ctx.store
    with store.transaction() as db:
        db.execute(
            "UPDATE data_pipeline_runs SET status = ?, start_time = ? WHERE id = ?",
            (_STARTED, to_micros(ctx.now()), run["id"]),
        )
    start, end = from_micros(run["data_start_time"]), from_micros(run["data_end_time"])
    assert start is not None and end is not None
    if int(pipeline["data_source_type"]) == HOT_STORAGE:
        start = max(start, ctx.now() - recent_window(ctx))
    error = ""
    out: list[bytes] = []
    try:
        stage_rows = store.all(
            "SELECT stage FROM data_pipeline_stages WHERE pipeline_id = ? ORDER BY position",
            (pipeline["id"],),
        )
        stages = [bson.decode(bytes(r["stage"]), codec_options=_BSON_OPTIONS) for r in stage_rows]
        docs = reading_documents(
            store, str(pipeline["organization_id"]), start=start, end=end, narrow=prefilter(stages)
        )
        out = [bson.encode(doc) for doc in run_pipeline(docs, stages, Budget())]
    except (MQLError, QueryBudgetExceeded, bson.errors.BSONError, OverflowError) as exc:
        error = str(exc) or type(exc).__name__
    with store.transaction() as db:
        finished = db.execute(
            "UPDATE data_pipeline_runs SET status = ?, end_time = ?, error_message = ? WHERE id = ?",
            (_FAILED if error else _COMPLETED, to_micros(ctx.now()), error, run["id"]),
        )
        if not error and finished.rowcount:  # the pipeline may have been deleted meanwhile
            db.executemany(
                "INSERT INTO data_pipeline_sink(pipeline_id, run_id, doc) VALUES (?,?,?)",
                [(pipeline["id"], run["id"], raw) for raw in out],
            )


def run_due(ctx: EmulatorContext, now: datetime.datetime | None = None) -> list[str]:
    """Execute every due run of every enabled pipeline; the ids of the runs executed, in order.

    ``now`` defaults to the emulator's clock.  Blocking (SQLite and the MQL engine).
    """
    moment = to_micros(now or ctx.now())
    executed: list[str] = []
    for pipeline in ctx.store.all("SELECT * FROM data_pipelines WHERE enabled = 1 ORDER BY created_on, id"):
        for _ in range(MAX_CATCH_UP):
            run = ctx.store.one(
                "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? AND status = ? "
                "ORDER BY data_start_time, seq LIMIT 1",
                (pipeline["id"], _SCHEDULED),
            )
            if run is None or run["data_end_time"] is None or run["data_end_time"] > moment:
                break
            _execute(ctx, pipeline, run)
            executed.append(str(run["id"]))
            end = from_micros(run["data_end_time"])
            assert end is not None
            record_run(
                ctx,
                str(pipeline["id"]),
                data_start_time=end,
                data_end_time=next_fire(str(pipeline["schedule"]), end),
            )
    return executed


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
                await run_query(lambda: run_due(ctx))
            except Exception as exc:  # a broken run is recorded FAILED; anything else waits a tick
                _log.warning("data pipeline scheduler: %s: %s", type(exc).__name__, exc)

    task = loop.create_task(tick(), name="emulator-data-pipelines")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    ctx.extras.setdefault("on_stop", []).append(stop)
