"""``DataClient`` methods for tags and bounding boxes on binary data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from viam_api.app.data.v1 import (
    AddBoundingBoxToImageByIDRequest,
    AddTagsToBinaryDataByFilterRequest,
    AddTagsToBinaryDataByIDsRequest,
    BinaryID,
    BoundingBoxLabelsByFilterRequest,
    Filter,
    RemoveBoundingBoxFromImageByIDRequest,
    RemoveTagsFromBinaryDataByFilterRequest,
    RemoveTagsFromBinaryDataByIDsRequest,
    TagsByFilterRequest,
    UpdateBoundingBoxRequest,
)

from viam_sdk.app._data._base import DataClientBase, _with_ids
from viam_sdk.rpc._policy import DEFAULT, RetryOption


def _nonempty_tags(tags: Sequence[str], what: str) -> list[str]:
    # A bare string would be sent as one tag per character: refuse it here.  An
    # empty list goes to the server, which answers INVALID_ARGUMENT (as documented).
    if isinstance(tags, str):
        raise ValueError(f"{what}: tags must be a list of strings, not the string {tags!r}")
    return list(tags)


class Annotations(DataClientBase):
    """Tags and bounding boxes."""

    async def add_tags_to_binary_data_by_ids(
        self, tags: list[str], binary_ids: list[BinaryID], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Add ``tags`` to the binary data with these IDs (tags already there stay once).

        Args:
            tags: the tags to add (a list, not one string).
            binary_ids: the binary data, each a binary data ID string (as uploads return) or a
                deprecated ``BinaryID`` message.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``tags`` is a single string, or an ID is neither a ``BinaryID`` nor a string.
            InvalidArgument: there are no tags or no IDs.
            NotFound: one of the binary data does not exist (or is out of reach).
            PermissionDenied: the credentials may not change one of them.

        Examples:
            ```python
            data = viam_client.data_client
            await data.add_tags_to_binary_data_by_ids(["reviewed"], [image_id])
            ```
        """
        request = AddTagsToBinaryDataByIDsRequest(tags=_nonempty_tags(tags, "add_tags_to_binary_data_by_ids"))
        await self._data_client.add_tags_to_binary_data_by_ids(
            _with_ids(request, binary_ids, "add_tags_to_binary_data_by_ids")
        )

    async def add_tags_to_binary_data_by_filter(
        self,
        tags: list[str],
        filter: Filter | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Add ``tags`` to every binary item matching ``filter``.

        Args:
            tags: the tags to add (a list, not one string).
            filter: which binary data (see ``DataClient.create_filter``); None matches all the caller reaches.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``tags`` is a single string.
            InvalidArgument: there are no tags.
            PermissionDenied: the credentials may not change some of the matching data.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            cam_only = DataClient.create_filter(component_name="cam")
            await data.add_tags_to_binary_data_by_filter(["night"], cam_only)
            ```
        """
        checked = _nonempty_tags(tags, "add_tags_to_binary_data_by_filter")
        # deprecated upstream, not here (nor in viam-sdk): the generated layer does not warn the caller
        request = AddTagsToBinaryDataByFilterRequest(filter=filter, tags=checked)
        await self._data_client.add_tags_to_binary_data_by_filter(request)

    async def remove_tags_from_binary_data_by_ids(
        self,
        tags: list[str],
        binary_ids: list[BinaryID],
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Remove ``tags`` from the binary data with these IDs.

        Args:
            tags: the tags to remove (a list, not one string).
            binary_ids: the binary data, each a binary data ID string (as uploads return) or a
                deprecated ``BinaryID`` message.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many tags were removed in all.

        Raises:
            ValueError: ``tags`` is a single string, or an ID is neither a ``BinaryID`` nor a string.
            InvalidArgument: there are no tags or no IDs.
            NotFound: one of the binary data does not exist (or is out of reach).

        Examples:
            ```python
            data = viam_client.data_client
            removed = await data.remove_tags_from_binary_data_by_ids(["reviewed"], [image_id])
            ```
        """
        request = RemoveTagsFromBinaryDataByIDsRequest(
            tags=_nonempty_tags(tags, "remove_tags_from_binary_data_by_ids")
        )
        response = await self._data_client.remove_tags_from_binary_data_by_ids(
            _with_ids(request, binary_ids, "remove_tags_from_binary_data_by_ids")
        )
        return int(response.deleted_count)

    async def remove_tags_from_binary_data_by_filter(
        self,
        tags: list[str],
        filter: Filter | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> int:
        """Remove ``tags`` from every binary item matching ``filter``.

        Args:
            tags: the tags to remove (a list, not one string).
            filter: which binary data (see ``DataClient.create_filter``); None matches all the caller reaches.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            How many tags were removed in all.

        Raises:
            ValueError: ``tags`` is a single string.
            InvalidArgument: there are no tags.

        Examples:
            ```python
            data = viam_client.data_client
            removed = await data.remove_tags_from_binary_data_by_filter(["night"])
            ```
        """
        checked = _nonempty_tags(tags, "remove_tags_from_binary_data_by_filter")
        # deprecated upstream, not here (nor in viam-sdk): the generated layer does not warn the caller
        request = RemoveTagsFromBinaryDataByFilterRequest(filter=filter, tags=checked)
        response = await self._data_client.remove_tags_from_binary_data_by_filter(request)
        return int(response.deleted_count)

    async def tags_by_filter(
        self, filter: Filter | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[str]:
        """Every distinct tag on the data matching ``filter``, sorted.

        Args:
            filter: which binary data (see ``DataClient.create_filter``); None matches all the caller reaches.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The tags as a sorted list of strings.

        Raises:
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            from viam_sdk.app.data_client import DataClient

            data = viam_client.data_client
            tags = await data.tags_by_filter(DataClient.create_filter(part_id=part_id))
            ```
        """
        # deprecated upstream, not here (nor in viam-sdk): the generated layer does not warn the caller
        request = TagsByFilterRequest(filter=filter)
        response = await self._data_client.tags_by_filter(request)
        return list(response.tags)

    # -- bounding boxes ----------------------------------------------------------------------------------------

    async def add_bounding_box_to_image_by_id(
        self,
        binary_id: BinaryID,
        label: str,
        x_min_normalized: float,
        y_min_normalized: float,
        x_max_normalized: float,
        y_max_normalized: float,
        confidence_score: float | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> str:
        """Draw a labelled box on an image; coordinates are fractions of its width and height.

        Args:
            binary_id: the image, a binary data ID string or a deprecated ``BinaryID``.
            label: what the box shows (``"dog"``).
            x_min_normalized: the left edge, 0 to 1.
            y_min_normalized: the top edge, 0 to 1.
            x_max_normalized: the right edge, 0 to 1 and above ``x_min_normalized``.
            y_max_normalized: the bottom edge, 0 to 1 and above ``y_min_normalized``.
            confidence_score: how sure a model was of the box (0 to 1); None leaves it unset.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new box's ID.

        Raises:
            ValueError: ``binary_id`` is neither a ``BinaryID`` nor a non-empty string.
            InvalidArgument: coordinates outside [0, 1] or min >= max.
            NotFound: no image has that ID.

        Examples:
            ```python
            data = viam_client.data_client
            box_id = await data.add_bounding_box_to_image_by_id(image_id, "dog", 0.1, 0.2, 0.5, 0.7)
            ```
        """
        request = AddBoundingBoxToImageByIDRequest(
            label=label,
            x_min_normalized=x_min_normalized,
            y_min_normalized=y_min_normalized,
            x_max_normalized=x_max_normalized,
            y_max_normalized=y_max_normalized,
            confidence=confidence_score,
        )
        self._one_id(request, binary_id)
        response = await self._data_client.add_bounding_box_to_image_by_id(request)
        return response.bbox_id

    async def update_bounding_box(
        self,
        binary_id: str,
        bbox_id: str,
        label: str,
        x_min_normalized: float,
        y_min_normalized: float,
        x_max_normalized: float,
        y_max_normalized: float,
        confidence_score: float | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Move, relabel or rescore the box ``bbox_id`` on the image ``binary_id``.

        Every coordinate and the label are replaced.

        Args:
            binary_id: the image's binary data ID.
            bbox_id: the box (as ``add_bounding_box_to_image_by_id`` returned it).
            label: the box's label.
            x_min_normalized: the left edge, 0 to 1.
            y_min_normalized: the top edge, 0 to 1.
            x_max_normalized: the right edge, 0 to 1.
            y_max_normalized: the bottom edge, 0 to 1.
            confidence_score: a new score (0 to 1); None keeps the box's current score.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``binary_id`` is empty.
            NotFound: an unknown image or box.
            InvalidArgument: coordinates outside [0, 1], min >= max or an empty label.

        Examples:
            ```python
            data = viam_client.data_client
            await data.update_bounding_box(image_id, box_id, "cat", 0.1, 0.2, 0.6, 0.8, confidence_score=0.9)
            ```
        """
        request = UpdateBoundingBoxRequest(
            bbox_id=bbox_id,
            label=label,
            x_min_normalized=x_min_normalized,
            y_min_normalized=y_min_normalized,
            x_max_normalized=x_max_normalized,
            y_max_normalized=y_max_normalized,
            confidence=confidence_score,
        )
        self._one_id(request, binary_id)
        await self._data_client.update_bounding_box(request)

    async def remove_bounding_box_from_image_by_id(
        self, bbox_id: str, binary_id: BinaryID, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Remove the box ``bbox_id`` from the image ``binary_id``.

        Args:
            bbox_id: the box.
            binary_id: the image, a binary data ID string or a deprecated ``BinaryID``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: ``binary_id`` is neither a ``BinaryID`` nor a non-empty string.
            NotFound: an unknown image, or the image has no such box.

        Examples:
            ```python
            data = viam_client.data_client
            await data.remove_bounding_box_from_image_by_id(box_id, image_id)
            ```
        """
        request = RemoveBoundingBoxFromImageByIDRequest(bbox_id=bbox_id)
        self._one_id(request, binary_id)
        await self._data_client.remove_bounding_box_from_image_by_id(request)

    @staticmethod
    def _one_id(request: Any, binary_id: BinaryID | str) -> None:
        if isinstance(binary_id, BinaryID):
            request.binary_id = binary_id  # set afterwards: see _with_ids
        elif isinstance(binary_id, str) and binary_id:
            request.binary_data_id = getattr(binary_id, "binary_data_id", binary_id)  # see UploadedFileId
        else:
            raise ValueError(f"binary_id must be a BinaryID or a binary data id string, not {binary_id!r}")

    async def bounding_box_labels_by_filter(
        self, filter: Filter | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[str]:
        """Every distinct bounding-box label on the images matching ``filter``, sorted.

        Args:
            filter: which binary data (see ``DataClient.create_filter``); None matches all the caller reaches.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The labels as a sorted list of strings.

        Raises:
            PermissionDenied: the filter names an organization the credentials do not reach.

        Examples:
            ```python
            data = viam_client.data_client
            labels = await data.bounding_box_labels_by_filter()
            ```
        """
        # deprecated upstream, not here (nor in viam-sdk): the generated layer does not warn the caller
        request = BoundingBoxLabelsByFilterRequest(filter=filter)
        response = await self._data_client.bounding_box_labels_by_filter(request)
        return list(response.labels)
