"""The mistakes that need a real emulator process: killed mid-call, a late call, the command line.

The emulator runs as ``python -m viam_sdk.testing serve`` (tests/reliability/_proc.py);
what is checked is what the user reads: the client's exception, or the
command's exit status and output.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import pytest
import pytest_asyncio
from reliability._proc import EmulatorProcess  # tests/ is on sys.path (rootdir-relative packages)

from viam_sdk import errors
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions

from ._messages import check

SERVE = [sys.executable, "-m", "viam_sdk.testing", "serve"]


@pytest_asyncio.fixture
async def server(tmp_path: Path) -> AsyncIterator[EmulatorProcess]:
    proc = EmulatorProcess(tmp_path / "fleet.db")
    await asyncio.to_thread(proc.start)
    try:
        yield proc
    finally:
        if proc.proc is not None:
            os.kill(proc.proc.pid, signal.SIGCONT)  # in case a test left it stopped
        await asyncio.to_thread(proc.stop)


async def _client(server: EmulatorProcess) -> ViamClient:
    opts = DialOptions.with_api_key(server.boot["api_key"], server.boot["api_key_id"])
    opts.retry_backoff = 0.01
    return await ViamClient.create_from_dial_options(opts, server.app_url)


def _secrets(server: EmulatorProcess, viam: ViamClient) -> list[str]:
    return [server.boot["api_key"], viam._metadata["authorization"].split()[1]]


async def _cut_off(server: EmulatorProcess, call: Callable[[], Awaitable[object]]) -> errors.Unavailable:
    """Stop the emulator, make ``call``, kill the emulator while the call waits; what the call raises."""
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)  # a stopped server takes the request in and cannot answer
    waiting = asyncio.ensure_future(call())
    for _ in range(50):  # let the request go out
        await asyncio.sleep(0)
    assert not waiting.done(), "a stopped emulator answered"
    await asyncio.to_thread(server.kill)
    done, _ = await asyncio.wait({waiting}, timeout=60)
    assert done, "the call hung after the emulator was killed"
    failure = waiting.exception()
    assert isinstance(failure, errors.Unavailable), repr(failure)
    return failure


# -- 8. the emulator killed mid-call -------------------------------------------------------------


async def test_a_write_cut_off_by_a_killed_emulator_names_the_address(server: EmulatorProcess) -> None:
    viam = await _client(server)
    try:
        failure = await _cut_off(
            server, lambda: viam.app_client.create_location(server.boot["org_id"], "Depot")
        )
        check(
            "the emulator killed during a write (create_location)",
            str(failure),
            names=[f"127.0.0.1:{server.port}"],
            hints=["still running"],
            secrets=_secrets(server, viam),
        )
    finally:
        viam.close()


async def test_a_read_cut_off_by_a_killed_emulator_names_the_address(server: EmulatorProcess) -> None:
    viam = await _client(server)
    try:
        # A read is retried, and finds nobody listening.
        failure = await _cut_off(server, lambda: viam.app_client.list_locations(server.boot["org_id"]))
        check(
            "the emulator killed during a read (list_locations)",
            str(failure),
            names=[f"127.0.0.1:{server.port}"],
            hints=["is running"],
            secrets=_secrets(server, viam),
        )
    finally:
        viam.close()


async def test_a_live_tail_cut_off_by_a_killed_emulator_names_the_address(server: EmulatorProcess) -> None:
    viam = await _client(server)
    try:
        app = viam.app_client
        loc = await app.create_location(server.boot["org_id"], "Lab")
        part = (await app.get_robot_parts(await app.new_robot("rover", loc.id)))[0]
        # resume=False: a resuming tail would wait for the emulator to come back (test_tail_resume.py).
        stream = await app.tail_robot_part_logs(part.id, errors_only=False, resume=False)
        failure = await _cut_off(server, stream.next)
        check(
            "the emulator killed while a log tail waits",
            str(failure),
            names=[f"127.0.0.1:{server.port}"],
            hints=["is running"],
            secrets=[*_secrets(server, viam), part.secret],
        )
    finally:
        viam.close()


# -- 9. a call that arrives after its deadline: one line in the emulator's log ---------------------


def _call_with_its_deadline_passed(port: int) -> dict[str, str]:
    """One call whose grpc-timeout (1 ns) has passed when it arrives; the answer's headers and trailers.

    Raw HTTP/2, because a gRPC client refuses to send a call with no time left.
    """
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    answer: dict[str, str] = {}
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        conn.initiate_connection()
        stream_id = conn.get_next_available_stream_id()
        conn.send_headers(
            stream_id,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/viam.app.v1.AppService/ListOrganizations"),
                (":authority", f"127.0.0.1:{port}"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
                ("grpc-timeout", "1n"),
            ],
        )
        conn.send_data(stream_id, b"\0\0\0\0\0", end_stream=True)  # one empty message
        sock.sendall(conn.data_to_send())
        ended = False
        while not ended:
            data = sock.recv(65536)
            assert data, "the emulator closed the connection without answering"
            for event in conn.receive_data(data):
                if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    answer.update({str(k): str(v) for k, v in event.headers})
                ended = ended or isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset))
            sock.sendall(conn.data_to_send())
    return answer


async def test_a_call_past_its_deadline_is_one_line_in_the_emulators_log(server: EmulatorProcess) -> None:
    before = server.log_text()
    answer = await asyncio.to_thread(_call_with_its_deadline_passed, server.port)
    # Refused (grpclib answers UNKNOWN here, not DEADLINE_EXCEEDED; the client has given up by then).
    assert answer.get("grpc-status") not in (None, "0"), answer
    logged = server.log_text()[len(before) :]
    lines = [line for line in logged.splitlines() if line.strip()]
    assert len(lines) == 1, logged
    check("(emulator log) a call that arrives after its deadline", lines[0], names=["DEADLINE_EXCEEDED"])


# -- 10. the command line: a bad --db path, a busy port ---------------------------------------------


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SERVE, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("kind", "hints"),
    [
        ("a folder that does not exist", ["does not exist", "create it"]),
        ("a folder", ["it is a folder", "fleet.db"]),
        ("a file that is not a database", ["not an SQLite database"]),
    ],
)
def test_a_bad_db_path_is_one_line_naming_it(tmp_path: Path, kind: str, hints: list[str]) -> None:
    path = {
        "a folder that does not exist": tmp_path / "no" / "such" / "dir" / "fleet.db",
        "a folder": tmp_path,
        "a file that is not a database": tmp_path / "notes.txt",
    }[kind]
    if kind == "a file that is not a database":
        path.write_text("these are my notes, not a fleet\n" * 200)
    done = _serve("--db", str(path), "--port", "0")
    assert done.returncode == 1, done
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    check(f"serve --db <{kind}>", done.stderr, names=[str(path)], hints=hints)
    for hint in hints:
        assert hint in done.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_busy_port_is_one_line_suggesting_another(busy_port: int) -> None:
    done = _serve("--port", str(busy_port))
    assert done.returncode == 1, done
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    check(
        "serve --port <a port in use>", done.stderr, names=[f"port {busy_port}", "--port 0"], hints=["in use"]
    )


@pytest.mark.parametrize("port", ["70000", "eighty"])
def test_a_port_that_is_not_a_port_number_is_refused(port: str) -> None:
    done = _serve("--port", port)
    assert done.returncode == 2, done
    last = done.stderr.splitlines()[-1]  # argparse's usage line, then the error
    check(f"serve --port {port}", last, names=[port, "--port"], hints=["0 to 65535"])


# -- 11. the address the emulator prints is ready to paste -------------------------------------------


def test_serve_prints_app_url_with_its_scheme(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*SERVE, "--port", "0", "--db", str(tmp_path / "fleet.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        printed = dict(proc.stdout.readline().rstrip("\n").split(": ", 1) for _ in range(5))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    port = printed["address"].rsplit(":", 1)[1]
    assert printed["app_url"] == f"http://127.0.0.1:{port}"
    check(
        "serve: where to point app_url",
        f"app_url: {printed['app_url']}",
        names=["app_url: http://127.0.0.1:"],
    )


async def test_the_printed_app_url_pastes_into_create_from_dial_options(server: EmulatorProcess) -> None:
    boot = server.boot
    assert boot["app_url"] == f"http://127.0.0.1:{server.port}"
    opts = DialOptions.with_api_key(boot["api_key"], boot["api_key_id"])
    async with await ViamClient.create_from_dial_options(opts, boot["app_url"]) as viam:
        assert [o.id for o in await viam.app_client.list_organizations()] == [boot["org_id"]]
