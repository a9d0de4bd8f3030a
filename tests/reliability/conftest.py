"""Fixtures of the reliability suite: a raw channel to the emulator and figures for the report."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from grpclib.client import Channel

from viam_sdk.testing import Emulator

from ._raw import raw_channel

#: Figures the tests measure, printed at the end of the session by tests/conftest.py.
FIGURES: dict[str, str] = {}


@pytest_asyncio.fixture
async def raw(emulator: Emulator) -> AsyncIterator[Channel]:
    channel = raw_channel(emulator.host, emulator.port)
    try:
        yield channel
    finally:
        channel.close()


def pytest_viam_figures() -> dict[str, dict[str, str]]:
    """The figures measured above, for tests/conftest.py to print (also from pytest-xdist workers)."""
    return {"reliability figures": dict(FIGURES)}
