"""The state every ``DataClient`` area works with, and the binary-ID helpers they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from grpclib.client import Channel
from viam_api.app.data.v1 import BinaryID, DataServiceStub
from viam_api.app.datapipelines.v1 import DataPipelinesServiceStub
from viam_api.app.dataset.v1 import DatasetServiceStub
from viam_api.app.datasync.v1 import DataSyncServiceStub

from viam_sdk.rpc._policy import policy_for


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


def _with_ids(request: Any, ids: Sequence[BinaryID | str], what: str) -> Any:
    old, new = _binary_ids(ids, what)
    request.binary_data_ids = new
    # Set after construction: the field is deprecated upstream, and the warning
    # belongs to callers who build the messages, not to this client.
    request.binary_ids = old
    return request


class DataClientBase:
    """The channel, the auth metadata and one stub per data service.

    Every area mixin of ``DataClient`` derives from this class, so its methods
    see ``self._data_client``, ``self._data_sync_client`` and
    ``self._dataset_client`` with their types.
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str]) -> None:
        """Build the service stubs once over ``channel``; ``metadata`` (the auth header) rides on each.

        Args:
            channel: an open grpclib channel to the Viam app or the emulator.
            metadata: headers for every request, normally ``authorization: Bearer ...``.
        """
        self._channel = channel
        self._metadata = metadata  # kept as given: the owner may renew the token in place
        policy = policy_for(metadata)  # typed errors, retries, token renewal
        self._data_client = DataServiceStub(channel, metadata=self._metadata, policy=policy)
        self._data_sync_client = DataSyncServiceStub(channel, metadata=self._metadata, policy=policy)
        self._dataset_client = DatasetServiceStub(channel, metadata=self._metadata, policy=policy)
        self._data_pipelines_client = DataPipelinesServiceStub(channel, metadata=self._metadata, policy=policy)
