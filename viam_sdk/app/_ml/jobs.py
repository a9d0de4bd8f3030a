"""``MLTrainingClient`` jobs: submit, follow, cancel and delete training jobs, and read their logs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from viam_api.app.mltraining.v1 import (
    CancelTrainingJobRequest,
    DeleteCompletedTrainingJobRequest,
    GetTrainingJobLogsRequest,
    GetTrainingJobRequest,
    ListTrainingJobsRequest,
    ModelType,
    SubmitCustomTrainingJobRequest,
    SubmitTrainingJobRequest,
    TrainingJobLogEntry,
    TrainingJobMetadata,
    TrainingStatus,
)

from viam_sdk.app._ml._base import MLTrainingClientBase
from viam_sdk.paging import PageCheckpoint
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["Jobs"]


class Jobs(MLTrainingClientBase):
    """Training jobs: a job goes PENDING -> IN_PROGRESS -> COMPLETED (or FAILED), or is cancelled."""

    async def submit_training_job(
        self,
        org_id: str,
        dataset_id: str,
        model_name: str,
        model_version: str,
        model_type: ModelType,
        tags: list[str],
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Train one of the built-in model types on a dataset.

        Args:
            org_id: the organization that owns the job (and the dataset).
            dataset_id: the dataset whose labelled images are the training input.
            model_name: name under which the trained model is published.
            model_version: version string of that model.
            model_type: what the model learns (single- or multi-label
                classification, object detection).
            tags: the labels to train on.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new job's ID.

        Raises:
            InvalidArgument: an empty name, version or dataset ID, or an unspecified model type.
            NotFound: an unknown dataset.
            PermissionDenied: the dataset or organization is another organization's.

        Examples:
            ```python
            from viam_sdk.proto.app.mltraining import ModelType

            training = viam_client.ml_training_client
            job_id = await training.submit_training_job(
                org_id, dataset_id, "parts-sorter", "2024-06",
                ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["ok", "bad"])
            ```
        """
        request = SubmitTrainingJobRequest(
            dataset_id=dataset_id,
            organization_id=org_id,
            model_name=model_name,
            model_version=model_version,
            model_type=model_type,
            tags=list(tags),
        )
        return (await self._stub.submit_training_job(request)).id

    async def submit_custom_training_job(
        self,
        org_id: str,
        dataset_id: str,
        registry_item_id: str,
        model_name: str,
        model_version: str,
        *newer_order: str,
        registry_item_version: str = "",
        container_id: str = "",
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Train with a training script published in the registry.

        The five positional parameters are those of the reference documents.
        Viam's SDK 0.85.1 put ``registry_item_version`` between
        ``registry_item_id`` and ``model_name`` and added ``container_id``.
        Both orders work: with five positional arguments they are the
        reference's; with six or seven they are 0.85.1's (org, dataset, item,
        item version, model name, model version[, container]).  The newer two
        may always be passed by name.

        Args:
            org_id: the organization that owns the job (and the dataset).
            dataset_id: the dataset used as training input.
            registry_item_id: the registry item holding the training script,
                e.g. ``"my-org:my-training-script"``.
            model_name: name under which the trained model is published.
            model_version: version string of that model.
            *newer_order: the sixth and seventh positional arguments of 0.85.1's order
                (model version, then container ID); empty in the reference's order.
            registry_item_version: which version of the script to run (empty:
                the latest).
            container_id: a container to run the script in, as returned by
                ``register_custom_training_container`` (empty: the default one).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new job's ID.

        Raises:
            TypeError: more than seven positional arguments, or 0.85.1's order
                together with ``registry_item_version=``/``container_id=``.
            InvalidArgument: an empty argument.
            NotFound: an unknown dataset or container.
            PermissionDenied: the dataset or organization is another organization's.

        Examples:
            ```python
            training = viam_client.ml_training_client
            job_id = await training.submit_custom_training_job(
                org_id, dataset_id, "my-org:train-yolo", "yolo", "1", registry_item_version="0.3.1"
            )
            ```
        """
        if newer_order:
            # 0.85.1's positional order: the fourth argument was the script's version
            if len(newer_order) > 2 or registry_item_version or (len(newer_order) == 2 and container_id):
                raise TypeError(
                    "submit_custom_training_job takes the reference's order (org_id, dataset_id, "
                    "registry_item_id, model_name, model_version) or 0.85.1's (org_id, dataset_id, "
                    "registry_item_id, registry_item_version, model_name, model_version[, container_id]); "
                    "these arguments fit neither"
                )
            registry_item_version, model_name, model_version = model_name, model_version, newer_order[0]
            if len(newer_order) == 2:
                container_id = newer_order[1]
        request = SubmitCustomTrainingJobRequest(
            dataset_id=dataset_id,
            registry_item_id=registry_item_id,
            registry_item_version=registry_item_version,
            organization_id=org_id,
            model_name=model_name,
            model_version=model_version,
            container_id=container_id,
        )
        return (await self._stub.submit_custom_training_job(request)).id

    async def get_training_job(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> TrainingJobMetadata:
        """Everything known about one job: its request, status, times and errors.

        Args:
            id: the job's ID, as returned when it was submitted.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The job's ``TrainingJobMetadata``.

        Raises:
            ValueError: the server answered without the job's metadata.
            NotFound: an unknown job.
            PermissionDenied: the job is another organization's.

        Examples:
            ```python
            from viam_sdk.proto.app.mltraining import TrainingStatus

            training = viam_client.ml_training_client
            job = await training.get_training_job(job_id)
            if job.status == TrainingStatus.TRAINING_STATUS_FAILED:
                print(job.error_status.message)
            ```
        """
        response = await self._stub.get_training_job(GetTrainingJobRequest(id=id))
        if response.metadata is None:
            # A server that answers without the job breaks the contract of the RPC.
            raise ValueError(f"the server returned no metadata for training job {id!r}")
        return response.metadata

    async def list_training_jobs(
        self, org_id: str, training_status: TrainingStatus | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[TrainingJobMetadata]:
        """The organization's training jobs, optionally only those in one status.

        Args:
            org_id: the organization whose jobs to list.
            training_status: keep only jobs in this status; None lists them all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of the jobs' ``TrainingJobMetadata``, oldest first.

        Raises:
            PermissionDenied: the organization is outside the caller's reach.
            NotFound: no organization has that ID.

        Examples:
            ```python
            from viam_sdk.proto.app.mltraining import TrainingStatus

            training = viam_client.ml_training_client
            done = await training.list_training_jobs(org_id, TrainingStatus.TRAINING_STATUS_COMPLETED)
            ```
        """
        status = TrainingStatus.TRAINING_STATUS_UNSPECIFIED if training_status is None else training_status
        response = await self._stub.list_training_jobs(
            ListTrainingJobsRequest(organization_id=org_id, status=status)
        )
        return list(response.jobs)

    async def cancel_training_job(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Ask a pending or running job to stop.

        The job moves to CANCELING and then to CANCELED.

        Args:
            id: the job to cancel.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: an unknown job.
            FailedPrecondition: the job has already finished.
            PermissionDenied: the job is another organization's.

        Examples:
            ```python
            training = viam_client.ml_training_client
            await training.cancel_training_job(job_id)
            ```
        """
        await self._stub.cancel_training_job(CancelTrainingJobRequest(id=id))

    async def delete_completed_training_job(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Remove a finished job (completed, failed or cancelled) from the records.

        Args:
            id: the job to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: an unknown job.
            FailedPrecondition: the job is still pending or running.
            PermissionDenied: the job is another organization's.

        Examples:
            ```python
            training = viam_client.ml_training_client
            await training.delete_completed_training_job(job_id)
            ```
        """
        await self._stub.delete_completed_training_job(DeleteCompletedTrainingJobRequest(id=id))

    async def iter_training_job_logs(
        self,
        id: str,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[TrainingJobLogEntry]:
        """Every log entry of training job ``id``, oldest first, across all pages.

        The server chooses the page size.

        Args:
            id: the training job's ID.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of **entries** handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``TrainingJobLogEntry`` messages (time, level, message).

        Raises:
            ValueError: ``max_items`` is negative.
            NotFound: an unknown job.
            PermissionDenied: the job is another organization's.

        Examples:
            ```python
            training = viam_client.ml_training_client
            async for entry in training.iter_training_job_logs(job_id):
                print(entry.time, entry.level, entry.message)
            ```
        """
        async for entry in self._paged(
            self._stub.get_training_job_logs,
            GetTrainingJobLogsRequest(id=id),
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield entry
