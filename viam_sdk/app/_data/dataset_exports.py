"""``DataClient.export_dataset``: a dataset's files and a training-ready JSON Lines file, resumable.

**Binary-data datasets** are written as ``viam dataset export --include-jsonl``
lays them out: the files under ``dest/data/`` (with their metadata JSON under
``dest/metadata/``, exactly as ``export_binary_data`` writes them: same names,
same resume check) and one line per file in ``dest/dataset.jsonl``.  Each line
is a JSON object with the keys the CLI's custom-training format uses:

* ``image_path``: ``dest/data/<file name>`` (``dest`` as given, so relative
  when it was), or the bare file name when the files are not exported;
* ``classification_annotations``: ``[{"annotation_label": ...}]``, one per
  distinct label among the capture tags and the classification annotations
  (sorted here, so a rerun gives the same file);
* ``bounding_box_annotations``: ``[{"id", "annotation_label",
  "x_min_normalized", "x_max_normalized", "y_min_normalized",
  "y_max_normalized"}]`` in the order the server keeps them;
* ``binary_data_id``, ``timestamp`` (the time requested, printed as Go's
  ``time.Time.String`` prints it, e.g. ``2024-06-01 08:00:00.04 +0000 UTC``),
  ``robot_id``, ``part_id``, ``component_name``, ``organization_id``,
  ``location_id``; ``binary_data_id``, ``robot_id``, ``organization_id`` and
  ``location_id`` are left out when empty, as the CLI leaves them out.

The lines are sorted by binary data id.  The JSONL holds metadata only, so it
is rebuilt in full on every run (atomically, at the end); the files are what a
rerun resumes: complete ones are checked and kept, the rest fetched.

**Sequence datasets** (``DATASET_TYPE_SEQUENCE_DATA``) are exported, as the CLI
does, through the server's export job: ``StartSequenceDatasetExport``, then
``GetSequenceDatasetExport`` until it completes, then the file at its download
URL, streamed to ``dest/sequences.<ext>`` (``.json`` when the URL says JSON,
``.zip`` when it says zip, ``.bin`` otherwise).  When that file is a JSON
manifest listing each sequence's ``binary_data_ids`` (the emulator's format),
those files are exported too, under ``data/`` and ``metadata/`` with the same
resumable engine, and each JSONL line also names its ``sequence_id``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from viam_api.app.data.v1 import BinaryMetadata, Filter
from viam_api.app.dataset.v1 import DatasetType, ListDatasetsByIDsRequest

from viam_sdk import errors
from viam_sdk._files import atomic_write_text
from viam_sdk.app._data.exports import ExportFailure, Exports, ExportSummary, Listing, _download, _Run
from viam_sdk.app._data.waiters import Waiters
from viam_sdk.progress import ProgressCallback
from viam_sdk.rpc._policy import DEFAULT, RetryOption, deadline_after

__all__ = ["DatasetExportSummary", "DatasetExports", "jsonl_line"]

JSONL_NAME = "dataset.jsonl"
SEQUENCES_NAME = "sequences"
#: The URL schemes a sequence export's download may use (the emulator serves ``data:`` URLs).
DOWNLOAD_SCHEMES = ("http", "https", "data")


@dataclass
class DatasetExportSummary(ExportSummary):
    """What ``export_dataset`` did: ``ExportSummary``'s counts, plus what else it wrote.

    Attributes:
        jsonl: the JSON Lines file written (None when ``jsonl=False``).
        lines: lines in it.
        sequences_file: a sequence dataset's downloaded export (None for a binary-data dataset).
        sequence_ids: binary data id -> the sequence holding it (sequence datasets).
    """

    jsonl: Path | None = None
    lines: int = 0
    sequences_file: Path | None = None
    sequence_ids: dict[str, str] = field(default_factory=dict)


def _go_time(moment: datetime | None) -> str:
    """``moment`` in UTC as Go's ``time.Time.String()`` prints it (fraction trimmed, ``+0000 UTC``)."""
    if moment is None:
        return "0001-01-01 00:00:00 +0000 UTC"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += ("." + f"{moment.microsecond:06d}").rstrip("0")
    return text + " +0000 UTC"


