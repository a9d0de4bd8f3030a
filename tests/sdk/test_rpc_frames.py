"""h2/hyperframe's per-frame text and flags (``viam_sdk.rpc._frames``) against real h2 peers.

* With a trace log on, h2 writes the same text for every frame it receives as
  without the change (frames of every kind, bodies short and long, padded).
* With it off (grpclib's no-op logger, or a logger whose trace level is off),
  no frame's repr is made at all.
* A peer breaking the protocol gets the same error and the same GOAWAY.
* ``Flags`` accepts and refuses what it did, with the same message.
* A call through the SDK's channel to a grpclib server logs, with h2's trace on,
  the repr of every frame it received (a 64 KiB answer: several DATA frames; a
  refusal).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import h2.config
import h2.connection
import h2.exceptions
import hyperframe.flags
import hyperframe.frame
import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from h2.settings import SettingCodes
from viam_api.app.v1 import (
    AppServiceStub,
    CreateLocationRequest,
    GetOrganizationRequest,
    ListOrganizationsRequest,
)

from viam_sdk.rpc import _frames
from viam_sdk.rpc._channel import Channel

from ._scripted_server import Script, ScriptedServer
from .test_rpc_hpack import _REQUEST


@pytest.fixture
def original() -> Iterator[Callable[[bool], None]]:
    """``use(True)``: h2 and hyperframe as shipped; ``use(False)``: with the change.  Installed again after."""

    def use(plain: bool) -> None:
        (_frames.uninstall if plain else _frames.install)()

    try:
        yield use
    finally:
        _frames.install()


def _connection(client: bool, logger: Any = None) -> h2.connection.H2Connection:
    return h2.connection.H2Connection(h2.config.H2Configuration(client_side=client, logger=logger))


def _exchange(a: h2.connection.H2Connection, b: h2.connection.H2Connection) -> None:
    while True:
        to_b, to_a = a.data_to_send(), b.data_to_send()
        if not to_b and not to_a:
            return
        if to_b:
            b.receive_data(to_b)
        if to_a:
            a.receive_data(to_a)


def _conversation(client_logger: Any, server_logger: Any) -> None:
    """Frames of every kind h2 sends, both ways: settings, headers, data short and long, padded, ping, ..."""
    client, server = _connection(True, client_logger), _connection(False, server_logger)
    client.initiate_connection()
    server.initiate_connection()
    _exchange(client, server)
    for body, pad in ((b"", 0), (b"0123456789", 0), (b"0123456789A", 0), (b"x" * 16384, 0), (b"abc", 7)):
        stream = client.get_next_available_stream_id()
        client.send_headers(stream, _REQUEST)
        client.send_data(stream, body, end_stream=True, pad_length=pad or None)
        _exchange(client, server)
        server.send_headers(stream, [(":status", "200"), ("content-type", "application/grpc")])
        server.send_data(stream, body[::-1], pad_length=pad or None)
        server.send_headers(stream, [("grpc-status", "0")], end_stream=True)
        _exchange(client, server)
    server.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: 50})
    client.ping(b"12345678")
    client.increment_flow_control_window(1000)
    stream = client.get_next_available_stream_id()
    client.send_headers(stream, _REQUEST)
    client.reset_stream(stream)
    client.prioritize(client.get_next_available_stream_id(), weight=32)
    _exchange(client, server)
    server.close_connection(additional_data=b"bye")
    _exchange(client, server)


def _trace_text() -> str:
    out = io.StringIO()
    _conversation(h2.config.OutputLogger(out, trace_level=True), h2.config.OutputLogger(out, trace_level=True))
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", out.getvalue())  # h2 logs some objects' default reprs


def test_a_trace_log_gets_the_same_text_as_before(original: Callable[[bool], None]) -> None:
    original(True)
    assert not _frames.installed()
    before = _trace_text()
    original(False)
    assert _frames.installed()
    after = _trace_text()
    assert after == before
    received = [line for line in after.splitlines() if "Received frame: " in line]
    kinds = {line.split("Received frame: ")[1].split("(")[0] for line in received}
    assert kinds >= {"SettingsFrame", "HeadersFrame", "DataFrame", "PingFrame", "WindowUpdateFrame",
                     "RstStreamFrame", "PriorityFrame", "GoAwayFrame"}
    assert any(line.endswith(": <hex:30313233343536373839>") for line in received)  # ten bytes: all shown
    assert any(line.endswith(": <hex:30313233343536373839...>") for line in received)  # eleven: cut


@pytest.fixture
def reprs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type names of the frames whose repr was made."""
    made: list[str] = []
    frame_repr = hyperframe.frame.Frame.__repr__

    def counting(frame: hyperframe.frame.Frame) -> str:
        made.append(type(frame).__name__)
        return frame_repr(frame)

    monkeypatch.setattr(hyperframe.frame.Frame, "__repr__", counting)
    return made


