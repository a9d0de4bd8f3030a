"""How ``DataClient`` writes query results to disk, and how to read them back.

* Tabular pages (``dest=`` of ``tabular_data_by_filter``) become one
  newline-delimited JSON file: one line per reading, an object with ``data``,
  ``metadata`` (the capture metadata, snake_case keys), ``time_requested`` and
  ``time_received`` (ISO 8601, UTC).  ``read_tabular_file`` gives the rows
  back as ``DataClient.TabularData``-shaped dicts.
* Binary data (``dest=`` of ``binary_data_by_filter`` / ``binary_data_by_ids``)
  becomes files in a folder: the bytes in ``<file id><extension>`` and, beside
  each, ``<file id><extension>.json`` with its metadata.  Names are made safe
  and kept distinct by ``viam_sdk.app._data._names``: a name the server sent
  that is unsafe (``..``, a path, a NUL, ...) or already held by another item
  gets ``~`` and a tag of the item's binary data id before its extension.

Every file is written atomically (``viam_sdk._files``): a reader sees either
the earlier file or the new one, whole; a missing folder raises
FileNotFoundError.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viam_sdk._files import atomic_open, atomic_write_bytes
from viam_sdk.app._data._names import NameClaims, safe_name, with_suffix
from viam_sdk.progress import Reporter

if TYPE_CHECKING:  # the message module loads when a default message is first needed
    from viam_api.app.data.v1 import BinaryData, BinaryMetadata, CaptureMetadata

__all__ = [
    "binary_file_name",
    "capture_metadata_dict",
    "binary_metadata_dict",
    "read_tabular_file",
    "write_binary_folder",
    "write_tabular_file",
]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def capture_metadata_dict(meta: CaptureMetadata | None) -> dict[str, Any]:
    """Capture metadata as a plain dict (snake_case keys, method parameters left out)."""
    if not meta:
        from viam_api.app.data.v1 import CaptureMetadata

        meta = CaptureMetadata()
    return {
        "organization_id": meta.organization_id,
        "location_id": meta.location_id,
        "robot_name": meta.robot_name,
        "robot_id": meta.robot_id,
        "part_name": meta.part_name,
        "part_id": meta.part_id,
        "component_type": meta.component_type,
        "component_name": meta.component_name,
        "method_name": meta.method_name,
        "tags": list(meta.tags),
        "mime_type": meta.mime_type,
    }


def binary_metadata_dict(meta: BinaryMetadata | None) -> dict[str, Any]:
    """Binary metadata as a plain, JSON-ready dict."""
    if not meta:
        from viam_api.app.data.v1 import BinaryMetadata

        meta = BinaryMetadata()
    boxes = meta.annotations.bboxes if meta.annotations is not None else []
    return {
        "binary_data_id": meta.binary_data_id,
        "file_id": meta.id,
        "capture_metadata": capture_metadata_dict(meta.capture_metadata),
        "time_requested": _iso(meta.time_requested),
        "time_received": _iso(meta.time_received),
        "file_name": meta.file_name,
        "file_ext": meta.file_ext,
        "uri": meta.uri,
        "file_size_bytes": meta.file_size_bytes,
        "dataset_ids": list(meta.dataset_ids),
        "bounding_boxes": [
            {
                "id": b.id,
                "label": b.label,
                "x_min_normalized": b.x_min_normalized,
                "y_min_normalized": b.y_min_normalized,
                "x_max_normalized": b.x_max_normalized,
                "y_max_normalized": b.y_max_normalized,
                "confidence": b.confidence,
            }
            for b in boxes
        ],
    }


def write_tabular_file(
    dest: str | os.PathLike[str],
    rows: Iterable[tuple[Mapping[str, Any], CaptureMetadata, datetime | None, datetime | None]],
) -> Path:
    """Write ``(data, metadata, time_requested, time_received)`` rows as NDJSON, atomically."""
    with atomic_open(dest, "w") as handle:
        for data, meta, requested, received in rows:
            line = {
                "data": data,
                "metadata": capture_metadata_dict(meta),
                "time_requested": _iso(requested),
                "time_received": _iso(received),
            }
            handle.write(json.dumps(line, default=_json_default, separators=(",", ":")))
            handle.write("\n")
    return Path(dest)


def read_tabular_file(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of a file written by ``tabular_data_by_filter(dest=...)``.

    Each row is a dict with ``data``, ``metadata``, ``time_requested`` and
    ``time_received`` (the times as datetimes in UTC, naive as ``tabular_data_by_filter``
    returns them; or None).
    """
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            for key in ("time_requested", "time_received"):
                if row.get(key):
                    row[key] = datetime.fromisoformat(row[key])
            out.append(row)
    return out


def _raw_binary_name(meta: BinaryMetadata | None) -> str:
    if not meta:
        return "binary"
    stem = meta.id or meta.binary_data_id.rsplit("/", 1)[-1] or "binary"
    ext = meta.file_ext if meta.file_ext.startswith(".") or not meta.file_ext else "." + meta.file_ext
    return stem + ext


def _ident(meta: BinaryMetadata | None) -> str:
    return (meta.binary_data_id or meta.id) if meta else ""


def binary_file_name(meta: BinaryMetadata | None) -> str:
    """The name a binary file gets in a ``dest`` folder: its file id and extension, made safe.

    Unsafe characters become ``_``; a name the rules changed (``..``, a path,
    a NUL, an over-long or reserved name) gets a tag of its binary data id
    (see ``viam_sdk.app._data._names``), so it cannot be another item's name.
    """
    name, changed = safe_name(_raw_binary_name(meta))
    return with_suffix(name, _ident(meta)) if changed else name


def metadata_owner(path: Path) -> str | None:
    """The binary data id recorded in the metadata JSON at ``path`` (None: no such file, or unreadable)."""
    try:
        with open(path, encoding="utf-8") as handle:
            recorded = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict):
        return None
    owner = recorded.get("binary_data_id", recorded.get("binaryDataId"))
    return owner if isinstance(owner, str) else None


def write_binary_folder(
    dest: str | os.PathLike[str], items: Iterable[BinaryData], with_bytes: bool, reporter: Reporter | None = None
) -> list[Path]:
    """Write each item's bytes (when ``with_bytes``) and its metadata JSON into ``dest``.

    ``reporter`` counts the bytes written (data files and metadata files), the
    total known before the first write.  Returns the paths of the data files
    (or, without bytes, of the metadata files).

    Raises:
        FileNotFoundError: ``dest`` is not an existing folder.
    """
    folder = Path(dest)
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write binary data to {str(folder)!r}: it is not an existing folder")
    # Two items never share a file: a name held by another item (in this call or on disk) gets a tag.
    claims = NameClaims(lambda name: metadata_owner(folder / f"{name}.json"))
    planned = [
        (
            item,
            claims.claim(_raw_binary_name(item.metadata), _ident(item.metadata)),
            (json.dumps(binary_metadata_dict(item.metadata), indent=2, default=_json_default) + "\n").encode(),
        )
        for item in items
    ]
    if reporter is not None:
        reporter.total = sum(len(meta) + (len(item.binary) if with_bytes else 0) for item, _, meta in planned)
    written: list[Path] = []
    for item, name, meta in planned:
        meta_path = atomic_write_bytes(folder / f"{name}.json", meta)
        if reporter is not None:
            reporter.add(len(meta))
        if with_bytes:
            written.append(atomic_write_bytes(folder / name, item.binary))
            if reporter is not None:
                reporter.add(len(item.binary))
        else:
            written.append(meta_path)
    if reporter is not None:
        reporter.finish()
    return written
