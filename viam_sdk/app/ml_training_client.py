"""ML training: submit jobs that train a model on a dataset, follow them, cancel, clean up;
register the container images that custom training jobs run in.

``MLTrainingClient`` is normally reached through ``ViamClient.ml_training_client``;
the channel and the authorization metadata are bound to the generated stub once.
The methods live by area in ``viam_sdk.app._ml`` (jobs, containers).
"""

from __future__ import annotations

from viam_sdk.app._ml.containers import Containers
from viam_sdk.app._ml.jobs import Jobs
from viam_sdk.app._ml.waiters import TrainingWaiter
from viam_sdk.app._timeouts import with_call_timeouts
from viam_sdk.app._waiting import OperationCanceled, OperationFailed, WaitTimeout

__all__ = ["MLTrainingClient", "OperationCanceled", "OperationFailed", "WaitTimeout"]


@with_call_timeouts
class MLTrainingClient(TrainingWaiter, Jobs, Containers):
    """Start, inspect, cancel and delete ML training jobs of an organization.

    A job goes PENDING -> IN_PROGRESS -> COMPLETED (or FAILED); a running job
    can be cancelled (CANCELING -> CANCELED); a finished one can be deleted.

    Examples:
        ```python
        training = viam_client.ml_training_client
        job_id = await training.submit_training_job(
            org_id, dataset_id, "my-model", "1", ModelType.MODEL_TYPE_OBJECT_DETECTION, ["cat"]
        )
        job = await training.get_training_job(job_id)
        print(job.status.name)
        ```
    """
