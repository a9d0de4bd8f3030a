"""Calls beyond the server's stream limit (``viam_sdk.rpc._channel.StreamSlots``).

The emulator, like h2's default, allows 100 concurrent streams per connection; a
call started beyond that waits until a stream closes.  Each closed stream wakes
one waiting call (the longest waiting), not all of them; every waiting call
still gets its answer, and a lost connection fails the waiting calls (they
waited for ever under grpclib's own event: h2 still counted the dead
connection's streams as open).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from grpclib.exceptions import StreamTerminatedError

from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._channel import StreamSlots
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator


class _Conn:
    def __init__(self) -> None:
        self.closing = False

    def is_closing(self) -> bool:
        return self.closing


async def _waiting(slots: StreamSlots, count: int) -> list[asyncio.Task[bool]]:
    tasks = [asyncio.create_task(slots.wait()) for _ in range(count)]
    await asyncio.sleep(0)  # each has started waiting
    return tasks


async def test_a_closed_stream_wakes_the_longest_waiting_call_only() -> None:
    slots = StreamSlots(_Conn())
    tasks = await _waiting(slots, 3)
    slots.clear()  # grpclib clears before it waits: nothing is lost
    slots.set()
    await asyncio.sleep(0)
    assert [t.done() for t in tasks] == [True, False, False]
    slots.set()
    slots.set()
    await asyncio.sleep(0)
    assert all(t.done() for t in tasks)
    slots.set()  # nobody waits: nothing kept for later
    late = await _waiting(slots, 1)
    await asyncio.sleep(0)
    assert not late[0].done()
    late[0].cancel()


async def test_a_waiter_cancelled_after_its_wake_up_hands_it_on() -> None:
    slots = StreamSlots(_Conn())
    first, second = await _waiting(slots, 2)
    slots.set()  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert first.cancelled()
    assert second.done() and second.result() is True


async def test_a_cancelled_waiter_is_passed_over() -> None:
    slots = StreamSlots(_Conn())
    first, second = await _waiting(slots, 2)
    first.cancel()
    await asyncio.sleep(0)
    slots.set()
    await asyncio.sleep(0)
    assert second.done()


async def test_a_lost_connection_fails_every_waiter_and_every_later_one() -> None:
    conn = _Conn()
    slots = StreamSlots(conn)
    tasks = await _waiting(slots, 5)
    conn.closing = True
    slots.set()
    await asyncio.sleep(0)
    assert all(isinstance(t.exception(), StreamTerminatedError) for t in tasks)
    with pytest.raises(StreamTerminatedError):
        await slots.wait()


async def _client(emulator: Emulator) -> ViamClient:
    boot = emulator.bootstrap
    return await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator.app_url
    )


@pytest.mark.parametrize("calls", [101, 350])
async def test_calls_beyond_the_stream_limit_all_get_answers_each_waiting_once(
    emulator: Emulator, calls: int
) -> None:
    org_id = emulator.bootstrap.org_id
    viam = await _client(emulator)
    try:
        await viam.app_client.get_organization(org_id)
        protocol: Any = viam._channel._protocol
        slots = protocol.connection.stream_close_waiter
        assert isinstance(slots, StreamSlots)
        waits = [0]
        wait = slots.wait

        async def counted() -> bool:
            waits[0] += 1
            return await wait()

        slots.wait = counted  # type: ignore[method-assign]
        orgs = await asyncio.gather(*[viam.app_client.get_organization(org_id) for _ in range(calls)])
        assert {o.id for o in orgs} == {org_id}
        # Every call past the 100th waits, and (woken only for a stream of its own) once;
        # grpclib's event woke every waiting call for every closed stream.
        assert calls - 100 <= waits[0] <= calls - 100 + 5
    finally:
        viam.close()


async def test_waiting_calls_fail_rather_than_hang_when_the_connection_goes(emulator: Emulator) -> None:
    org_id = emulator.bootstrap.org_id
    viam = await _client(emulator)
    try:
        await viam.app_client.get_organization(org_id)
        protocol: Any = viam._channel._protocol
        calls = [asyncio.ensure_future(viam.app_client.get_organization(org_id)) for _ in range(250)]
        while len(protocol.processor.streams) < 100:  # the first 100 are on the wire, the rest wait
            await asyncio.sleep(0)
        protocol.gathering.abort()  # the connection is lost under them
        # (Generous bound: the calls end within the retry policy's backoff, well under a second.)
        done, pending = await asyncio.wait(calls, timeout=30)
        assert not pending  # before: 150 calls still waiting
        assert all(c.exception() is not None or c.result().id == org_id for c in done)
    finally:
        viam.close()
