"""``DataClient.export_binary_data`` against the real emulator (issue 20, item 1).

The CLI's layout (``data/`` and ``metadata/``), bounded parallel fetches,
a summary that lists failures without stopping the rest, and resume: an
export killed midway and run again fetches only what is not complete, and a
file damaged on disk is fetched again (checked by size and SHA-256).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from viam_sdk.app.data_client import DataClient, ExportSummary
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part, make_part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

T0 = datetime(2024, 6, 1, 8, 0, 0, 40_000, tzinfo=timezone.utc)


async def _captures(data: DataClient, part: Part, n: int, size: int = 300) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for i in range(n):
        payload = bytes([i % 256]) * size + str(i).encode()
        when = T0 + timedelta(seconds=i)
        bid = await data.binary_data_capture_upload(
            binary_data=payload,
            part_id=part.part_id,
            component_type="rdk:component:camera",
            component_name="cam",
            method_name="GetImages",
            file_extension=".jpeg",
            data_request_times=(when, when),
        )
        out[bid] = payload
    return out


def _on_disk(dest: Path) -> dict[str, bytes]:
    """Binary data id -> bytes of its data file, read through the metadata files."""
    out: dict[str, bytes] = {}
    for meta in (dest / "metadata").iterdir():
        record = json.loads(meta.read_text())
        out[record["binaryDataId"]] = (dest / "data" / record["fileName"]).read_bytes()
    return out


async def test_layout_names_and_metadata_follow_the_cli(data: DataClient, part: Part, tmp_path: Path) -> None:
    captured = await _captures(data, part, 2)
    named = await data.file_upload(part.part_id, b"log text", file_name="run.log", file_extension=".log")
    summary = await data.export_binary_data(tmp_path / "out", parallel=4)
    assert isinstance(summary, ExportSummary) and summary.ok
    assert (summary.files, summary.skipped) == (3, 0)
    assert summary.bytes == sum(map(len, captured.values())) + len(b"log text")
    dest = tmp_path / "out"
    first_id = next(iter(captured))
    file_id = first_id.rsplit("/", 1)[-1]
    # A capture without a file name: <time requested, ':' as '_'>_<file id><ext>, as the CLI names it.
    capture_name = f"2024-06-01T08_00_00.04Z_{file_id}.jpeg"
    assert (dest / "data" / capture_name).read_bytes() == captured[first_id]
    record = json.loads((dest / "metadata" / f"{capture_name}.json").read_text())
    assert record["binaryDataId"] == first_id and record["fileName"] == capture_name
    assert record["sha256"] == hashlib.sha256(captured[first_id]).hexdigest()
    assert record["captureMetadata"]["partId"] == part.part_id
    # A named upload: <time>_<file name>, the extension not doubled.
    logs = [p.name for p in (dest / "data").iterdir() if p.name.endswith("_run.log")]
    assert len(logs) == 1 and (dest / "data" / logs[0]).read_bytes() == b"log text"
    assert _on_disk(dest) == {**captured, named: b"log text"}


async def test_a_killed_export_resumes_and_fetches_only_the_rest(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "BATCH_FILES", 2)  # small batches, so the kill lands midway
    captured = await _captures(data, part, 30)
    dest = tmp_path / "out"
    seen: list[int] = []
    stop = asyncio.Event()

    def count(done: int, total: int | None) -> None:
        seen.append(done)
        if done >= 12:
            stop.set()

    task = asyncio.ensure_future(data.export_binary_data(dest, parallel=3, file_progress=count))
    await stop.wait()
    task.cancel()  # killed mid-export
    with pytest.raises(asyncio.CancelledError):
        await task
    complete = len(list((dest / "metadata").iterdir()))
    assert 12 <= complete < 30
    # Nothing half-written is left to pass for complete: only whole files and their metadata.
    assert not [p for p in (dest / "data").iterdir() if p.name.endswith(".tmp")]

    # Damage one finished file: the rerun must notice (size and hash), not trust the name.
    victim = next((dest / "metadata").iterdir())
    damaged = dest / "data" / json.loads(victim.read_text())["fileName"]
    damaged.write_bytes(b"truncated")

    summary = await data.export_binary_data(dest, parallel=3)
    assert summary.ok
    assert summary.skipped == complete - 1
    assert summary.files == 30 - complete + 1  # the rest, and the damaged one again
    assert _on_disk(dest) == captured

    again = await data.export_binary_data(dest, parallel=8)
    assert (again.files, again.skipped, again.bytes) == (0, 30, 0)


async def test_a_failed_item_is_reported_and_the_others_go_on(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    captured = await _captures(data, part, 5)
    dest = tmp_path / "out"
    bad_id = next(iter(captured))
    # A folder where one item's data file should go: writing that one file fails.
    (dest / "data" / f"2024-06-01T08_00_00.04Z_{bad_id.rsplit('/', 1)[-1]}.jpeg").mkdir(parents=True)
    summary = await data.export_binary_data(dest, parallel=2)
    assert summary.files == 4 and summary.skipped == 0
    assert [f.binary_data_id for f in summary.failed] == [bad_id]
    assert "IsADirectoryError" in summary.failed[0].reason
    assert set(summary.paths) == set(captured) - {bad_id}


async def test_by_ids_and_by_filter_and_progress(
    emulator: Emulator, data: DataClient, part: Part, tmp_path: Path
) -> None:
    captured = await _captures(data, part, 4)
    other = make_part(emulator, name="arm")
    await _captures(data, other, 2)
    wanted = list(captured)[:2]
    unknown = f"{part.org_id}/{part.location_id}/no-such-file"
    summary = await data.export_binary_data(tmp_path / "ids", binary_ids=[*wanted, unknown], parallel=1)
    assert set(_on_disk(tmp_path / "ids")) == set(wanted) and summary.files == 2
    # An id the server does not know fails alone, with the server's reason.
    assert [f.binary_data_id for f in summary.failed] == [unknown] and "NotFound" in summary.failed[0].reason

    reports: list[tuple[int, int | None]] = []
    flt = DataClient.create_filter(part_id=part.part_id)
    summary = await data.export_binary_data(
        tmp_path / "flt", flt, parallel=32, progress=lambda d, t: reports.append((d, t))
    )
    assert _on_disk(tmp_path / "flt") == captured
    total = sum(map(len, captured.values()))
    assert reports[-1] == (total, total) and summary.bytes == total
    assert [d for d, _ in reports] == sorted(d for d, _ in reports)

    with pytest.raises(ValueError, match="parallel"):
        await data.export_binary_data(tmp_path / "x", parallel=0)


def test_the_blocking_client_exports_too(emulator_thread: Emulator, thread_part: Part, tmp_path: Path) -> None:
    from viam_sdk.rpc.dial import DialOptions
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    options = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with SyncViamClient.create_from_dial_options(options, app_url=emulator_thread.app_url) as viam:
        data = viam.data_client
        ids = [data.binary_data_capture_upload(b"x" * n, thread_part.part_id, "camera", "cam", "Get", ".png")
               for n in (1, 2, 3)]
        summary = data.export_binary_data(tmp_path, parallel=2)
        assert (summary.files, summary.bytes, summary.failed) == (3, 6, [])
        assert set(_on_disk(tmp_path)) == set(ids)
        assert data.export_binary_data(tmp_path).skipped == 3


async def test_large_files_stream_from_signed_urls(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "SMALL_FILE", 1000)  # "large" from 1 kB, so the test stays small
    captured = await _captures(data, part, 3, size=5000)
    small = await _captures(data, part, 2, size=10)
    summary = await data.export_binary_data(tmp_path, parallel=2)
    assert summary.ok and summary.files == 5 and summary.via_signed_url == 3
    assert _on_disk(tmp_path) == {**captured, **small}
    again = await data.export_binary_data(tmp_path)
    assert (again.skipped, again.files) == (5, 0)


def test_only_http_signed_urls_are_followed(tmp_path: Path) -> None:
    from viam_sdk.app._data.exports import _download

    secret = tmp_path / "secret"
    secret.write_text("not yours")
    with pytest.raises(ValueError, match="http"):
        _download(secret.as_uri(), tmp_path / "out", 0)
    assert not (tmp_path / "out").exists()


async def test_a_server_refusing_the_big_listing_page_is_asked_the_clis_page(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    from viam_sdk.app._data import exports
    from viam_sdk.testing.services import data as emulated

    # A server whose largest page is under the export's page: the first listing call is refused
    # (INVALID_ARGUMENT); the export asks the CLI's page of 100 instead and goes on.
    monkeypatch.setattr(emulated, "MAX_BINARY_LIMIT", exports.LIST_PAGE_FALLBACK)
    captured = await _captures(data, part, 3)
    summary = await data.export_binary_data(tmp_path, parallel=2)
    assert summary.ok and summary.files == 3
    assert _on_disk(tmp_path) == captured


async def test_a_listing_of_many_pages_exports_every_item_once(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "LIST_PAGE", 3)  # 11 items: four pages, the next asked while one is fetched
    captured = await _captures(data, part, 11)
    totals: list[int | None] = []
    summary = await data.export_binary_data(tmp_path, parallel=4, file_progress=lambda d, t: totals.append(t))
    assert summary.ok and (summary.files, summary.skipped) == (11, 0)
    assert _on_disk(tmp_path) == captured
    assert totals[-1] == 11


async def test_the_next_listing_page_is_asked_for_before_this_one_is_done() -> None:
    from viam_sdk.app._data.exports import _read_ahead

    asked: list[int] = []
    closed = asyncio.Event()

    async def pages() -> AsyncIterator[list[int]]:
        try:
            for number in range(5):
                asked.append(number)
                await asyncio.sleep(0)
                yield [number]
        finally:
            closed.set()

    got: list[list[int]] = []
    async for page in _read_ahead(pages()):
        got.append(page)
        for _ in range(20):  # let the read-ahead run while this page is "being fetched"
            await asyncio.sleep(0)
        assert asked[-1] == min(page[0] + 1, 4)  # the next page is already on its way
        if page == [2]:
            break  # stopping early closes the listing, the page asked ahead included
    assert got == [[0], [1], [2]]
    await asyncio.wait_for(closed.wait(), 5)


def test_small_files_are_spread_over_the_workers_within_the_batch_limits() -> None:
    from viam_api.app.data.v1 import BinaryMetadata

    from viam_sdk.app._data.exports import BATCH_BYTES, BATCH_FILES, _split

    def files(n: int, size: int) -> list[BinaryMetadata]:
        return [BinaryMetadata(binary_data_id=f"o/l/{size}-{i}", file_size_bytes=size) for i in range(n)]

    def shape(batches: list[list[BinaryMetadata]]) -> list[int]:
        return [len(b) for b in batches]

    # 400 images of 16 KiB: one batch per worker at parallel 8 (one round of calls) ...
    assert shape(_split(files(400, 16384), 8)) == [50] * 8
    # ... and few, full batches at parallel 1 (each call a round trip of its own).
    one = _split(files(400, 16384), 1)
    assert len(one) == -(-400 * 16384 // BATCH_BYTES) and sum(shape(one)) == 400
    # Never more than BATCH_FILES files or BATCH_BYTES bytes in a call, and every file once.
    for metas, parallel in ((files(1000, 10), 2), (files(30, 900_000), 32), (files(3, 5) + files(2, 1 << 20), 8)):
        batches = _split(metas, parallel)
        assert all(len(b) <= BATCH_FILES for b in batches)
        assert all(len(b) == 1 or sum(int(m.file_size_bytes) for m in b) <= BATCH_BYTES for b in batches)
        assert [m.binary_data_id for b in batches for m in b] == [m.binary_data_id for m in metas]
    assert _split([], 8) == []


async def test_a_cancelled_export_has_stopped_writing_when_it_returns(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    import threading

    from viam_sdk.app._data import exports

    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    write_all = exports._write_all

    def held(items: list[exports._Item]) -> None:  # the files are written in a thread: hold it there
        started.set()
        release.wait(30)
        write_all(items)
        finished.set()

    monkeypatch.setattr(exports, "_write_all", held)
    await _captures(data, part, 4)
    task = asyncio.ensure_future(data.export_binary_data(tmp_path, parallel=1))
    await asyncio.to_thread(started.wait, 30)
    task.cancel()
    for _ in range(100):  # the cancellation goes through (the workers are cancelled twice on the way) ...
        await asyncio.sleep(0)
    assert not task.done()  # ... but the export waits for the thread that is writing
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The thread was let finish before the cancellation came through: nothing writes in the folder
    # after the export returned (a rerun or a user could be reading or removing it by then).
    assert finished.is_set()
    assert not [p for p in (tmp_path / "data").iterdir() if p.name.endswith(".tmp")]


async def test_a_cancelled_export_stops_its_downloads_and_leaves_no_partial_file(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    import threading

    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "SMALL_FILE", 1000)  # "large" from 1 kB: these come from signed URLs
    release = threading.Event()
    running: list[str] = []
    download = exports._download_item

    def held(url: str, item: exports._Item, stop: threading.Event) -> None:
        running.append(item.meta.binary_data_id)
        try:
            release.wait(30)
            download(url, item, stop)
        finally:
            running.remove(item.meta.binary_data_id)

    monkeypatch.setattr(exports, "_download_item", held)
    await _captures(data, part, 3, size=5000)
    task = asyncio.ensure_future(data.export_binary_data(tmp_path, parallel=3))
    while len(running) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    for _ in range(100):
        await asyncio.sleep(0)
    assert not task.done()  # waiting for the three downloads under way
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert running == []  # every download had ended when the export returned ...
    assert list((tmp_path / "data").iterdir()) == []  # ... told to stop: none finished, no temporary file left


async def test_a_worker_fetches_its_next_batch_while_the_last_one_is_written(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    import threading
    import time

    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "BATCH_FILES", 2)  # 6 files: three batches for the one worker
    second = threading.Event()
    fetched: list[list[str]] = []
    seen_while_writing: list[int] = []
    fetch, write_all = exports.Exports._fetch, exports._write_all

    async def counted(self: exports.Exports, ids: list[str]) -> dict[str, bytes]:
        fetched.append(ids)
        if len(fetched) == 2:
            second.set()
        return await fetch(self, ids)

    def first_held(items: list[exports._Item]) -> None:
        if not seen_while_writing:  # the first batch's write waits for the second batch's fetch
            second.wait(10)  # (a bound, not a timing: without the overlap it never comes)
            time.sleep(0.05)  # room for a third fetch, which must not come while this write is on
            seen_while_writing.append(len(fetched))
        write_all(items)

    monkeypatch.setattr(exports.Exports, "_fetch", counted)
    monkeypatch.setattr(exports, "_write_all", first_held)
    captured = await _captures(data, part, 6)
    summary = await data.export_binary_data(tmp_path, parallel=1)
    # The second batch was fetched while the first was written, the third not: a worker has at most
    # one batch waiting for the disk (memory: two batches a worker).
    assert seen_while_writing == [2]
    assert summary.ok and summary.files == 6 and len(fetched) == 3
    assert _on_disk(tmp_path) == captured


async def test_a_cancelled_export_drops_the_writes_not_started(
    monkeypatch: pytest.MonkeyPatch, data: DataClient, part: Part, tmp_path: Path
) -> None:
    import threading

    from viam_sdk.app._data import exports

    monkeypatch.setattr(exports, "BATCH_FILES", 2)  # 8 files: four batches, one a worker
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []
    write_all = exports._write_all

    def held(items: list[exports._Item]) -> None:
        calls.append(len(items))
        started.set()
        release.wait(30)
        write_all(items)

    monkeypatch.setattr(exports, "_write_all", held)
    await _captures(data, part, 8)
    task = asyncio.ensure_future(data.export_binary_data(tmp_path, parallel=4))
    await asyncio.to_thread(started.wait, 30)
    task.cancel()
    for _ in range(100):
        await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The batch being written was finished; the batches queued for the writer were dropped, not
    # written first (a cancel does not wait for the whole fetched backlog; a rerun fetches them).
    assert calls == [2]
    assert len(list((tmp_path / "metadata").iterdir())) == 2
