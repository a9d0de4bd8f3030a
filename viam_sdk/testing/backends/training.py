"""ML training state and rules: jobs and their logs, custom training containers.

Tables ``training_jobs``, ``training_job_logs`` and ``training_containers``.
The life of a job (each read moves it one step on, a job starts only on a
dataset that still exists and holds an image, what may be cancelled or
deleted) and the container rules are described in ``services/mltraining.py``,
whose handlers call :class:`TrainingBackend`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from grpclib.const import Status
from viam_api.app.mltraining.v1 import ModelFramework, ModelType, TrainingStatus
from viam_api.app.mltraining.v1 import Visibility as ContainerVisibility
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import Visibility

from ..context import EmulatorContext, parse_iso
from ..errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from ..store import Store
from ._sql import marks, number, table_exists, typed
from .datasets import DatasetsBackend
from .registry import registry_item

__all__ = [
    "FRAMEWORKS",
    "LOG_PAGE_SIZE",
    "SCHEMA",
    "SUPPORTED_CONTAINERS",
    "SupportedContainer",
    "TrainingBackend",
    "TrainingContainer",
    "TrainingJob",
    "TrainingLog",
    "completed_since",
    "enum_text",
    "require_text",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS training_jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_version TEXT NOT NULL,
    model_type INTEGER NOT NULL,
    model_framework INTEGER NOT NULL,
    is_custom_job INTEGER NOT NULL DEFAULT 0,
    registry_item_id TEXT NOT NULL DEFAULT '',
    registry_item_version TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    arguments TEXT NOT NULL DEFAULT '{}',
    container_version TEXT NOT NULL DEFAULT '',
    container_id TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL,
    error_code INTEGER,
    error_message TEXT NOT NULL DEFAULT '',
    created_on TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    training_started TEXT,
    training_ended TEXT,
    synced_model_id TEXT NOT NULL DEFAULT '',
    UNIQUE (organization_id, model_name, model_version)
);
CREATE INDEX IF NOT EXISTS training_jobs_by_org ON training_jobs(organization_id, seq);
CREATE TABLE IF NOT EXISTS training_job_logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    level TEXT NOT NULL,
    time TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS training_job_logs_by_job ON training_job_logs(job_id, seq);
CREATE TABLE IF NOT EXISTS training_containers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    key TEXT NOT NULL,
    uri TEXT NOT NULL,
    framework TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    visibility INTEGER NOT NULL,
    created_on TEXT NOT NULL,
    UNIQUE (organization_id, uri)
);
CREATE INDEX IF NOT EXISTS training_containers_by_org ON training_containers(organization_id, seq);
"""

PENDING = TrainingStatus.TRAINING_STATUS_PENDING
IN_PROGRESS = TrainingStatus.TRAINING_STATUS_IN_PROGRESS
COMPLETED = TrainingStatus.TRAINING_STATUS_COMPLETED
FAILED = TrainingStatus.TRAINING_STATUS_FAILED
CANCELED = TrainingStatus.TRAINING_STATUS_CANCELED
CANCELING = TrainingStatus.TRAINING_STATUS_CANCELING

RUNNING = frozenset({PENDING, IN_PROGRESS})
FINISHED = frozenset({COMPLETED, FAILED, CANCELED})

# Built-in training: which frameworks each model type can be trained with
# (the first is used when the request leaves the framework unspecified).
FRAMEWORKS: dict[ModelType, tuple[ModelFramework, ...]] = {
    ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION: (
        ModelFramework.MODEL_FRAMEWORK_TFLITE,
        ModelFramework.MODEL_FRAMEWORK_TENSORFLOW,
    ),
    ModelType.MODEL_TYPE_MULTI_LABEL_CLASSIFICATION: (
        ModelFramework.MODEL_FRAMEWORK_TFLITE,
        ModelFramework.MODEL_FRAMEWORK_TENSORFLOW,
    ),
    ModelType.MODEL_TYPE_OBJECT_DETECTION: (
        ModelFramework.MODEL_FRAMEWORK_TFLITE,
        ModelFramework.MODEL_FRAMEWORK_TENSORFLOW,
    ),
}

