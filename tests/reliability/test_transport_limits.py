"""Transport limits under hostile callers (issue 18, 3): real `serve` processes and in-process emulators.

Each hostile case runs while a second organization calls ListLocations every
20 ms on its own connection; those calls must all succeed, and their
latencies go to the figures (never asserted: the machine is shared).  Memory
is the server process's resident size, sampled every 20 ms; descriptors are
counted in /proc.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import statistics
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import grpclib.const
import h2.config
import h2.connection
import h2.events
import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    AppServiceStub,
    GetRobotRequest,
    ListLocationsRequest,
    LogRequest,
    RobotServiceStub,
    TailRobotPartLogsRequest,
)
from viam_api.common.v1 import LogEntry
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, transport
from viam_sdk.testing.backends.locations import LocationsBackend
from viam_sdk.testing.backends.machines import RobotsBackend
from viam_sdk.testing.errors import MAX_MESSAGE_CHARS
from viam_sdk.testing.transport import DEFAULT_MAX_MESSAGE_SIZE, Limits

from ._proc import EmulatorProcess
from ._raw import RawCodec
from .conftest import FIGURES

MiB = 1 << 20
GET_ROBOT = "/viam.app.v1.AppService/GetRobot"
TAIL = "/viam.app.v1.AppService/TailRobotPartLogs"

Keys = dict[str, Any]


# -- helpers -----------------------------------------------------------------------------


def new_part(emu: Emulator) -> str:
    """A location, machine and part in the bootstrap organization, made in the store; the part id."""
    ctx = emu.context
    loc = ctx.new_id()
    LocationsBackend(ctx).create(ctx.bootstrap.org_id, "site", "", location_id=loc, created_at=ctx.now_iso())
    return RobotsBackend(ctx).create_robot(loc, "rover")[1]


def seed(db: Path) -> Keys:
    """A database with two organizations and a part in the first; their keys."""

    async def make() -> Keys:
        async with Emulator(db=str(db)) as emu:
            other = emu.add_organization("Bystander")
            part = new_part(emu)
            boot = emu.bootstrap
            return {
                "a": (boot.api_key, boot.api_key_id, boot.org_id),
                "b": (other.api_key, other.api_key_id, other.org_id),
                "part": part,
            }

    # Tests call this from inside their own loop: the seeding runs on a loop of its own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


async def bearer(host: str, port: int, key: tuple[str, str, str]) -> dict[str, str]:
    channel = Channel(host, port)
    try:
        answer = await AuthServiceStub(channel).authenticate(
            AuthenticateRequest(entity=key[1], credentials=Credentials(type="api-key", payload=key[0]))
        )
    finally:
        channel.close()
    return {"authorization": f"Bearer {answer.access_token}"}


class Bystander:
    """Another organization calling ListLocations every 20 ms on its own connection, timed."""

    def __init__(self, host: str, port: int, metadata: dict[str, str], org_id: str) -> None:
        self._channel = Channel(host, port)
        self._app = AppServiceStub(self._channel, metadata=metadata)
        self._request = ListLocationsRequest(organization_id=org_id)
        self.latencies_ms: list[float] = []
        self.failures: list[str] = []
        self._task: asyncio.Task[None] | None = None
        self._running = False

    async def __aenter__(self) -> Bystander:
        await self._app.list_locations(self._request)  # connected and warm before timing starts
        self._running = True
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.2)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.sleep(0.2)
        self._running = False
        assert self._task is not None
        await self._task
        self._channel.close()

    async def _run(self) -> None:
        while self._running:
            start = time.perf_counter()
            try:
                await self._app.list_locations(self._request, timeout=60)
                self.latencies_ms.append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # recorded and asserted on by the test
                self.failures.append(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(0.02)

    def summary(self) -> str:
        assert not self.failures, self.failures[:3]
        assert self.latencies_ms, "the other organization made no call during the case"
        lat = sorted(self.latencies_ms)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return f"other org's ListLocations p50 {statistics.median(lat):.1f} ms, p99 {p99:.1f} ms ({len(lat)} calls)"


class PeakMemory:
    """The highest resident size of a process while the block runs, sampled every 20 ms."""

    def __init__(self, proc: EmulatorProcess) -> None:
        self._proc = proc
        self.base = self.peak = proc.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._proc.rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.rss())

    @property
    def growth(self) -> int:
        return self.peak - self.base


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[..., tuple[EmulatorProcess, Keys]]]:
    """Start `serve` on a seeded database (two orgs, a part), with extra options; stopped after the test."""
    started: list[EmulatorProcess] = []

    def start(*args: str, max_files: int | None = None) -> tuple[EmulatorProcess, Keys]:
        db = tmp_path / "fleet.db"
        keys = seed(db)
        proc = EmulatorProcess(db, args=args, max_files=max_files)
        proc.start()
        started.append(proc)
        return proc, keys

    yield start
    for proc in started:
        proc.stop()


async def wait_until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Poll ``condition`` every 10 ms (a stuck condition ends at pytest's own timeout, not here)."""
    for _ in range(6000):
        result = condition()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


