"""Readings of ``TabularDataByFilter``: the request, and each reading with its capture metadata.

``TabularData`` is public as ``DataClient.TabularData`` (the official SDK's
name); it lives here so that the modules turning readings into rows
(``DataClient``, its iterators, its DataFrame pulls, ``viam_sdk.dataframes``)
need not import the client.  ``metadata_row`` is the one lookup of a reading's
metadata in its page.
"""

# No ``from __future__ import annotations``: the fields' types are objects, not text, so they
# resolve wherever the class is looked at from (its public home is ``viam_sdk.app.data_client``).
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from viam_api.app.data.v1 import (
    CaptureMetadata,
    Filter,
    Order,
    TabularDataByFilterRequest,
    TabularDataByFilterResponse,
)
from viam_api.app.data.v1 import TabularData as ProtoTabularData

from viam_sdk.app._convert import naive_utc, struct_to_dict
from viam_sdk.app._data._base import data_request

__all__ = ["TabularData", "metadata_row", "reading_of", "tabular_request"]

M = TypeVar("M")


def metadata_row(metadata: Sequence[M], reading: ProtoTabularData, missing: M) -> M:
    """The entry of a page's ``metadata`` that ``reading`` points at; ``missing`` when it points past the end.

    A page lists each capture metadata once; every reading names its own by
    index (``metadata_index``).
    """
    index = reading.metadata_index
    return metadata[index] if index < len(metadata) else missing


def tabular_request(
    filter: Filter | None,
    sort_order: Order | None,
    include_internal_data: bool,
    *,
    limit: int | None = None,
    last: str | None = None,
    count_only: bool = False,
) -> TabularDataByFilterRequest:
    """The request of one page of ``TabularDataByFilter`` (the first page when ``last`` is None)."""
    # The RPC and its messages are deprecated upstream; the SDK's methods are not (as in viam-sdk).
    return TabularDataByFilterRequest(
        data_request=data_request(filter, sort_order, limit=limit, last=last),
        count_only=count_only,
        include_internal_data=include_internal_data,
    )


@dataclass(eq=False)
class TabularData:
    """One reading from ``tabular_data_by_filter``, with its capture metadata.

    ``data`` is the reading as a plain dict; the times are naive datetimes in UTC,
    as the official SDK gives them.
    """

    data: Mapping[str, Any]
    metadata: CaptureMetadata
    # None only when the server left the time out.
    time_requested: datetime.datetime | None
    time_received: datetime.datetime | None

    def __str__(self) -> str:
        meta = self.metadata
        source = "/".join(p for p in (meta.part_name, meta.component_name, meta.method_name) if p)
        requested = self.time_requested.isoformat() if self.time_requested else "?"
        received = self.time_received.isoformat() if self.time_received else "?"
        return f"{source or 'reading'} requested {requested} received {received}: {dict(self.data)}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TabularData):
            return NotImplemented
        return (
            dict(self.data) == dict(other.data)
            and bytes(self.metadata) == bytes(other.metadata)
            and self.time_requested == other.time_requested
            and self.time_received == other.time_received
        )


def reading_of(response: TabularDataByFilterResponse, reading: ProtoTabularData) -> TabularData:
    """``reading`` of the page ``response`` as a ``TabularData``, with the metadata the page lists for it."""
    return TabularData(
        data=struct_to_dict(reading.data),
        metadata=metadata_row(response.metadata, reading, CaptureMetadata()),
        time_requested=naive_utc(reading.time_requested),
        time_received=naive_utc(reading.time_received),
    )


# Its public name stays ``DataClient.TabularData``, as in the official SDK:
# repr, pickling and the blocking twin's hints name it there.
TabularData.__qualname__ = "DataClient.TabularData"
TabularData.__module__ = "viam_sdk.app.data_client"