LOG_PAGE_SIZE = 100

# A container image reference: [registry[:port]/]name[/name...][:tag][@sha256:digest].
_DOMAIN = (
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?"
)
_NAME = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_URI = re.compile(
    rf"^(?:{_DOMAIN}/)?(?P<path>{_NAME}(?:/{_NAME})*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?"
    r"(?:@sha256:[0-9a-f]{64})?$"
)
CUSTOM_FRAMEWORK = "custom"


def require_text(value: str, what: str) -> None:
    """INVALID_ARGUMENT unless ``value`` holds more than white space."""
    if not value.strip():
        raise InvalidArgument(f"{what} must not be empty (got {value!r})")


def enum_text(value: Any) -> str:
    """An enum value as ``NAME (number)``, or just the number when it is unknown."""
    name = getattr(value, "name", "") or ""
    return f"{name} ({int(value)})" if name and not name.startswith("~") else str(int(value))


def built_in_framework(model_type: ModelType, framework: ModelFramework) -> ModelFramework:
    """The framework built-in training uses for ``model_type``; INVALID_ARGUMENT when it cannot."""
    if model_type not in FRAMEWORKS:
        raise InvalidArgument(
            f"model_type {enum_text(model_type)} is not one that built-in training supports"
        )
    frameworks = FRAMEWORKS[model_type]
    if framework == ModelFramework.MODEL_FRAMEWORK_UNSPECIFIED:
        return frameworks[0]
    if framework not in frameworks:
        raise InvalidArgument(
            f"model_framework {enum_text(framework)} cannot train a {model_type.name} model"
        )
    return framework


@dataclass(frozen=True)
class TrainingJob:
    """One stored training job, as it stood when it was read."""

    id: str
    organization_id: str
    dataset_id: str
    model_name: str
    model_version: str
    model_type: ModelType
    model_framework: ModelFramework
    is_custom_job: bool
    registry_item_id: str
    registry_item_version: str
    tags: tuple[str, ...]
    arguments: dict[str, Any]
    container_version: str
    container_id: str
    status: TrainingStatus
    error_code: int | None
    error_message: str
    created_on: datetime | None
    last_modified: datetime | None
    training_started: datetime | None
    training_ended: datetime | None
    synced_model_id: str


@dataclass(frozen=True)
class TrainingLog:
    """One line of a job's log; ``seq`` orders the lines and pages them."""

    seq: int
    level: str
    time: datetime | None
    message: str


@dataclass(frozen=True)
class SupportedContainer:
    """A training image the platform itself provides to custom training jobs (the same for everyone)."""

    key: str
    uri: str
    framework: str
    description: str
    eol: datetime


#: The emulator's catalogue of provided training images, by key (ListSupportedContainers).
SUPPORTED_CONTAINERS: tuple[SupportedContainer, ...] = (
    SupportedContainer(
        "tf:2.15",
        "registry.emulator.invalid/training/tensorflow:2.15",
        "tensorflow",
        "TensorFlow 2.15 with Keras, CPU and GPU",
        datetime(2026, 6, 30, tzinfo=timezone.utc),
    ),
    SupportedContainer(
        "tf:2.16",
        "registry.emulator.invalid/training/tensorflow:2.16",
        "tensorflow",
        "TensorFlow 2.16 with Keras, CPU and GPU",
        datetime(2027, 6, 30, tzinfo=timezone.utc),
    ),
    SupportedContainer(
        "pytorch:2.3",
        "registry.emulator.invalid/training/pytorch:2.3",
        "pytorch",
        "PyTorch 2.3 with torchvision, CPU and GPU",
        datetime(2027, 6, 30, tzinfo=timezone.utc),
    ),
    SupportedContainer(
        "sklearn:1.5",
        "registry.emulator.invalid/training/scikit-learn:1.5",
        "scikit-learn",
        "scikit-learn 1.5 with pandas, CPU only",
        datetime(2027, 12, 31, tzinfo=timezone.utc),
    ),
)


