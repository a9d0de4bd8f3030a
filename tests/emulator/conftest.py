"""Fixtures for the emulator's own tests: channels and stubs over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from grpclib.client import Channel

from viam_sdk.testing import Emulator


@pytest_asyncio.fixture
async def channel(emulator: Emulator) -> AsyncIterator[Channel]:
    chan = Channel(emulator.host, emulator.port)
    try:
        yield chan
    finally:
        chan.close()
