"""Pytest fixtures running a fresh in-memory emulator per test.

Enable with ``pytest_plugins = ["viam_sdk.testing.pytest_plugin"]`` in a conftest.

* ``emulator`` -- async fixture (needs pytest-asyncio): a running
  :class:`Emulator` on the test's event loop;
* ``emulator_thread`` -- sync fixture: the same on its own thread and loop, for
  blocking clients.

Example::

    async def test_org_exists(emulator):
        assert emulator.bootstrap.org_id
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from .server import Emulator


@pytest.fixture
def emulator_thread() -> Iterator[Emulator]:
    with Emulator.in_thread() as emu:
        yield emu


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as emu:
        yield emu