def jsonl_line(meta: BinaryMetadata, image_path: str, sequence_id: str | None = None) -> dict[str, Any]:
    """The training line of one item (see the module's docstring for the keys)."""
    capture = meta.capture_metadata
    annotations = meta.annotations
    labels = set(capture.tags if capture is not None else ())
    boxes: list[dict[str, Any]] = []
    if annotations is not None:
        labels.update(c.label for c in annotations.classifications)
        boxes = [
            {
                "id": box.id,
                "annotation_label": box.label,
                "x_min_normalized": box.x_min_normalized,
                "x_max_normalized": box.x_max_normalized,
                "y_min_normalized": box.y_min_normalized,
                "y_max_normalized": box.y_max_normalized,
            }
            for box in annotations.bboxes
        ]
    line: dict[str, Any] = {
        "image_path": image_path,
        "classification_annotations": [{"annotation_label": label} for label in sorted(labels)],
        "bounding_box_annotations": boxes,
        "binary_data_id": meta.binary_data_id,
        "timestamp": _go_time(meta.time_requested),
        "robot_id": capture.robot_id if capture is not None else "",
        "part_id": capture.part_id if capture is not None else "",
        "component_name": capture.component_name if capture is not None else "",
        "organization_id": capture.organization_id if capture is not None else "",
        "location_id": capture.location_id if capture is not None else "",
    }
    for optional in ("binary_data_id", "robot_id", "organization_id", "location_id"):
        if not line[optional]:
            del line[optional]
    if sequence_id is not None:
        line["sequence_id"] = sequence_id
    return line


