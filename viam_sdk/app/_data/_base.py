"""The state every ``DataClient`` area works with, and the binary-ID helpers they share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from viam_api.app.data.v1 import BinaryID, DataRequest, DataServiceStub, Filter, Order
from viam_api.app.datapipelines.v1 import DataPipelinesServiceStub
from viam_api.app.dataset.v1 import DatasetServiceStub
from viam_api.app.datasync.v1 import DataSyncServiceStub

from viam_sdk.app._client import ClientBase, ServiceStub


def _binary_ids(ids: Sequence[BinaryID | str], what: str) -> tuple[list[BinaryID], list[str]]:
    """Split ids into deprecated BinaryID messages and binary data id strings."""
    # An empty list goes to the server, which answers INVALID_ARGUMENT (the documented GRPCError).
    old: list[BinaryID] = []
    new: list[str] = []
    for item in ids:
        if isinstance(item, BinaryID):
            old.append(item)
        elif isinstance(item, str) and item:
            # An upload's returned file ID carries its binary data ID (see _positions.UploadedFileId).
            new.append(getattr(item, "binary_data_id", item))
        else:
            raise ValueError(f"{what}: {item!r} is neither a BinaryID nor a binary data id string")
    return old, new


def data_request(
    filter: Filter | None, sort_order: Order | None, *, limit: int | None = None, last: str | None = None
) -> DataRequest:
    """What a filter query asks for: ``filter``, one page of ``limit`` items (None: the server's default)
    after the token ``last`` (None: the first page), in ``sort_order`` (None: the server's)."""
    return DataRequest(
        filter=filter,
        limit=limit or 0,
        last=last or "",
        sort_order=sort_order if sort_order is not None else Order.ORDER_UNSPECIFIED,
    )


def _with_ids(request: Any, ids: Sequence[BinaryID | str], what: str) -> Any:
    old, new = _binary_ids(ids, what)
    request.binary_data_ids = new
    # Set after construction: the field is deprecated upstream, and the warning
    # belongs to callers who build the messages, not to this client.
    request.binary_ids = old
    return request


class DataClientBase(ClientBase):
    """One stub per data service, over the client's channel, metadata and policy.

    Every area mixin of ``DataClient`` derives from this class, so its methods
    see ``self._data_client``, ``self._data_sync_client``,
    ``self._dataset_client`` and ``self._data_pipelines_client`` with their types.
    """

    _data_client = ServiceStub(DataServiceStub)
    _data_sync_client = ServiceStub(DataSyncServiceStub)
    _dataset_client = ServiceStub(DatasetServiceStub)
    _data_pipelines_client = ServiceStub(DataPipelinesServiceStub)