# -- message size --------------------------------------------------------------------------


async def test_a_4_gib_length_prefix_is_refused_before_the_body(served: Any) -> None:
    proc, keys = served()
    host, port = "127.0.0.1", proc.port
    meta_a = await bearer(host, port, keys["a"])
    meta_b = await bearer(host, port, keys["b"])
    channel = Channel(host, port, codec=RawCodec())  # type: ignore[arg-type]
    sent = 0
    async with Bystander(host, port, meta_b, keys["b"][2]) as other:
        with PeakMemory(proc) as memory:
            with pytest.raises(GRPCError) as refused:
                async with channel.request(
                    GET_ROBOT, grpclib.const.Cardinality.UNARY_UNARY, bytes, bytes, metadata=meta_a, timeout=60
                ) as stream:
                    await stream.send_request()
                    raw = stream._stream
                    await raw.send_data(b"\x00" + struct.pack(">I", 2**32 - 1))
                    chunk = bytes(MiB)
                    try:
                        while sent < 128 * MiB:  # the server used to read on (and keep) all of it
                            await asyncio.wait_for(raw.send_data(chunk), 10)
                            sent += len(chunk)
                    except Exception:  # the stream is reset under the sender: expected
                        pass
                    await stream.recv_message()
    assert refused.value.status == Status.RESOURCE_EXHAUSTED
    assert f"4294967295 bytes, more than this emulator accepts ({DEFAULT_MAX_MESSAGE_SIZE} bytes)" in str(
        refused.value.message
    )
    assert sent <= 8 * MiB  # at most the flow-control windows, never the claimed length
    assert memory.growth < 32 * MiB
    # The connection that sent it still carries calls.
    fresh = Channel(host, port)
    app = AppServiceStub(fresh, metadata=meta_a)
    assert (await app.list_locations(ListLocationsRequest(organization_id=keys["a"][2]))).locations
    fresh.close()
    channel.close()
    FIGURES["message size"] = (
        f"a 4 GiB length prefix: RESOURCE_EXHAUSTED after {sent // MiB} MiB sent, server memory "
        f"+{memory.growth / MiB:.1f} MiB (was: read on, +144 MiB for 128 MiB); {other.summary()}"
    )


async def test_the_message_size_limit_is_an_option_of_serve(served: Any) -> None:
    proc, keys = served("--max-message-size", "1000")
    meta = await bearer("127.0.0.1", proc.port, keys["a"])
    channel = Channel("127.0.0.1", proc.port, codec=RawCodec())  # type: ignore[arg-type]
    try:
        for size, refused in ((1000, False), (1001, True)):
            body = bytes(GetRobotRequest(id="r" * (size - 3)))
            assert len(body) == size
            with pytest.raises(GRPCError) as answer:
                async with channel.request(
                    GET_ROBOT, grpclib.const.Cardinality.UNARY_UNARY, bytes, bytes, metadata=meta
                ) as stream:
                    await stream.send_message(body, end=True)
                    await stream.recv_message()
            assert (answer.value.status == Status.RESOURCE_EXHAUSTED) is refused, answer.value
    finally:
        channel.close()


