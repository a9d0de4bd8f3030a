"""What the SDK's channel changes under grpclib (``viam_sdk.rpc._channel``, ``viam_sdk.rpc._hpack``).

* The hpack memo sends byte for byte what hpack alone sends, and decodes what
  hpack alone decodes, whatever the sequence of header lists (property tests,
  against a plain ``hpack.Encoder``/``Decoder`` fed the same sequence).
* A user who turns on DEBUG for hpack's loggers gets its records, on a
  connection whose memo is already warm.
* The request of a unary call leaves in one write of the socket transport, and
  calls started together share writes (counted on asyncio's own transport,
  under the SDK's gathering one, against a real emulator).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import hpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._channel import GATHER_LIMIT, GatheringTransport
from viam_sdk.rpc._hpack import DECODE_MEMO_BLOCKS, MemoDecoder, MemoEncoder, memoize
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

# -- the memo against hpack alone -----------------------------------------------------------

_NAMES = [b":method", b":path", b"content-type", b"authorization", b"grpc-timeout", b"x-a", b"x-b"]
_VALUES = [b"POST", b"/a.B/C", b"/a.B/D", b"application/grpc", b"Bearer " + b"t" * 300, b"1m", b"2m", b"", b"v"]

_header = st.tuples(st.sampled_from(_NAMES), st.sampled_from(_VALUES))
# One step: a header list to send (some headers never indexed), or a new table size.
_step = st.one_of(
    st.lists(st.tuples(_header, st.integers(0, 9)), min_size=1, max_size=8),
    st.sampled_from([0, 64, 512, 4096]),
)


def _pair(headers: list[tuple[tuple[bytes, bytes], int]], cls: type[Any]) -> list[Any]:
    # 0 of 10: a never-indexed header (as hpack marks secrets), else a plain 2-tuple as h2 hands them.
    return [hpack.NeverIndexedHeaderTuple(*h) if kind == 0 else cls(h) for h, kind in headers]


@settings(max_examples=300, deadline=None)
@given(st.lists(_step, min_size=1, max_size=30))
def test_memo_encoder_sends_what_hpack_sends(steps: list[Any]) -> None:
    plain, memo = hpack.Encoder(), hpack.Encoder()
    memoize_encoder = _Holder(memo, hpack.Decoder())
    memoize(memoize_encoder)
    assert type(memoize_encoder.encoder) is MemoEncoder
    decoder = hpack.Decoder()
    for step in steps:
        if isinstance(step, int):
            # (hpack forgets to announce a resize when the same size is set twice: not set twice here)
            if step != plain.header_table_size:
                plain.header_table_size = memoize_encoder.encoder.header_table_size = step
            continue
        headers = _pair(step, tuple)
        sent = memoize_encoder.encoder.encode(list(headers))
        assert sent == plain.encode(list(headers))
        assert [tuple(h) for h in decoder.decode(sent, raw=True)] == [tuple(h) for h in headers]


@settings(max_examples=300, deadline=None)
@given(st.lists(_step, min_size=1, max_size=30))
def test_memo_decoder_reads_what_hpack_reads(steps: list[Any]) -> None:
    encoder = hpack.Encoder()
    plain = hpack.Decoder()
    holder = _Holder(hpack.Encoder(), hpack.Decoder())
    memoize(holder)
    memo = holder.decoder
    assert type(memo) is MemoDecoder
    for step in steps:
        if isinstance(step, int):
            if step != encoder.header_table_size:
                encoder.header_table_size = step
            continue
        block = encoder.encode(_pair(step, tuple))
        for raw in (True, False):
            if not raw:  # the second decode of the same block: what a repeated answer meets
                block = encoder.encode(_pair(step, tuple))
            assert memo.decode(block, raw=raw) == plain.decode(block, raw=raw)
    assert len(memo._blocks) <= DECODE_MEMO_BLOCKS


def test_memo_decoder_refuses_what_hpack_refuses() -> None:
    holder = _Holder(hpack.Encoder(), hpack.Decoder())
    memoize(holder)
    with pytest.raises(hpack.HPACKDecodingError):
        holder.decoder.decode(b"\xff\xff\xff\xff")  # an index far past both tables


class _Holder:
    """The two attributes of an ``h2`` connection that ``memoize`` reads."""

    def __init__(self, encoder: hpack.Encoder, decoder: hpack.Decoder) -> None:
        self.encoder = encoder
        self.decoder = decoder


# -- against a real emulator ---------------------------------------------------------------


async def _client(emulator: Emulator) -> ViamClient:
    boot = emulator.bootstrap
    return await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )


async def test_hpack_debug_records_reach_a_user_who_asks(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    viam = await _client(emulator)
    try:
        org_id = emulator.bootstrap.org_id
        for _ in range(3):  # the memo now knows this call's headers
            await viam.app_client.get_organization(org_id)
        caplog.set_level(logging.INFO)
        await viam.app_client.get_organization(org_id)
        assert not [r for r in caplog.records if r.name.startswith("hpack")]
        caplog.set_level(logging.DEBUG, logger="hpack")
        await viam.app_client.get_organization(org_id)
        messages = [r.getMessage() for r in caplog.records if r.name.startswith("hpack")]
        assert any(m.startswith("Encoded header block") for m in messages), messages
        assert any(m.startswith("Decoding") for m in messages), messages
        assert any(m.startswith("Adding b':path'") for m in messages), messages
    finally:
        viam.close()


@contextlib.asynccontextmanager
async def _counted(emulator: Emulator) -> AsyncIterator[tuple[ViamClient, list[int]]]:
    """A client, its first call made, and a counter of the writes of asyncio's socket transport under it."""
    viam = await _client(emulator)
    try:
        await viam.app_client.get_organization(emulator.bootstrap.org_id)
        protocol = viam._channel._protocol
        assert protocol is not None
        real: Any = protocol.connection._transport
        real = real._transport  # asyncio's transport, under the SDK's gathering one
        count = [0]
        write = real.write

        def counting(data: Any) -> None:
            count[0] += 1
            write(data)

        real.write = counting
        yield viam, count
    finally:
        viam.close()


