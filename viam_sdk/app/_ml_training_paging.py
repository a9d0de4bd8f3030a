"""``MLTrainingClient``'s auto-paging iterator over a training job's logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from viam_api.app.mltraining.v1 import GetTrainingJobLogsRequest, MLTrainingServiceStub, TrainingJobLogEntry

from viam_sdk.paging import iter_items, paged_rpc
from viam_sdk.progress import ProgressCallback

__all__ = ["TrainingLogs"]

_LOGS = "/viam.app.mltraining.v1.MLTrainingService/GetTrainingJobLogs"


def _entry(_response: Any, item: TrainingJobLogEntry) -> TrainingJobLogEntry:
    return item


class TrainingLogs:
    """Mixed into ``MLTrainingClient``, which sets ``_stub``."""

    _stub: MLTrainingServiceStub

    async def iter_training_job_logs(
        self,
        id: str,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncIterator[TrainingJobLogEntry]:
        """Every log entry of training job ``id``, oldest first, across all pages.

        The server chooses the page size.

        Args:
            id: the training job's ID.
            max_items: stop after this many entries; None walks every page.
            progress: told the number of **entries** handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.

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
        stub = self._stub

        def call(req: GetTrainingJobLogsRequest) -> Any:
            return stub.get_training_job_logs(req, timeout=timeout)

        async for item in iter_items(
            call, GetTrainingJobLogsRequest(id=id), paged_rpc(_LOGS), _entry, max_items=max_items, progress=progress
        ):
            yield item