@dataclass(frozen=True)
class TrainingContainer:
    """A registered custom training container image."""

    id: str
    organization_id: str
    key: str
    uri: str
    framework: str
    description: str
    visibility: ContainerVisibility
    created_on: datetime | None

    @property
    def public(self) -> bool:
        return self.visibility == ContainerVisibility.VISIBILITY_PUBLIC


def _job(row: sqlite3.Row) -> TrainingJob:
    return typed(
        TrainingJob,
        row,
        model_type=ModelType(row["model_type"]),
        model_framework=ModelFramework(row["model_framework"]),
        is_custom_job=bool(row["is_custom_job"]),
        tags=tuple(json.loads(row["tags"])),
        arguments=dict(json.loads(row["arguments"])),
        status=TrainingStatus(row["status"]),
        created_on=parse_iso(row["created_on"]),
        last_modified=parse_iso(row["last_modified"]),
        training_started=parse_iso(row["training_started"]),
        training_ended=parse_iso(row["training_ended"]),
    )


def _container(row: sqlite3.Row) -> TrainingContainer:
    return typed(
        TrainingContainer,
        row,
        visibility=ContainerVisibility(row["visibility"]),
        created_on=parse_iso(row["created_on"]),
    )


def completed_since(store: Store, org_id: str, since: str) -> int:
    """How many of the organization's jobs completed at or after ``since`` (an ISO time as stored)."""
    return int(
        number(
            store,
            "SELECT COUNT(*) FROM training_jobs WHERE organization_id = ? AND status = ? AND training_ended >= ?",
            (org_id, int(COMPLETED), since),
        )
    )