def test_limits_refuse_nonsense() -> None:
    for bad in ({"max_message_size": 0}, {"max_connections": -1}, {"idle_timeout": 0}, {"tail_max_bytes": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Limits(**bad)


# -- connections ---------------------------------------------------------------------------


async def test_silent_connections_do_not_lock_out_new_clients(served: Any) -> None:
    # A descriptor limit of 256 (as on many systems' defaults): 300 silent connections used to
    # take every descriptor, and a new client could not even authenticate.
    proc, keys = served(max_files=256)
    before = proc.open_files()
    silent = [socket.create_connection(("127.0.0.1", proc.port)) for _ in range(300)]
    try:
        await asyncio.sleep(0.5)  # let the server accept what it will
        held = proc.open_files()
        assert held - before <= (256 - 64) // 2 + 2  # the connection limit, not the descriptor limit
        meta_b = await bearer("127.0.0.1", proc.port, keys["b"])  # a new client gets in
        async with Bystander("127.0.0.1", proc.port, meta_b, keys["b"][2]) as other:
            await asyncio.sleep(0.5)
    finally:
        for sock in silent:
            sock.close()
    FIGURES["silent connections"] = (
        f"300 silent connections at a 256-descriptor limit: server holds {held} descriptors ({before} before), "
        f"a new client authenticates (was: 256 held, new clients time out); {other.summary()}"
    )


async def test_idle_connections_close_and_clients_reconnect() -> None:
    async with Emulator(limits=Limits(idle_timeout=0.3)) as emu:
        guard = emu._server.guard  # type: ignore[union-attr]
        # An HTTP/2 client that never calls: told GOAWAY, then closed.
        reader, writer = await asyncio.open_connection(emu.host, emu.port)
        h2_client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        h2_client.initiate_connection()
        writer.write(h2_client.data_to_send())
        events = h2_client.receive_data(await asyncio.wait_for(reader.read(), 60))
        assert isinstance(events[-1], h2.events.ConnectionTerminated)
        writer.close()
        boot = emu.bootstrap
        client = await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
        )
        try:
            app = client.app_client
            assert await app.list_organizations()
            closed = guard.closed_idle
            await wait_until(lambda: guard.closed_idle > closed, "the SDK's idle connection closed")
            assert await app.list_organizations()  # a new connection, made without the caller noticing
            # A connection with a call in progress (a tail) is never idle.
            ctx = emu.context
            part = new_part(emu)
            tail = await app.tail_robot_part_logs(part, errors_only=False)
            await asyncio.sleep(1.5)  # five idle timeouts
            await RobotServiceStub(Channel(emu.host, emu.port), metadata=emu.auth_metadata()).log(
                LogRequest(id=part, logs=[LogEntry(level="info", message="still here", time=ctx.now())])
            )
            batch = await asyncio.wait_for(tail.__anext__(), 30)
            assert [e.message for e in batch] == ["still here"]
        finally:
            client.close()


def _drained(reader: asyncio.StreamReader) -> Awaitable[bool]:
    async def check() -> bool:
        try:
            await asyncio.wait_for(reader.read(65536), 0.01)
        except asyncio.TimeoutError:
            return False
        return reader.at_eof()

    return check()


async def test_the_connection_limit_evicts_the_longest_idle_and_refuses_when_all_are_busy() -> None:
    async with Emulator(limits=Limits(max_connections=4)) as emu:
        guard = emu._server.guard  # type: ignore[union-attr]
        silent = [await asyncio.open_connection(emu.host, emu.port) for _ in range(4)]
        await wait_until(lambda: guard.open_count == 4, "four connections admitted")
        meta = emu.auth_metadata()
        part = new_part(emu)
        # Four busy connections (a tail each) take the place of the silent ones.
        channels = [Channel(emu.host, emu.port) for _ in range(4)]
        tails = []
        for channel in channels:
            stream = channel.request(
                TAIL, grpclib.const.Cardinality.UNARY_STREAM, TailRobotPartLogsRequest, Any, metadata=meta
            )
            opened = await stream.__aenter__()
            await opened.send_message(TailRobotPartLogsRequest(id=part), end=True)
            await opened.recv_initial_metadata()
            tails.append(stream)
        assert guard.evicted == 4 and guard.open_count == 4
        for reader, _writer in silent:  # each evicted one was closed
            await wait_until(lambda r=reader: r.at_eof() or _drained(r), "an evicted connection closed")
        # Every slot busy: a fifth connection is closed at once.
        reader, writer = await asyncio.open_connection(emu.host, emu.port)
        assert await asyncio.wait_for(reader.read(), 30) == b""
        assert guard.refused == 1
        writer.close()
        for channel in channels:
            channel.close()
        for _reader, writer in silent:
            writer.close()


async def test_a_tls_handshake_that_never_comes_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "TLS_HANDSHAKE_TIMEOUT", 0.3)  # 10 s otherwise
    async with Emulator(tls=True) as emu:
        reader, writer = await asyncio.open_connection(emu.host, emu.port)  # TCP only, never a ClientHello
        assert await asyncio.wait_for(reader.read(), 60) == b""
        writer.close()


