"""``MLTrainingClient.wait_for_training_job``: block until a training job has ended."""

from __future__ import annotations

from viam_api.app.mltraining.v1 import TrainingJobMetadata, TrainingStatus

from viam_sdk.app._ml.jobs import Jobs
from viam_sdk.app._waiting import Outcome, poll_until_done
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["TrainingWaiter"]

_OUTCOMES: dict[TrainingStatus, Outcome] = {
    TrainingStatus.TRAINING_STATUS_COMPLETED: "done",
    TrainingStatus.TRAINING_STATUS_FAILED: "failed",
    TrainingStatus.TRAINING_STATUS_CANCELED: "canceled",
}


def _state(job: TrainingJobMetadata) -> tuple[Outcome, str]:
    status = TrainingStatus(job.status)
    words = status.name or str(int(status))
    if job.error_status is not None and job.error_status.message:
        words += f": {job.error_status.message}"
    return _OUTCOMES.get(status, "running"), words


class TrainingWaiter(Jobs):
    """``wait_for_training_job``."""

    async def wait_for_training_job(
        self,
        id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 0.5,
        max_poll_interval: float = 10.0,
        retry: RetryOption = DEFAULT,
    ) -> TrainingJobMetadata:
        """Wait until the training job has completed; its final metadata (with ``synced_model_id``).

        A job CANCELING is still waited for; it ends CANCELED.

        Args:
            id: the job's ID, as returned when it was submitted.
            timeout: seconds to wait in all, every read included; None waits for as long as it takes.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            poll_interval: seconds before the second read; each wait is 1.5 times the last.
            max_poll_interval: the longest wait between two reads.

        Returns:
            The job's ``TrainingJobMetadata``, its status COMPLETED.

        Raises:
            OperationFailed: the job failed (``.state`` holds its metadata, ``error_status`` saying why).
            OperationCanceled: the job was cancelled (a subclass of OperationFailed).
            WaitTimeout: ``timeout`` passed first (a ``TimeoutError``; the job goes on).
            NotFound: an unknown job.

        Examples:
            ```python
            training = viam_client.ml_training_client
            job = await training.wait_for_training_job(job_id, timeout=3600)
            print(job.synced_model_id)
            ```
        """
        return await poll_until_done(
            lambda: self.get_training_job(id),
            _state,
            what=f"training job {id!r}",
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )
