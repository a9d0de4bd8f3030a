"""Pytest fixtures running a fresh in-memory emulator per test.

Enable with ``pytest_plugins = ["viam_sdk.testing.pytest_plugin"]`` in a
``conftest.py`` (install the ``testing`` extra for pytest and pytest-asyncio).

* ``emulator_thread``: a running ``Emulator`` on its own thread and event
  loop, for blocking clients (``viam_sdk.sync``).  Needs only pytest.
* ``emulator``: the same on the test's own event loop, for the async clients.
  Needs pytest-asyncio, in any ``asyncio_mode``: an ``async def`` test that asks
  for ``emulator`` is run on an event loop without an ``asyncio`` marker or
  ``asyncio_mode = "auto"``.
* ``shared_emulator``: one emulator for the whole session (on its own thread,
  so blocking and async clients both reach it), reset to its bootstrap state
  (``Emulator.reset()``, and its fault rules cleared) before each test that asks
  for it: the same address and bootstrap credentials, nothing else.  Faster than a fresh emulator per
  test when a suite has many small tests.  ``emulator_session`` is the same
  emulator without the reset (state shared across tests, on purpose).

Example (a complete test module):

```python
import viam_sdk.sync
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc.dial import DialOptions


async def test_a_new_location_is_listed(emulator):
    boot = emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, emulator.app_url) as viam:
        made = await viam.app_client.create_location(boot.org_id, "Depot")
        assert made.id in {loc.id for loc in await viam.app_client.list_locations(boot.org_id)}


def test_the_blocking_client(emulator_thread):
    boot = emulator_thread.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, emulator_thread.app_url) as viam:
        assert [o.id for o in viam.app_client.list_organizations()] == [boot.org_id]
```
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest

from .server import Emulator

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    pytest_asyncio = None  # type: ignore[assignment]

ASYNC_FIXTURE = "emulator"
#: Fixtures whose ``async def`` tests are put on an event loop without a marker.
ASYNC_FIXTURES = frozenset({ASYNC_FIXTURE, "shared_emulator"})


@pytest.fixture
def emulator_thread() -> Iterator[Emulator]:
    with Emulator.in_thread() as emu:
        yield emu


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[Emulator]:
    """One emulator for the session, on its own thread; its state is never reset (see ``shared_emulator``)."""
    with Emulator.in_thread() as emu:
        yield emu


@pytest.fixture
def shared_emulator(emulator_session: Emulator) -> Emulator:
    """The session's emulator, emptied back to its bootstrap organization and key, without faults, before the test."""
    emulator_session.reset()
    emulator_session.faults.clear()  # a rule an earlier test set does not fire in this one
    return emulator_session


if pytest_asyncio is not None:

    @pytest_asyncio.fixture(loop_scope="function")
    async def emulator() -> AsyncIterator[Emulator]:
        async with Emulator() as emu:
            yield emu

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Generator[None, Any, None]:
        # Innermost wrapper: the asyncio marker is on the items before pytest-asyncio
        # (an outer wrapper) decides which of them to run on an event loop.
        outcome = yield
        if not inspect.iscoroutinefunction(obj):
            return
        result = outcome.get_result()
        for item in result if isinstance(result, list) else [result]:
            wants = isinstance(item, pytest.Function) and not ASYNC_FIXTURES.isdisjoint(item.fixturenames)
            if wants and item.get_closest_marker("asyncio") is None:
                item.add_marker(pytest.mark.asyncio)

else:

    @pytest.fixture
    def emulator() -> Emulator:
        raise pytest.UsageError(
            "the async `emulator` fixture needs pytest-asyncio: pip install pytest-asyncio "
            "(the blocking `emulator_thread` fixture works without it)"
        )