# -- tails ---------------------------------------------------------------------------------


async def test_a_tail_that_stops_reading_is_ended_and_the_gap_can_be_filled() -> None:
    async with Emulator(limits=Limits(tail_max_bytes=256 * 1024)) as emu:
        boot = emu.bootstrap
        part = new_part(emu)
        client = await ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), app_url=emu.app_url
        )
        pusher = Channel(emu.host, emu.port)
        robot = RobotServiceStub(pusher, metadata=emu.auth_metadata())
        try:
            app = client.app_client
            tail = await app.tail_robot_part_logs(part, errors_only=False, resume=False)
            resuming = await app.tail_robot_part_logs(part, errors_only=False)  # the SDK's default
            # 8 MB of logs while the tail reads nothing: past the client's 4 MiB window and the
            # subscriber's 256 KiB backlog.
            start = datetime(2030, 1, 1, tzinfo=timezone.utc)
            sent = []
            for n in range(80):
                batch = [
                    LogEntry(level="info", message=f"{n:02d}-{i:02d} " + "x" * 1000, time=start + timedelta(seconds=n))
                    for i in range(100)
                ]
                sent += [e.message for e in batch]
                await robot.log(LogRequest(id=part, logs=batch))
            assert emu.context.logs.dropped == 2 and emu.context.logs.subscriber_count(part) == 0
            received: list[str] = []
            with pytest.raises(GRPCError) as ended:
                async for got in tail:
                    received += [e.message for e in got]
            assert ended.value.status == Status.RESOURCE_EXHAUSTED
            message = str(ended.value.message)
            assert "fell behind" in message and "GetRobotPartLogs" in message
            missed_from = datetime.fromisoformat(message.split("logged at ")[1].split(";")[0])
            assert received and len(received) < len(sent)
            filled = await app.get_robot_part_logs(part, start=missed_from, num_log_entries=0)
            assert set(received) | {e.message for e in filled} == set(sent)
            # The SDK's own tail does that itself: it subscribes again and fills the gap, none twice.
            delivered: list[str] = []
            async for got in resuming:
                delivered += [e.message for e in got]
                if len(delivered) >= len(sent):
                    break
            assert sorted(delivered) == sorted(sent) and resuming.resumed == 1
            await resuming.close()
        finally:
            client.close()
            pusher.close()


async def test_a_tail_that_stops_reading_holds_bounded_memory(served: Any) -> None:
    proc, keys = served()
    host, port = "127.0.0.1", proc.port
    meta_a = await bearer(host, port, keys["a"])
    meta_b = await bearer(host, port, keys["b"])
    part = keys["part"]
    subscriber = Channel(host, port, codec=RawCodec())  # type: ignore[arg-type]
    pusher = Channel(host, port)
    request = subscriber.request(TAIL, grpclib.const.Cardinality.UNARY_STREAM, bytes, bytes, metadata=meta_a)
    stream = await request.__aenter__()
    await stream.send_message(bytes(TailRobotPartLogsRequest(id=part)), end=True)
    await stream.recv_initial_metadata()
    robot = RobotServiceStub(pusher, metadata=meta_a)
    batch = [LogEntry(level="info", message="x" * 1000, time=datetime.now(timezone.utc)) for _ in range(1000)]
    async with Bystander(host, port, meta_b, keys["b"][2]) as other:
        with PeakMemory(proc) as memory:
            for _ in range(120):  # 120 MB of logs, 1 MB a push
                await robot.log(LogRequest(id=part, logs=batch))
    with pytest.raises(GRPCError) as ended:
        while await stream.recv_message() is not None:
            pass
        await stream.recv_trailing_metadata()
    assert ended.value.status == Status.RESOURCE_EXHAUSTED
    assert memory.growth < 64 * MiB
    subscriber.close()
    pusher.close()
    FIGURES["tail backlog"] = (
        f"a tail that stops reading while 120 MB of logs arrive: server memory +{memory.growth / MiB:.0f} MiB "
        f"(was +163 MiB), the tail ends RESOURCE_EXHAUSTED; {other.summary()}"
    )


# -- error messages ------------------------------------------------------------------------


