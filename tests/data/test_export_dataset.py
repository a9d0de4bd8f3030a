"""``DataClient.export_dataset`` against the real emulator (issue 20, item 4).

A binary-data dataset comes out as ``viam dataset export --include-jsonl``
writes it (``data/``, ``metadata/``, ``dataset.jsonl`` with tags, labels,
boxes and capture metadata); a rerun fetches only what is missing; a sequence
dataset goes through the server's export job and its listed files.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from viam_api.app.data.v1 import SequenceResourceFilter
from viam_api.app.dataset.v1 import DatasetType

from viam_sdk import errors
from viam_sdk.app.data_client import DataClient, DatasetExportSummary
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part
from .test_export_binary import T0, _captures

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)


async def _images(data: DataClient, part: Part, n: int) -> list[str]:
    return list(await _captures(data, part, n))


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_binary_dataset_writes_files_and_training_jsonl(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    ids = await _images(data, part, 3)
    outsider = (await _images(data, part, 1))[0]  # not in the dataset
    dataset_id = await data.create_dataset("birds", part.org_id)
    await data.add_binary_data_to_dataset_by_ids(ids, dataset_id)
    await data.add_tags_to_binary_data_by_ids(["sparrow", "day"], [ids[0]])
    box = await data.add_bounding_box_to_image_by_id(ids[0], "beak", 0.1, 0.2, 0.3, 0.4)

    dest = tmp_path / "ds"
    summary = await data.export_dataset(dataset_id, dest, parallel=2)
    assert isinstance(summary, DatasetExportSummary) and summary.ok
    assert (summary.files, summary.skipped, summary.lines) == (3, 0, 3)
    assert summary.jsonl == dest / "dataset.jsonl"
    lines = _lines(dest / "dataset.jsonl")
    assert [line["binary_data_id"] for line in lines] == sorted(ids) and outsider not in summary.paths
    first = next(line for line in lines if line["binary_data_id"] == ids[0])
    assert first["classification_annotations"] == [
        {"annotation_label": "day"},
        {"annotation_label": "sparrow"},
    ]
    assert first["bounding_box_annotations"] == [
        {
            "id": box,
            "annotation_label": "beak",
            "x_min_normalized": 0.1,
            "x_max_normalized": 0.3,
            "y_min_normalized": 0.2,
            "y_max_normalized": 0.4,
        }
    ]
    assert first["timestamp"] == "2024-06-01 08:00:00.04 +0000 UTC"
    assert (first["part_id"], first["component_name"], first["organization_id"]) == (
        part.part_id,
        "cam",
        part.org_id,
    )
    assert (first["robot_id"], first["location_id"]) == (part.robot_id, part.location_id)
    for line in lines:  # each image_path is the file written, under dest/data
        path = Path(str(line["image_path"]))
        assert path.parent == dest / "data" and path == summary.paths[str(line["binary_data_id"])]
        assert path.stat().st_size == 300 + len(str(ids.index(str(line["binary_data_id"]))))
    second = next(line for line in lines if line["binary_data_id"] == ids[1])
    assert second["classification_annotations"] == [] and second["bounding_box_annotations"] == []
    assert len(list((dest / "metadata").iterdir())) == 3


async def test_rerun_fetches_only_what_is_missing(data: DataClient, part: Part, tmp_path: Path) -> None:
    ids = await _images(data, part, 4)
    dataset_id = await data.create_dataset("resume", part.org_id)
    await data.add_binary_data_to_dataset_by_ids(ids, dataset_id)
    dest = tmp_path / "ds"
    first = await data.export_dataset(dataset_id, dest)
    gone = first.paths[ids[2]]
    gone.unlink()
    (dest / "dataset.jsonl").unlink()
    again = await data.export_dataset(dataset_id, dest)
    assert (again.files, again.skipped, again.lines) == (1, 3, 4)
    assert gone.exists() and len(_lines(dest / "dataset.jsonl")) == 4


async def test_jsonl_only_and_no_jsonl(data: DataClient, part: Part, tmp_path: Path) -> None:
    ids = await _images(data, part, 2)
    dataset_id = await data.create_dataset("labels", part.org_id)
    await data.add_binary_data_to_dataset_by_ids(ids, dataset_id)
    only = await data.export_dataset(dataset_id, tmp_path / "a", files=False)
    assert only.files == 0 and not (tmp_path / "a" / "data").exists()
    paths = [str(line["image_path"]) for line in _lines(tmp_path / "a" / "dataset.jsonl")]
    assert len(paths) == 2 and all("/" not in p and p.endswith(".jpeg") for p in paths)
    plain = await data.export_dataset(dataset_id, tmp_path / "b", jsonl=False)
    assert plain.files == 2 and plain.jsonl is None and not (tmp_path / "b" / "dataset.jsonl").exists()


async def test_sequence_dataset_exports_the_job_file_and_its_frames(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    frames = await _images(data, part, 3)
    seq_id = await data.create_sequence(
        part.part_id, [SequenceResourceFilter(resource_name="cam")], T0, T0 + timedelta(minutes=1)
    )
    dataset_id = await data.create_dataset("runs", part.org_id, type=DatasetType.DATASET_TYPE_SEQUENCE_DATA)
    await data.add_sequences_to_dataset(dataset_id, [seq_id])
    dest = tmp_path / "seq"
    summary = await data.export_dataset(dataset_id, dest)
    assert summary.ok and summary.sequences_file == dest / "sequences.json"
    manifest = json.loads((dest / "sequences.json").read_text())
    assert manifest["dataset_id"] == dataset_id and [s["id"] for s in manifest["sequences"]] == [seq_id]
    assert (summary.files, summary.lines) == (3, 3) and set(summary.paths) == set(frames)
    assert {line["sequence_id"] for line in _lines(dest / "dataset.jsonl")} == {seq_id}
    again = await data.export_dataset(dataset_id, dest)
    assert (again.files, again.skipped) == (0, 3)


async def test_bad_input_is_refused_clearly(data: DataClient, part: Part, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dataset_id"):
        await data.export_dataset("", tmp_path)
    with pytest.raises(ValueError, match="parallel"):
        await data.export_dataset("x", tmp_path, parallel=0)
    with pytest.raises(errors.NotFound, match="no-such"):
        await data.export_dataset("no-such", tmp_path / "n")


async def test_large_dataset_files_stream_from_signed_urls(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "SMALL_FILE", 100)  # "large" from 100 bytes, so the test stays small
    ids = await _images(data, part, 2)
    dataset_id = await data.create_dataset("big", part.org_id)
    await data.add_binary_data_to_dataset_by_ids(ids, dataset_id)
    summary = await data.export_dataset(dataset_id, tmp_path)
    assert (summary.files, summary.via_signed_url, summary.lines) == (2, 2, 2)


def test_the_blocking_client_exports_datasets(
    emulator_thread: Emulator, thread_part: Part, tmp_path: Path
) -> None:
    from viam_sdk.rpc.dial import DialOptions
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    options = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(options, app_url=emulator_thread.app_url) as viam:
        data = viam.data_client
        ids = [
            data.binary_data_capture_upload(b"x" * n, thread_part.part_id, "camera", "cam", "Get", ".png")
            for n in (1, 2)
        ]
        dataset_id = data.create_dataset("sync", thread_part.org_id)
        data.add_binary_data_to_dataset_by_ids(ids, dataset_id)
        summary = data.export_dataset(dataset_id, tmp_path, parallel=2)
        assert (summary.files, summary.lines, summary.failed) == (2, 2, [])
        assert sorted(line["binary_data_id"] for line in _lines(tmp_path / "dataset.jsonl")) == sorted(ids)
        assert data.export_dataset(dataset_id, tmp_path).skipped == 2
