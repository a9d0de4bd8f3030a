"""``DataClient`` methods for sequences: time windows of one machine part's captures.

A sequence names a machine part, the resources (a ``SequenceResourceFilter``
each: resource name and, optionally, capture method) and a time window
``[start_time, end_time]``; its binary data is what that part captured from
those resources inside the window, oldest first.  Sequences belong to the
part's organization, carry tags of their own and can be grouped into datasets
of type ``DatasetType.DATASET_TYPE_SEQUENCE_DATA``, which can be exported.

The values returned are the generated messages (``viam_api.app.data.v1.Sequence``,
``BinaryData``; ``viam_api.app.dataset.v1.GetSequenceDatasetExportResponse``).
Paged calls return the server's next page token, ``""`` after the last page.
Every method takes ``timeout``, seconds for the one call (None: no limit), as
viam-sdk 0.85.1's do.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Sequence

from viam_api.app.data.v1 import (
    AddSequencesToDatasetRequest,
    BinaryData,
    CreateSequenceRequest,
    DeleteSequenceRequest,
    GetSequenceBinaryDataRequest,
    GetSequenceRequest,
    ListSequencesRequest,
    RemoveSequencesFromDatasetRequest,
    SequenceResourceFilter,
    SequencesByDatasetIDRequest,
    UpdateSequenceRequest,
)
from viam_api.app.data.v1 import Sequence as ProtoSequence
from viam_api.app.dataset.v1 import (
    GetSequenceDatasetExportRequest,
    GetSequenceDatasetExportResponse,
    StartSequenceDatasetExportRequest,
)
from viam_api.google.protobuf import FieldMask

from viam_sdk.app._convert import timestamp_datetime
from viam_sdk.app._data._base import DataClientBase
from viam_sdk.paging import PageCheckpoint
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption


def _id_list(ids: Sequence[str], what: str) -> list[str]:
    # One string would otherwise be sent character by character.
    if isinstance(ids, str):
        raise TypeError(f"{what}: sequence_ids must be a list of sequence IDs, not one string")
    return list(ids)


class Sequences(DataClientBase):
    """Create, read, change, delete and page through sequences; put them in datasets; export those."""

    async def create_sequence(
        self,
        part_id: str,
        resources: list[SequenceResourceFilter],
        start_time: datetime.datetime,
        end_time: datetime.datetime,
        sequence_tags: list[str] | None = None,
        timeout: float | None = None,
        *,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Define a sequence over a part's captures from ``resources`` between two times.

        Args:
            part_id: the machine part whose captures the sequence covers.
            resources: one ``SequenceResourceFilter`` per resource (name and, optionally, method).
            start_time: the window's start.
            end_time: the window's end, after ``start_time``.
            sequence_tags: the sequence's own tags; None gives it none.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new sequence's ID.

        Raises:
            NotFound: an unknown part.
            InvalidArgument: no resources, a blank resource name, or a window that does not end
                after it starts.

        Examples:
            ```python
            from datetime import datetime, timedelta, timezone
            from viam_sdk.proto.app.data import SequenceResourceFilter

            data = viam_client.data_client
            end = datetime.now(timezone.utc)
            start = end - timedelta(minutes=5)
            seq_id = await data.create_sequence(
                part_id, [SequenceResourceFilter(resource_name="cam")], start, end, ["run-7"]
            )
            ```
        """
        response = await self._data_client.create_sequence(
            CreateSequenceRequest(
                part_id=part_id,
                resources=list(resources),
                start_time=start_time,
                end_time=end_time,
                sequence_tags=list(sequence_tags or []),
            ),
            timeout=timeout,
        )
        return response.id

    async def get_sequence(self, id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> ProtoSequence:
        """The sequence ``id``, with the datasets it is in (``dataset_ids``).

        Args:
            id: the sequence's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Sequence`` message (part, resources, window, tags, dataset IDs).

        Raises:
            ValueError: the server answered without a sequence.
            NotFound: an unknown sequence or one of an organization the caller cannot see.

        Examples:
            ```python
            data = viam_client.data_client
            seq = await data.get_sequence(seq_id)
            print(seq.part_id, seq.start_time, seq.end_time)
            ```
        """
        response = await self._data_client.get_sequence(GetSequenceRequest(id=id), timeout=timeout)
        if response.sequence is None:  # a well-behaved server always sends one
            raise ValueError(f"the server sent no sequence for {id!r}")
        return response.sequence

    async def update_sequence(
        self,
        id: str,
        resources: list[SequenceResourceFilter] | None = None,
        sequence_tags: list[str] | None = None,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
        timeout: float | None = None,
        *,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Replace the given fields of sequence ``id``; those left as None stay as they are.

        Only the given fields are named in the request's field mask, so an empty
        list really clears (``sequence_tags=[]`` removes every tag).

        Args:
            id: the sequence's ID.
            resources: the new resource filters.
            sequence_tags: the new tags.
            start_time: the new start of the window.
            end_time: the new end of the window.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: nothing is given to change.
            NotFound: an unknown sequence.
            InvalidArgument: the result would have no resources or a window that does not end
                after it starts.

        Examples:
            ```python
            data = viam_client.data_client
            await data.update_sequence(seq_id, sequence_tags=["reviewed"])
            ```
        """
        request = UpdateSequenceRequest(id=id)
        paths: list[str] = []
        if resources is not None:
            request.resources = list(resources)
            paths.append("resources")
        if sequence_tags is not None:
            request.sequence_tags = list(sequence_tags)
            paths.append("sequence_tags")
        if start_time is not None:
            request.start_time = start_time
            paths.append("start_time")
        if end_time is not None:
            request.end_time = end_time
            paths.append("end_time")
        if not paths:
            raise ValueError(
                "update_sequence needs at least one of resources, sequence_tags, start_time, end_time"
            )
        request.field_mask = FieldMask(paths=paths)
        await self._data_client.update_sequence(request, timeout=timeout)

    async def delete_sequence(self, id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> None:
        """Delete the sequence ``id`` (the captured data stays; it also leaves every dataset).

        Args:
            id: the sequence's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: an unknown sequence.
            PermissionDenied: the caller may not change the sequence's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.delete_sequence(seq_id)
            ```
        """
        await self._data_client.delete_sequence(DeleteSequenceRequest(id=id), timeout=timeout)

    async def list_sequences(
        self,
        organization_id: str,
        page_token: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
        *,
        retry: RetryOption = DEFAULT,
    ) -> tuple[list[ProtoSequence], str]:
        """One page of the organization's sequences, oldest first, and the token for the next page.

        Args:
            organization_id: the organization.
            page_token: the token a previous page returned; None reads the first page.
            page_size: items per page; None lets the server choose.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(sequences, next_page_token)``; the token is ``""`` after the last page.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.
            InvalidArgument: a page token the server did not issue.

        Examples:
            ```python
            data = viam_client.data_client
            page, token = await data.list_sequences(org_id, page_size=20)
            while token:
                more, token = await data.list_sequences(org_id, page_token=token, page_size=20)
            ```
        """
        response = await self._data_client.list_sequences(
            ListSequencesRequest(
                organization_id=organization_id, page_token=page_token or "", page_size=page_size or 0
            ),
            timeout=timeout,
        )
        return list(response.sequences), response.next_page_token

    async def sequences_by_dataset_id(
        self,
        dataset_id: str,
        page_token: str | None = None,
        page_size: int | None = None,
        count_only: bool | None = None,
        timeout: float | None = None,
        *,
        retry: RetryOption = DEFAULT,
    ) -> tuple[Sequence[ProtoSequence], str, int]:
        """One page of the sequences in a dataset, the next page token, and how many it holds.

        Args:
            dataset_id: the sequence dataset.
            page_token: the token a previous page returned; None reads the first page.
            page_size: items per page; None lets the server choose.
            count_only: True returns an empty page with only the count filled in.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(sequences, next_page_token, count)``, ``count`` being the dataset's total.

        Raises:
            NotFound: no dataset has that ID.
            InvalidArgument: a page token the server did not issue.

        Examples:
            ```python
            data = viam_client.data_client
            _, _, total = await data.sequences_by_dataset_id(dataset_id, count_only=True)
            ```
        """
        response = await self._data_client.sequences_by_dataset_id(
            SequencesByDatasetIDRequest(
                dataset_id=dataset_id,
                page_token=page_token or "",
                page_size=page_size or 0,
                count_only=bool(count_only),
            ),
            timeout=timeout,
        )
        return list(response.sequences), response.next_page_token, response.count

    async def get_sequence_binary_data(
        self,
        sequence_id: str,
        page_token: str | None = None,
        page_size: int | None = None,
        timeout: float | None = None,
        *,
        retry: RetryOption = DEFAULT,
    ) -> tuple[list[BinaryData], str]:
        """One page of a sequence's binary data (bytes included), oldest capture first.

        Args:
            sequence_id: the sequence.
            page_token: the token a previous page returned; None reads the first page.
            page_size: items per page; None lets the server choose.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(items, next_page_token)``: ``BinaryData`` messages and the token, ``""`` at the end.

        Raises:
            NotFound: no sequence has that ID.
            InvalidArgument: a page token the server did not issue.

        Examples:
            ```python
            data = viam_client.data_client
            frames, token = await data.get_sequence_binary_data(seq_id, page_size=10)
            ```
        """
        response = await self._data_client.get_sequence_binary_data(
            GetSequenceBinaryDataRequest(
                sequence_id=sequence_id, page_token=page_token or "", page_size=page_size or 0
            ),
            timeout=timeout,
        )
        return list(response.data), response.next_page_token

    async def add_sequences_to_dataset(
        self, dataset_id: str, sequence_ids: list[str], timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> None:
        """Put these sequences into the sequence dataset ``dataset_id`` (already there: no change).

        Args:
            dataset_id: a dataset of type ``DATASET_TYPE_SEQUENCE_DATA``.
            sequence_ids: the sequences' IDs (a list, not one string).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            TypeError: ``sequence_ids`` is a single string.
            NotFound: an unknown dataset or sequence.
            InvalidArgument: a dataset of binary data or a sequence of another organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.add_sequences_to_dataset(dataset_id, [seq_id])
            ```
        """
        await self._data_client.add_sequences_to_dataset(
            AddSequencesToDatasetRequest(
                dataset_id=dataset_id, sequence_ids=_id_list(sequence_ids, "add_sequences_to_dataset")
            ),
            timeout=timeout,
        )

    async def remove_sequences_from_dataset(
        self, dataset_id: str, sequence_ids: list[str], timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> None:
        """Take these sequences out of the dataset (the sequences themselves stay).

        Args:
            dataset_id: the dataset.
            sequence_ids: the sequences' IDs (a list, not one string).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            TypeError: ``sequence_ids`` is a single string.
            NotFound: an unknown dataset or sequence.

        Examples:
            ```python
            data = viam_client.data_client
            await data.remove_sequences_from_dataset(dataset_id, [seq_id])
            ```
        """
        await self._data_client.remove_sequences_from_dataset(
            RemoveSequencesFromDatasetRequest(
                dataset_id=dataset_id, sequence_ids=_id_list(sequence_ids, "remove_sequences_from_dataset")
            ),
            timeout=timeout,
        )

    async def start_sequence_dataset_export(self, dataset_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT) -> str:
        """Start exporting the sequence dataset ``dataset_id``.

        Follow the job with ``get_sequence_dataset_export``.

        Args:
            dataset_id: a dataset of type ``DATASET_TYPE_SEQUENCE_DATA``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The export job's ID.

        Raises:
            NotFound: no dataset has that ID.
            InvalidArgument: the dataset holds binary data, not sequences.

        Examples:
            ```python
            data = viam_client.data_client
            job_id = await data.start_sequence_dataset_export(dataset_id)
            ```
        """
        response = await self._dataset_client.start_sequence_dataset_export(
            StartSequenceDatasetExportRequest(dataset_id=dataset_id), timeout=timeout
        )
        return response.job_id

    async def get_sequence_dataset_export(
        self, job_id: str, timeout: float | None = None, *, retry: RetryOption = DEFAULT
    ) -> GetSequenceDatasetExportResponse:
        """The state of an export job: status, and once completed the download URL and its expiry.

        Args:
            job_id: the ID ``start_sequence_dataset_export`` returned.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``GetSequenceDatasetExportResponse`` (``status``, ``download_url``, ``expires_at``).
            Its times (``created_at``, ``completed_at``, ``expires_at``; None when unset) are naive
            UTC datetimes that also answer as the ``google.protobuf.Timestamp`` viam-sdk 0.85.1
            returns there (``expires_at.ToDatetime()``, ``.seconds``, ``.nanos``).

        Raises:
            NotFound: no export job has that ID.
            InvalidArgument: ``job_id`` is empty.

        Examples:
            ```python
            from viam_sdk.proto.app.dataset import SequenceDatasetExportStatus

            data = viam_client.data_client
            job = await data.get_sequence_dataset_export(job_id)
            if job.status == SequenceDatasetExportStatus.SEQUENCE_DATASET_EXPORT_STATUS_COMPLETED:
                print(job.download_url)
            ```
        """
        response = await self._dataset_client.get_sequence_dataset_export(
            GetSequenceDatasetExportRequest(job_id=job_id), timeout=timeout
        )
        response.created_at = timestamp_datetime(response.created_at)
        response.completed_at = timestamp_datetime(response.completed_at)
        response.expires_at = timestamp_datetime(response.expires_at)
        return response

    async def iter_sequences(
        self,
        organization_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[ProtoSequence]:
        """Every sequence of the organization, oldest first, across all pages.

        Args:
            organization_id: the organization.
            page_size: sequences per request; None uses the server's default.
            max_items: stop after this many sequences; None walks every page.
            progress: told the number of sequences handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``Sequence`` messages.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            names = [s.name async for s in data.iter_sequences(org_id)]
            ```
        """
        request = ListSequencesRequest(organization_id=organization_id)
        async for seq in self._paged(
            self._data_client.list_sequences,
            request,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield seq

    async def iter_sequences_by_dataset_id(
        self,
        dataset_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[ProtoSequence]:
        """Every sequence in dataset ``dataset_id``, across all pages.

        Args:
            dataset_id: the dataset.
            page_size: sequences per request; None uses the server's default.
            max_items: stop after this many sequences; None walks every page.
            progress: told the number of sequences handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``Sequence`` messages.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no dataset has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            async for seq in data.iter_sequences_by_dataset_id(dataset_id):
                print(seq.id, seq.start_time)
            ```
        """
        request = SequencesByDatasetIDRequest(dataset_id=dataset_id)
        async for seq in self._paged(
            self._data_client.sequences_by_dataset_id,
            request,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield seq

    async def iter_sequence_binary_data(
        self,
        sequence_id: str,
        page_size: int | None = None,
        *,
        max_items: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
        checkpoint: PageCheckpoint | None = None,
        retry: RetryOption = DEFAULT,
    ) -> AsyncIterator[BinaryData]:
        """Every binary item of the sequence (bytes included), oldest capture first.

        Args:
            sequence_id: the sequence.
            page_size: items per request; None uses the server's default.
            max_items: stop after this many items; None walks every page.
            progress: told the number of items handed out so far, after each page.
            timeout: seconds to wait for each page's reply; None waits as long as DialOptions allows.
            checkpoint: a ``viam_sdk.paging.PageCheckpoint`` kept up to date with the page and offset of
                each item handed out; pass a saved one to resume the pull where it was.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            An async iterator of ``BinaryData`` messages with their bytes.

        Raises:
            ValueError: ``page_size`` is not a positive integer or ``max_items`` is negative.
            NotFound: no sequence has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            async for frame in data.iter_sequence_binary_data(seq_id, page_size=10):
                print(len(frame.binary), "bytes")
            ```
        """
        request = GetSequenceBinaryDataRequest(sequence_id=sequence_id)
        async for item in self._paged(
            self._data_client.get_sequence_binary_data,
            request,
            page_size=page_size,
            max_items=max_items,
            progress=progress,
            timeout=timeout,
            checkpoint=checkpoint,
        ):
            yield item
