"""Fixtures that run each AppClient scenario twice: async SDK and blocking SDK.

A scenario is an ``async def`` test taking ``env``; it writes every SDK call as
``await env.aw(fleet.method(...))``.  With the async SDK ``aw`` awaits the
coroutine; with the blocking SDK the call has already run and ``aw`` just hands
the value back.  So one body exercises both flavours against a real emulator
(in-loop for async, on its own thread for the blocking client).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from grpclib.client import Channel
from viam_api.app.v1 import Authorization, LogRequest, RobotServiceStub
from viam_api.common.v1 import LogEntry as LogEntryPB
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

import viam_sdk.sync
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

# codegen/ is not installed; the sync-facade tests import it from the checkout.
_REPO = Path(__file__).resolve().parents[2]
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))


async def _await(value: Any) -> Any:
    return await value


async def _identity(value: Any) -> Any:
    return value


async def push_logs(address: str, part_id: str, part_secret: str, entries: list[LogEntryPB]) -> None:
    """Send log entries as the machine part would: RobotService/Log with the part's own secret."""
    host, port = address.rsplit(":", 1)
    channel = Channel(host, int(port))
    try:
        token = await AuthServiceStub(channel).authenticate(
            AuthenticateRequest(entity=part_id, credentials=Credentials(type="robot-secret", payload=part_secret))
        )
        robot = RobotServiceStub(channel, metadata={"authorization": f"Bearer {token.access_token}"})
        await robot.log(LogRequest(id=part_id, logs=entries))
    finally:
        channel.close()


def location_operator(location_id: str, org_id: str) -> Authorization:
    """The ``location_operator`` role on one location, as the reference's invite examples write it."""
    return Authorization(
        authorization_type="role",
        authorization_id="location_operator",
        resource_type="location",
        resource_id=location_id,
        identity_id="",
        organization_id=org_id,
    )


def log(message: str, level: str = "info") -> LogEntryPB:
    return LogEntryPB(host="rover", level=level, logger_name="tests", message=message)


@dataclass
class Env:
    """One flavour of the SDK connected to a fresh emulator."""

    flavour: str
    emulator: Emulator
    viam: Any
    aw: Callable[[Any], Awaitable[Any]]
    _connect: Callable[[DialOptions], Awaitable[Any]]
    _extra: list[Any] = field(default_factory=list)

    @property
    def fleet(self) -> Any:
        return self.viam.app_client

    @property
    def org_id(self) -> str:
        return self.emulator.bootstrap.org_id

    async def connect(self, opts: DialOptions) -> Any:
        """Another client of the same flavour (closed at the end of the test)."""
        client = await self._connect(opts)
        self._extra.append(client)
        return client

    async def wait_for_tail(self, part_id: str) -> None:
        if self.flavour == "async":
            await self.emulator.wait_for_log_subscribers(part_id)
        else:
            await asyncio.to_thread(self.emulator.wait_for_log_subscribers_blocking, part_id)

    def next_batch_in_background(self, stream: Any) -> Callable[[], Awaitable[Any]]:
        """Start reading the next batch (which subscribes) without blocking this loop."""
        if self.flavour == "async":
            task = asyncio.ensure_future(stream.next())
            return lambda: task
        box: list[Any] = []
        thread = threading.Thread(target=lambda: box.append(stream.next()), daemon=True)
        thread.start()

        async def result() -> Any:
            await asyncio.to_thread(thread.join)
            return box[0]

        return result


@pytest_asyncio.fixture
async def async_env(emulator: Emulator) -> AsyncIterator[Env]:
    boot = emulator.bootstrap

    async def connect(opts: DialOptions) -> ViamClient:
        return await ViamClient.create_from_dial_options(opts, emulator.app_url)

    viam = await connect(DialOptions.with_api_key(boot.api_key, boot.api_key_id))
    env = Env("async", emulator, viam, _await, connect)
    try:
        yield env
    finally:
        for client in [viam, *env._extra]:
            client.close()


@pytest.fixture
def sync_env(emulator_thread: Emulator) -> Iterator[Env]:
    boot = emulator_thread.bootstrap

    async def connect(opts: DialOptions) -> viam_sdk.sync.ViamClient:
        return viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url)

    viam = viam_sdk.sync.ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emulator_thread.app_url
    )
    env = Env("sync", emulator_thread, viam, _identity, connect)
    try:
        yield env
    finally:
        for client in [viam, *env._extra]:
            with contextlib.suppress(Exception):
                client.close()


@pytest.fixture(params=["async", "sync"])
def env(request: pytest.FixtureRequest) -> Env:
    return request.getfixturevalue(f"{request.param}_env")
