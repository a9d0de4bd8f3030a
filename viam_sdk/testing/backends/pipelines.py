"""Data pipelines: named, scheduled MQL aggregations, their runs and their sinks.

Tables ``data_pipelines``, ``data_pipeline_stages`` (the BSON stages, in
order), ``data_pipeline_runs`` and ``data_pipeline_sink`` (what completed runs
produced).  What is checked at creation, how runs are scheduled and executed
is told in ``services/datapipelines.py``; :meth:`PipelinesBackend.run_due`
does the executing (see ``services/_pipeline_runs.py`` for the background
task that calls it).

A run covers one interval of the pipeline's cron schedule, ``[data_start_time,
data_end_time)``: the organization's readings received in it (from the hot
data store's window too, for a hot-storage pipeline) go through the stages and
the resulting documents are appended to the sink, which ``TabularDataByMQL``
reads with the pipeline-sink data source.  At most ``MAX_CATCH_UP`` intervals
of one pipeline run per call.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bson
from bson.codec_options import CodecOptions
from viam_api.app.data.v1 import TabularDataSourceType
from viam_api.app.datapipelines.v1 import DataPipelineRunStatus

from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument
from ..query.budget import Budget, QueryBudgetExceeded
from ..query.mql import MQLError, check_pipeline, run_pipeline
from ..query.sources import HOT_STORAGE, prefilter, reading_documents, recent_window
from ..stored import from_micros, to_micros
from ._sql import typed
from .cron import next_fire

__all__ = [
    "MAX_CATCH_UP",
    "SCHEMA",
    "Pipeline",
    "PipelineRun",
    "PipelinesBackend",
    "record_run",
    "run_due",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS data_pipelines (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    schedule TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    data_source_type INTEGER NOT NULL,
    created_on INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (organization_id, name)
);
CREATE TABLE IF NOT EXISTS data_pipeline_stages (
    pipeline_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    stage BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, position)
);
CREATE TABLE IF NOT EXISTS data_pipeline_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    pipeline_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    start_time INTEGER,
    end_time INTEGER,
    data_start_time INTEGER,
    data_end_time INTEGER,
    error_message TEXT NOT NULL,
    data_source_type INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS data_pipeline_runs_by_pipeline ON data_pipeline_runs(pipeline_id, data_start_time);
CREATE TABLE IF NOT EXISTS data_pipeline_sink (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    doc BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS data_pipeline_sink_by_pipeline ON data_pipeline_sink(pipeline_id, seq);
"""

MAX_CATCH_UP = 100

_SCHEDULED = DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_SCHEDULED
_STARTED = DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_STARTED
_COMPLETED = DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED
_FAILED = DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_FAILED

_BSON_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


# -- what a pipeline may be -------------------------------------------------------------


def check_name(name: str) -> str:
    if not name.strip():
        raise InvalidArgument("a data pipeline needs a name")
    return name


