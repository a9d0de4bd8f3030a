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
container.  ``ListSupportedContainers`` answers the platform's own training
images (a fixed catalogue, ``backends.training.SUPPORTED_CONTAINERS``), by key,
to any signed-in caller.
"""

from __future__ import annotations

import json

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
    ListSupportedContainersRequest,
    ListSupportedContainersResponse,
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
from viam_api.google.rpc import Status as RpcStatus

from ..auth import caller, require_org
from ..backends.training import (
    LOG_PAGE_SIZE,
    SCHEMA,
    SUPPORTED_CONTAINERS,
    TrainingBackend,
    TrainingContainer,
    TrainingJob,
    built_in_framework,
    enum_text,
    require_text,
)
from ..context import EmulatorContext
from ..errors import InvalidArgument, NotFound

__all__ = ["SCHEMA", "MLTrainingService", "create_services"]


def _check_model(model_name: str, model_version: str, dataset_id: str) -> None:
    require_text(dataset_id, "dataset_id")
    require_text(model_name, "model_name")
    require_text(model_version, "model_version")


class MLTrainingService(MLTrainingServiceBase):
    """Training jobs over the emulator's store; see the module docstring for the rules."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.training = TrainingBackend(ctx)

    # -- submitting -----------------------------------------------------------------

    async def submit_training_job(self, request: SubmitTrainingJobRequest) -> SubmitTrainingJobResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        _check_model(request.model_name, request.model_version, request.dataset_id)
        framework = built_in_framework(request.model_type, request.model_framework)
        for tag in request.tags:
            require_text(tag, "every tag")
        tags = list(dict.fromkeys(request.tags))
        return SubmitTrainingJobResponse(
            id=self.training.submit(
                org_id,
                request.dataset_id,
                request.model_name,
                request.model_version,
                model_type=int(request.model_type),
                model_framework=int(framework),
                tags=json.dumps(tags),
            )
        )

    async def submit_custom_training_job(
        self, request: SubmitCustomTrainingJobRequest
    ) -> SubmitCustomTrainingJobResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        _check_model(request.model_name, request.model_version, request.dataset_id)
        require_text(request.registry_item_id, "registry_item_id")
        self.training.check_training_script(request.registry_item_id, org_id)
        if request.container_id:
            container = self.training.container(request.container_id)
            if container.organization_id != org_id and not container.public:
                raise NotFound(f"training container {request.container_id!r} not found")
        return SubmitCustomTrainingJobResponse(
            id=self.training.submit(
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

    # -- reading (each read moves a job one step on) ----------------------------------

    async def get_training_job(self, request: GetTrainingJobRequest) -> GetTrainingJobResponse:
        ident = caller(self.ctx)
        job = self.training.job(request.id)
        require_org(self.ctx, ident, job.organization_id)
        self.training.read_job(job)
        return GetTrainingJobResponse(metadata=_metadata(job))

    async def list_training_jobs(self, request: ListTrainingJobsRequest) -> ListTrainingJobsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id)
        status = request.status
        if status != TrainingStatus.TRAINING_STATUS_UNSPECIFIED and status not in set(TrainingStatus):
            raise InvalidArgument(f"status {enum_text(status)} is not a training status")
        return ListTrainingJobsResponse(jobs=[_metadata(job) for job in self.training.read_jobs(org_id, status)])

    async def get_training_job_logs(self, request: GetTrainingJobLogsRequest) -> GetTrainingJobLogsResponse:
        ident = caller(self.ctx)
        job = self.training.job(request.id)
        require_org(self.ctx, ident, job.organization_id)
        token = request.page_token or ""
        try:
            after = int(token) if token else 0
        except ValueError:
            raise InvalidArgument(f"page_token {token!r} was not issued by this service") from None
        logs = self.training.logs(request.id, after=after, limit=LOG_PAGE_SIZE + 1)
        more = len(logs) > LOG_PAGE_SIZE
        logs = logs[:LOG_PAGE_SIZE]
        return GetTrainingJobLogsResponse(
            logs=[TrainingJobLogEntry(level=log.level, time=log.time, message=log.message) for log in logs],
            next_page_token=str(logs[-1].seq) if more else "",
        )

    # -- changing ---------------------------------------------------------------------

    async def cancel_training_job(self, request: CancelTrainingJobRequest) -> CancelTrainingJobResponse:
        ident = caller(self.ctx)
        job = self.training.job(request.id)
        require_org(self.ctx, ident, job.organization_id, write=True)
        self.training.cancel(job)
        return CancelTrainingJobResponse()

    async def delete_completed_training_job(
        self, request: DeleteCompletedTrainingJobRequest
    ) -> DeleteCompletedTrainingJobResponse:
        ident = caller(self.ctx)
        job = self.training.job(request.id)
        require_org(self.ctx, ident, job.organization_id, write=True)
        self.training.delete_finished(job)
        return DeleteCompletedTrainingJobResponse()

    # -- custom training containers ------------------------------------------------------

    async def register_custom_training_container(
        self, request: RegisterCustomTrainingContainerRequest
    ) -> RegisterCustomTrainingContainerResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id, write=True)
        container_id = self.training.register_container(org_id, request.image_uri, request.description)
        return RegisterCustomTrainingContainerResponse(id=container_id)

    async def get_container(self, request: GetContainerRequest) -> GetContainerResponse:
        ident = caller(self.ctx)
        container = self.training.container(request.id)
        if not container.public:
            require_org(self.ctx, ident, container.organization_id)
        return GetContainerResponse(container=_container(container))

    async def list_containers(self, request: ListContainersRequest) -> ListContainersResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_text(org_id, "organization_id")
        require_org(self.ctx, ident, org_id)
        return ListContainersResponse(containers=[_container(c) for c in self.training.containers(org_id)])

    async def list_supported_containers(
        self, request: ListSupportedContainersRequest
    ) -> ListSupportedContainersResponse:
        caller(self.ctx)  # any signed-in caller: the catalogue is the same for everyone
        return ListSupportedContainersResponse(
            container_map={
                c.key: Container(
                    key=c.key,
                    uri=c.uri,
                    framework=c.framework,
                    description=c.description,
                    eol=c.eol,
                    visibility=ContainerVisibility.VISIBILITY_PUBLIC,
                )
                for c in SUPPORTED_CONTAINERS
            }
        )

    async def delete_custom_training_container(
        self, request: DeleteCustomTrainingContainerRequest
    ) -> DeleteCustomTrainingContainerResponse:
        ident = caller(self.ctx)
        container = self.training.container(request.id)
        require_org(self.ctx, ident, container.organization_id, write=True)
        self.training.delete_container(container)
        return DeleteCustomTrainingContainerResponse()


def _metadata(job: TrainingJob) -> TrainingJobMetadata:
    error = None
    if job.error_code is not None:
        error = RpcStatus(code=job.error_code, message=job.error_message)
    return TrainingJobMetadata(
        id=job.id,
        dataset_id=job.dataset_id,
        organization_id=job.organization_id,
        model_name=job.model_name,
        model_version=job.model_version,
        model_type=job.model_type,
        model_framework=job.model_framework,
        is_custom_job=job.is_custom_job,
        registry_item_id=job.registry_item_id,
        registry_item_version=job.registry_item_version,
        status=job.status,
        error_status=error,
        created_on=job.created_on,
        last_modified=job.last_modified,
        training_started=job.training_started,
        training_ended=job.training_ended,
        synced_model_id=job.synced_model_id,
        tags=list(job.tags),
        arguments=dict(job.arguments),
        container_version=job.container_version,
        container_id=job.container_id,
    )


def _container(container: TrainingContainer) -> Container:
    return Container(
        id=container.id,
        key=container.key,
        uri=container.uri,
        framework=container.framework,
        description=container.description,
        organization_id=container.organization_id,
        created_on=container.created_on,
        visibility=container.visibility,
    )


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [MLTrainingService(ctx)]
