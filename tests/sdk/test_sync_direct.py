"""The blocking facade's two ways of driving its loop: in the calling thread, or on a thread of its own.

Against the real emulator (a grpclib server over loopback).  Where a call ran
is read from a grpclib ``SendRequest`` listener on the client's own channel:
it runs inside the call's coroutine, so its thread is the thread that drove
the loop for that call; nothing in the transport is replaced.
"""

from __future__ import annotations

import _thread
import asyncio
import concurrent.futures
import contextlib
import functools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from grpclib.events import SendRequest, listen
from grpclib.exceptions import StreamTerminatedError
from viam_api import _blocking
from viam_api._blocking import Runner

import viam_sdk.sync
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from .conftest import log, push_logs

#: The ``interrupting`` fixture (tests/conftest.py): ``with interrupting(send): ...``
Interrupting = Callable[[Callable[[], object]], contextlib.AbstractContextManager[None]]

THREAD_NAME = "viam-sdk-sync"


class Probe:
    """The thread every request of one client was sent from, in order."""

    def __init__(self, viam: viam_sdk.sync.ViamClient) -> None:
        self.threads: list[int] = []

        async def on_send(event: SendRequest) -> None:
            self.threads.append(threading.get_ident())

        viam._runner.call(listen, viam._impl._channel, SendRequest, on_send)

    def last(self) -> int:
        return self.threads[-1]


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


def _connect(emu: Emulator) -> viam_sdk.sync.ViamClient:
    boot = emu.bootstrap
    return viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emu.app_url
    )