async def test_a_70_kb_id_gets_a_short_answer_and_the_connection_lives(served: Any) -> None:
    proc, keys = served()
    host, port = "127.0.0.1", proc.port
    meta_a = await bearer(host, port, keys["a"])
    meta_b = await bearer(host, port, keys["b"])
    channel = Channel(host, port)  # one connection, both organizations' calls on it
    app = AppServiceStub(channel)
    others: list[str] = []

    async def other_org() -> None:
        for _ in range(20):
            await app.list_locations(ListLocationsRequest(organization_id=keys["b"][2]), metadata=meta_b)
            others.append("ok")
            await asyncio.sleep(0.005)

    try:
        async with Bystander(host, port, meta_b, keys["b"][2]) as other:
            running = asyncio.create_task(other_org())
            for _ in range(20):
                with pytest.raises(GRPCError) as answer:
                    await app.get_robot(GetRobotRequest(id="x" * 70_000), metadata=meta_a)
                assert answer.value.status == Status.NOT_FOUND
            await running
        assert answer.value.status == Status.NOT_FOUND
        message = str(answer.value.message)
        assert len(message) <= MAX_MESSAGE_CHARS + 100 and "characters left out" in message
        assert others == ["ok"] * 20  # was: the client's connection torn down, every call on it lost
    finally:
        channel.close()
    FIGURES["echoed values"] = (
        f"20 calls with a 70 kB id: NOT_FOUND with a {len(message)}-character message; 20 calls of another org on the same "
        f"connection all answered (was: trailers over 64 kB, the connection and its calls lost); {other.summary()}"
    )


# -- the HTTP front ------------------------------------------------------------------------


def _http(host: str, port: int, data: bytes) -> bytes:
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


async def test_hostile_http_requests_to_a_served_emulator(served: Any) -> None:
    proc, keys = served("--host", "127.0.0.2")  # loopback too on Linux; the URLs must name it
    host = proc.boot["address"].rsplit(":", 1)[0]
    assert host == "127.0.0.2"
    client = await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(keys["a"][0], keys["a"][1]), app_url=proc.boot["app_url"]
    )
    meta_b = await bearer(host, proc.port, keys["b"])
    answers: dict[str, bytes] = {}
    try:
        data = client.data_client
        mime_types = {"crlf": "text/plain\r\nX-Injected: 1\r\n\r\n<script>", "not latin-1": "image/\u732b"}
        urls = {}
        for name, mime_type in mime_types.items():
            binary_id = await data.binary_data_capture_upload(
                binary_data=b"bytes",
                part_id=keys["part"],
                component_type="rdk:component:camera",
                component_name="cam",
                method_name="GetImages",
                file_extension=".bin",
                mime_type=mime_type,
            )
            urls[name] = (await data.create_binary_data_signed_url(binary_id))[0]
        assert all(url.startswith("http://127.0.0.2:") for url in urls.values())
        port = int(urls["crlf"].split(":")[2].split("/")[0])
        async with Bystander(host, proc.port, meta_b, keys["b"][2]) as other:
            for name, url in urls.items():
                path = "/" + url.split("/", 3)[3]
                request = f"GET {path} HTTP/1.1\r\nHost: e\r\nConnection: close\r\n\r\n".encode()
                answers[name] = await asyncio.to_thread(_http, host, port, request)
            long_line = b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: e\r\n\r\n"
            for n in range(20):
                answers[f"long line {n}"] = await asyncio.to_thread(_http, host, port, long_line)
    finally:
        client.close()
    for name in mime_types:
        head = answers[name].split(b"\r\n\r\n", 1)[0]
        assert head.startswith(b"HTTP/1.1 200 OK") and b"X-Injected" not in head
        assert b"Content-Type: application/octet-stream" in head and answers[name].endswith(b"\r\n\r\nbytes")
    assert all(answers[f"long line {n}"].startswith(b"HTTP/1.1 414") for n in range(20))
    assert "Traceback" not in proc.log_text()
    FIGURES["signed-URL HTTP"] = (
        "CR LF and non-latin-1 mime types answered 200 application/octet-stream, no injected header (was: "
        "headers injected / no answer); 20 request lines of 100 kB: 414, no traceback (was: dropped with a "
        f"traceback); URLs name --host 127.0.0.2 (was: always 127.0.0.1); {other.summary()}"
    )
