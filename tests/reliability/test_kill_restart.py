"""Issue 11 item 3: the emulator killed with SIGKILL mid-work, then started again on the same file.

Real processes: the emulator runs as ``python -m viam_sdk.testing serve``; the
test kills it at a point it observes (pieces of an upload in the database,
bytes of a download through a counting proxy, a live tail, a count of
acknowledged writes), starts it again on the same database file and port, and
checks the database and the clients:

* upload: nothing of the unfinished file remains (no piece, no byte), and the
  same client uploads again;
* download with ``dest``: no half-written file, an earlier file untouched;
* log tail: the reader gets a clear error, a new tail after the restart works;
* a burst of writes: every acknowledged write is there after the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from grpclib.client import Channel
from viam_api.app.v1 import LogRequest, RobotServiceStub
from viam_api.common.v1 import LogEntry
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions

from ._proc import CountingProxy, EmulatorProcess
from .conftest import FIGURES

KILLS: list[str] = []
UPLOAD_MB = 48


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[EmulatorProcess]:
    proc = EmulatorProcess(tmp_path / "fleet.db")
    await asyncio.to_thread(proc.start)
    try:
        yield proc
    finally:
        await asyncio.to_thread(proc.stop)
        FIGURES["kills survived"] = f"{len(KILLS)} ({', '.join(KILLS)})"


async def _client(app_url: str, boot: dict[str, str]) -> ViamClient:
    opts = DialOptions.with_api_key(boot["api_key"], boot["api_key_id"])
    return await ViamClient.create_from_dial_options(opts, app_url)


async def _fleet(viam: ViamClient, org_id: str) -> tuple[str, str, str]:
    """(location id, part id, part secret) of a fresh machine."""
    app = viam.app_client
    loc = await app.create_location(org_id, "Lab")
    robot_id = await app.new_robot("rover", loc.id)
    part = (await app.get_robot_parts(robot_id))[0]
    return loc.id, part.id, part.secret


async def _restart(server: EmulatorProcess, what: str) -> None:
    await asyncio.to_thread(server.kill)
    KILLS.append(what)
    await asyncio.to_thread(server.start)


async def test_a_killed_upload_leaves_nothing_and_the_client_uploads_again(
    server: EmulatorProcess, tmp_path: Path
) -> None:
    viam = await _client(server.app_url, server.boot)
    try:
        _, part_id, _ = await _fleet(viam, server.boot["org_id"])
        big = tmp_path / "big.bin"
        with big.open("wb") as out:
            for _ in range(UPLOAD_MB):
                out.write(os.urandom(1 << 20))
        upload = asyncio.ensure_future(viam.data_client.file_upload_from_path(str(big), part_id))
        # Kill once the server has committed a few pieces of the file, far from its end.
        while server.query("SELECT COUNT(*) FROM data_blobs")[0][0] < 3:
            assert not upload.done(), "the upload ended before the kill"
            await asyncio.sleep(0.005)
        await asyncio.to_thread(server.kill)
        KILLS.append("upload")
        with pytest.raises(Exception):  # noqa: B017 -- the connection broke; its exact type is grpclib's
            await upload
        left = server.query("SELECT COUNT(*), SUM(length(chunk)) FROM data_blobs")[0]
        assert left[0] >= 3  # what the crash left: pieces no record references
        assert server.query("SELECT COUNT(*) FROM data_binary")[0][0] == 0

        await asyncio.to_thread(server.start)
        assert server.query("SELECT COUNT(*), COALESCE(SUM(length(chunk)), 0) FROM data_blobs")[0] == (0, 0)
        assert "uploads a crash left unfinished" in server.log_text()
        FIGURES["killed upload"] = f"{left[0]} orphan pieces ({left[1]:,} bytes) removed at restart, 0 left"

        # the same client, its next call: a small upload arrives whole
        small = tmp_path / "small.txt"
        small.write_bytes(b"after the restart\n" * 1000)
        file_id = await viam.data_client.file_upload_from_path(str(small), part_id)
        (got,) = await viam.data_client.binary_data_by_ids([file_id])
        assert got.binary == small.read_bytes()
        assert server.query("SELECT COUNT(*) FROM data_binary")[0][0] == 1
    finally:
        viam.close()


async def test_a_download_killed_midway_leaves_no_half_written_file(
    server: EmulatorProcess, tmp_path: Path
) -> None:
    proxy = CountingProxy(server.port)
    await proxy.start()
    viam = await _client(proxy.app_url, server.boot)
    try:
        _, part_id, _ = await _fleet(viam, server.boot["org_id"])
        payload = tmp_path / "payload.bin"
        payload.write_bytes(os.urandom(24 << 20))
        file_id = await viam.data_client.file_upload_from_path(str(payload), part_id)
        dest = tmp_path / "export"
        dest.mkdir()
        # an earlier export of the same file: it must survive a broken download untouched
        earlier = dest / f"{file_id.split('/')[-1]}.bin"
        earlier.write_bytes(b"earlier")
        start = proxy.down
        killed = asyncio.Event()

        def kill_midway(total: int) -> None:
            if total - start > (8 << 20) and not killed.is_set():
                killed.set()
                assert server.proc is not None
                os.kill(server.proc.pid, 9)

        proxy.on_download = kill_midway
        with pytest.raises(Exception):  # noqa: B017 -- the connection broke mid-answer
            await viam.data_client.binary_data_by_ids([file_id], dest=str(dest))
        assert killed.is_set()
        proxy.on_download = None
        await asyncio.to_thread(server.kill)  # reap it
        KILLS.append("download")
        leftovers = sorted(p.name for p in dest.iterdir())
        assert leftovers == [earlier.name] and earlier.read_bytes() == b"earlier"

        await asyncio.to_thread(server.start)
        items = await viam.data_client.binary_data_by_ids([file_id], dest=str(dest))
        assert items[0].binary == payload.read_bytes()
        written = [p for p in dest.iterdir() if not p.name.endswith(".json")]
        assert [p.read_bytes() == payload.read_bytes() for p in written] == [True]
        assert not [p for p in dest.iterdir() if p.name.endswith(".tmp")]
    finally:
        viam.close()
        await proxy.close()


async def _push_log(port: int, part_id: str, secret: str, message: str) -> None:
    channel = Channel("127.0.0.1", port)
    try:
        token = (
            await AuthServiceStub(channel).authenticate(
                AuthenticateRequest(entity=part_id, credentials=Credentials(type="robot-secret", payload=secret))
            )
        ).access_token
        robot = RobotServiceStub(channel, metadata={"authorization": f"Bearer {token}"})
        await robot.log(LogRequest(id=part_id, logs=[LogEntry(level="error", message=message, logger_name="t")]))
    finally:
        channel.close()


async def _first_batch(viam: ViamClient, port: int, part_id: str, secret: str, text: str) -> list[str]:
    stream = await viam.app_client.tail_robot_part_logs(part_id, errors_only=False)
    reader = asyncio.ensure_future(stream.next())
    # The tail subscribes on its first read: push until it hears one.
    while not reader.done():
        await _push_log(port, part_id, secret, text)
        await asyncio.wait({reader}, timeout=0.05)
    return [entry.message for entry in reader.result()]


async def test_a_live_tail_gets_a_clear_error_and_a_new_tail_works_after_restart(
    server: EmulatorProcess,
) -> None:
    viam = await _client(server.app_url, server.boot)
    try:
        _, part_id, secret = await _fleet(viam, server.boot["org_id"])
        # resume=False: the tail that re-subscribes by itself is tested in test_tail_resume.py.
        stream = await viam.app_client.tail_robot_part_logs(part_id, errors_only=False, resume=False)
        reader = asyncio.ensure_future(stream.next())
        while not reader.done():
            await _push_log(server.port, part_id, secret, "before")
            await asyncio.wait({reader}, timeout=0.05)
        assert "before" in [e.message for e in reader.result()]
        waiting = asyncio.ensure_future(stream.next())
        await asyncio.sleep(0)  # the read is in flight when the server dies
        await _restart(server, "log tail")
        with pytest.raises(Exception) as failure:  # noqa: B017
            await asyncio.wait_for(waiting, timeout=30)
        assert not isinstance(failure.value, asyncio.TimeoutError), "the tail hung after the server died"
        text = f"{type(failure.value).__name__}: {failure.value}"
        assert any(w in text.lower() for w in ("unavailable", "connection", "closed", "terminated", "reset")), text
        FIGURES["tail reader's error on a kill"] = text[:120]
        with contextlib.suppress(Exception):
            await stream.close()
        assert "after" in await _first_batch(viam, server.port, part_id, secret, "after")
    finally:
        viam.close()


async def test_every_acknowledged_write_survives_a_kill(server: EmulatorProcess) -> None:
    viam = await _client(server.app_url, server.boot)
    org_id = server.boot["org_id"]
    acked: list[str] = []
    total, kill_at, in_flight = 300, 100, 16
    killed = asyncio.Event()
    try:
        gate = asyncio.Semaphore(in_flight)

        async def write(i: int) -> None:
            async with gate:
                if killed.is_set():
                    return
                loc = await viam.app_client.create_location(org_id, f"burst-{i:03d}")
                acked.append(loc.name)
                if len(acked) >= kill_at and not killed.is_set():
                    killed.set()
                    await asyncio.to_thread(server.kill)

        results = await asyncio.gather(*(write(i) for i in range(total)), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        KILLS.append("write burst")
        assert killed.is_set() and len(acked) >= kill_at
        await asyncio.to_thread(server.start)
        names = {loc.name for loc in await viam.app_client.list_locations(org_id)}
        assert set(acked) <= names  # every acknowledged write is there
        assert names <= {f"burst-{i:03d}" for i in range(total)}  # and nothing else appeared
        FIGURES["write burst"] = (
            f"{len(acked)} acknowledged before the kill, {len(failed)} broken by it, "
            f"{len(names)} stored after restart (all {len(acked)} acknowledged among them)"
        )
    finally:
        viam.close()