def _in_thread(func: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``func`` on a thread; the returned callable joins it and hands back its result (or raises)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()

    def result(timeout: float = 30) -> Any:
        thread.join(timeout)
        assert not thread.is_alive(), "the thread did not finish"
        if "error" in box:
            raise box["error"]
        return box["value"]

    return result


@pytest.fixture
def viam(emulator_thread: Emulator) -> Iterator[viam_sdk.sync.ViamClient]:
    client = _connect(emulator_thread)
    # A stuck test fails instead of hanging: closing cancels whatever blocks.
    watchdog = threading.Timer(60, client.close)
    watchdog.start()
    try:
        yield client
    finally:
        watchdog.cancel()
        client.close()


def _part(viam: viam_sdk.sync.ViamClient, org_id: str, name: str) -> tuple[str, str]:
    fleet = viam.app_client
    location = fleet.create_location(org_id, f"{name}-site")
    robot_id = fleet.new_robot(name, location_id=location.id)
    part = fleet.get_robot_parts(robot_id)[0]
    return part.id, part.secrets[0].secret


def _push_when_tailed(emu: Emulator, part_id: str, secret: str, messages: list[str], tails: int = 1) -> None:
    emu.wait_for_log_subscribers_blocking(part_id, tails)
    asyncio.run(push_logs(emu.address, part_id, secret, [log(m, "error") for m in messages]))


# -- (1) a plain script: no thread hop ----------------------------------------------


def test_script_calls_run_in_the_calling_thread(emulator_thread: Emulator) -> None:
    before = len(_loop_threads())
    with _connect(emulator_thread) as viam:
        probe = Probe(viam)
        org_id = emulator_thread.bootstrap.org_id
        for _ in range(3):
            assert viam.app_client.get_organization(org_id).id == org_id
        assert probe.threads == [threading.get_ident()] * 3
        assert viam._runner.mode == "direct" and viam._runner._thread is None
        assert len(_loop_threads()) == before  # no loop thread was ever started
        assert asyncio._get_running_loop() is None  # the loop only ran during the calls
        runner = viam._runner
    assert runner.closed and runner.loop.is_closed()


def test_runner_direct_mode_leaves_the_callers_loop_alone() -> None:
    runner = Runner()
    try:

        async def where() -> tuple[int, asyncio.AbstractEventLoop]:
            return threading.get_ident(), asyncio.get_running_loop()

        assert runner.run(where()) == (threading.get_ident(), runner.loop)
        assert runner.call(threading.get_ident) == threading.get_ident()
        # A blocking call from inside the client's own loop would deadlock: refused, as before.
        inner = runner.run(_attempt(lambda: runner.run(where())))
        assert isinstance(inner, RuntimeError) and "own event loop" in str(inner)
        assert runner.mode == "direct" and runner.run(where())[0] == threading.get_ident()
    finally:
        runner.close()
    with pytest.raises(RuntimeError, match="closed"):
        runner.run(asyncio.sleep(0))


async def _attempt(func: Callable[[], Any]) -> Any:
    try:
        return func()
    except RuntimeError as exc:
        return exc


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_interrupting_a_direct_call_cancels_it(interrupting: Interrupting) -> None:
    runner = Runner()

    async def slow() -> None:
        for _ in range(600):
            await asyncio.sleep(0.05)

    try:
        with pytest.raises(KeyboardInterrupt), interrupting(_thread.interrupt_main):
            runner.run(slow())
        assert not asyncio.all_tasks(runner.loop)  # cancelled (or ended by the interruption itself)
        assert runner.run(asyncio.sleep(0, "still usable")) == "still usable" and runner.mode == "direct"
    finally:
        runner.close()


# -- (2) inside a running loop (a notebook cell) -------------------------------------


def test_inside_a_running_loop_calls_go_to_the_loop_thread(emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id

    async def cell() -> None:
        with _connect(emulator_thread) as viam:
            probe = Probe(viam)
            assert viam.app_client.get_organization(org_id).id == org_id
            assert viam._runner.mode == "thread"
            loop_thread = viam._runner._thread
            assert loop_thread is not None and probe.threads == [loop_thread.ident]
            assert probe.last() != threading.get_ident()
            await asyncio.sleep(0)  # the cell's own loop keeps working
        assert not loop_thread.is_alive()

    asyncio.run(cell())


def test_a_script_client_then_used_inside_a_running_loop(viam: viam_sdk.sync.ViamClient, emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id
    probe = Probe(viam)
    viam.app_client.get_organization(org_id)
    assert probe.last() == threading.get_ident()

    async def cell() -> str:
        return viam.app_client.get_organization(org_id).id

    assert asyncio.run(cell()) == org_id
    assert viam._runner.mode == "thread" and probe.last() != threading.get_ident()
    assert viam.app_client.get_organization(org_id).id == org_id  # and outside it again
    assert probe.last() == viam._runner._thread.ident  # type: ignore[union-attr]


# -- (3) one client shared by several threads at once -----------------------------------


def test_a_client_shared_by_threads_concurrently(viam: viam_sdk.sync.ViamClient, emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id
    fleet = viam.app_client
    start = threading.Barrier(6)

    def worker(n: int) -> list[str]:
        start.wait()
        names = []
        for i in range(15):
            names.append(fleet.get_organization(org_id).id)
            if i % 5 == 0:
                fleet.create_location(org_id, f"t{n}-{i}")
        return names

    results = [_in_thread(functools.partial(worker, n)) for n in range(5)]
    start.wait()
    mine = [fleet.get_organization(org_id).id for _ in range(15)]
    assert mine == [org_id] * 15
    assert all(r() == [org_id] * 15 for r in results)
    assert viam._runner.mode == "thread"
    assert len([loc for loc in fleet.list_locations(org_id) if loc.name.startswith("t")]) == 15


#: How long the threads of the test below get before they count as stalled (about 2 s is usual).
STALL_GUARD_S = 300.0


def test_many_threads_share_one_client_without_stalling(
    viam: viam_sdk.sync.ViamClient, emulator_thread: Emulator
) -> None:
    """32 threads, 63 calls each, on one client: every call answers.  A flush taken out of
    asyncio's ready queue once stalled the client at exactly this load (the bench's sync
    workload); daemon threads, so a stall fails the test instead of hanging the run."""
    org_id = emulator_thread.bootstrap.org_id
    fleet = viam.app_client
    answered: list[int] = []

    def worker() -> None:
        answered.append(sum(fleet.get_organization(org_id).id == org_id for _ in range(63)))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(32)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + STALL_GUARD_S  # a guard against a stall, not a timing
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stalled = sum(thread.is_alive() for thread in threads)
    assert stalled == 0, f"{stalled} of 32 threads never got answers to their calls"
    assert answered == [63] * 32


# -- (4) used directly first, then from another thread -------------------------------


def test_direct_first_then_another_thread(viam: viam_sdk.sync.ViamClient, emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id
    probe = Probe(viam)
    me = threading.get_ident()
    assert viam.app_client.get_organization(org_id).id == org_id
    assert probe.last() == me and viam._runner.mode == "direct"

    assert _in_thread(lambda: viam.app_client.get_organization(org_id).id)() == org_id
    loop_thread = viam._runner._thread
    assert viam._runner.mode == "thread" and loop_thread is not None and loop_thread.is_alive()
    assert probe.last() == loop_thread.ident
    # For good: this thread's calls now hop too, onto the same loop and channel.
    assert viam.app_client.get_organization(org_id).id == org_id
    assert probe.last() == loop_thread.ident
    assert len(_loop_threads_of(viam)) == 1


def _loop_threads_of(viam: viam_sdk.sync.ViamClient) -> list[threading.Thread]:
    return [t for t in _loop_threads() if t is viam._runner._thread]


def test_switch_while_a_direct_call_is_in_progress() -> None:
    # The other thread's call does not wait for the direct call to end: its
    # coroutine runs on the loop this thread is driving, then the loop moves
    # to its own thread.
    runner = Runner()
    try:

        async def make_event() -> asyncio.Event:
            return asyncio.Event()

        event = runner.run(make_event())
        me = threading.get_ident()

        async def set_event() -> int:
            event.set()
            return threading.get_ident()

        async def wait_event() -> int:
            setter_result.append(_in_thread(lambda: runner.run(set_event())))
            await asyncio.wait_for(event.wait(), 20)
            return threading.get_ident()

        setter_result: list[Callable[[], Any]] = []
        assert runner.run(wait_event()) == me
        assert setter_result[0]() == me  # it ran on this thread's turn of the loop
        assert runner.mode == "thread" and runner._thread is not None
        assert runner.call(threading.get_ident) == runner._thread.ident
    finally:
        runner.close()
    assert runner._thread is not None and not runner._thread.is_alive() and runner.loop.is_closed()


# -- (5) streams and close() in both modes ------------------------------------------


def _messages(batch: list[Any] | None) -> list[str]:
    assert batch is not None
    return [entry.message for entry in batch]


def test_log_tail_read_across_calls_and_across_the_switch(
    viam: viam_sdk.sync.ViamClient, emulator_thread: Emulator
) -> None:
    org_id = emulator_thread.bootstrap.org_id
    fleet = viam.app_client
    probe = Probe(viam)
    part_id, secret = _part(viam, org_id, "tailer")
    stream = fleet.tail_robot_part_logs(part_id)

    # Direct: this thread blocks in next() while another thread pushes, and
    # meanwhile also uses the client (which must not wait for our next()).
    def other() -> str:
        # The tail subscribed when it was opened; wait until this test's thread
        # is inside next(), driving the loop, before calling.
        while not viam._runner._driving:
            time.sleep(0.001)
        got = fleet.get_organization(org_id).id
        _push_when_tailed(emulator_thread, part_id, secret, ["first"])
        return got

    pusher = _in_thread(other)
    assert _messages(stream.next()) == ["first"]
    assert pusher() == org_id
    assert probe.threads[-2:] == [threading.get_ident(), threading.get_ident()]  # the tail, then other()'s call
    assert viam._runner.mode == "thread"

    # The same stream, between other calls, now read from another thread.
    assert fleet.get_organization(org_id).id == org_id
    pusher = _in_thread(lambda: _push_when_tailed(emulator_thread, part_id, secret, ["second"]))
    assert _messages(_in_thread(stream.next)()) == ["second"]
    pusher()
    pusher = _in_thread(lambda: _push_when_tailed(emulator_thread, part_id, secret, ["third"]))
    assert _messages(next(stream)) == ["third"]
    pusher()
    stream.close()
    stream.close()  # idempotent
    assert stream.next() is None


def test_log_tail_and_close_in_direct_mode(emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id
    viam = _connect(emulator_thread)
    part_id, secret = _part(viam, org_id, "direct")
    with viam.app_client.tail_robot_part_logs(part_id) as stream:
        for message in ("one", "two"):
            pusher = _in_thread(functools.partial(_push_when_tailed, emulator_thread, part_id, secret, [message]))
            assert _messages(stream.next()) == [message]
            pusher()
            # a unary call between two reads of the stream
            assert viam.app_client.get_organization(org_id).id == org_id
    assert viam._runner.mode == "direct"

    # A tail left open is cancelled by close(); the client then refuses calls.
    left_open = viam.app_client.tail_robot_part_logs(part_id, errors_only=False)
    pusher = _in_thread(lambda: _push_when_tailed(emulator_thread, part_id, secret, ["three"]))
    assert _messages(left_open.next()) == ["three"]
    pusher()
    runner = viam._runner
    viam.close()
    assert runner.closed and runner.loop.is_closed() and runner.mode == "direct"
    viam.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        left_open.next()
    left_open.close()  # nothing to do any more
    with pytest.raises(RuntimeError, match="closed"):
        viam.app_client.get_organization(org_id)


def test_log_tail_and_close_in_thread_mode(emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id

    async def cell() -> None:
        viam = _connect(emulator_thread)
        part_id, secret = _part(viam, org_id, "notebook")
        stream = viam.app_client.tail_robot_part_logs(part_id)
        pusher = _in_thread(lambda: _push_when_tailed(emulator_thread, part_id, secret, ["hello"]))
        assert _messages(stream.next()) == ["hello"]
        pusher()
        runner = viam._runner
        assert runner.mode == "thread"
        loop_thread = runner._thread
        with viam:
            pass
        assert runner.closed and runner.loop.is_closed()
        assert loop_thread is not None and not loop_thread.is_alive()
        with pytest.raises(RuntimeError, match="closed"):
            stream.next()

    asyncio.run(cell())


def test_close_from_another_thread_cancels_a_blocked_direct_call(emulator_thread: Emulator) -> None:
    org_id = emulator_thread.bootstrap.org_id
    viam = _connect(emulator_thread)
    part_id, _ = _part(viam, org_id, "closer")
    stream = viam.app_client.tail_robot_part_logs(part_id)

    def close_when_tailed() -> None:
        emulator_thread.wait_for_log_subscribers_blocking(part_id)
        time.sleep(0.05)
        viam.close()

    closer = _in_thread(close_when_tailed)
    # Nothing is ever pushed: only close() ends this, as with the thread mode
    # (the channel closes first, so the stream usually sees the connection go).
    with pytest.raises((StreamTerminatedError, concurrent.futures.CancelledError)):
        stream.next()
    closer()
    runner = viam._runner
    assert runner.closed and runner.loop.is_closed()
    assert runner._thread is not None and not runner._thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        viam.app_client.get_organization(org_id)


def test_runner_close_from_another_thread_cancels_a_direct_call() -> None:
    runner = Runner()
    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    def close_when_started() -> None:
        started.wait(20)
        runner.close()

    closer = _in_thread(close_when_started)
    with pytest.raises(concurrent.futures.CancelledError):
        runner.run(forever())
    closer()
    assert runner.closed and runner.loop.is_closed()
    assert runner._thread is not None and not runner._thread.is_alive()


class _DroppingProxy:
    """A TCP relay in front of the emulator whose ``drop()`` cuts every connection, as a server going away would."""

    def __init__(self, address: str) -> None:
        host, port = address.rsplit(":", 1)
        self._target = (host, int(port))
        self._server = socket.create_server(("127.0.0.1", 0))
        self.app_url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._target)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.drop()
        self._server.close()
        for s in self._sockets:
            s.close()


def test_direct_mode_notices_a_connection_lost_while_idle(
    emulator_thread: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between direct calls nobody runs the loop; after an idle spell the next
    # call first lets it see what happened meanwhile, so it reconnects (as a
    # loop thread would have) instead of writing into the dead connection.
    monkeypatch.setattr(_blocking, "_SETTLE_AFTER", 0.05)
    boot = emulator_thread.bootstrap
    proxy = _DroppingProxy(emulator_thread.address)
    try:
        opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
        with viam_sdk.sync.ViamClient.create_from_dial_options(opts, proxy.app_url) as viam:
            probe = Probe(viam)
            assert viam.app_client.get_organization(boot.org_id).id == boot.org_id
            proxy.drop()
            time.sleep(0.3)
            assert viam.app_client.get_organization(boot.org_id).id == boot.org_id
            assert probe.threads == [threading.get_ident()] * 2 and viam._runner.mode == "direct"
    finally:
        proxy.close()
