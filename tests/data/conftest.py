"""Fixtures for the data-plane tests: a connected ViamClient and machine parts to upload as.

Parts are created straight in the emulator's store (one location, machine and
part per call): the fleet API is tested elsewhere, and this keeps these tests
independent of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from viam_sdk.app.data_client import DataClient
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator
from viam_sdk.testing.backends.locations import LocationsBackend
from viam_sdk.testing.backends.machines import RobotsBackend

# The generated layer warns on every deprecated message it builds or parses
# (TabularData, BinaryID, TagsByFilter, ...).  Those warnings are the
# generated layer's business and tested there; here they would only bury the
# output.  Tests that check a warning use pytest.warns, which sees it anyway.
DEPRECATION_NOISE = r"ignore:.*viam\.app\.data\.v1.*is deprecated:DeprecationWarning"


@dataclass(frozen=True)
class Part:
    org_id: str
    location_id: str
    robot_id: str
    robot_name: str
    part_id: str
    part_name: str


def make_part(emu: Emulator, org_id: str | None = None, name: str = "rover") -> Part:
    """A new location, machine and part in ``org_id`` (default: the bootstrap org)."""
    ctx = emu.context
    org = org_id or ctx.bootstrap.org_id
    loc = ctx.new_id()
    LocationsBackend(ctx).create(org, f"{name}-site", "", location_id=loc, created_at=ctx.now_iso())
    robot, part = RobotsBackend(ctx).create_robot(loc, name)
    return Part(org, loc, robot, name, part, f"{name}-main")


async def connect(emu: Emulator, api_key: str | None = None, api_key_id: str | None = None) -> ViamClient:
    boot = emu.bootstrap
    options = DialOptions.with_api_key(api_key or boot.api_key, api_key_id or boot.api_key_id)
    return await ViamClient.create_from_dial_options(options, app_url=emu.app_url)


@pytest_asyncio.fixture
async def viam(emulator: Emulator) -> AsyncIterator[ViamClient]:
    client = await connect(emulator)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def data(viam: ViamClient) -> DataClient:
    return viam.data_client


@pytest.fixture
def part(emulator: Emulator) -> Part:
    return make_part(emulator)


@pytest.fixture
def thread_part(emulator_thread: Emulator) -> Iterator[Part]:
    yield make_part(emulator_thread)