def check_schedule(schedule: str, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The first full interval of the schedule after ``now``; INVALID_ARGUMENT for a bad schedule."""
    try:
        first = next_fire(schedule, now)
        return first, next_fire(schedule, first)
    except ValueError as exc:
        raise InvalidArgument(f"schedule {schedule!r} is not a valid cron expression: {exc}") from None


def check_stages(raw: Sequence[bytes]) -> None:
    """INVALID_ARGUMENT unless ``raw`` holds BSON stages the MQL engine runs."""
    if not raw:
        raise InvalidArgument("mql_binary is empty: a pipeline needs at least one aggregation stage")
    stages = []
    for position, item in enumerate(raw):
        try:
            stages.append(bson.decode(item))
        except Exception as exc:  # bson raises several kinds for bad input
            raise InvalidArgument(
                f"mql_binary stage {position} is not a valid BSON document: {exc}"
            ) from None
    try:
        check_pipeline(stages)
    except MQLError as exc:
        raise InvalidArgument(f"mql_binary is not a valid MQL pipeline: {exc}") from None


# -- typed rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    """One data pipeline (its stages are read apart: :meth:`PipelinesBackend.stages`)."""

    id: str
    organization_id: str
    name: str
    schedule: str
    enabled: bool
    data_source_type: TabularDataSourceType
    created_on: datetime.datetime | None
    updated_at: datetime.datetime | None


@dataclass(frozen=True)
class PipelineRun:
    """One run of a pipeline; times are None until they happen."""

    id: str
    pipeline_id: str
    status: DataPipelineRunStatus
    start_time: datetime.datetime | None
    end_time: datetime.datetime | None
    data_start_time: datetime.datetime | None
    data_end_time: datetime.datetime | None
    error_message: str
    data_source_type: TabularDataSourceType


def _pipeline(row: sqlite3.Row) -> Pipeline:
    return typed(
        Pipeline,
        row,
        enabled=bool(row["enabled"]),
        data_source_type=TabularDataSourceType(row["data_source_type"]),
        created_on=from_micros(row["created_on"]),
        updated_at=from_micros(row["updated_at"]),
    )


def _run(row: sqlite3.Row) -> PipelineRun:
    return typed(
        PipelineRun,
        row,
        status=DataPipelineRunStatus(row["status"]),
        start_time=from_micros(row["start_time"]),
        end_time=from_micros(row["end_time"]),
        data_start_time=from_micros(row["data_start_time"]),
        data_end_time=from_micros(row["data_end_time"]),
        data_source_type=TabularDataSourceType(row["data_source_type"]),
    )


def _micros(moment: datetime.datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


class PipelinesBackend:
    """The data pipelines of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def _duplicate(self, org_id: str, name: str) -> AlreadyExists:
        return AlreadyExists(f"organization {org_id!r} already has a data pipeline named {name!r}")

    # -- pipelines ------------------------------------------------------------------------

    def find(self, pipeline_id: str) -> Pipeline | None:
        row = self.store.one("SELECT * FROM data_pipelines WHERE id = ?", (pipeline_id,))
        return None if row is None else _pipeline(row)

    def of_organization(self, org_id: str) -> list[Pipeline]:
        """The organization's pipelines, oldest first."""
        rows = self.store.all(
            "SELECT * FROM data_pipelines WHERE organization_id = ? ORDER BY created_on, id", (org_id,)
        )
        return [_pipeline(r) for r in rows]

    def stages(self, pipeline_id: str) -> list[bytes]:
        """The pipeline's stages as stored (BSON documents), in order."""
        rows = self.store.all(
            "SELECT stage FROM data_pipeline_stages WHERE pipeline_id = ? ORDER BY position", (pipeline_id,)
        )
        return [bytes(r["stage"]) for r in rows]

    def create(
        self,
        org_id: str,
        name: str,
        schedule: str,
        mql_binary: Sequence[bytes],
        source: TabularDataSourceType | None,
    ) -> str:
        """Add an enabled pipeline with its first run scheduled; its id.

        Checks the name, the schedule and the stages in that order
        (INVALID_ARGUMENT); ALREADY_EXISTS for a name the organization uses.
        An unspecified data source is the standard one.
        """
        check_name(name)
        now = self.ctx.now()
        first, second = check_schedule(schedule, now)
        check_stages(mql_binary)
        if source is None or source == TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_UNSPECIFIED:
            source = TabularDataSourceType.TABULAR_DATA_SOURCE_TYPE_STANDARD
        pipeline_id = self.ctx.new_id()
        try:
            with self.store.transaction() as db:
                db.execute(
                    "INSERT INTO data_pipelines(id, organization_id, name, schedule, enabled, data_source_type, "
                    "created_on, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                    (pipeline_id, org_id, name, schedule, 1, int(source), to_micros(now), to_micros(now)),
                )
                db.executemany(
                    "INSERT INTO data_pipeline_stages(pipeline_id, position, stage) VALUES (?,?,?)",
                    [(pipeline_id, i, bytes(s)) for i, s in enumerate(mql_binary)],
                )
                self.record_run(pipeline_id, data_start_time=first, data_end_time=second)
        except sqlite3.IntegrityError:
            raise self._duplicate(org_id, name) from None
        return pipeline_id

    def rename(self, pipeline: Pipeline, name: str) -> None:
        check_name(name)
        try:
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE data_pipelines SET name = ?, updated_at = ? WHERE id = ?",
                    (name, to_micros(self.ctx.now()), pipeline.id),
                )
        except sqlite3.IntegrityError:
            raise self._duplicate(pipeline.organization_id, name) from None

    def set_enabled(self, pipeline_id: str, enabled: bool) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_pipelines SET enabled = ?, updated_at = ? WHERE id = ?",
                (int(enabled), to_micros(self.ctx.now()), pipeline_id),
            )

    def delete(self, pipeline_id: str) -> None:
        """Delete the pipeline with its stages, runs and sink."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM data_pipeline_runs WHERE pipeline_id = ?", (pipeline_id,))
            db.execute("DELETE FROM data_pipeline_sink WHERE pipeline_id = ?", (pipeline_id,))
            db.execute("DELETE FROM data_pipeline_stages WHERE pipeline_id = ?", (pipeline_id,))
            db.execute("DELETE FROM data_pipelines WHERE id = ?", (pipeline_id,))

    # -- runs -----------------------------------------------------------------------------

    def runs(self, pipeline_id: str, *, offset: int, limit: int) -> list[PipelineRun]:
        """The pipeline's runs, newest interval first, from ``offset`` on, at most ``limit``."""
        rows = self.store.all(
            "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? "
            "ORDER BY data_start_time DESC, seq DESC LIMIT ? OFFSET ?",
            (pipeline_id, limit, offset),
        )
        return [_run(r) for r in rows]

    def sink_size(self, pipeline_id: str) -> int:
        """How many documents the pipeline's runs have written to its sink."""
        row = self.store.one(
            "SELECT COUNT(*) AS n FROM data_pipeline_sink WHERE pipeline_id = ?", (pipeline_id,)
        )
        return 0 if row is None else int(row["n"])

    def record_run(
        self,
        pipeline_id: str,
        *,
        status: DataPipelineRunStatus = _SCHEDULED,
        data_start_time: datetime.datetime | None = None,
        data_end_time: datetime.datetime | None = None,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        error_message: str = "",
    ) -> str:
        """Record a run of ``pipeline_id`` (which must exist: KeyError otherwise) and return its id."""
        row = self.store.one("SELECT data_source_type FROM data_pipelines WHERE id = ?", (pipeline_id,))
        if row is None:
            raise KeyError(f"no data pipeline {pipeline_id!r}")
        run_id = self.ctx.new_id()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO data_pipeline_runs(id, pipeline_id, status, start_time, end_time, data_start_time, "
                "data_end_time, error_message, data_source_type) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    pipeline_id,
                    int(status),
                    *(_micros(t) for t in (start_time, end_time, data_start_time, data_end_time)),
                    error_message,
                    int(row["data_source_type"]),
                ),
            )
        return run_id

    def run_due(self, now: datetime.datetime | None = None) -> list[str]:
        """Execute every due run of every enabled pipeline; the ids of the runs executed, in order.

        ``now`` defaults to the emulator's clock.  Blocking (SQLite and the MQL engine).
        """
        moment = to_micros(now or self.ctx.now())
        executed: list[str] = []
        for row in self.store.all("SELECT * FROM data_pipelines WHERE enabled = 1 ORDER BY created_on, id"):
            pipeline = _pipeline(row)
            for _ in range(MAX_CATCH_UP):
                found = self.store.one(
                    "SELECT * FROM data_pipeline_runs WHERE pipeline_id = ? AND status = ? "
                    "ORDER BY data_start_time, seq LIMIT 1",
                    (pipeline.id, int(_SCHEDULED)),
                )
                if found is None or found["data_end_time"] is None or found["data_end_time"] > moment:
                    break
                run = _run(found)
                self._execute(pipeline, run)
                executed.append(run.id)
                end = run.data_end_time
                assert end is not None
                self.record_run(
                    pipeline.id, data_start_time=end, data_end_time=next_fire(pipeline.schedule, end)
                )
        return executed

    def _execute(self, pipeline: Pipeline, run: PipelineRun) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE data_pipeline_runs SET status = ?, start_time = ? WHERE id = ?",
                (int(_STARTED), to_micros(self.ctx.now()), run.id),
            )
        start, end = run.data_start_time, run.data_end_time
        assert start is not None and end is not None
        if int(pipeline.data_source_type) == HOT_STORAGE:
            start = max(start, self.ctx.now() - recent_window(self.ctx))
        error = ""
        out: list[bytes] = []
        try:
            stages = [bson.decode(raw, codec_options=_BSON_OPTIONS) for raw in self.stages(pipeline.id)]
            docs = reading_documents(
                self.store, pipeline.organization_id, start=start, end=end, narrow=prefilter(stages)
            )
            out = [bson.encode(doc) for doc in run_pipeline(docs, stages, Budget())]
        except (MQLError, QueryBudgetExceeded, bson.errors.BSONError, OverflowError) as exc:
            error = str(exc) or type(exc).__name__
        with self.store.transaction() as db:
            finished = db.execute(
                "UPDATE data_pipeline_runs SET status = ?, end_time = ?, error_message = ? WHERE id = ?",
                (int(_FAILED if error else _COMPLETED), to_micros(self.ctx.now()), error, run.id),
            )
            if not error and finished.rowcount:  # the pipeline may have been deleted meanwhile
                db.executemany(
                    "INSERT INTO data_pipeline_sink(pipeline_id, run_id, doc) VALUES (?,?,?)",
                    [(pipeline.id, run.id, raw) for raw in out],
                )


def record_run(ctx: EmulatorContext, pipeline_id: str, **fields: Any) -> str:
    """:meth:`PipelinesBackend.record_run` on the emulator of ``ctx``."""
    return PipelinesBackend(ctx).record_run(pipeline_id, **fields)


def run_due(ctx: EmulatorContext, now: datetime.datetime | None = None) -> list[str]:
    """:meth:`PipelinesBackend.run_due` on the emulator of ``ctx``."""
    return PipelinesBackend(ctx).run_due(now)
