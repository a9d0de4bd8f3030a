"""MLTrainingService of the emulator: training jobs kept in SQLite.

Nothing is trained.  A job is a row that walks through the states a real one
goes through, one step each time somebody looks at it, so tests see every
state without waiting on a clock:

* a job is reported as it stands by ``GetTrainingJob`` / ``ListTrainingJobs``
  and *then* moves one step on: PENDING -> IN_PROGRESS -> COMPLETED, and
  CANCELING -> CANCELED.  So after submitting, the first read says PENDING,
  the second IN_PROGRESS, the third COMPLETED.
* when a job starts (PENDING -> IN_PROGRESS) its dataset must still exist and
  hold at least one image; otherwise the job goes to FAILED instead, with an
  ``error_status`` saying why.
* a completed job gets a ``synced_model_id`` (the id of the model it made).
* ``CancelTrainingJob`` turns a PENDING or IN_PROGRESS job into CANCELING;
  on a finished job it answers FAILED_PRECONDITION.
* ``DeleteCompletedTrainingJob`` removes a COMPLETED, FAILED or CANCELED job;
  on a job still pending or running it answers FAILED_PRECONDITION.
* every step is written to the job's log (``GetTrainingJobLogs``).

Scoping: a job belongs to an organization; the caller needs access to it
(``viam_sdk.testing.auth.require_org``; owner rights to submit, cancel or
delete).  Unknown job ids answer NOT_FOUND, bad arguments INVALID_ARGUMENT,
a second job for the same model name and version in an organization
ALREADY_EXISTS.  Datasets are checked against the data plane's ``datasets``
and ``dataset_members`` tables; a custom job's registry item must exist, be
the organization's own or public, and be of type ML training
(``registry_items``), or the call answers NOT_FOUND / INVALID_ARGUMENT.

Custom training containers (``training_containers``): an organization
registers a container image (``RegisterCustomTrainingContainer``; the URI must
be an image reference, ``[registry/]name[:tag][@sha256:digest]``, or the call
answers INVALID_ARGUMENT; the same URI twice in one organization answers
ALREADY_EXISTS).  Registered containers are private to their organization;
another organization's answers PERMISSION_DENIED from ``GetContainer`` and
NOT_FOUND as a custom job's ``container_id``.  ``DeleteCustomTrainingContainer``
answers FAILED_PRECONDITION while a pending, running or cancelling job uses the
container.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import ServiceBase
from viam_api.app.mltraining.v1 import (
    CancelTrainingJobRequest,
    CancelTrainingJobResponse,
    Container,
    DeleteCompletedTrainingJobRequest,
    DeleteCompletedTrainingJobResponse,
    DeleteCustomTrainingContainerRequest,
    DeleteCustomTrainingContainerResponse,
    GetContainerRequest,
    GetContainerResponse,
    GetTrainingJobLogsRequest,
    GetTrainingJobLogsResponse,
    GetTrainingJobRequest,
    GetTrainingJobResponse,
    ListContainersRequest,
    ListContainersResponse,
    ListTrainingJobsRequest,
    ListTrainingJobsResponse,
    MLTrainingServiceBase,
    ModelFramework,
    ModelType,
    RegisterCustomTrainingContainerRequest,
    RegisterCustomTrainingContainerResponse,
    SubmitCustomTrainingJobRequest,
    SubmitCustomTrainingJobResponse,
    SubmitTrainingJobRequest,
    SubmitTrainingJobResponse,
    TrainingJobLogEntry,
    TrainingJobMetadata,
    TrainingStatus,
)
from viam_api.app.mltraining.v1 import Visibility as ContainerVisibility
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import Visibility
from viam_api.google.rpc import Status as RpcStatus

from ..auth import caller, require_org
from ..context import EmulatorContext, parse_iso
from ..errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

__all__ = ["SCHEMA", "MLTrainingService", "create_services"]

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
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?"
_NAME = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_URI = re.compile(
    rf"^(?:{_DOMAIN}/)?(?P<path>{_NAME}(?:/{_NAME})*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?"
    r"(?:@sha256:[0-9a-f]{64})?$"
)
CUSTOM_FRAMEWORK = "custom"


def _invalid(message: str) -> GRPCError:
    return InvalidArgument(message)


def _require_text(value: str, what: str) -> None:
    if not value.strip():
        raise _invalid(f"{what} must not be empty (got {value!r})")


def _enum_text(value: Any) -> str:
    """An enum value as ``NAME (number)``, or just the number when it is unknown."""
    name = getattr(value, "name", "") or ""
    return f"{name} ({int(value)})" if name and not name.startswith("~") else str(int(value))


def _table_exists(db: sqlite3.Connection, name: str) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


class MLTrainingService(MLTrainingServiceBase):
    """Training jobs over the emulator's store; see the module docstring for the rules."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    # -- submitting -----------------------------------------------------------------

    async def submit_training_job(self, request: SubmitTrainingJobRequest) -> SubmitTrainingJobResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        _require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        self._check_model(request.model_name, request.model_version, request.dataset_id)
        model_type = request.model_type
        if model_type not in FRAMEWORKS:
            raise _invalid(f"model_type {_enum_text(model_type)} is not one that built-in training supports")
        frameworks = FRAMEWORKS[model_type]
        framework = request.model_framework
        if framework == ModelFramework.MODEL_FRAMEWORK_UNSPECIFIED:
            framework = frameworks[0]
        elif framework not in frameworks:
            raise _invalid(f"model_framework {_enum_text(framework)} cannot train a {model_type.name} model")
        for tag in request.tags:
            _require_text(tag, "every tag")
        tags = list(dict.fromkeys(request.tags))
        return SubmitTrainingJobResponse(
            id=self._insert(
                org_id,
                request.dataset_id,
                request.model_name,
                request.model_version,
                model_type=int(model_type),
                model_framework=int(framework),
                tags=json.dumps(tags),
            )
        )

    async def submit_custom_training_job(
        self, request: SubmitCustomTrainingJobRequest
    ) -> SubmitCustomTrainingJobResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        _require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        self._check_model(request.model_name, request.model_version, request.dataset_id)
        _require_text(request.registry_item_id, "registry_item_id")
        self._check_training_script(request.registry_item_id, org_id)
        if request.container_id:
            container = self._container(request.container_id)
            if container["organization_id"] != org_id and container["visibility"] != int(
                ContainerVisibility.VISIBILITY_PUBLIC
            ):
                raise NotFound(f"training container {request.container_id!r} not found")
        return SubmitCustomTrainingJobResponse(
            id=self._insert(
                org_id,
                request.dataset_id,
                request.model_name,
                request.model_version,
                model_type=int(ModelType.MODEL_TYPE_UNSPECIFIED),
                model_framework=int(ModelFramework.MODEL_FRAMEWORK_UNSPECIFIED),
                is_custom_job=1,
                registry_item_id=request.registry_item_id,
                registry_item_version=request.registry_item_version,
                arguments=json.dumps(dict(sorted(request.arguments.items()))),
                container_version=request.container_version,
                container_id=request.container_id,
            )
        )

    def _check_training_script(self, item_id: str, org_id: str) -> None:
        """The registry item must exist, be visible to ``org_id`` and hold a training script."""
        with self.ctx.store.lock:
            db = self.ctx.store.db
            if not _table_exists(db, "registry_items"):
                return
            row = db.execute(
                "SELECT organization_id, type, visibility FROM registry_items WHERE id = ?", (item_id,)
            ).fetchone()
        if row is None or (
            row["organization_id"] != org_id and row["visibility"] == int(Visibility.VISIBILITY_PRIVATE)
        ):
            raise NotFound(f"registry item {item_id!r} not found")
        if row["type"] != int(PackageType.PACKAGE_TYPE_ML_TRAINING):
            kind = _enum_text(PackageType(row["type"]))
            raise _invalid(f"registry item {item_id!r} is a {kind}, not an ML training script")

    def _check_model(self, model_name: str, model_version: str, dataset_id: str) -> None:
        _require_text(dataset_id, "dataset_id")
        _require_text(model_name, "model_name")
        _require_text(model_version, "model_version")

    def _insert(self, org_id: str, dataset_id: str, model_name: str, model_version: str, **extra: Any) -> str:
        job_id = self.ctx.new_id()
        now = self.ctx.now_iso()
        with self.ctx.store.transaction() as db:
            if _table_exists(db, "datasets"):
                found = db.execute(
                    "SELECT 1 FROM datasets WHERE id = ? AND organization_id = ?", (dataset_id, org_id)
                ).fetchone()
                if found is None:
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
            marks = ", ".join("?" * len(columns))
            db.execute(f"INSERT INTO training_jobs ({names}) VALUES ({marks})", tuple(columns.values()))
            self._log(db, job_id, "info", f"job submitted: model {model_name!r} version {model_version!r}")
        return job_id

    # -- reading (each read moves a job one step on) ----------------------------------

    async def get_training_job(self, request: GetTrainingJobRequest) -> GetTrainingJobResponse:
        ident = caller(self.ctx)
        row = self._job(request.id)
        require_org(self.ctx, ident, str(row["organization_id"]))
        with self.ctx.store.transaction() as db:
            self._advance(db, row)
        return GetTrainingJobResponse(metadata=_metadata(row))

    async def list_training_jobs(self, request: ListTrainingJobsRequest) -> ListTrainingJobsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        _require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id)
        status = request.status
        if status != TrainingStatus.TRAINING_STATUS_UNSPECIFIED and status not in set(TrainingStatus):
            raise _invalid(f"status {_enum_text(status)} is not a training status")
        sql = "SELECT * FROM training_jobs WHERE organization_id = ?"
        params: list[Any] = [org_id]
        if status != TrainingStatus.TRAINING_STATUS_UNSPECIFIED:
            sql += " AND status = ?"
            params.append(int(status))
        with self.ctx.store.transaction() as db:
            rows = db.execute(sql + " ORDER BY seq", params).fetchall()
            for row in rows:
                self._advance(db, row)
        return ListTrainingJobsResponse(jobs=[_metadata(row) for row in rows])

    async def get_training_job_logs(self, request: GetTrainingJobLogsRequest) -> GetTrainingJobLogsResponse:
        ident = caller(self.ctx)
        row = self._job(request.id)
        require_org(self.ctx, ident, str(row["organization_id"]))
        token = request.page_token or ""
        try:
            after = int(token) if token else 0
        except ValueError:
            raise _invalid(f"page_token {token!r} was not issued by this service") from None
        logs = self.ctx.store.all(
            "SELECT seq, level, time, message FROM training_job_logs WHERE job_id = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (request.id, after, LOG_PAGE_SIZE + 1),
        )
        more = len(logs) > LOG_PAGE_SIZE
        logs = logs[:LOG_PAGE_SIZE]
        return GetTrainingJobLogsResponse(
            logs=[
                TrainingJobLogEntry(
                    level=str(r["level"]), time=parse_iso(str(r["time"])), message=str(r["message"])
                )
                for r in logs
            ],
            next_page_token=str(logs[-1]["seq"]) if more else "",
        )

    # -- changing ---------------------------------------------------------------------

    async def cancel_training_job(self, request: CancelTrainingJobRequest) -> CancelTrainingJobResponse:
        ident = caller(self.ctx)
        row = self._job(request.id)
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        status = TrainingStatus(row["status"])
        if status == CANCELING:
            return CancelTrainingJobResponse()
        if status not in RUNNING:
            raise FailedPrecondition(
                f"training job {request.id!r} is {status.name} and can no longer be cancelled",
            )
        with self.ctx.store.transaction() as db:
            now = self.ctx.now_iso()
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ? WHERE id = ?",
                (int(CANCELING), now, request.id),
            )
            self._log(db, request.id, "info", "cancellation requested")
        return CancelTrainingJobResponse()

    async def delete_completed_training_job(
        self, request: DeleteCompletedTrainingJobRequest
    ) -> DeleteCompletedTrainingJobResponse:
        ident = caller(self.ctx)
        row = self._job(request.id)
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        status = TrainingStatus(row["status"])
        if status not in FINISHED:
            raise FailedPrecondition(
                f"training job {request.id!r} is {status.name}; only finished jobs can be deleted",
            )
        with self.ctx.store.transaction() as db:
            db.execute("DELETE FROM training_jobs WHERE id = ?", (request.id,))
            db.execute("DELETE FROM training_job_logs WHERE job_id = ?", (request.id,))
        return DeleteCompletedTrainingJobResponse()

    # -- custom training containers ------------------------------------------------------

    async def register_custom_training_container(
        self, request: RegisterCustomTrainingContainerRequest
    ) -> RegisterCustomTrainingContainerResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        _require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        uri = request.image_uri
        _require_text(uri, "image_uri")
        match = IMAGE_URI.match(uri)
        if match is None:
            raise _invalid(
                f"image_uri {uri!r} is not a container image reference "
                "([registry/]name[:tag][@sha256:digest], lower-case name)"
            )
        key = match.group("path").rsplit("/", 1)[-1] + (f":{match.group('tag')}" if match.group("tag") else "")
        container_id = self.ctx.new_id()
        with self.ctx.store.transaction() as db:
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
                    request.description,
                    int(ContainerVisibility.VISIBILITY_PRIVATE),
                    self.ctx.now_iso(),
                ),
            )
        return RegisterCustomTrainingContainerResponse(id=container_id)

    async def get_container(self, request: GetContainerRequest) -> GetContainerResponse:
        ident = caller(self.ctx)
        row = self._container(request.id)
        if row["visibility"] != int(ContainerVisibility.VISIBILITY_PUBLIC):
            require_org(self.ctx, ident, str(row["organization_id"]))
        return GetContainerResponse(container=_container(row))

    async def list_containers(self, request: ListContainersRequest) -> ListContainersResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        _require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id)
        rows = self.ctx.store.all(
            "SELECT * FROM training_containers WHERE organization_id = ? ORDER BY seq", (org_id,)
        )
        return ListContainersResponse(containers=[_container(row) for row in rows])

    async def delete_custom_training_container(
        self, request: DeleteCustomTrainingContainerRequest
    ) -> DeleteCustomTrainingContainerResponse:
        ident = caller(self.ctx)
        row = self._container(request.id)
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        busy = [int(s) for s in (*RUNNING, CANCELING)]
        with self.ctx.store.transaction() as db:
            job = db.execute(
                f"SELECT id FROM training_jobs WHERE container_id = ? AND status IN ({', '.join('?' * len(busy))}) "
                "ORDER BY seq LIMIT 1",
                (request.id, *busy),
            ).fetchone()
            if job is not None:
                raise FailedPrecondition(
                    f"training container {request.id!r} is in use by training job {job['id']!r}",
                )
            db.execute("DELETE FROM training_containers WHERE id = ?", (request.id,))
        return DeleteCustomTrainingContainerResponse()

    # -- helpers ------------------------------------------------------------------------

    def _container(self, container_id: str) -> sqlite3.Row:
        _require_text(container_id, "id")
        row = self.ctx.store.one("SELECT * FROM training_containers WHERE id = ?", (container_id,))
        if row is None:
            raise NotFound(f"training container {container_id!r} not found")
        return row

    def _job(self, job_id: str) -> sqlite3.Row:
        _require_text(job_id, "id")
        row = self.ctx.store.one("SELECT * FROM training_jobs WHERE id = ?", (job_id,))
        if row is None:
            raise NotFound(f"training job {job_id!r} not found")
        return row

    def _log(self, db: sqlite3.Connection, job_id: str, level: str, message: str) -> None:
        db.execute(
            "INSERT INTO training_job_logs (job_id, level, time, message) VALUES (?, ?, ?, ?)",
            (job_id, level, self.ctx.now_iso(), message),
        )

    def _advance(self, db: sqlite3.Connection, row: sqlite3.Row) -> None:
        """Move the job of ``row`` one step on (``row`` keeps the state just reported)."""
        job_id = str(row["id"])
        status = TrainingStatus(row["status"])
        now = self.ctx.now_iso()
        if status == PENDING:
            problem = _dataset_problem(db, str(row["dataset_id"]), str(row["organization_id"]))
            if problem is not None:
                db.execute(
                    "UPDATE training_jobs SET status = ?, error_code = ?, error_message = ?, "
                    "last_modified = ?, training_ended = ? WHERE id = ?",
                    (int(FAILED), int(Status.FAILED_PRECONDITION.value), problem, now, now, job_id),
                )
                self._log(db, job_id, "error", f"training failed: {problem}")
                return
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_started = ? WHERE id = ?",
                (int(IN_PROGRESS), now, now, job_id),
            )
            self._log(db, job_id, "info", "training started")
        elif status == IN_PROGRESS:
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_ended = ?, "
                "synced_model_id = ? WHERE id = ?",
                (int(COMPLETED), now, now, self.ctx.new_id(), job_id),
            )
            self._log(db, job_id, "info", "training completed; model synced")
        elif status == CANCELING:
            db.execute(
                "UPDATE training_jobs SET status = ?, last_modified = ?, training_ended = ? WHERE id = ?",
                (int(CANCELED), now, now, job_id),
            )
            self._log(db, job_id, "info", "training cancelled")