async def test_a_unary_request_leaves_in_one_write(emulator: Emulator) -> None:
    org_id = emulator.bootstrap.org_id
    async with _counted(emulator) as (viam, writes):
        for _ in range(5):
            await viam.app_client.get_organization(org_id)
            await viam.app_client.list_locations(org_id)
        assert writes[0] == 10  # grpclib alone: the headers and the message, 20


async def test_calls_started_together_share_writes(emulator: Emulator) -> None:
    org_id = emulator.bootstrap.org_id
    async with _counted(emulator) as (viam, writes):
        orgs = await asyncio.gather(*[viam.app_client.get_organization(org_id) for _ in range(40)])
        assert {o.id for o in orgs} == {org_id}
        assert writes[0] < 10  # one per call (or two) without gathering


async def test_small_writes_wait_for_the_turn_bulk_goes_at_once() -> None:
    # An upload must meet the socket's flow control as it did without gathering: a
    # write that brings the held bytes to GATHER_LIMIT goes on at once, in order.
    ours, theirs = socket.socketpair()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(asyncio.Protocol, ours)
    sent: list[bytes] = []
    write = transport.write

    def counting(data: Any) -> None:
        sent.append(bytes(data))
        write(data)

    transport.write = counting  # type: ignore[method-assign]
    gathering = GatheringTransport(transport)
    try:
        gathering.write(b"a" * 10)
        gathering.write(b"b" * 10)
        assert sent == []
        await asyncio.sleep(0)  # the end of the turn
        assert sent == [b"a" * 10 + b"b" * 10]
        gathering.write(b"c")
        gathering.write(b"d" * GATHER_LIMIT)
        assert sent[1:] == [b"c" + b"d" * GATHER_LIMIT]
        await asyncio.sleep(0)
        assert len(sent) == 2
    finally:
        gathering.close()
        theirs.close()