class DatasetExports(Waiters, Exports):
    """``export_dataset``: a dataset's files and its JSONL, or a sequence dataset's export."""

    async def export_dataset(
        self,
        dataset_id: str,
        dest: str | os.PathLike[str],
        jsonl: bool = True,
        *,
        files: bool = True,
        parallel: int = 8,
        progress: ProgressCallback | None = None,
        file_progress: ProgressCallback | None = None,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> DatasetExportSummary:
        """Write the dataset ``dataset_id`` under ``dest``: its files and a training-ready ``dataset.jsonl``.

        A binary-data dataset comes out as ``viam dataset export --include-jsonl``
        writes it: ``dest/data/`` (files), ``dest/metadata/`` (their metadata JSON)
        and ``dest/dataset.jsonl`` (one line per file: path, classification labels
        from tags and annotations, bounding boxes, capture metadata; see
        ``viam_sdk.app._data.dataset_exports``).  A sequence dataset is exported by
        the server's export job, whose file is downloaded to ``dest/sequences.*``;
        the files its manifest lists are exported beside it.  Files go through
        ``export_binary_data``'s engine: ``parallel`` at a time, atomic, and a rerun
        over the same ``dest`` fetches only what is not complete there.

        Args:
            dataset_id: the dataset to export.
            dest: the export folder; created if missing.
            jsonl: write ``dest/dataset.jsonl``.
            files: fetch the files (False: the JSONL alone, like the CLI's ``--only-jsonl``;
                each ``image_path`` is then the bare file name).
            parallel: files fetched at once (1 or more).
            progress: told the bytes written so far and the total.
            file_progress: told the files done so far (written or skipped) and the total.
            timeout: seconds for the whole export (a sequence export's wait included); None: no limit.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``DatasetExportSummary``: the export's counts and failures, the JSONL and its line count.

        Raises:
            ValueError: ``dataset_id`` is not a non-empty string, or ``parallel`` is not a positive integer.
            NotFound: no dataset the credentials reach has that id.
            OperationFailed: a sequence dataset's export job failed.
            DeadlineExceeded: ``timeout`` passed (files written so far stay; a rerun resumes).

        Examples:
            ```python
            data = viam_client.data_client
            summary = await data.export_dataset(dataset_id, "/tmp/dataset", parallel=16)
            print(summary.files, summary.skipped, summary.lines, summary.jsonl)
            ```
        """
        if not isinstance(dataset_id, str) or not dataset_id:
            raise ValueError(f"dataset_id must be a non-empty string (a dataset id), not {dataset_id!r}")
        if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
            raise ValueError(f"parallel must be a positive integer, not {parallel!r}")
        root = Path(dest)
        root.mkdir(parents=True, exist_ok=True)
        with deadline_after(timeout):
            found = await self._dataset_client.list_datasets_by_ids(
                ListDatasetsByIDsRequest(ids=[dataset_id])
            )
            if not found.datasets:
                raise errors.NotFound(
                    message=f"no dataset {dataset_id!r} (or not one these credentials reach)"
                )
            if found.datasets[0].type == DatasetType.DATASET_TYPE_SEQUENCE_DATA:
                return await self._export_sequences(
                    dataset_id, root, jsonl, files, parallel, progress, file_progress
                )
            listing = self._listing(Filter(dataset_id=dataset_id), None, False)
            return await self._export_items(
                root, listing, jsonl, files, parallel, progress, file_progress, {}
            )

    async def _export_items(
        self,
        root: Path,
        listing: Listing,
        jsonl: bool,
        files: bool,
        parallel: int,
        progress: ProgressCallback | None,
        file_progress: ProgressCallback | None,
        sequence_of: dict[str, str],
    ) -> DatasetExportSummary:
        lines: dict[str, dict[str, Any]] = {}

        def add(meta: BinaryMetadata, data_path: Path) -> None:
            path = str(data_path) if files else data_path.name
            lines[meta.binary_data_id] = jsonl_line(meta, path, sequence_of.get(meta.binary_data_id))

        summary = DatasetExportSummary(dest=root, sequence_ids=dict(sequence_of))
        if files:
            await self._export_into(root, listing, parallel, progress, file_progress, None, add, summary)
        else:
            await self._names_only(root, listing, summary, add)
        if jsonl:
            summary.jsonl = root / JSONL_NAME
            body = "".join(json.dumps(lines[key], ensure_ascii=False) + "\n" for key in sorted(lines))
            atomic_write_text(summary.jsonl, body, sync=False)
            summary.lines = len(lines)
        return summary

    async def _names_only(
        self,
        root: Path,
        listing: Listing,
        summary: DatasetExportSummary,
        add: Callable[[BinaryMetadata, Path], None],
    ) -> None:
        """The JSONL without the files: each item's would-be file name, as the export would name it."""
        run = _Run(self, root, summary, 1, None, None)
        async for page in listing:
            for meta in page:
                if isinstance(meta, ExportFailure):
                    summary.failed.append(meta)
                    continue
                add(meta, run.place(meta)[0])

    async def _export_sequences(
        self,
        dataset_id: str,
        root: Path,
        jsonl: bool,
        files: bool,
        parallel: int,
        progress: ProgressCallback | None,
        file_progress: ProgressCallback | None,
    ) -> DatasetExportSummary:
        job_id = await self.start_sequence_dataset_export(dataset_id)
        job = await self.wait_for_sequence_dataset_export(job_id)
        url = job.download_url
        kind = url.split(",", 1)[0].lower() if url.startswith("data:") else url.split("?", 1)[0].lower()
        ext = ".json" if "json" in kind else ".zip" if "zip" in kind else ".bin"
        target = root / f"{SEQUENCES_NAME}{ext}"
        await asyncio.to_thread(_download, url, target, 0, DOWNLOAD_SCHEMES)
        sequence_of = _manifest_members(target) if ext == ".json" else {}
        summary = await self._export_items(
            root,
            self._listing(None, list(sequence_of), False),
            jsonl,
            files,
            parallel,
            progress,
            file_progress,
            sequence_of,
        )
        summary.sequences_file = target
        return summary


def _manifest_members(path: Path) -> dict[str, str]:
    """binary data id -> sequence id, from an export manifest's ``sequences`` (empty if it has none)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        sequences: Iterable[Any] = manifest.get("sequences", []) if isinstance(manifest, dict) else []
        out: dict[str, str] = {}
        for sequence in sequences:
            for binary_id in sequence.get("binary_data_ids", []):
                out.setdefault(str(binary_id), str(sequence.get("id", "")))
        return out
    except (OSError, ValueError, AttributeError, TypeError):
        return {}
