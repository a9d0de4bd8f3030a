"""What the emulator adds around every call, whatever answers: pushback on RESOURCE_EXHAUSTED, capped messages.

A RESOURCE_EXHAUSTED answer (a query budget, a message over the size limit, a
fault rule) carries ``retry-pushback-ms: -1`` in its trailers, so the SDK's retry
rule does not repeat it; other errors carry no pushback.  Read here with
grpclib's own client, which shows the trailers as they came.
"""

from __future__ import annotations

from typing import Any

from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import GetOrganizationRequest, GetOrganizationResponse

from viam_sdk.testing import Emulator
from viam_sdk.testing.errors import PUSHBACK_KEY
from viam_sdk.testing.transport import Limits

ROUTE = "/viam.app.v1.AppService/GetOrganization"


async def _refusal(channel: Channel, metadata: dict[str, str], request: Any) -> tuple[GRPCError, dict[str, Any]]:
    """The error a GetOrganization call ends with, and the trailing metadata that came with it."""
    async with channel.request(
        ROUTE, Cardinality.UNARY_UNARY, GetOrganizationRequest, GetOrganizationResponse, metadata=metadata
    ) as stream:
        await stream.send_message(request, end=True)
        try:
            await stream.recv_message()
        except GRPCError as exc:
            return exc, dict(stream.trailing_metadata or {})
    raise AssertionError("the call was answered")


async def test_a_fault_answering_resource_exhausted_says_do_not_retry(emulator: Emulator, channel: Channel) -> None:
    emulator.faults = [{"route": "*/GetOrganization", "status": "RESOURCE_EXHAUSTED", "count": 1}]
    request = GetOrganizationRequest(organization_id=emulator.bootstrap.org_id)
    error, trailers = await _refusal(channel, emulator.auth_metadata(), request)
    assert error.status is Status.RESOURCE_EXHAUSTED
    assert trailers.get(PUSHBACK_KEY) == "-1"
    # Other refusals carry no pushback.
    error, trailers = await _refusal(channel, emulator.auth_metadata(), GetOrganizationRequest(organization_id="nope"))
    assert error.status is Status.NOT_FOUND
    assert PUSHBACK_KEY not in trailers


async def test_a_message_over_the_size_limit_says_do_not_retry() -> None:
    async with Emulator(limits=Limits(max_message_size=64)) as emu:
        channel = Channel(emu.host, emu.port)
        try:
            error, trailers = await _refusal(
                channel, emu.auth_metadata(), GetOrganizationRequest(organization_id="x" * 200)
            )
            assert error.status is Status.RESOURCE_EXHAUSTED
            assert "more than this emulator accepts (64 bytes)" in str(error.message)
            assert trailers.get(PUSHBACK_KEY) == "-1"
            # The connection carries on: a call that fits is answered.
            error, trailers = await _refusal(channel, emu.auth_metadata(), GetOrganizationRequest(organization_id="y"))
            assert error.status is Status.NOT_FOUND and PUSHBACK_KEY not in trailers
        finally:
            channel.close()
