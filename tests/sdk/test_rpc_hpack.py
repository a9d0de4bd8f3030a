"""The hpack memo (``viam_sdk.rpc._hpack``) against a real HTTP/2 peer: h2 with hpack's own decoder.

A peer that lowers SETTINGS_HEADER_TABLE_SIZE expects the next header block it
reads to start with a dynamic-table-size update (RFC 7541, section 4.2); h2's
decoder refuses a block without it (COMPRESSION_ERROR).  hpack's encoder loses the
pending update when the same size is set a second time before a block is sent
(its ``resized`` flag is recomputed from the last two sizes only); the memo's
encoder keeps it.
"""

from __future__ import annotations

import h2.config
import h2.connection
import h2.events
import hpack
import pytest
from h2.settings import SettingCodes

from viam_sdk.rpc._hpack import MemoEncoder, memoize

_REQUEST = [
    (":method", "POST"),
    (":scheme", "http"),
    (":path", "/viam.app.v1.AppService/GetOrganization"),
    (":authority", "example"),
    ("content-type", "application/grpc"),
    ("te", "trailers"),
]


def _pair() -> tuple[h2.connection.H2Connection, h2.connection.H2Connection]:
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    memoize(client)
    assert type(client.encoder) is MemoEncoder
    client.initiate_connection()
    server.initiate_connection()
    _exchange(client, server)
    return client, server


def _exchange(client: h2.connection.H2Connection, server: h2.connection.H2Connection) -> list[h2.events.Event]:
    """Move bytes both ways until neither side has anything to send; the server's events."""
    events: list[h2.events.Event] = []
    while True:
        to_server, to_client = client.data_to_send(), server.data_to_send()
        if not to_server and not to_client:
            return events
        if to_server:
            events += server.receive_data(to_server)
        if to_client:
            client.receive_data(to_client)


def _shrink(client: h2.connection.H2Connection, server: h2.connection.H2Connection, size: int) -> None:
    server.update_settings({SettingCodes.HEADER_TABLE_SIZE: size})
    _exchange(client, server)  # the client applies it and acknowledges; the server's decoder now insists


@pytest.mark.parametrize("times", [1, 2, 3])
def test_a_lowered_table_size_is_announced_however_often_the_peer_repeats_it(times: int) -> None:
    client, server = _pair()
    # Warm the memo: the request's headers are in both tables, coded as bare indices.
    for _ in range(3):
        stream = client.get_next_available_stream_id()
        client.send_headers(stream, _REQUEST, end_stream=True)
        assert any(isinstance(e, h2.events.RequestReceived) for e in _exchange(client, server))
    for _ in range(times):
        server.update_settings({SettingCodes.HEADER_TABLE_SIZE: 0})
    _exchange(client, server)
    stream = client.get_next_available_stream_id()
    client.send_headers(stream, _REQUEST, end_stream=True)
    events = _exchange(client, server)  # before the fix: h2 closed the connection (COMPRESSION_ERROR)
    received = [e for e in events if isinstance(e, h2.events.RequestReceived)]
    assert [dict(received[0].headers)] == [dict((k.encode(), v.encode()) for k, v in _REQUEST)]
    assert server.decoder.header_table_size == 0


def test_the_same_size_set_twice_on_the_encoder_still_goes_out() -> None:
    holder = _Holder()
    memoize(holder)
    encoder = holder.encoder
    encoder.header_table_size = 0
    encoder.header_table_size = 0
    block = encoder.encode([(b"x-a", b"1")])
    decoder = hpack.Decoder()
    decoder.max_allowed_table_size = 0
    assert decoder.decode(block) == [("x-a", "1")]
    assert block[0] == 0x20  # a size update to 0 opens the block
    # Announced once: the next block has none.
    assert encoder.encode([(b"x-a", b"1")])[0] != 0x20


class _Holder:
    def __init__(self) -> None:
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