def _dataset_problem(db: sqlite3.Connection, dataset_id: str, org_id: str) -> str | None:
    """Why the dataset cannot be trained on, or None when it can."""
    if not _table_exists(db, "datasets"):
        return None
    if (
        db.execute(
            "SELECT 1 FROM datasets WHERE id = ? AND organization_id = ?", (dataset_id, org_id)
        ).fetchone()
        is None
    ):
        return f"dataset {dataset_id!r} no longer exists"
    if _table_exists(db, "dataset_members"):
        member = db.execute(
            "SELECT 1 FROM dataset_members WHERE dataset_id = ? LIMIT 1", (dataset_id,)
        ).fetchone()
        if member is None:
            return f"dataset {dataset_id!r} holds no images to train on"
    return None


def _metadata(row: sqlite3.Row) -> TrainingJobMetadata:
    error = None
    if row["error_code"] is not None:
        error = RpcStatus(code=int(row["error_code"]), message=str(row["error_message"]))
    return TrainingJobMetadata(
        id=str(row["id"]),
        dataset_id=str(row["dataset_id"]),
        organization_id=str(row["organization_id"]),
        model_name=str(row["model_name"]),
        model_version=str(row["model_version"]),
        model_type=ModelType(row["model_type"]),
        model_framework=ModelFramework(row["model_framework"]),
        is_custom_job=bool(row["is_custom_job"]),
        registry_item_id=str(row["registry_item_id"]),
        registry_item_version=str(row["registry_item_version"]),
        status=TrainingStatus(row["status"]),
        error_status=error,
        created_on=parse_iso(str(row["created_on"])),
        last_modified=parse_iso(str(row["last_modified"])),
        training_started=parse_iso(row["training_started"]),
        training_ended=parse_iso(row["training_ended"]),
        synced_model_id=str(row["synced_model_id"]),
        tags=list(json.loads(row["tags"])),
        arguments=dict(json.loads(row["arguments"])),
        container_version=str(row["container_version"]),
        container_id=str(row["container_id"]),
    )


def _container(row: sqlite3.Row) -> Container:
    return Container(
        id=str(row["id"]),
        key=str(row["key"]),
        uri=str(row["uri"]),
        framework=str(row["framework"]),
        description=str(row["description"]),
        organization_id=str(row["organization_id"]),
        created_on=parse_iso(str(row["created_on"])),
        visibility=ContainerVisibility(row["visibility"]),
    )


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [MLTrainingService(ctx)]
