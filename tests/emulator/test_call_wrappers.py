"""What the emulator adds around every call, whatever answers: pushback on RESOURCE_EXHAUSTED, capped messages.

A RESOURCE_EXHAUSTED answer (a query budget, a message over the size limit, a
fault rule) carries ``retry-pushback-ms: -1`` in its trailers, so the SDK's retry
rule does not repeat it; other errors carry no pushback.  Read here with
grpclib's own client, which shows the trailers as they came.  Answers to many
calls in flight leave in batches, not all at the end of the loop's turn.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from grpclib.client import Channel
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import AppServiceStub, GetOrganizationRequest, GetOrganizationResponse

from viam_sdk.rpc._channel import Channel as SdkChannel
from viam_sdk.testing import Emulator
from viam_sdk.testing.errors import PUSHBACK_KEY
from viam_sdk.testing.transport import ANSWER_BATCH_BYTES, Limits, _AnswerWriter

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


async def test_answers_to_many_calls_in_flight_leave_in_batches(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []
    flush = _AnswerWriter.flush

    def counted(self: _AnswerWriter) -> None:
        sent.append(self._size)
        flush(self)

    monkeypatch.setattr(_AnswerWriter, "flush", counted)
    # The SDK's channel sends the requests of calls started together in one packet, so the
    # emulator's handlers for all of them run in one turn of its loop.
    channel = SdkChannel(emulator.host, emulator.port)
    try:
        app = AppServiceStub(channel, metadata=emulator.auth_metadata())
        org = GetOrganizationRequest(organization_id=emulator.bootstrap.org_id)
        await app.get_organization(org)
        sent.clear()
        answers = await asyncio.gather(*(app.get_organization(org) for _ in range(60)))
    finally:
        channel.close()
    assert all(a.organization is not None for a in answers)
    batches = [size for size in sent if size]
    # Before: all 60 answers (~9 KB) left together at the end of the turn.
    assert len(batches) >= 3, batches
    assert max(batches) < ANSWER_BATCH_BYTES + 1024, batches  # a batch, plus at most one answer
