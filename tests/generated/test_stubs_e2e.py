"""Generated stubs and server bases, end to end over a real grpclib connection.

The server is built from a generated server base (the fixture service
``fixture.stream.v1.Echo``, which has every streaming kind, plus the real
``viam.app.v1.AppService`` base left un-overridden); the clients are the
generated async stub and the blocking stub over ``SyncChannel``.  Everything
talks over 127.0.0.1 on a port the OS picks.

The fixture package is imported from tests/codegen/golden/ (with the runtime
beside it, see tests/codegen/golden_tree.py), which tests/codegen/test_golden.py
proves equal to a fresh generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import queue
import signal
import sys
import threading
import types
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpclib.server
import pytest
import viam_api.app.datasync.v1 as datasync
import viam_api.app.v1 as app
import viam_api.common.v1 as common
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.events import SendRequest, listen
from grpclib.exceptions import GRPCError

CODEGEN_TESTS = Path(__file__).resolve().parents[1] / "codegen"
if str(CODEGEN_TESTS) not in sys.path:
    sys.path.insert(0, str(CODEGEN_TESTS))

from golden_tree import importable  # noqa: E402

importable()

from fixture_api import _blocking as fixture_blocking  # noqa: E402
from fixture_api import _deprecation as fixture_deprecation  # noqa: E402
from fixture_api import _server as fixture_server  # noqa: E402
from fixture_api.stream.v1 import EchoBase, EchoStub, EchoSyncStub, Nothing, Ping, Pong  # noqa: E402

#: The ``interrupting`` fixture (tests/conftest.py): ``with interrupting(send): ...``
Interrupting = Callable[[Callable[[], object]], contextlib.AbstractContextManager[None]]


# A hang (a regression where a stream is collected before it is handed on)
# fails the test after this long instead of blocking the suite; nothing is
# asserted about how long anything takes.
HANG_GUARD = 30.0


class Echo(EchoBase):
    """Echo server: each handler shows one behaviour the tests look for."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()  # holds the gated stream after its first message
        self.stream_finished = False
        self.received: list[str] = []

    @staticmethod
    def _headers() -> list[str]:
        metadata = fixture_server.current_stream().metadata or {}
        return sorted(f"{k}={v}" for k, v in metadata.items() if k.startswith(("authorization", "x-")))

    async def unary(self, request: Ping) -> Pong:
        if request.text == "fail":
            raise GRPCError(Status.FAILED_PRECONDITION, "the echo refuses 'fail'")
        if request.text == "slow":
            await asyncio.sleep(3600)  # cancelled when the caller's deadline passes
        return Pong(text=request.text, seq=request.seq + 1, headers=self._headers())

    async def server_stream(self, request: Ping) -> AsyncIterator[Pong]:
        self.stream_finished = False
        for i in range(request.seq):
            yield Pong(text=f"{request.text}-{i}", seq=i)
            if request.text == "gated" and i == 0:
                await self.gate.wait()
        self.stream_finished = True

    async def client_stream(self, requests: AsyncIterator[Ping]) -> Pong:
        texts = [ping.text async for ping in requests]
        return Pong(text="+".join(texts), seq=len(texts), headers=self._headers())

    async def bidi(self, requests: AsyncIterator[Ping]) -> AsyncIterator[Pong]:
        async for ping in requests:
            self.received.append(ping.text)
            yield Pong(text=ping.text.upper(), seq=ping.seq)
            if ping.text == "deny":
                raise GRPCError(Status.PERMISSION_DENIED, "the echo refuses 'deny'")
            if ping.text == "stop":
                return  # the server ends the call, whatever the client still means to send

    async def old(self, request: Ping) -> Pong:
        return Pong(text="still served")


async def _start(services: list[Any]) -> tuple[grpclib.server.Server, int]:
    server = grpclib.server.Server(services)
    await server.start("127.0.0.1", 0)
    listener: Any = server._server
    return server, int(listener.sockets[0].getsockname()[1])


# -- async stub, server on the test's own loop -------------------------------------------


