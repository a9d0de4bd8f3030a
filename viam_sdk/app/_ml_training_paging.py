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

        The server chooses the page size.  ``max_items`` stops after that many
        entries (None: all); ``progress`` is told the number of **entries**
        handed out after each page; ``timeout`` is seconds for each request.

        Raises:
            GRPCError: NOT_FOUND for an unknown job, PERMISSION_DENIED for
                another organization's.

        Example::

            async for entry in training.iter_training_job_logs(job_id):
                print(entry.time, entry.level, entry.message)
        """
        stub = self._stub

        def call(req: GetTrainingJobLogsRequest) -> Any:
            return stub.get_training_job_logs(req, timeout=timeout)

        async for item in iter_items(
            call, GetTrainingJobLogsRequest(id=id), paged_rpc(_LOGS), _entry, max_items=max_items, progress=progress
        ):
            yield item
