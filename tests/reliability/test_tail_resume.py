"""Issue 22 item 6: a live log tail outlives its connection, and no line is lost or repeated.

* a real ``serve`` process on a database file is killed (SIGKILL) under a tail
  that is reading, started again on the same file and port, and a part keeps
  logging: the tail subscribes again by itself, fills the gap from the stored
  logs, and every line pushed reaches it exactly once;
* in-process, a fault rule cuts the tail's stream after one message while lines
  are logged in between: they come back from the stored logs, in order, once;
* the bookkeeping that drops repeats, on its own: the entries the gap and the new
  subscription share, and the entries at the last time seen.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import pytest_asyncio

from viam_sdk import ViamClient
from viam_sdk.app._app.log_tail import ResumingLogsStream, _Seen
from viam_sdk.app.app_client import LogEntry
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart

from ._proc import EmulatorProcess
from .conftest import FIGURES


async def _client(app_url: str, boot: dict[str, str]) -> ViamClient:
    opts = DialOptions.with_api_key(boot["api_key"], boot["api_key_id"])
    return await ViamClient.create_from_dial_options(opts, app_url)


async def _part(viam: ViamClient, org_id: str) -> tuple[str, str]:
    fleet = viam.app_client
    location = await fleet.create_location(org_id, "Lab")
    part = (await fleet.get_robot_parts(await fleet.new_robot("rover", location_id=location.id)))[0]
    return part.id, part.secret


async def _log(app_url: str, part_id: str, secret: str, messages: list[str]) -> None:
    async with await MachinePart.connect(app_url, part_id, secret) as machine:
        for message in messages:
            await machine.log(message, level="error")


async def test_a_tail_survives_a_killed_and_restarted_server(tmp_path: Path) -> None:
    server = EmulatorProcess(tmp_path / "fleet.db")
    await asyncio.to_thread(server.start)
    received: list[str] = []
    try:
        viam = await _client(server.app_url, server.boot)
        try:
            part_id, secret = await _part(viam, server.boot["org_id"])
            stream = await viam.app_client.tail_robot_part_logs(part_id)
            assert isinstance(stream, ResumingLogsStream)

            async def read(until: int) -> None:
                while len(received) < until:
                    batch = await stream.next()
                    assert batch is not None, "the tail ended"
                    received.extend(entry.message for entry in batch)

            before = [f"before {i}" for i in range(5)]
            await _log(server.app_url, part_id, secret, before)
            await read(len(before))

            # 1. Killed while nobody reads; 20 lines logged after the restart, before the next read:
            # the tail notices the loss on that read, subscribes again and hands out all 20 from the gap.
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            gap = [f"gap {i}" for i in range(20)]
            await _log(server.app_url, part_id, secret, gap)
            await read(len(before) + len(gap))
            assert (stream.resumed, stream.gap_filled) == (1, 20)

            # 2. Killed while the reader waits; lines logged after the restart in two rounds:
            # whichever the tail has not subscribed again for come from the stored logs, the rest live.
            reader = asyncio.ensure_future(read(len(before) + len(gap) + 40))
            await asyncio.sleep(0)
            await asyncio.to_thread(server.kill)
            await asyncio.to_thread(server.start)
            after = [f"after {i}" for i in range(40)]
            await _log(server.app_url, part_id, secret, after[:20])
            await _log(server.app_url, part_id, secret, after[20:])
            await asyncio.wait_for(reader, timeout=120)
            await stream.close()
        finally:
            viam.close()
    finally:
        await asyncio.to_thread(server.stop)
    pushed = before + gap + after
    lost = [m for m in pushed if m not in received]
    repeated = [m for m, n in Counter(received).items() if n > 1]
    assert lost == [] and repeated == []
    assert received == pushed  # in order, too
    assert stream.resumed == 2
    FIGURES["tail across two kills and restarts"] = (
        f"{len(pushed)} lines pushed, {len(received)} received; re-subscribed {stream.resumed}x, "
        f"{stream.gap_filled} from the gap; lines lost: {len(lost)}, repeated: {len(repeated)}"
    )


@pytest_asyncio.fixture
async def tailed(emulator: Emulator) -> AsyncIterator[tuple[ViamClient, str, str]]:
    """A client of the in-process emulator, and the id and secret of a fresh part."""
    boot = emulator.bootstrap
    viam = await _client(emulator.app_url, boot.as_dict())
    try:
        part_id, secret = await _part(viam, boot.org_id)
        yield viam, part_id, secret
    finally:
        viam.close()


@pytest.mark.parametrize("status", ["UNAVAILABLE", "RESOURCE_EXHAUSTED"])
async def test_a_cut_stream_is_refilled_from_the_stored_logs(
    emulator: Emulator, tailed: tuple[ViamClient, str, str], status: str
) -> None:
    # UNAVAILABLE: the connection dropped; RESOURCE_EXHAUSTED: the app dropped a tail that fell behind.
    viam, part_id, secret = tailed
    emulator.faults = [{"route": "*/TailRobotPartLogs", "cut_after": 1, "status": status, "count": 1}]
    stream = await viam.app_client.tail_robot_part_logs(part_id, errors_only=False)
    await _log(emulator.app_url, part_id, secret, ["one"])
    first = await stream.next()
    # The server side of the tail is gone now; these are logged while nobody listens.
    await _log(emulator.app_url, part_id, secret, ["two", "three"])
    gap = await stream.next()
    await _log(emulator.app_url, part_id, secret, ["four"])
    live = await stream.next()
    await stream.close()
    assert [[e.message for e in batch or []] for batch in (first, gap, live)] == [["one"], ["two", "three"], ["four"]]
    assert (stream.resumed, stream.gap_filled) == (1, 2)
    assert emulator.faults.list()[0]["fired"] == 1


async def test_a_tail_cut_before_every_message_still_hands_each_out_once(
    emulator: Emulator, tailed: tuple[ViamClient, str, str]
) -> None:
    viam, part_id, secret = tailed
    # The next three subscriptions end as the first entry comes, before sending it.
    emulator.faults = [{"route": "*/TailRobotPartLogs", "cut_after": 0, "count": 3}]
    stream = await viam.app_client.tail_robot_part_logs(part_id, errors_only=False)
    batches = []
    for message in ("a", "b", "c", "d"):
        await _log(emulator.app_url, part_id, secret, [message])
        batch = await stream.next()
        batches.append([entry.message for entry in batch or []])
    await stream.close()
    assert batches == [["a"], ["b"], ["c"], ["d"]]
    # The entries cut off came back from the stored logs (how many subscriptions that took
    # depends on the SDK's own retries, which spend the rule's count too).
    assert stream.gap_filled >= 2 and stream.resumed >= 2
    assert emulator.faults.list()[0]["remaining"] == 0


def _entry(message: str, at: datetime) -> LogEntry:
    return LogEntry(host="h", level="error", time=at, logger_name="t", message=message, caller=None, stack="", fields=[])


def test_repeats_between_the_gap_and_the_new_subscription_are_dropped() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    t1 = t0 + timedelta(seconds=1)
    seen = _Seen(t0 - timedelta(seconds=5))
    # Two identical lines at t0 came live before the loss.
    assert len(seen.live([_entry("same", t0), _entry("same", t0)])) == 2
    # The stored logs since t0: the two already seen, a third identical one, and one more.
    gap = seen.gap([_entry("same", t0), _entry("same", t0), _entry("same", t0), _entry("new", t1)])
    assert [e.message for e in gap] == ["same", "new"]
    # The new subscription repeats what was logged while the gap was read, then goes on.
    live = seen.live([_entry("new", t1), _entry("later", t1), _entry("new", t1)])
    assert [e.message for e in live] == ["later", "new"]
