"""``progress=`` on long transfers, against the real emulator: uploads and downloads count bytes,
exports count rows; the tqdm bar of ``viam_sdk.progress.tqdm_progress``.

Every report must be ``(done, total)`` with ``done`` never going down, and end
with ``done == total`` equal to what really went over the wire or to disk.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from grpclib.client import Channel
from viam_api.app.v1 import BillingServiceStub, ChargeOrganizationRequest

from viam_sdk.app.data_client import CHUNK_SIZE, DataClient
from viam_sdk.progress import Reporter, tqdm_progress
from viam_sdk.testing import Emulator

from .conftest import DEPRECATION_NOISE, Part

pytestmark = pytest.mark.filterwarnings(DEPRECATION_NOISE)

Reports = list[tuple[int, "int | None"]]


def _recorder() -> tuple[Reports, object]:
    seen: Reports = []
    return seen, lambda done, total: seen.append((done, total))


def _check(seen: Reports, size: int) -> None:
    assert seen, "progress was never called"
    dones = [d for d, _ in seen]
    assert dones == sorted(dones), f"done went down: {dones}"
    assert seen[-1] == (size, size)


async def test_file_upload_from_path_reports_bytes_against_the_file_size(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    size = 3 * CHUNK_SIZE + 123
    path = tmp_path / "blob.bin"
    path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    seen, callback = _recorder()
    file_id = await data.file_upload_from_path(str(path), part.part_id, progress=callback)
    _check(seen, size)
    # After each 64 KiB chunk, with the total known from the start.
    assert seen[:4] == [(CHUNK_SIZE, size), (2 * CHUNK_SIZE, size), (3 * CHUNK_SIZE, size), (size, size)]
    stored = await data.binary_data_by_ids([file_id])
    assert stored[0].binary == path.read_bytes()


async def test_in_memory_and_streaming_uploads_report_bytes(data: DataClient, part: Part) -> None:
    payload = b"p" * (CHUNK_SIZE + 10)
    seen, callback = _recorder()
    await data.file_upload(part.part_id, payload, file_name="p", file_extension=".bin", progress=callback)
    _check(seen, len(payload))
    seen, callback = _recorder()
    await data.streaming_data_capture_upload(payload, part.part_id, ".bin", component_name="lidar", progress=callback)
    _check(seen, len(payload))
    assert seen[0] == (CHUNK_SIZE, len(payload))


async def test_downloads_to_dest_report_the_bytes_written(data: DataClient, part: Part, tmp_path: Path) -> None:
    ids = [
        await data.binary_data_capture_upload(bytes([i]) * (1000 * (i + 1)), part.part_id, "rdk:component:camera",
                                              "cam", "ReadImage", file_extension=".bin")
        for i in range(3)
    ]
    by_ids, by_filter = tmp_path / "ids", tmp_path / "filter"
    by_ids.mkdir()
    by_filter.mkdir()
    seen, callback = _recorder()
    await data.binary_data_by_ids(ids, dest=str(by_ids), progress=callback)
    on_disk = sum(p.stat().st_size for p in by_ids.iterdir())
    _check(seen, on_disk)
    assert seen[0][1] == on_disk  # the total is known before the first write
    seen, callback = _recorder()
    await data.binary_data_by_filter(DataClient.create_filter(component_name="cam"), dest=str(by_filter),
                                     progress=callback)
    _check(seen, sum(p.stat().st_size for p in by_filter.iterdir()))


async def test_export_reports_rows(data: DataClient, part: Part) -> None:
    start = datetime.datetime(2026, 2, 1, tzinfo=datetime.timezone.utc)
    await data.tabular_data_capture_upload(
        [{"readings": {"v": float(i)}} for i in range(17)], part.part_id, "rdk:component:sensor", "export", "Readings",
        data_request_times=[(start, start + datetime.timedelta(seconds=i)) for i in range(17)],
    )
    seen, callback = _recorder()
    points = await data.export_tabular_data(part.part_id, "export", "rdk:component:sensor", "Readings",
                                            progress=callback)
    assert len(points) == 17
    _check(seen, 17)
    assert seen[0] == (1, None)  # the total of a stream is known only at its end


async def test_invoice_pdf_reports_bytes(emulator: Emulator, tmp_path: Path) -> None:
    from tests.data.conftest import connect

    channel = Channel(emulator.host, emulator.port)
    viam = await connect(emulator)
    try:
        org_id = emulator.bootstrap.org_id
        invoice = await BillingServiceStub(channel, metadata=emulator.auth_metadata()).charge_organization(
            ChargeOrganizationRequest(org_id_to_charge=org_id, subtotal=10.0, description="plan")
        )
        dest = tmp_path / "invoice.pdf"
        seen, callback = _recorder()
        await viam.billing_client.get_invoice_pdf(invoice.invoice_id, org_id, str(dest), progress=callback)
        _check(seen, dest.stat().st_size)
    finally:
        viam.close()
        channel.close()


async def test_a_failing_callback_stops_the_upload_and_reaches_the_caller(
    data: DataClient, part: Part, tmp_path: Path
) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"z" * (4 * CHUNK_SIZE))

    def stop(done: int, total: int | None) -> None:
        if done >= 2 * CHUNK_SIZE:
            raise RuntimeError(f"cancelled by the user at {done} of {total}")

    with pytest.raises(RuntimeError, match=f"cancelled by the user at {2 * CHUNK_SIZE} of {4 * CHUNK_SIZE}"):
        await data.file_upload_from_path(str(path), part.part_id, component_name="cancelled", progress=stop)
    with pytest.raises(TypeError, match="progress must be a callable taking \\(done, total\\), not 42"):
        Reporter(42)  # type: ignore[arg-type]


async def test_tqdm_bar_follows_an_upload(data: DataClient, part: Part, tmp_path: Path) -> None:
    path = tmp_path / "bar.bin"
    path.write_bytes(b"b" * (2 * CHUNK_SIZE + 1))
    out = io.StringIO()
    with tqdm_progress(desc="upload", unit="B", file=out, mininterval=0) as bar:
        await data.file_upload_from_path(str(path), part.part_id, progress=bar)
        inner = bar.bar  # type: ignore[attr-defined]
        assert (inner.n, inner.total) == (2 * CHUNK_SIZE + 1, 2 * CHUNK_SIZE + 1)
    text = out.getvalue()
    assert "upload" in text and "100%" in text


async def test_module_upload_reports_bytes_and_part_logs_report_entries(emulator: Emulator) -> None:
    from viam_api.app.v1 import ModuleFileInfo

    from tests.data.conftest import connect
    from tests.sdk.conftest import log, push_logs

    viam = await connect(emulator)
    try:
        app = viam.app_client
        org_id = emulator.bootstrap.org_id
        await app.update_organization(org_id, public_namespace="acme")
        module_id, _ = await app.create_module(org_id, "mover")
        blob = bytes(range(256)) * 600  # 150 KiB: three chunks
        seen, callback = _recorder()
        await app.upload_module_file(
            ModuleFileInfo(module_id=module_id, version="1.0.0", platform="linux/amd64"), blob, progress=callback
        )
        _check(seen, len(blob))
        assert seen[0] == (CHUNK_SIZE, len(blob))

        loc = await app.create_location(org_id, "logs-site")
        part = (await app.get_robot_parts(await app.new_robot("logger", loc.id)))[0]
        await push_logs(emulator.address, part.id, part.secret, [log(f"line {i}") for i in range(7)])
        seen, callback = _recorder()
        entries = await app.get_robot_part_logs(part.id, num_log_entries=5, progress=callback)
        assert len(entries) == 5
        _check(seen, 5)
        seen, callback = _recorder()
        assert len(await app.get_robot_part_logs(part.id, num_log_entries=0, progress=callback)) == 7
        _check(seen, 7)
    finally:
        viam.close()


async def test_tqdm_progress_passed_directly_as_the_readme_writes_it(data: DataClient, part: Part) -> None:
    # The README and the getting-started page write ``progress=tqdm_progress()``, with no ``with``:
    # the call must be the callback itself, over a pull of several pages.
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    await data.tabular_data_capture_upload(
        [{"readings": {"v": float(i)}} for i in range(7)],
        part.part_id,
        "rdk:component:sensor",
        "paged",
        "Readings",
        data_request_times=[(start, start + datetime.timedelta(seconds=i)) for i in range(7)],
    )
    out = io.StringIO()
    bar = tqdm_progress(desc="rows", file=out, mininterval=0)
    flt = DataClient.create_filter(component_name="paged")
    rows = [row async for row in data.iter_tabular_data_by_filter(flt, page_size=3, progress=bar)]
    assert len(rows) == 7
    assert "rows" in out.getvalue() and "7/7" in out.getvalue() and "100%" in out.getvalue()
    # A second transfer with the same callback draws a bar of its own, from 0.
    again = io.StringIO()
    with tqdm_progress(desc="again", file=again, mininterval=0) as reused:
        for _ in range(2):
            assert (
                len(
                    [row async for row in data.iter_tabular_data_by_filter(flt, page_size=4, progress=reused)]
                )
                == 7
            )
    assert again.getvalue().count("7/7") == 2


def test_tqdm_progress_directly_on_the_blocking_client(emulator_thread: Emulator, thread_part: Part) -> None:
    from viam_sdk.sync import ViamClient as SyncViamClient

    boot = emulator_thread.bootstrap
    from viam_sdk.rpc.dial import DialOptions

    with SyncViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emulator_thread.app_url
    ) as viam:
        viam.data_client.tabular_data_capture_upload(
            [{"readings": {"v": float(i)}} for i in range(5)],
            thread_part.part_id,
            "rdk:component:sensor",
            "paged-sync",
            "Readings",
        )
        out = io.StringIO()
        flt = DataClient.create_filter(component_name="paged-sync")
        rows = list(
            viam.data_client.iter_tabular_data_by_filter(
                flt, page_size=2, progress=tqdm_progress(desc="sync rows", file=out, mininterval=0)
            )
        )
    assert len(rows) == 5
    assert "sync rows" in out.getvalue() and "5/5" in out.getvalue()
