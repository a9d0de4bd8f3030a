"""The BinaryData and BinaryMetadata messages of stored binary captures: built in this one place,
for DataService (``data``) and the sequence RPCs (``data_sequences``) alike."""

from __future__ import annotations

from viam_api.app.data.v1 import Annotations, BinaryData, BinaryMetadata, BoundingBox

from ..backends.captures import BinaryRow, CapturesBackend
from ._data_common import capture_metadata, from_micros

__all__ = ["binary_data", "binary_metadata"]


def binary_metadata(captures: CapturesBackend, row: BinaryRow) -> BinaryMetadata:
    """The metadata of the binary capture ``row``: capture, times, file, boxes and datasets."""
    meta = BinaryMetadata(
        capture_metadata=capture_metadata(row),
        time_requested=from_micros(row.time_requested),
        time_received=from_micros(row.time_received),
        file_name=row.file_name,
        file_ext=row.file_ext,
        uri=f"emulator://data/{row.id}",
        annotations=Annotations(
            bboxes=[
                BoundingBox(
                    id=b.id,
                    label=b.label,
                    x_min_normalized=b.x_min,
                    y_min_normalized=b.y_min,
                    x_max_normalized=b.x_max,
                    y_max_normalized=b.y_max,
                    confidence=b.confidence,
                )
                for b in captures.boxes(row.id)
            ]
        ),
        dataset_ids=captures.datasets_of(row.id),
        binary_data_id=row.id,
        file_size_bytes=row.size_bytes,
    )
    # The deprecated ``id`` field still carries the file id, for clients that
    # build BinaryID messages from it; set after construction so the server
    # does not warn about its own use of it.
    meta.id = row.file_id
    return meta


def binary_data(captures: CapturesBackend, row: BinaryRow, include_binary: bool) -> BinaryData:
    """The message of ``row``, with its bytes when ``include_binary``."""
    return BinaryData(
        binary=captures.blob(row.blob_key) if include_binary else b"",
        metadata=binary_metadata(captures, row),
    )
