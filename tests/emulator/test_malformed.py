"""Requests that do not decode: the emulator answers INVALID_ARGUMENT and keeps serving.

The bytes go over a real loopback channel through a codec that sends them as
they are, so the server's own decoder (the generated codec) meets them.
"""

from __future__ import annotations

from typing import Any

import grpclib.const
import pytest
from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import AppServiceStub, GetOrganizationRequest, ListOrganizationsRequest

from viam_sdk.testing import Emulator

from ._helpers import raises_status


class RawCodec:
    """Sends requests as the bytes given and hands responses back as bytes."""

    __content_subtype__ = "proto"

    def encode(self, message: Any, message_type: Any) -> bytes:
        return bytes(message)

    def decode(self, data: bytes, message_type: Any) -> bytes:
        return data


async def _raw_unary(emulator: Emulator, route: str, body: bytes) -> bytes:
    channel = Channel(emulator.host, emulator.port, codec=RawCodec())  # type: ignore[arg-type]
    try:
        async with channel.request(
            route, grpclib.const.Cardinality.UNARY_UNARY, bytes, bytes, metadata=emulator.auth_metadata()
        ) as stream:
            await stream.send_message(body, end=True)
            answer: bytes = await stream.recv_message()
            return answer
    finally:
        channel.close()


def _nested_struct(levels: int) -> bytes:
    """A google.protobuf.Struct holding a struct_value ``levels`` deep, hand-encoded."""

    def ld(number: int, body: bytes) -> bytes:
        return _varint((number << 3) | 2) + _varint(len(body)) + body

    body = b""
    for _ in range(levels):
        value = ld(5, body)  # Value.struct_value
        entry = ld(1, b"k") + ld(2, value)  # Struct.fields entry
        body = ld(1, entry)
    return body


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 127:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


GARBAGE = [
    pytest.param(b"\xff" * 50, id="50-bytes-of-0xff"),
    pytest.param(b"\x0a\x05ab", id="truncated-string"),
    pytest.param(b"\x0a\x02\xc3\x28", id="invalid-utf8"),
    pytest.param(b"\x00\x01", id="field-number-0"),
    pytest.param(b"\x0f", id="wire-type-7"),
]


@pytest.mark.parametrize("body", GARBAGE)
async def test_garbage_request_is_invalid_argument(emulator: Emulator, app: AppServiceStub, body: bytes) -> None:
    with raises_status(Status.INVALID_ARGUMENT, "malformed request", "GetOrganizationRequest"):
        await _raw_unary(emulator, "/viam.app.v1.AppService/GetOrganization", body)
    # the server is still there and still right
    assert (await app.list_organizations(ListOrganizationsRequest())).organizations


async def test_a_struct_nested_1000_levels_is_invalid_argument(emulator: Emulator, app: AppServiceStub) -> None:
    # DataCaptureUploadRequest.sensor_contents (2) -> SensorData.struct (2) -> 1,000 levels
    data = _nested_struct(1000)
    sensor = _varint((2 << 3) | 2) + _varint(len(data)) + data
    body = _varint((2 << 3) | 2) + _varint(len(sensor)) + sensor
    with raises_status(Status.INVALID_ARGUMENT, "nested deeper than 100", "in field sensor_contents[0].struct"):
        await _raw_unary(emulator, "/viam.app.datasync.v1.DataSyncService/DataCaptureUpload", body)
    org_id = emulator.bootstrap.org_id
    assert (await app.get_organization(GetOrganizationRequest(organization_id=org_id))).organization


async def test_a_valid_request_sent_raw_is_served(emulator: Emulator) -> None:
    """The raw path itself works: a well-formed request gets its answer."""
    body = bytes(GetOrganizationRequest(organization_id=emulator.bootstrap.org_id))
    answer = await _raw_unary(emulator, "/viam.app.v1.AppService/GetOrganization", body)
    assert emulator.bootstrap.org_id.encode() in answer
