"""Log requests carry ``filter`` as viam-sdk 0.85.1 sends it: ``""`` when no filter is given.

``filter`` is a proto3 ``optional`` string in GetRobotPartLogsRequest and
TailRobotPartLogsRequest, so "absent" and "empty" are different on the wire;
0.85.1 always sets it (``filter if filter else ""``).  Both SDKs call one
real grpclib server here, which records the requests it decodes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpclib.client
import grpclib.server
import pytest
from viam_api.app.v1 import (
    AppServiceBase,
    GetRobotPartLogsRequest,
    GetRobotPartLogsResponse,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)

from viam_sdk.app.app_client import AppClient


class _RecordingApp(AppServiceBase):
    def __init__(self) -> None:
        self.requests: list[GetRobotPartLogsRequest | TailRobotPartLogsRequest] = []

    async def get_robot_part_logs(self, request: GetRobotPartLogsRequest) -> GetRobotPartLogsResponse:
        self.requests.append(request)
        return GetRobotPartLogsResponse(logs=[], next_page_token="")

    async def tail_robot_part_logs(self, request: TailRobotPartLogsRequest) -> AsyncIterator[TailRobotPartLogsResponse]:
        self.requests.append(request)
        yield TailRobotPartLogsResponse(logs=[])


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[_RecordingApp, grpclib.client.Channel]]:
    app = _RecordingApp()
    server = grpclib.server.Server([app])
    await server.start("127.0.0.1", 0)
    port = int(server._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    channel = grpclib.client.Channel("127.0.0.1", port)
    try:
        yield app, channel
    finally:
        channel.close()
        server.close()
        await server.wait_closed()


async def test_no_filter_is_sent_as_an_empty_string(recorder: tuple[_RecordingApp, grpclib.client.Channel]) -> None:
    app, channel = recorder
    fleet = AppClient(channel, {})
    await fleet.get_robot_part_logs("part-1")
    [entry async for entry in fleet.iter_robot_part_logs("part-1")]
    stream = await fleet.tail_robot_part_logs("part-1")
    await stream.close()
    assert [type(r).__name__ for r in app.requests] == [
        "GetRobotPartLogsRequest",
        "GetRobotPartLogsRequest",
        "TailRobotPartLogsRequest",
    ]
    assert [r.filter for r in app.requests] == ["", "", ""]


async def test_a_given_filter_is_sent_as_it_is(recorder: tuple[_RecordingApp, grpclib.client.Channel]) -> None:
    app, channel = recorder
    fleet = AppClient(channel, {})
    await fleet.get_robot_part_logs("part-1", filter="motor")
    stream = await fleet.tail_robot_part_logs("part-1", filter="motor")
    await stream.close()
    assert [r.filter for r in app.requests] == ["motor", "motor"]


async def test_the_official_sdk_sends_the_same_filter(recorder: tuple[_RecordingApp, grpclib.client.Channel]) -> None:
    official = pytest.importorskip("viam.app.app_client")
    app, channel = recorder
    await official.AppClient(channel, {}).get_robot_part_logs("part-1")
    await AppClient(channel, {}).get_robot_part_logs("part-1")
    theirs, ours = app.requests
    assert theirs.filter == ours.filter == ""
    assert bytes(theirs) == bytes(ours)