class TrainingBackend:
    """Training jobs and containers of every organization, over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.datasets = DatasetsBackend(ctx)

    # -- jobs ------------------------------------------------------------------------

    def job(self, job_id: str) -> TrainingJob:
        """The job ``job_id``; INVALID_ARGUMENT for an empty id, NOT_FOUND for an unknown one."""
        require_text(job_id, "id")
        row = self.store.one("SELECT * FROM training_jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFound(f"training job {job_id!r} not found")
        return _job(row)

    def check_training_script(self, item_id: str, org_id: str) -> None:
        """The registry item must exist, be visible to ``org_id`` and hold a training script."""
        if not table_exists(self.store, "registry_items"):
            return
        item = registry_item(self.store, item_id)
        if item is None or (
            item.organization_id != org_id and item.visibility == int(Visibility.VISIBILITY_PRIVATE)
        ):
            raise NotFound(f"registry item {item_id!r} not found")
        if item.type != int(PackageType.PACKAGE_TYPE_ML_TRAINING):
            kind = enum_text(PackageType(item.type))
            raise InvalidArgument(f"registry item {item_id!r} is a {kind}, not an ML training script")

    def submit(self, org_id: str, dataset_id: str, model_name: str, model_version: str, **extra: Any) -> str:
        """Add a PENDING job and return its id.

        NOT_FOUND when the dataset is not the organization's, ALREADY_EXISTS when
        the organization has a job for that model name and version; ``extra``
        sets further columns (``model_type``, ``tags``, ...).
        """
        job_id = self.ctx.new_id()
        now = self.ctx.now_iso()
        with self.store.transaction() as db:
            if table_exists(self.store, "datasets") and not self.datasets.in_organization(dataset_id, org_id):
                raise NotFound(f"dataset {dataset_id!r} not found in organization {org_id!r}")
            taken = db.execute(
                "SELECT 1 FROM training_jobs WHERE organization_id = ? AND model_name = ? AND model_version = ?",
                (org_id, model_name, model_version),
            ).fetchone()
            if taken is not None:
                raise AlreadyExists(
                    f"organization {org_id!r} already has a training job for model {model_name!r} "
                    f"version {model_version!r}",
                )
            columns = {
                "id": job_id,
                "organization_id": org_id,
                "dataset_id": dataset_id,
                "model_name": model_name,
                "model_version": model_version,
                "status": int(PENDING),
                "created_on": now,
                "last_modified": now,
                **extra,
            }
            names = ", ".join(columns)
            db.execute(
                f"INSERT INTO training_jobs ({names}) VALUES ({marks(len(columns))})", tuple(columns.values())
            )
            self.add_log(job_id, "info", f"job submitted: model {model_name!r} version {model_version!r}")
        return job_id

    def read_job(self, job: TrainingJob) -> None:
        """Record that ``job`` was reported: it moves one step on."""
        with self.store.transaction():
            self._advance(job)

    def read_jobs(self, org_id: str, status: TrainingStatus) -> list[TrainingJob]:
        """The organization's jobs (of ``status``, unless unspecified) as they stand, oldest first.

        Each then moves one step on, in the same transaction.
        """
        sql = "SELECT * FROM training_jobs WHERE organization_id = ?"
        params: list[Any] = [org_id]
        if status != TrainingStatus.TRAINING_STATUS_UNSPECIFIED:
            sql += " AND status = ?"
            params.append(int(status))
        with self.store.transaction() as db:
            jobs = [_job(row) for row in db.execute(sql + " ORDER BY seq", params).fetchall()]
            for job in jobs:
                self._advance(job)
        return jobs

    def cancel(self, job: TrainingJob) -> None:
        """Turn a pending or running job into CANCELING; FAILED_PRECONDITION once it has finished."""
        if job.status == CANCELING:
            return
        if job.status not in RUNNING:
            raise FailedPrecondition(
                f"training job {job.id!r} is {job.status.name} and can no longer be cancelled",
            )
        with self.store.transaction() as db:
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ? WHERE id = ?",
                (int(CANCELING), self.ctx.now_iso(), job.id),
            )
            self.add_log(job.id, "info", "cancellation requested")

    def delete_finished(self, job: TrainingJob) -> None:
        """Delete a finished job and its log; FAILED_PRECONDITION while it is pending or running."""
        if job.status not in FINISHED:
            raise FailedPrecondition(
                f"training job {job.id!r} is {job.status.name}; only finished jobs can be deleted",
            )
        with self.store.transaction() as db:
            db.execute("DELETE FROM training_jobs WHERE id = ?", (job.id,))
            db.execute("DELETE FROM training_job_logs WHERE job_id = ?", (job.id,))

    # -- logs ------------------------------------------------------------------------

    def add_log(self, job_id: str, level: str, message: str) -> None:
        """Append a line to the job's log, timed by the emulator's clock."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO training_job_logs (job_id, level, time, message) VALUES (?, ?, ?, ?)",
                (job_id, level, self.ctx.now_iso(), message),
            )

    def logs(self, job_id: str, *, after: int, limit: int) -> list[TrainingLog]:
        """Up to ``limit`` lines of the job's log after line ``after`` (0: from the start)."""
        rows = self.store.all(
            "SELECT seq, level, time, message FROM training_job_logs WHERE job_id = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (job_id, after, limit),
        )
        return [
            TrainingLog(int(r["seq"]), str(r["level"]), parse_iso(str(r["time"])), str(r["message"]))
            for r in rows
        ]

    # -- containers --------------------------------------------------------------------

    def container(self, container_id: str) -> TrainingContainer:
        """The container ``container_id``; INVALID_ARGUMENT for an empty id, NOT_FOUND for an unknown one."""
        require_text(container_id, "id")
        row = self.store.one("SELECT * FROM training_containers WHERE id = ?", (container_id,))
        if row is None:
            raise NotFound(f"training container {container_id!r} not found")
        return _container(row)

    def containers(self, org_id: str) -> list[TrainingContainer]:
        rows = self.store.all(
            "SELECT * FROM training_containers WHERE organization_id = ? ORDER BY seq", (org_id,)
        )
        return [_container(r) for r in rows]

    def register_container(self, org_id: str, uri: str, description: str) -> str:
        """Register image ``uri`` for the organization (private to it) and return the container id.

        INVALID_ARGUMENT for a URI that is not an image reference, ALREADY_EXISTS
        when the organization registered it before.
        """
        require_text(uri, "image_uri")
        match = IMAGE_URI.match(uri)
        if match is None:
            raise InvalidArgument(
                f"image_uri {uri!r} is not a container image reference "
                "([registry/]name[:tag][@sha256:digest], lower-case name)"
            )
        key = match.group("path").rsplit("/", 1)[-1] + (
            f":{match.group('tag')}" if match.group("tag") else ""
        )
        container_id = self.ctx.new_id()
        with self.store.transaction() as db:
            taken = db.execute(
                "SELECT id FROM training_containers WHERE organization_id = ? AND uri = ?", (org_id, uri)
            ).fetchone()
            if taken is not None:
                raise AlreadyExists(
                    f"organization {org_id!r} already registered image {uri!r} (container {taken['id']!r})",
                )
            db.execute(
                "INSERT INTO training_containers (id, organization_id, key, uri, framework, description, "
                "visibility, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    container_id,
                    org_id,
                    key,
                    uri,
                    CUSTOM_FRAMEWORK,
                    description,
                    int(ContainerVisibility.VISIBILITY_PRIVATE),
                    self.ctx.now_iso(),
                ),
            )
        return container_id

    def delete_container(self, container: TrainingContainer) -> None:
        """Delete the container; FAILED_PRECONDITION while a pending, running or cancelling job uses it."""
        busy = [int(s) for s in (*RUNNING, CANCELING)]
        with self.store.transaction() as db:
            job = db.execute(
                f"SELECT id FROM training_jobs WHERE container_id = ? AND status IN ({marks(len(busy))}) "
                "ORDER BY seq LIMIT 1",
                (container.id, *busy),
            ).fetchone()
            if job is not None:
                raise FailedPrecondition(
                    f"training container {container.id!r} is in use by training job {job['id']!r}",
                )
            db.execute("DELETE FROM training_containers WHERE id = ?", (container.id,))

    # -- the life of a job ------------------------------------------------------------------

    def _advance(self, job: TrainingJob) -> None:
        """Move ``job`` one step on (call inside a transaction)."""
        db = self.store.db
        now = self.ctx.now_iso()
        if job.status == PENDING:
            problem = self._dataset_problem(job.dataset_id, job.organization_id)
            if problem is not None:
                db.execute(
                    "UPDATE training_jobs SET status = ?, error_code = ?, error_message = ?, "
                    "last_modified = ?, training_ended = ? WHERE id = ?",
                    (int(FAILED), int(Status.FAILED_PRECONDITION.value), problem, now, now, job.id),
                )
                self.add_log(job.id, "error", f"training failed: {problem}")
                return
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_started = ? WHERE id = ?",
                (int(IN_PROGRESS), now, now, job.id),
            )
            self.add_log(job.id, "info", "training started")
        elif job.status == IN_PROGRESS:
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_ended = ?, "
                "synced_model_id = ? WHERE id = ?",
                (int(COMPLETED), now, now, self.ctx.new_id(), job.id),
            )
            self.add_log(job.id, "info", "training completed; model synced")
        elif job.status == CANCELING:
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_ended = ? WHERE id = ?",
                (int(CANCELED), now, now, job.id),
            )
            self.add_log(job.id, "info", "training cancelled")

    def _dataset_problem(self, dataset_id: str, org_id: str) -> str | None:
        """Why the dataset cannot be trained on, or None when it can."""
        if not table_exists(self.store, "datasets"):
            return None
        if not self.datasets.in_organization(dataset_id, org_id):
            return f"dataset {dataset_id!r} no longer exists"
        if table_exists(self.store, "dataset_members") and not self.datasets.has_members(dataset_id):
            return f"dataset {dataset_id!r} holds no images to train on"
        return None
