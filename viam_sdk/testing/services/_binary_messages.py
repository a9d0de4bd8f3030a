"""The BinaryData and BinaryMetadata messages of stored binary captures: built in this one place,
for DataService (``data``) and the sequence RPCs (``data_sequences``) alike."""

from __future__ import annotations

import sqlite3

from viam_api.app.data.v1 import Annotations, BinaryData, BinaryMetadata, BoundingBox

from ._data_common import capture_metadata, from_micros, read_blob

__all__ = ["binary_data", "binary_metadata"]


def binary_metadata(db: sqlite3.Connection, row: sqlite3.Row) -> BinaryMetadata:
    """The metadata of the ``data_binary`` row ``row``: capture, times, file, boxes and datasets."""
    boxes = db.execute(
        "SELECT id, label, x_min, y_min, x_max, y_max, confidence FROM data_bboxes WHERE binary_id = ? ORDER BY seq",
        (row["id"],),
    ).fetchall()
    datasets = db.execute(
        "SELECT dataset_id FROM dataset_members WHERE binary_id = ? ORDER BY dataset_id", (row["id"],)
    ).fetchall()
    meta = BinaryMetadata(
        capture_metadata=capture_metadata(row),
        time_requested=from_micros(row["time_requested"]),
        time_received=from_micros(row["time_received"]),
        file_name=row["file_name"],
        file_ext=row["file_ext"],
        uri=f"emulator://data/{row['id']}",
        annotations=Annotations(
            bboxes=[
                BoundingBox(
                    id=b["id"],
                    label=b["label"],
                    x_min_normalized=b["x_min"],
                    y_min_normalized=b["y_min"],
                    x_max_normalized=b["x_max"],
                    y_max_normalized=b["y_max"],
                    confidence=b["confidence"],
                )
                for b in boxes
            ]
        ),
        dataset_ids=[str(d[0]) for d in datasets],
        binary_data_id=row["id"],
        file_size_bytes=row["size_bytes"],
    )
    # The deprecated ``id`` field still carries the file id, for clients that
    # build BinaryID messages from it; set after construction so the server
    # does not warn about its own use of it.
    meta.id = row["file_id"]
    return meta


def binary_data(db: sqlite3.Connection, row: sqlite3.Row, include_binary: bool) -> BinaryData:
    """The message of ``row``, with its bytes when ``include_binary``."""
    return BinaryData(
        binary=read_blob(db, row["blob_key"]) if include_binary else b"",
        metadata=binary_metadata(db, row),
    )
