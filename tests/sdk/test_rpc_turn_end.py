"""The blocking client's loop (``viam_api._blocking.TurnEndLoop``) and the gathered writes that use it.

* ``call_before_poll`` callbacks run once, at the end of the turn that gave
  them, before the loop checks for I/O, and before any callback of the next
  turn; a failing one goes to the loop's exception handler.
* ``skip_next_poll`` lets one turn run its ready callbacks without a poll; I/O
  that was ready then is reported by the next poll.
* A blocking unary call polls the selector twice (waiting for the answer, then
  the turn that ends the call), not four times (the call's first step and the
  send of the gathered request each had a turn of their own); the request
  still leaves in one write.
* Where asyncio's default is not its selector loop (an application's policy),
  the runner takes that loop, as before.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from viam_api import _blocking
from viam_api._blocking import Runner, TurnEndLoop

import viam_sdk.sync
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator


@pytest.fixture
def loop() -> Iterator[TurnEndLoop]:
    made = TurnEndLoop()
    try:
        yield made
    finally:
        made.close()


def test_end_of_turn_callbacks_run_before_the_next_turn(loop: TurnEndLoop) -> None:
    order: list[str] = []

    async def main() -> None:
        loop.call_soon(order.append, "next turn")
        loop.call_before_poll(lambda: order.append("end of turn 1"))
        loop.call_before_poll(lambda: loop.call_before_poll(lambda: order.append("added while ending")))
        await asyncio.sleep(0)
        order.append("turn 2")
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert order[:3] == ["end of turn 1", "added while ending", "next turn"]
    assert order[3] == "turn 2"


def test_a_failing_end_of_turn_callback_goes_to_the_exception_handler(loop: TurnEndLoop) -> None:
    seen: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    ran: list[int] = []

    def boom() -> None:
        raise ValueError("boom")

    async def main() -> None:
        loop.call_before_poll(boom)
        loop.call_before_poll(lambda: ran.append(1))
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert ran == [1]
    assert [type(c["exception"]) for c in seen] == [ValueError]


class _Polls:
    """Counts the real polls (``epoll_wait``) of a selector, by wrapping its platform object's ``poll``."""

    def __init__(self, loop: TurnEndLoop) -> None:
        self.count = 0
        selector = loop._hooked
        real = selector._selector  # type: ignore[attr-defined]  # the select.epoll object
        outer = self

        class Counting:
            def poll(self, *args: Any) -> Any:
                outer.count += 1
                return real.poll(*args)

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        selector._selector = Counting()  # type: ignore[attr-defined]


@pytest.mark.parametrize("skip", [False, True])
def test_a_skipped_poll_loses_no_io(loop: TurnEndLoop, skip: bool) -> None:
    ours, theirs = socket.socketpair()
    got: list[bytes] = []
    try:
        ours.setblocking(False)
        loop.add_reader(ours.fileno(), lambda: got.append(ours.recv(10)))
        theirs.send(b"x")
        polls = _Polls(loop)

        async def step() -> None:
            pass

        if skip:
            loop.skip_next_poll()
        loop.run_until_complete(step())  # turns: the task's step, then the one that stops the loop
        assert polls.count == (1 if skip else 2)
        if not got:
            loop.run_until_complete(asyncio.sleep(0))
        assert got == [b"x"]
    finally:
        loop.remove_reader(ours.fileno())
        ours.close()
        theirs.close()


def test_a_blocking_unary_call_polls_twice(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    viam = viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator_thread.app_url
    )
    try:
        loop = viam._runner.loop
        assert isinstance(loop, TurnEndLoop)
        viam.app_client.get_organization(boot.org_id)
        protocol: Any = viam._impl._channel._protocol
        transport = protocol.connection._transport._transport  # asyncio's, under the gathering one
        sent: list[int] = []
        real_write = transport.write
        transport.write = lambda data: (sent.append(len(data)), real_write(data))[1]
        polls = _Polls(loop)
        for _ in range(10):
            assert viam.app_client.get_organization(boot.org_id).id == boot.org_id
        assert len(sent) == 10  # one write per request
        assert polls.count <= 20  # before: 40 (4 per call)
    finally:
        viam.close()


def test_the_runner_keeps_an_applications_own_loop_policy() -> None:
    class Policy(asyncio.DefaultEventLoopPolicy):
        pass

    old = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(Policy())
    try:
        runner = Runner()
        try:
            assert not isinstance(runner.loop, TurnEndLoop)

            async def answer() -> int:
                return 42

            assert runner.run(answer()) == 42
        finally:
            runner.close()
    finally:
        asyncio.set_event_loop_policy(old)
    runner = Runner()
    try:
        assert isinstance(runner.loop, TurnEndLoop) == (_blocking.sys.platform != "win32")
    finally:
        runner.close()