@pytest.mark.parametrize("logger", ["none", "trace-off"])
def test_no_repr_is_made_when_nobody_reads_it(
    original: Callable[[bool], None], reprs: list[str], logger: str
) -> None:
    def make() -> Any:
        return None if logger == "none" else h2.config.OutputLogger(io.StringIO(), trace_level=False)

    original(True)
    _conversation(make(), make())
    assert len(reprs) > 20  # h2 as shipped: one per frame received
    reprs.clear()
    original(False)
    _conversation(make(), make())
    assert reprs == []


@pytest.mark.parametrize(
    "data",
    [None, b"", b"\x00", b"0123456789", b"0123456789A", b"y" * 16384, bytearray(b"abcdefghijkl"),
     memoryview(b"\x01\x02\x03"), memoryview(b"z" * 40)[5:25]],
)
def test_the_body_repr_is_hyperframes(data: Any) -> None:
    assert _frames.raw_data_repr(data) == _frames.ORIGINAL_RAW_DATA_REPR(data)


def test_a_protocol_error_is_the_same(original: Callable[[bool], None]) -> None:
    def broken() -> tuple[str, bytes]:
        client, server = _connection(True), _connection(False)
        client.initiate_connection()
        server.initiate_connection()
        _exchange(client, server)
        # DATA on a stream the client never opened.
        bogus = hyperframe.frame.DataFrame(7, b"hello", flags=["END_STREAM"])
        with pytest.raises(h2.exceptions.ProtocolError) as caught:
            server.receive_data(bogus.serialize())
        return f"{type(caught.value).__name__}: {caught.value}", server.data_to_send()

    original(True)
    before = broken()
    original(False)
    assert broken() == before
    assert before[1]  # the GOAWAY went out, in both


def _flags_outcomes() -> list[Any]:
    outcomes: list[Any] = []
    classes: list[Any] = [*hyperframe.frame.FRAMES.values(), hyperframe.frame.ExtensionFrame]
    for cls in classes:
        for name in ("END_STREAM", "ACK", "PADDED", "PRIORITY", "END_HEADERS", "NOPE"):
            flags = hyperframe.flags.Flags(cls.defined_flags)
            try:
                flags.add(name)
                outcomes.append((cls.__name__, name, repr(flags), name in flags, len(flags)))
            except ValueError as exc:
                outcomes.append((cls.__name__, name, "ValueError", str(exc)))
    return outcomes


def test_flags_accept_and_refuse_as_before(original: Callable[[bool], None]) -> None:
    original(True)
    before = _flags_outcomes()
    original(False)
    assert _flags_outcomes() == before
    assert any(o[2] == "ValueError" for o in before) and any(o[2] != "ValueError" for o in before)
    custom = [hyperframe.flags.Flag("ONE", 0x1)]
    flags = hyperframe.flags.Flags(custom)
    flags.add("ONE")
    with pytest.raises(ValueError, match="Unexpected flag: TWO"):
        flags.add("TWO")
    assert hyperframe.flags.Flags(custom)._flags == set()  # a new Flags starts empty


def test_flags_of_a_parsed_frame() -> None:
    frame = hyperframe.frame.HeadersFrame(1, b"", flags=["END_STREAM", "END_HEADERS"])
    parsed, length = hyperframe.frame.Frame.parse_frame_header(memoryview(frame.serialize()[:9]))
    parsed.parse_body(memoryview(frame.serialize()[9:]))
    assert set(parsed.flags) == {"END_STREAM", "END_HEADERS"} and length == 0


async def test_a_call_logs_every_received_frame_with_trace_on() -> None:
    assert _frames.installed()  # importing the SDK's channel installed it
    script = Script(failures={"GetOrganization": [Status.NOT_FOUND]})
    async with ScriptedServer(script) as server:
        channel = Channel("127.0.0.1", server.port)
        try:
            app = AppServiceStub(channel)
            await app.list_organizations(ListOrganizationsRequest())  # connected
            protocol = channel._protocol
            assert protocol is not None
            connection = protocol.connection._connection
            out = io.StringIO()
            connection.config.logger = h2.config.OutputLogger(out, trace_level=True)
            seen: list[str] = []
            receive = connection._receive_frame

            def recording(frame: Any) -> Any:
                seen.append(repr(frame))
                return receive(frame)

            connection._receive_frame = recording  # type: ignore[method-assign]
            name = "n" * 65536  # echoed: an answer of several DATA frames
            answer = await app.create_location(CreateLocationRequest(organization_id="o", name=name))
            assert answer.location is not None and answer.location.name == name
            with pytest.raises(GRPCError) as refused:
                await app.get_organization(GetOrganizationRequest(organization_id="o"))
            assert refused.value.status is Status.NOT_FOUND
        finally:
            channel.close()
    logged = [line.split("Received frame: ", 1)[1] for line in out.getvalue().splitlines() if "Received frame: " in line]
    assert logged == seen
    assert sum(text.startswith("DataFrame(") for text in seen) >= 4
