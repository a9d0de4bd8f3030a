"""ML training: submit jobs that train a model on a dataset, follow them, cancel, clean up.

``MLTrainingClient`` is normally reached through ``ViamClient.ml_training_client``;
the channel and the authorization metadata are bound to the generated stub once.
"""

from __future__ import annotations

from collections.abc import Mapping

from grpclib.client import Channel
from viam_api.app.mltraining.v1 import (
    CancelTrainingJobRequest,
    DeleteCompletedTrainingJobRequest,
    GetTrainingJobRequest,
    ListTrainingJobsRequest,
    MLTrainingServiceStub,
    ModelType,
    SubmitCustomTrainingJobRequest,
    SubmitTrainingJobRequest,
    TrainingJobMetadata,
    TrainingStatus,
)

__all__ = ["MLTrainingClient"]


class MLTrainingClient:
    """Start, inspect, cancel and delete ML training jobs of an organization.

    A job goes PENDING -> IN_PROGRESS -> COMPLETED (or FAILED); a running job
    can be cancelled (CANCELING -> CANCELED); a finished one can be deleted.

    Example::

        training = client.ml_training_client
        job_id = await training.submit_training_job(
            org_id, dataset_id, "my-model", "1", ModelType.MODEL_TYPE_OBJECT_DETECTION, ["cat"]
        )
        job = await training.get_training_job(job_id)
        print(job.status.name)
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str]) -> None:
        """Wrap ``channel``; ``metadata`` (the auth header) rides on every call.

        Args:
            channel: an open grpclib channel to the Viam app (or the emulator).
            metadata: headers sent with each request, normally the bearer token.
        """
        self._channel = channel
        self._metadata = metadata  # kept as given: the owner may renew the token in place
        self._stub = MLTrainingServiceStub(channel, metadata=self._metadata)

    def __repr__(self) -> str:
        # The metadata holds a bearer token: never show it.
        return f"{type(self).__name__}()"

    async def submit_training_job(
        self,
        org_id: str,
        dataset_id: str,
        model_name: str,
        model_version: str,
        model_type: ModelType,
        tags: list[str],
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

        Returns:
            The new job's ID.

        Raises:
            GRPCError: INVALID_ARGUMENT for an empty name, version or dataset
                ID, or an unspecified model type; NOT_FOUND for an unknown
                dataset; PERMISSION_DENIED for another organization.

        Example::

            job_id = await training.submit_training_job(
                org_id, dataset_id, "parts-sorter", "2024-06", ModelType.MODEL_TYPE_SINGLE_LABEL_CLASSIFICATION, ["ok", "bad"]
            )
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
    ) -> str:
        """Train with a training script published in the registry.

        Args:
            org_id: the organization that owns the job (and the dataset).
            dataset_id: the dataset used as training input.
            registry_item_id: the registry item holding the training script,
                e.g. ``"my-org:my-training-script"``.
            model_name: name under which the trained model is published.
            model_version: version string of that model.

        Returns:
            The new job's ID.

        Raises:
            GRPCError: INVALID_ARGUMENT for an empty argument, NOT_FOUND for an
                unknown dataset, PERMISSION_DENIED for another organization.

        Example::

            job_id = await training.submit_custom_training_job(
                org_id, dataset_id, "my-org:train-yolo", "yolo", "1"
            )
        """
        request = SubmitCustomTrainingJobRequest(
            dataset_id=dataset_id,
            registry_item_id=registry_item_id,
            organization_id=org_id,
            model_name=model_name,
            model_version=model_version,
        )
        return (await self._stub.submit_custom_training_job(request)).id

    async def get_training_job(self, id: str) -> TrainingJobMetadata:
        """Everything known about one job: its request, status, times and errors.

        Args:
            id: the job's ID, as returned when it was submitted.

        Returns:
            The job's metadata.

        Raises:
            GRPCError: NOT_FOUND for an unknown job, PERMISSION_DENIED for
                another organization's.

        Example::

            job = await training.get_training_job(job_id)
            if job.status == TrainingStatus.TRAINING_STATUS_FAILED:
                print(job.error_status.message)
        """
        response = await self._stub.get_training_job(GetTrainingJobRequest(id=id))
        if response.metadata is None:
            # A server that answers without the job breaks the contract of the RPC.
            raise ValueError(f"the server returned no metadata for training job {id!r}")
        return response.metadata

    async def list_training_jobs(
        self, org_id: str, training_status: TrainingStatus | None = None
    ) -> list[TrainingJobMetadata]:
        """The organization's training jobs, optionally only those in one status.

        Args:
            org_id: the organization whose jobs to list.
            training_status: keep only jobs in this status; None lists them all.

        Returns:
            The jobs' metadata, oldest first.

        Raises:
            GRPCError: PERMISSION_DENIED for another organization.

        Example::

            done = await training.list_training_jobs(org_id, TrainingStatus.TRAINING_STATUS_COMPLETED)
        """
        status = TrainingStatus.TRAINING_STATUS_UNSPECIFIED if training_status is None else training_status
        response = await self._stub.list_training_jobs(
            ListTrainingJobsRequest(organization_id=org_id, status=status)
        )
        return list(response.jobs)

    async def cancel_training_job(self, id: str) -> None:
        """Ask a pending or running job to stop.

        The job moves to CANCELING and then to CANCELED.

        Args:
            id: the job to cancel.

        Raises:
            GRPCError: NOT_FOUND for an unknown job, FAILED_PRECONDITION for a
                job that has already finished, PERMISSION_DENIED for another
                organization's.

        Example::

            await training.cancel_training_job(job_id)
        """
        await self._stub.cancel_training_job(CancelTrainingJobRequest(id=id))

    async def delete_completed_training_job(self, id: str) -> None:
        """Remove a finished job (completed, failed or cancelled) from the records.

        Args:
            id: the job to delete.

        Raises:
            GRPCError: NOT_FOUND for an unknown job, FAILED_PRECONDITION for a
                job still pending or running, PERMISSION_DENIED for another
                organization's.

        Example::

            await training.delete_completed_training_job(job_id)
        """
        await self._stub.delete_completed_training_job(DeleteCompletedTrainingJobRequest(id=id))
