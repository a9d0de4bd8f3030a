"""Fixtures of the reliability suite: a raw channel to the emulator and figures for the report."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from grpclib.client import Channel

from viam_sdk.testing import Emulator

from ._raw import raw_channel

#: Figures the tests measure, printed at the end of the session (the issue's closing note needs them).
FIGURES: dict[str, str] = {}


@pytest_asyncio.fixture
async def raw(emulator: Emulator) -> AsyncIterator[Channel]:
    channel = raw_channel(emulator.host, emulator.port)
    try:
        yield channel
    finally:
        channel.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the issue's closing note asks for (measured by the tests above)."""
    if FIGURES:
        terminalreporter.write_line("reliability figures:")
        for name, text in FIGURES.items():
            terminalreporter.write_line(f"  {name}: {text}")
