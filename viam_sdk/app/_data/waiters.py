"""``DataClient`` waiters: block until a sequence dataset export or a data pipeline run has ended.

Both poll with backoff under one ``timeout=`` (see ``viam_sdk.app._waiting``)
and raise ``OperationFailed`` when the operation failed.
"""

from __future__ import annotations

from viam_api.app.datapipelines.v1 import DataPipelineRunStatus
from viam_api.app.dataset.v1 import GetSequenceDatasetExportResponse, SequenceDatasetExportStatus

from viam_sdk import errors
from viam_sdk.app._data.pipelines import Pipelines
from viam_sdk.app._data.sequences import Sequences
from viam_sdk.app._waiting import Outcome, poll_until_done
from viam_sdk.rpc._policy import DEFAULT, RetryOption

__all__ = ["Waiters"]

_EXPORT_OUTCOMES: dict[SequenceDatasetExportStatus, Outcome] = {
    SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED: "done",
    SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_FAILED: "failed",
}
_RUN_OUTCOMES: dict[DataPipelineRunStatus, Outcome] = {
    DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_COMPLETED: "done",
    DataPipelineRunStatus.DATA_PIPELINE_RUN_STATUS_FAILED: "failed",
}


def _export_state(export: GetSequenceDatasetExportResponse) -> tuple[Outcome, str]:
    status = SequenceDatasetExportStatus(export.status)
    words = status.name or str(int(status))
    if export.error_message:
        words += f": {export.error_message}"
    return _EXPORT_OUTCOMES.get(status, "running"), words


def _run_state(run: Pipelines.DataPipelineRun) -> tuple[Outcome, str]:
    status = DataPipelineRunStatus(run.status)
    words = status.name or str(int(status))
    if run.error_message:
        words += f": {run.error_message}"
    return _RUN_OUTCOMES.get(status, "running"), words


class Waiters(Pipelines, Sequences):
    """``wait_for_sequence_dataset_export`` and ``wait_for_data_pipeline_run``."""

    async def wait_for_sequence_dataset_export(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 0.5,
        max_poll_interval: float = 10.0,
        retry: RetryOption = DEFAULT,
    ) -> GetSequenceDatasetExportResponse:
        """Wait until the export job has completed; its final state (with ``download_url``).

        Args:
            job_id: the ID ``start_sequence_dataset_export`` returned.
            timeout: seconds to wait in all, every read included; None waits for as long as it takes.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            poll_interval: seconds before the second read; each wait is 1.5 times the last.
            max_poll_interval: the longest wait between two reads.

        Returns:
            The ``GetSequenceDatasetExportResponse`` whose status is COMPLETED.

        Raises:
            OperationFailed: the export failed (``.state`` holds the response, with its error message).
            WaitTimeout: ``timeout`` passed first (a ``TimeoutError``; the export goes on).
            NotFound: no export job has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            job = await data.start_sequence_dataset_export(dataset_id)
            done = await data.wait_for_sequence_dataset_export(job, timeout=600)
            print(done.download_url)
            ```
        """
        return await poll_until_done(
            lambda: self.get_sequence_dataset_export(job_id),
            _export_state,
            what=f"sequence dataset export {job_id!r}",
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )

    async def wait_for_data_pipeline_run(
        self,
        pipeline_id: str,
        run_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 0.5,
        max_poll_interval: float = 10.0,
        retry: RetryOption = DEFAULT,
    ) -> Pipelines.DataPipelineRun:
        """Wait until the pipeline's run ``run_id`` has completed; the run as it ended.

        The API has no call reading one run, so each read walks the pipeline's
        runs (newest first) until it meets ``run_id``.

        Args:
            pipeline_id: the data pipeline.
            run_id: the run to wait for (from ``list_data_pipeline_runs``).
            timeout: seconds to wait in all, every read included; None waits for as long as it takes.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.
            poll_interval: seconds before the second read; each wait is 1.5 times the last.
            max_poll_interval: the longest wait between two reads.

        Returns:
            The ``DataClient.DataPipelineRun``, its status COMPLETED.

        Raises:
            OperationFailed: the run failed (``.state`` holds the run, with its ``error_message``).
            WaitTimeout: ``timeout`` passed first (a ``TimeoutError``).
            NotFound: the pipeline is unknown, or has no run ``run_id``.

        Examples:
            ```python
            data = viam_client.data_client
            page = await data.list_data_pipeline_runs(pipeline_id)
            run = await data.wait_for_data_pipeline_run(pipeline_id, page.runs[0].id, timeout=3600)
            ```
        """

        async def read() -> Pipelines.DataPipelineRun:
            async for run in self.iter_data_pipeline_runs(pipeline_id):
                if run.id == run_id:
                    return run
            raise errors.NotFound(message=f"data pipeline {pipeline_id!r} has no run {run_id!r}")

        return await poll_until_done(
            read,
            _run_state,
            what=f"run {run_id!r} of data pipeline {pipeline_id!r}",
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )
