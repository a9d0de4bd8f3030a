"""``DataClient`` methods that delete tabular and binary data."""

from __future__ import annotations

import sys
import warnings

from viam_api.app.data.v1 import (
    BinaryID,
    DeleteBinaryDataByFilterRequest,
    DeleteBinaryDataByIDsRequest,
    DeleteTabularDataRequest,
    DeleteTabularFilter,
    Filter,
)

from viam_sdk.app._data._base import DataClientBase, _with_ids
from viam_sdk.rpc._policy import DEFAULT, RetryOption


def _warn_at_caller(message: str) -> None:
    """A DeprecationWarning attributed to the user's line: the first frame outside the SDK and asyncio.

    Python shows a DeprecationWarning by default only where it is attributed to
    ``__main__``; a fixed ``stacklevel`` would name the SDK's own wrappers (the
    timeout wrapper, the blocking client's event loop) instead.
    """
    frame = sys._getframe(1)
    level = 2  # 1 is this function, 2 its caller
    ours = ("viam_sdk", "asyncio")
    bridge = "viam_api._blocking"  # the blocking client's loop bridge, from the generated runtime
    while frame.f_back is not None and (
        frame.f_globals.get("__name__", "").split(".")[0] in ours or frame.f_globals.get("__name__") == bridge
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)


class Deletes(DataClientBase):
    """Deleting readings and binary data."""

    async def delete_tabular_data(
        self,
        organization_id: str,
        delete_older_than_days: int,
        filter: DeleteTabularFilter | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Delete the organization's readings received more than ``delete_older_than_days`` ago.

        Args:
            organization_id: the organization whose readings are deleted.
            delete_older_than_days: age in days; 0 deletes every matching reading whatever its age.
            filter: narrows the deletion further (locations, machine, part, component type and
                name, method, tags); None deletes by age alone.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many readings were deleted.

        Raises:
            ValueError: ``delete_older_than_days`` is negative (nothing is sent).
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            data = viam_client.data_client
            removed = await data.delete_tabular_data(org_id, delete_older_than_days=30)
            ```
        """
        if delete_older_than_days < 0:
            raise ValueError(f"delete_older_than_days must not be negative, got {delete_older_than_days}")
        response = await self._data_client.delete_tabular_data(
            DeleteTabularDataRequest(
                organization_id=organization_id, delete_older_than_days=delete_older_than_days, filter=filter
            )
        )
        return int(response.deleted_count)

    async def delete_tabular_data_by_filter(
        self, filter: Filter | None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> int:
        """Deprecated: use ``delete_tabular_data`` instead.

        Still works for what ``DeleteTabularData`` can express: every reading
        of one organization (``filter.organization_ids`` must name exactly one)
        matching the filter's location IDs, machine ID, part ID, component
        type and name, method and tags, whatever its age.  Calling it warns
        with a ``DeprecationWarning``.

        Args:
            filter: the readings to delete; it must name exactly one organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many readings were deleted.

        Raises:
            ValueError: the filter does not name exactly one organization, or
                uses a field the service cannot delete by (robot_name,
                part_name, mime_type, start/end time, bbox_labels, dataset_id);
                nothing is deleted then.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            await data.delete_tabular_data_by_filter(
                DataClient.create_filter(organization_ids=[org_id], component_name="thermo"))
            ```
        """
        _warn_at_caller(
            "DataClient.delete_tabular_data_by_filter is deprecated: use "
            "delete_tabular_data(organization_id, delete_older_than_days) instead"
        )
        flt = filter or Filter()
        if len(flt.organization_ids) != 1:
            raise ValueError(
                "delete_tabular_data_by_filter needs exactly one organization ID in filter.organization_ids, "
                f"got {list(flt.organization_ids)!r}"
            )
        unsupported = [
            name
            for name, value in (
                ("robot_name", flt.robot_name),
                ("part_name", flt.part_name),
                ("mime_type", flt.mime_type),
                ("interval", flt.interval),
                ("bbox_labels", flt.bbox_labels),
                ("dataset_id", flt.dataset_id),
            )
            if value
        ]
        if unsupported:
            raise ValueError(
                f"delete_tabular_data_by_filter cannot delete by {', '.join(unsupported)}; "
                "use delete_tabular_data(organization_id, delete_older_than_days) instead"
            )
        request = DeleteTabularDataRequest(
            organization_id=flt.organization_ids[0],
            delete_older_than_days=0,
            filter=DeleteTabularFilter(
                location_ids=list(flt.location_ids),
                robot_id=flt.robot_id,
                part_id=flt.part_id,
                component_type=flt.component_type,
                component_name=flt.component_name,
                method=flt.method,
                tags_filter=flt.tags_filter,
            ),
        )
        response = await self._data_client.delete_tabular_data(request)
        return int(response.deleted_count)

    async def delete_binary_data_by_filter(
        self, filter: Filter | None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> int:
        """Delete the binary data matching ``filter`` (None or an empty filter: all of it).

        Args:
            filter: which binary data (see ``DataClient.create_filter``); None matches all the caller reaches.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many items were deleted.

        Raises:
            PermissionDenied: the credentials may not change some of the matching data.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            removed = await data.delete_binary_data_by_filter(DataClient.create_filter(tags=["blurry"]))
            ```
        """
        response = await self._data_client.delete_binary_data_by_filter(
            DeleteBinaryDataByFilterRequest(filter=filter or Filter())
        )
        return int(response.deleted_count)

    async def delete_binary_data_by_ids(
        self, binary_ids: list[BinaryID], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> int:
        """Delete the binary data with these IDs.

        Args:
            binary_ids: the binary data, each a binary data ID string or a deprecated ``BinaryID``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many items were deleted.

        Raises:
            ValueError: an ID is neither a ``BinaryID`` nor a non-empty string.
            InvalidArgument: ``binary_ids`` is empty.
            NotFound: an unknown ID (nothing is deleted then).
            PermissionDenied: the credentials may not change one of them.

        Examples:
            ```python
            data = viam_client.data_client
            await data.delete_binary_data_by_ids([image_id])
            ```
        """
        request = _with_ids(DeleteBinaryDataByIDsRequest(), binary_ids, "delete_binary_data_by_ids")
        response = await self._data_client.delete_binary_data_by_ids(request)
        return int(response.deleted_count)
