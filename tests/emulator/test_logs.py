"""Machine-part logs: RobotService/Log in, GetRobotPartLogs and TailRobotPartLogs out."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    GetRobotPartLogsRequest,
    LogOrder,
    LogRequest,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
)
from viam_api.common.v1 import LogEntry

from viam_sdk.testing import Emulator

from ._helpers import Fleet, raises_status, robot_stub, token_metadata

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def entry(i: int, level: str, message: str) -> LogEntry:
    return LogEntry(
        host="pi", level=level, time=T0 + timedelta(seconds=i), logger_name="rdk", message=message
    )


async def push(channel: Channel, fleet: Fleet, entries: list[LogEntry]) -> None:
    meta = await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    await robot_stub(channel, meta).log(LogRequest(id=fleet.part_id, logs=entries))


async def test_stored_logs_page_filter_and_order(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    levels = ["info", "error", "warn", "debug"]
    await push(
        channel,
        fleet,
        [entry(i, levels[i % 4], f"message {i} {'motor' if i % 3 == 0 else 'camera'}") for i in range(12)],
    )

    first = await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id, limit=5))
    assert [e.message.split()[1] for e in first.logs] == ["11", "10", "9", "8", "7"]  # newest first
    second = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(id=fleet.part_id, limit=5, page_token=first.next_page_token)
    )
    third = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(id=fleet.part_id, limit=5, page_token=second.next_page_token)
    )
    assert len(second.logs) == 5 and len(third.logs) == 2 and third.next_page_token == ""

    with pytest.warns(DeprecationWarning):  # errors_only is deprecated upstream, still honoured
        errors = await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id, errors_only=True))
    assert {e.level for e in errors.logs} == {"error"} and len(errors.logs) == 3
    chosen = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(id=fleet.part_id, levels=["WARN", "debug"])
    )
    assert {e.level for e in chosen.logs} == {"warn", "debug"} and len(chosen.logs) == 6
    motor = await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id, filter="MOTOR"))
    assert [e.message for e in motor.logs] == [
        "message 9 motor",
        "message 6 motor",
        "message 3 motor",
        "message 0 motor",
    ]
    oldest = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(id=fleet.part_id, order=LogOrder.LOG_ORDER_ASCENDING, limit=2)
    )
    assert [e.time for e in oldest.logs] == [T0, T0 + timedelta(seconds=1)]
    window = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(
            id=fleet.part_id, start=T0 + timedelta(seconds=2), end=T0 + timedelta(seconds=4)
        )
    )
    assert len(window.logs) == 3

    with raises_status(Status.INVALID_ARGUMENT, "garbage"):
        await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id, page_token="garbage"))
    with raises_status(Status.NOT_FOUND):
        await app.get_robot_part_logs(GetRobotPartLogsRequest(id="missing-part"))


async def _first_batch(app: AppServiceStub, request: TailRobotPartLogsRequest) -> TailRobotPartLogsResponse:
    async for response in app.tail_robot_part_logs(request):
        return response
    raise AssertionError("the tail ended without a batch")


async def test_tail_receives_logs_pushed_after_subscribing(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    await push(channel, fleet, [entry(0, "error", "before the tail started")])
    everything = asyncio.ensure_future(
        _first_batch(app, TailRobotPartLogsRequest(id=fleet.part_id, errors_only=False))
    )
    errors = asyncio.ensure_future(
        _first_batch(app, TailRobotPartLogsRequest(id=fleet.part_id, errors_only=True))
    )
    camera_errors = asyncio.ensure_future(
        _first_batch(app, TailRobotPartLogsRequest(id=fleet.part_id, errors_only=True, filter="camera"))
    )
    await emulator.wait_for_log_subscribers(fleet.part_id, 3)
    await push(
        channel,
        fleet,
        [
            entry(1, "info", "camera ready"),
            entry(2, "error", "motor stalled"),
            entry(3, "error", "camera lost"),
        ],
    )
    assert [e.message for e in (await everything).logs] == ["camera ready", "motor stalled", "camera lost"]
    assert [e.message for e in (await errors).logs] == ["motor stalled", "camera lost"]
    assert [e.message for e in (await camera_errors).logs] == ["camera lost"]
    # Stored as well, alongside the entry pushed before the tail.
    stored = await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id))
    assert len(stored.logs) == 4


async def test_tail_needs_access_to_the_part(emulator: Emulator, channel: Channel, fleet: Fleet) -> None:
    other = emulator.add_organization("Other")
    outsider = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    with raises_status(Status.PERMISSION_DENIED):
        await _first_batch(outsider, TailRobotPartLogsRequest(id=fleet.part_id))
    assert emulator.context.logs.subscriber_count(fleet.part_id) == 0


async def test_log_push_needs_a_token(channel: Channel, fleet: Fleet) -> None:
    with raises_status(Status.UNAUTHENTICATED):
        await robot_stub(channel, {}).log(LogRequest(id=fleet.part_id, logs=[entry(0, "info", "x")]))


async def test_paging_is_stable_while_new_logs_arrive(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    await push(channel, fleet, [entry(i, "info", f"old {i}") for i in range(6)])
    first = await app.get_robot_part_logs(GetRobotPartLogsRequest(id=fleet.part_id, limit=3))
    await push(channel, fleet, [entry(100 + i, "info", f"new {i}") for i in range(2)])
    second = await app.get_robot_part_logs(
        GetRobotPartLogsRequest(id=fleet.part_id, limit=3, page_token=first.next_page_token)
    )
    assert [e.message for e in first.logs + second.logs] == [f"old {i}" for i in range(5, -1, -1)]
    assert second.next_page_token == ""


async def test_a_closed_tail_unsubscribes(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    stream = app.tail_robot_part_logs(TailRobotPartLogsRequest(id=fleet.part_id, errors_only=False))
    first = asyncio.ensure_future(stream.__anext__())
    await emulator.wait_for_log_subscribers(fleet.part_id, 1)
    await push(channel, fleet, [entry(0, "info", "one")])
    assert [e.message for e in (await first).logs] == ["one"]
    await stream.aclose()

    async def drained() -> None:
        while emulator.context.logs.subscriber_count(fleet.part_id):
            await asyncio.sleep(0.005)

    # The bound only keeps a regression from hanging the suite; nothing is timed.
    await asyncio.wait_for(drained(), timeout=30)
    assert emulator.context.logs.subscriber_count(fleet.part_id) == 0
