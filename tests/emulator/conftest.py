"""Fixtures for the emulator's own tests: generated stubs over a loopback channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from grpclib.client import Channel
from viam_api.app.v1 import (
    AppServiceStub,
    CreateLocationRequest,
    GetRobotPartsRequest,
    NewRobotRequest,
)

from viam_sdk.testing import Emulator

from ._helpers import Fleet


@pytest_asyncio.fixture
async def channel(emulator: Emulator) -> AsyncIterator[Channel]:
    chan = Channel(emulator.host, emulator.port)
    try:
        yield chan
    finally:
        chan.close()


@pytest.fixture
def app(emulator: Emulator, channel: Channel) -> AppServiceStub:
    """AppService stub authenticated as the bootstrap owner key."""
    return AppServiceStub(channel, metadata=emulator.auth_metadata())


@pytest_asyncio.fixture
async def fleet(emulator: Emulator, app: AppServiceStub) -> Fleet:
    """One location holding one machine (with its main part) in the bootstrap org."""
    org_id = emulator.bootstrap.org_id
    loc = (await app.create_location(CreateLocationRequest(organization_id=org_id, name="Lab"))).location
    assert loc is not None and loc.auth is not None
    robot_id = (await app.new_robot(NewRobotRequest(name="rover", location=loc.id))).id
    parts = (await app.get_robot_parts(GetRobotPartsRequest(robot_id=robot_id))).parts
    return Fleet(org_id, loc.id, robot_id, parts[0].id, parts[0].secret, loc.auth.secrets[0].secret)
