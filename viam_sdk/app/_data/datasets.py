"""``DataClient`` methods for datasets (DatasetService) and their contents."""

from __future__ import annotations

from collections.abc import Sequence

from viam_api.app.data.v1 import (
    AddBinaryDataToDatasetByIDsRequest,
    BinaryID,
    RemoveBinaryDataFromDatasetByIDsRequest,
)
from viam_api.app.dataset.v1 import (
    CreateDatasetRequest,
    Dataset,
    DatasetType,
    DeleteDatasetRequest,
    ListDatasetsByIDsRequest,
    ListDatasetsByOrganizationIDRequest,
    MergeDatasetsRequest,
    RenameDatasetRequest,
)

from viam_sdk.app._data._base import DataClientBase, _with_ids
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Datasets(DataClientBase):
    """Datasets and which binary data they hold."""

    async def create_dataset(
        self, name: str, organization_id: str, type: int | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """Create an empty dataset.

        Args:
            name: the dataset's name, unique in the organization (1-100 letters, digits, ``-``, ``_``).
            organization_id: the organization that will own it.
            type: a ``DatasetType`` value; None makes a binary-data dataset.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new dataset's ID.

        Raises:
            AlreadyExists: the organization already has a dataset of that name.
            InvalidArgument: the name is not valid.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            dataset_id = await data.create_dataset("good-images", org_id)
            ```
        """
        response = await self._dataset_client.create_dataset(
            CreateDatasetRequest(
                name=name, organization_id=organization_id, type=DatasetType(type) if type is not None else None
            )
        )
        return response.id

    async def list_dataset_by_ids(self, ids: list[str], *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Sequence[Dataset]:
        """The datasets with these IDs.

        Args:
            ids: the dataset IDs (at least one).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A sequence of ``Dataset`` messages (id, name, organization, type, created on), in the
            order asked for.

        Raises:
            InvalidArgument: ``ids`` is empty.
            NotFound: one of the datasets does not exist.
            PermissionDenied: the credentials do not reach a dataset's organization.

        Examples:
            ```python
            data = viam_client.data_client
            datasets = await data.list_dataset_by_ids([dataset_id])
            ```
        """
        response = await self._dataset_client.list_datasets_by_ids(ListDatasetsByIDsRequest(ids=list(ids)))
        return response.datasets

    async def list_datasets_by_organization_id(
        self, organization_id: str, dataset_type: int | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Sequence[Dataset]:
        """Every dataset of the organization, oldest first.

        Args:
            organization_id: the organization.
            dataset_type: a ``DatasetType`` value to keep only datasets of that type; None keeps all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A sequence of ``Dataset`` messages.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            data = viam_client.data_client
            names = [d.name for d in await data.list_datasets_by_organization_id(org_id)]
            ```
        """
        response = await self._dataset_client.list_datasets_by_organization_id(
            ListDatasetsByOrganizationIDRequest(
                organization_id=organization_id,
                type=DatasetType(dataset_type) if dataset_type is not None else None,
            )
        )
        return response.datasets

    async def rename_dataset(self, id: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Give the dataset ``id`` a new name.

        Args:
            id: the dataset.
            name: its new name, unique in the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no dataset has that ID.
            AlreadyExists: the organization already has a dataset of that name.
            InvalidArgument: the name is not valid.

        Examples:
            ```python
            data = viam_client.data_client
            await data.rename_dataset(dataset_id, "best-images")
            ```
        """
        await self._dataset_client.rename_dataset(RenameDatasetRequest(id=id, name=name))

    async def merge_datasets(
        self, name: str, organization_id: str, dataset_ids: list[str], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> str:
        """Create the dataset ``name`` holding everything in the given datasets.

        The given datasets stay as they are.

        Args:
            name: the new dataset's name.
            organization_id: the organization of all the datasets.
            dataset_ids: the datasets to merge (at least two).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new dataset's ID.

        Raises:
            TypeError: ``dataset_ids`` is a single string rather than a list.
            InvalidArgument: fewer than two datasets, or one of another organization.
            NotFound: one of the datasets does not exist.
            AlreadyExists: the organization already has a dataset named ``name``.

        Examples:
            ```python
            data = viam_client.data_client
            merged_id = await data.merge_datasets("all-images", org_id, [day_id, night_id])
            ```
        """
        if isinstance(dataset_ids, str):
            raise TypeError("dataset_ids must be a list of dataset IDs, not one string")
        response = await self._dataset_client.merge_datasets(
            MergeDatasetsRequest(name=name, organization_id=organization_id, dataset_ids=list(dataset_ids))
        )
        return response.dataset_id

    async def delete_dataset(self, id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete the dataset ``id`` (its data stays; only the grouping goes).

        Args:
            id: the dataset.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no dataset has that ID.
            PermissionDenied: the credentials may not change the dataset's organization.

        Examples:
            ```python
            data = viam_client.data_client
            await data.delete_dataset(dataset_id)
            ```
        """
        await self._dataset_client.delete_dataset(DeleteDatasetRequest(id=id))

    async def add_binary_data_to_dataset_by_ids(
        self,
        binary_ids: list[BinaryID],
        dataset_id: str,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Put the binary data with these IDs into the dataset (already there: no change).

        Args:
            binary_ids: the binary data, each a binary data ID string (as uploads return) or a
                deprecated ``BinaryID`` message.
            dataset_id: the dataset.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: an item is neither a ``BinaryID`` nor a non-empty string.
            InvalidArgument: no IDs, or data of another organization than the dataset's.
            NotFound: the dataset or one of the binary data does not exist (or is out of reach).

        Examples:
            ```python
            data = viam_client.data_client
            await data.add_binary_data_to_dataset_by_ids([image_id], dataset_id)
            ```
        """
        request = AddBinaryDataToDatasetByIDsRequest(dataset_id=dataset_id)
        await self._data_client.add_binary_data_to_dataset_by_ids(
            _with_ids(request, binary_ids, "add_binary_data_to_dataset_by_ids")
        )

    async def remove_binary_data_from_dataset_by_ids(
        self,
        binary_ids: list[BinaryID],
        dataset_id: str,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Take the binary data with these IDs out of the dataset (the data itself stays).

        Args:
            binary_ids: the binary data, each a binary data ID string (as uploads return) or a
                deprecated ``BinaryID`` message.
            dataset_id: the dataset.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: an item is neither a ``BinaryID`` nor a non-empty string.
            InvalidArgument: no IDs given.
            NotFound: the dataset or one of the binary data does not exist (or is out of reach).

        Examples:
            ```python
            data = viam_client.data_client
            await data.remove_binary_data_from_dataset_by_ids([image_id], dataset_id)
            ```
        """
        request = RemoveBinaryDataFromDatasetByIDsRequest(dataset_id=dataset_id)
        await self._data_client.remove_binary_data_from_dataset_by_ids(
            _with_ids(request, binary_ids, "remove_binary_data_from_dataset_by_ids")
        )