@pytest.fixture
async def echo() -> AsyncIterator[tuple[Echo, EchoStub]]:
    service = Echo()
    server, port = await _start([service, app.AppServiceBase()])
    channel = Channel("127.0.0.1", port)
    try:
        yield service, EchoStub(channel, metadata={"authorization": "Bearer stub-default"})
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def test_unary(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    pong = await stub.unary(Ping(text="hi", seq=41))
    assert (pong.text, pong.seq) == ("hi", 42)


async def test_per_call_metadata_is_merged_with_the_stub_default(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    pong = await stub.unary(Ping(text="m"), metadata={"x-call": "one"})
    assert pong.headers == ["authorization=Bearer stub-default", "x-call=one"]
    # a list of pairs works too, and a per-call key replaces the default's value
    pong = await stub.unary(Ping(text="m"), metadata=[("authorization", "Bearer per-call")])
    assert pong.headers == ["authorization=Bearer per-call"]
    # and the default is untouched for the next call
    assert (await stub.unary(Ping(text="m"))).headers == ["authorization=Bearer stub-default"]


async def test_server_stream(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    pongs = [p async for p in stub.server_stream(Ping(text="s", seq=3))]
    assert [(p.text, p.seq) for p in pongs] == [("s-0", 0), ("s-1", 1), ("s-2", 2)]


async def test_server_stream_hands_on_each_message_as_it_arrives(echo: tuple[Echo, EchoStub]) -> None:
    service, stub = echo
    stream = stub.server_stream(Ping(text="gated", seq=3))
    first = await asyncio.wait_for(stream.__anext__(), HANG_GUARD)
    # the server is still parked after message 1: it has not finished the stream
    assert first.text == "gated-0"
    assert not service.stream_finished
    service.gate.set()
    rest = [p.text async for p in stream]
    assert rest == ["gated-1", "gated-2"]
    assert service.stream_finished


async def test_client_stream_from_sync_and_async_iterables(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    pong = await stub.client_stream([Ping(text="a"), Ping(text="b")], metadata={"x-call": "cs"})
    assert (pong.text, pong.seq) == ("a+b", 2)
    assert pong.headers == ["authorization=Bearer stub-default", "x-call=cs"]

    async def pings() -> AsyncIterator[Ping]:
        for text in ("x", "y", "z"):
            yield Ping(text=text)

    pong = await stub.client_stream(pings())
    assert (pong.text, pong.seq) == ("x+y+z", 3)
    assert (await stub.client_stream([])).seq == 0


async def test_bidi_stream_interleaves(echo: tuple[Echo, EchoStub]) -> None:
    service, stub = echo
    outbox: asyncio.Queue[Ping | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[Ping]:
        while (ping := await outbox.get()) is not None:
            yield ping

    replies = stub.bidi(requests())
    for n, text in enumerate(["one", "two", "three"]):
        await outbox.put(Ping(text=text, seq=n))
        # each answer arrives before the next request is even queued
        reply = await asyncio.wait_for(replies.__anext__(), HANG_GUARD)
        assert (reply.text, reply.seq) == (text.upper(), n)
        assert service.received == ["one", "two", "three"][: n + 1]
    await outbox.put(None)
    assert [r async for r in replies] == []


async def test_bidi_call_ends_when_the_server_ends_it(echo: tuple[Echo, EchoStub]) -> None:
    """The server may close a bidi call while the client's request source is still waiting."""
    _, stub = echo

    async def requests() -> AsyncIterator[Ping]:
        yield Ping(text="stop")
        await asyncio.Event().wait()  # never sends anything else
        yield Ping(text="unreachable")

    async def collect() -> list[str]:
        return [reply.text async for reply in stub.bidi(requests())]

    assert await asyncio.wait_for(collect(), HANG_GUARD) == ["STOP"]


async def test_bidi_request_source_error_ends_the_call(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo

    async def requests() -> AsyncIterator[Ping]:
        yield Ping(text="fine")
        raise ValueError("the request source broke")

    async def collect() -> list[str]:
        return [reply.text async for reply in stub.bidi(requests())]

    with pytest.raises(ValueError, match="the request source broke"):
        await asyncio.wait_for(collect(), HANG_GUARD)


async def test_bidi_server_error_is_reported_once_and_cleanly(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: unhandled.append(context))

    async def call() -> tuple[Status, str | None]:
        many = [Ping(text="deny")] + [Ping(text="y" * 10_000)] * 200
        try:
            async for _ in stub.bidi(many):
                pass
        except GRPCError as error:
            return error.status, error.message
        raise AssertionError("the call should have failed")

    try:
        # the error (and its traceback, which keeps the call's tasks alive) stays inside call()
        assert await call() == (Status.PERMISSION_DENIED, "the echo refuses 'deny'")
        await asyncio.sleep(0)
        gc.collect()
        assert unhandled == []  # no "Task exception was never retrieved" from the request sender
    finally:
        loop.set_exception_handler(None)


async def test_expired_deadline_is_deadline_exceeded(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    with pytest.raises(GRPCError) as caught:
        await stub.unary(Ping(text="slow"), timeout=0.2)
    assert caught.value.status is Status.DEADLINE_EXCEEDED
    # the stub-wide default timeout applies the same way
    slow_stub = EchoStub(stub.channel, timeout=0.2)
    with pytest.raises(GRPCError) as caught:
        await slow_stub.unary(Ping(text="slow"))
    assert caught.value.status is Status.DEADLINE_EXCEEDED
    # and the connection is still good afterwards
    assert (await stub.unary(Ping(text="ok"))).text == "ok"


async def test_server_error_keeps_status_and_message(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    with pytest.raises(GRPCError) as caught:
        await stub.unary(Ping(text="fail"))
    assert caught.value.status is Status.FAILED_PRECONDITION
    assert caught.value.message == "the echo refuses 'fail'"


async def test_unimplemented_handlers_name_their_rpc(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    with pytest.raises(GRPCError) as caught:
        await stub.forgotten(Nothing())
    assert caught.value.status is Status.UNIMPLEMENTED
    assert "/fixture.stream.v1.Echo/Forgotten" in (caught.value.message or "")
    with pytest.raises(GRPCError) as caught:
        async for _ in stub.forgotten_stream(Nothing()):
            pass
    assert caught.value.status is Status.UNIMPLEMENTED
    assert "/fixture.stream.v1.Echo/ForgottenStream" in (caught.value.message or "")
    # the real API's server base behaves the same
    app_stub = app.AppServiceStub(stub.channel)
    with pytest.raises(GRPCError) as caught:
        await app_stub.get_organization(app.GetOrganizationRequest(organization_id="o"))
    assert caught.value.status is Status.UNIMPLEMENTED
    assert "/viam.app.v1.AppService/GetOrganization" in (caught.value.message or "")


async def test_deprecated_rpc_warns_and_still_works(echo: tuple[Echo, EchoStub]) -> None:
    _, stub = echo
    with pytest.warns(DeprecationWarning, match=r"/fixture\.stream\.v1\.Echo/Old is deprecated") as caught:
        pong = await stub.old(Ping())
    assert pong.text == "still served"
    assert [w.category for w in caught] == [fixture_deprecation.ViamDeprecationWarning]
    assert Path(caught[0].filename) == Path(__file__)  # the caller's line, not the stub's
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        await stub.unary(Ping(text="quiet"))


class Fleet(app.AppServiceBase):
    """A real service base: one server-streaming RPC of the app API."""

    async def tail_robot_part_logs(
        self, request: app.TailRobotPartLogsRequest
    ) -> AsyncIterator[app.TailRobotPartLogsResponse]:
        for n in range(3):
            yield app.TailRobotPartLogsResponse(logs=[common.LogEntry(message=f"{request.id}:{n}")])


class Uploads(datasync.DataSyncServiceBase):
    """A real service base: one client-streaming RPC of the data-sync API."""

    async def file_upload(
        self, requests: AsyncIterator[datasync.FileUploadRequest]
    ) -> datasync.FileUploadResponse:
        name, size = "", 0
        async for request in requests:
            if request.metadata is not None:
                name = request.metadata.file_name
            if request.file_contents is not None:
                size += len(request.file_contents.data)
        return datasync.FileUploadResponse(binary_data_id=f"{name}:{size}")


async def test_real_api_streams_end_to_end() -> None:
    server, port = await _start([Fleet(), Uploads()])
    channel = Channel("127.0.0.1", port)
    try:
        tail = app.AppServiceStub(channel).tail_robot_part_logs(app.TailRobotPartLogsRequest(id="part"))
        assert [r.logs[0].message async for r in tail] == ["part:0", "part:1", "part:2"]
        chunks = [datasync.FileUploadRequest(metadata=datasync.UploadMetadata(file_name="a.bin"))] + [
            datasync.FileUploadRequest(file_contents=datasync.FileData(data=b"x" * 1000)) for _ in range(5)
        ]
        response = await datasync.DataSyncServiceStub(channel).file_upload(chunks)
        assert response.binary_data_id == "a.bin:5000"
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def test_current_stream_outside_a_handler_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="outside an RPC handler"):
        fixture_server.current_stream()


# -- blocking stub: the server runs on its own thread and loop ------------------------------


@contextmanager
def serve_in_thread(services: list[Any]) -> Iterator[int]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        box["server"], box["port"] = loop.run_until_complete(_start(services))
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="e2e-server", daemon=True)
    thread.start()
    ready.wait()
    try:
        yield box["port"]
    finally:

        async def stop() -> None:
            box["server"].close()
            await box["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


@pytest.fixture
def sync_echo() -> Iterator[EchoSyncStub]:
    with serve_in_thread([Echo()]) as port, fixture_blocking.SyncChannel("127.0.0.1", port) as channel:
        yield EchoSyncStub(channel, metadata={"authorization": "Bearer stub-default"})


def test_sync_all_four_kinds(sync_echo: EchoSyncStub) -> None:
    stub = sync_echo
    assert stub.unary(Ping(text="u", seq=1)).seq == 2
    assert [p.text for p in stub.server_stream(Ping(text="s", seq=2))] == ["s-0", "s-1"]
    assert stub.client_stream(iter([Ping(text="a"), Ping(text="b")])).text == "a+b"
    replies = stub.bidi([Ping(text="p", seq=1), Ping(text="q", seq=2)])
    assert [(r.text, r.seq) for r in replies] == [("P", 1), ("Q", 2)]


def test_sync_bidi_conversation_one_message_at_a_time(sync_echo: EchoSyncStub) -> None:
    """Each request is produced only after the previous answer came back (a blocking source)."""
    outbox: queue.Queue[Ping | None] = queue.Queue()

    def requests() -> Iterator[Ping]:
        while (ping := outbox.get()) is not None:
            yield ping

    heard: list[str] = []

    def converse() -> None:
        replies = sync_echo.bidi(requests())
        for n, text in enumerate(["one", "two", "three"]):
            outbox.put(Ping(text=text, seq=n))
            heard.append(next(replies).text)
        outbox.put(None)
        heard.extend(reply.text for reply in replies)

    worker = threading.Thread(target=converse, daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    deadlocked = worker.is_alive()
    if deadlocked:  # release the blocked source, so the failure does not also hang the teardown
        for _ in range(4):
            outbox.put(None)
    assert not deadlocked, "the blocking bidi conversation deadlocked"
    assert heard == ["ONE", "TWO", "THREE"]


def test_sync_request_source_error_surfaces(sync_echo: EchoSyncStub) -> None:
    def requests() -> Iterator[Ping]:
        yield Ping(text="a")
        raise ValueError("the request source broke")

    with pytest.raises(ValueError, match="the request source broke"):
        sync_echo.client_stream(requests())
    with pytest.raises(ValueError, match="the request source broke"):
        list(sync_echo.bidi(requests()))
    assert sync_echo.unary(Ping(text="still fine")).text == "still fine"


def test_sync_server_stream_is_an_iterator_you_can_stop_early(sync_echo: EchoSyncStub) -> None:
    stream = sync_echo.server_stream(Ping(text="s", seq=1000))
    assert next(stream).text == "s-0"
    assert next(stream).text == "s-1"
    stream.close()  # abandoning the rest closes the call
    assert sync_echo.unary(Ping(text="after")).text == "after"


def test_sync_metadata_merge(sync_echo: EchoSyncStub) -> None:
    pong = sync_echo.unary(Ping(), metadata={"x-call": "sync"})
    assert pong.headers == ["authorization=Bearer stub-default", "x-call=sync"]
    assert sync_echo.client_stream([Ping()], metadata={"x-other": "2"}).headers == [
        "authorization=Bearer stub-default",
        "x-other=2",
    ]


def test_sync_deadline_error_and_unimplemented(sync_echo: EchoSyncStub) -> None:
    with pytest.raises(GRPCError) as caught:
        sync_echo.unary(Ping(text="slow"), timeout=0.2)
    assert caught.value.status is Status.DEADLINE_EXCEEDED
    with pytest.raises(GRPCError) as caught:
        sync_echo.unary(Ping(text="fail"))
    assert caught.value.status is Status.FAILED_PRECONDITION
    assert caught.value.message == "the echo refuses 'fail'"
    with pytest.raises(GRPCError) as caught:
        list(sync_echo.forgotten_stream(Nothing()))
    assert caught.value.status is Status.UNIMPLEMENTED
    assert "/fixture.stream.v1.Echo/ForgottenStream" in (caught.value.message or "")


def test_sync_deprecated_rpc_warns(sync_echo: EchoSyncStub) -> None:
    with pytest.warns(fixture_deprecation.ViamDeprecationWarning, match="Old is deprecated") as caught:
        assert sync_echo.old(Ping()).text == "still served"
    assert Path(caught[0].filename) == Path(__file__)


def test_sync_stub_inside_a_running_event_loop() -> None:
    """A blocking stub works from code that already runs a loop (a notebook cell)."""
    with serve_in_thread([Echo()]) as port, fixture_blocking.SyncChannel("127.0.0.1", port) as channel:
        stub = EchoSyncStub(channel)

        async def notebook_cell() -> str:
            return stub.unary(Ping(text="inside")).text

        assert asyncio.run(notebook_cell()) == "inside"


def test_closed_sync_channel_refuses_calls() -> None:
    with serve_in_thread([Echo()]) as port:
        channel = fixture_blocking.SyncChannel("127.0.0.1", port)
        stub = EchoSyncStub(channel)
        assert stub.unary(Ping(text="open")).text == "open"
        channel.close()
        with pytest.raises(RuntimeError, match="closed"):
            stub.unary(Ping(text="closed"))


# -- the blocking stubs share the SDK facade's loop bridge (viam_api._blocking.Runner) ----


def _sending_threads(channel: Any) -> list[int]:
    """The thread each request on ``channel`` was sent from (a grpclib listener inside the call)."""
    threads: list[int] = []

    async def on_send(event: SendRequest) -> None:
        threads.append(threading.get_ident())

    channel.runner.call(listen, channel.channel, SendRequest, on_send)
    return threads


def test_sync_stub_in_a_script_runs_in_the_calling_thread_until_shared() -> None:
    with serve_in_thread([Echo()]) as port, fixture_blocking.SyncChannel("127.0.0.1", port) as channel:
        stub = EchoSyncStub(channel)
        threads = _sending_threads(channel)
        me = threading.get_ident()
        assert [stub.unary(Ping(text="a", seq=n)).seq for n in range(3)] == [1, 2, 3]
        assert [p.text for p in stub.server_stream(Ping(text="s", seq=2))] == ["s-0", "s-1"]
        assert threads == [me] * 4 and channel.runner.mode == "direct"
        # A second thread moves the loop onto a thread of its own, for good.
        box: list[str] = []
        other = threading.Thread(target=lambda: box.append(stub.unary(Ping(text="other")).text))
        other.start()
        other.join(HANG_GUARD)
        assert box == ["other"] and channel.runner.mode == "thread"
        assert stub.unary(Ping(text="again")).text == "again"
        assert threads[-1] != me and threads[-1] == threads[-2]
    assert channel.loop.is_closed()


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_interrupting_a_blocking_stub_call_cancels_it(interrupting: Interrupting) -> None:
    main = threading.main_thread().ident
    assert main is not None
    with serve_in_thread([Echo()]) as port, fixture_blocking.SyncChannel("127.0.0.1", port) as channel:
        stub = EchoSyncStub(channel)
        # A real SIGINT, as Ctrl-C sends: it wakes the loop's select() in this thread.
        with pytest.raises(KeyboardInterrupt), interrupting(lambda: signal.pthread_kill(main, signal.SIGINT)):
            stub.unary(Ping(text="slow"))  # the server never answers this one
        assert stub.unary(Ping(text="after")).text == "after"
        assert channel.runner.mode == "direct"


def test_a_stream_left_open_is_ended_by_closing_the_channel() -> None:
    service = Echo()
    with serve_in_thread([service]) as port:
        channel = fixture_blocking.SyncChannel("127.0.0.1", port)
        stream = EchoSyncStub(channel).server_stream(Ping(text="gated", seq=3))
        assert next(stream).text == "gated-0"  # the server now waits on its gate, never opened
        channel.close()
        channel.close()  # idempotent
        with pytest.raises(RuntimeError, match="closed"):
            next(stream)
        assert channel.loop.is_closed() and not service.stream_finished


# -- a library's own uses of deprecated parts: one mark in its package, no wrappers --------


def _library(monkeypatch: pytest.MonkeyPatch, quiet: bool) -> types.ModuleType:
    """``library.calls``, a module of a package that sets (or not) the generated layer's quiet mark."""
    package = types.ModuleType("library")
    setattr(package, fixture_deprecation.QUIET_MARK, quiet)
    module = types.ModuleType("library.calls")
    monkeypatch.setitem(sys.modules, "library", package)
    monkeypatch.setitem(sys.modules, "library.calls", module)
    source = (
        "def build(kitchen):\n"
        "    return kitchen.Legacy(what='x'), kitchen.WithOldField(old='y')\n"
        "def call_old(stub, ping):\n"
        "    return stub.old(ping)\n"
        "async def await_old(stub, ping):\n"
        "    return await stub.old(ping)\n"
    )
    exec(compile(source, "library/calls.py", "exec"), module.__dict__)
    return module


def test_a_package_with_the_quiet_mark_builds_deprecated_messages_silently(monkeypatch: pytest.MonkeyPatch) -> None:
    import fixture_api.kitchen.v1 as kitchen

    library = _library(monkeypatch, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # whatever the filters say, nothing is raised
        legacy, with_old = library.build(kitchen)
    assert legacy.what == "x" and with_old.old == "y"
    with pytest.warns(fixture_deprecation.ViamDeprecationWarning, match="Legacy is deprecated") as caught:
        kitchen.Legacy(what="mine")  # the caller's own use still warns, at its own line
    assert Path(caught[0].filename) == Path(__file__)
    loud = _library(monkeypatch, quiet=False)
    with pytest.warns(fixture_deprecation.ViamDeprecationWarning) as caught:
        loud.build(kitchen)
    assert {str(w.message) for w in caught} == {
        "fixture.kitchen.v1.Legacy is deprecated",
        "fixture.kitchen.v1.WithOldField.old is deprecated",
    }
    assert {w.filename for w in caught} == {"library/calls.py"}


def test_a_package_with_the_quiet_mark_calls_deprecated_rpcs_silently(
    sync_echo: EchoSyncStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = _library(monkeypatch, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert library.call_old(sync_echo, Ping()).text == "still served"
    with pytest.warns(fixture_deprecation.ViamDeprecationWarning, match="Old is deprecated"):
        _library(monkeypatch, quiet=False).call_old(sync_echo, Ping())


async def test_a_package_with_the_quiet_mark_awaits_deprecated_rpcs_silently(
    echo: tuple[Echo, EchoStub], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, stub = echo
    library = _library(monkeypatch, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (await library.await_old(stub, Ping())).text == "still served"
    with pytest.warns(fixture_deprecation.ViamDeprecationWarning, match="Old is deprecated") as caught:
        await _library(monkeypatch, quiet=False).await_old(stub, Ping())
    assert caught[0].filename == "library/calls.py"
