"""Issue 22 item 2: ``Emulator.reset()`` and the ``shared_emulator`` fixture.

A reset empties every table back to the bootstrap organization and key as they
were at start, in one transaction; the address, the bootstrap credentials and
the clients signed in with them carry on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import viam_sdk.sync
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.errors import ViamError
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator, MachinePart
from viam_sdk.testing.snapshot import dump_state

from .test_snapshots import _populate

BOOTSTRAP_TABLES = {"emulator_meta", "organizations", "api_keys", "api_key_authorizations"}


def _non_empty(emu: Emulator) -> dict[str, int]:
    return {name: len(t["rows"]) for name, t in dump_state(emu.store)["tables"].items() if t["rows"]}


async def test_reset_empties_everything_but_the_bootstrap_and_connected_clients_carry_on() -> None:
    async with Emulator() as emu:
        boot = emu.bootstrap
        fresh = dump_state(emu.store)["tables"]
        opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
        async with await ViamClient.create_from_dial_options(opts, emu.app_url) as viam:
            made = await _populate(emu.app_url, boot.org_id, boot.api_key, boot.api_key_id)
            await viam.app_client.update_organization(boot.org_id, name="Renamed")
            assert len(_non_empty(emu)) > 10
            address = emu.address

            emu.reset()

            assert emu.address == address and emu.bootstrap == boot
            assert set(_non_empty(emu)) == BOOTSTRAP_TABLES
            tokens = emu.store.all("SELECT DISTINCT credential_id FROM access_tokens")
            assert [t[0] for t in tokens] == [boot.api_key_id]  # the client's token stays, the others go
            assert {k: v for k, v in dump_state(emu.store)["tables"].items() if k in BOOTSTRAP_TABLES} == {
                k: v for k, v in fresh.items() if k in BOOTSTRAP_TABLES
            }
            # The same client, without signing in again.
            assert await viam.app_client.list_locations(boot.org_id) == []
            assert (await viam.app_client.get_organization(boot.org_id)).name == "Emulator organization"
            again = await viam.app_client.create_location(boot.org_id, "Depot")
            assert [loc.id for loc in await viam.app_client.list_locations(boot.org_id)] == [again.id]
        # What the reset removed no longer opens anything.
        with pytest.raises(ViamError):
            gone = DialOptions.with_api_key(made.key, made.key_id)
            async with await ViamClient.create_from_dial_options(gone, emu.app_url) as other:
                await other.app_client.list_organizations()
        with pytest.raises(ViamError):
            async with await MachinePart.connect(emu.app_url, made.part_id, made.part_secret) as machine:
                await machine.check_in()


async def test_reset_of_a_database_file_keeps_the_bootstrap_of_that_file(tmp_path: Path) -> None:
    db = str(tmp_path / "fleet.db")
    async with Emulator(db=db) as first:
        boot = first.bootstrap
        await _populate(first.app_url, boot.org_id, boot.api_key, boot.api_key_id)
    async with Emulator(db=db) as second:
        second.reset()
        assert set(_non_empty(second)) == BOOTSTRAP_TABLES
        # The key the file was made with still works after the reset.
        opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
        async with await ViamClient.create_from_dial_options(opts, second.app_url) as viam:
            assert [o.id for o in await viam.app_client.list_organizations()] == [boot.org_id]


def test_reset_needs_a_running_emulator() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        Emulator().reset()


# -- the shared fixture: each test sees a fresh organization, whatever ran before ---------------


def test_shared_emulator_blocking_client(shared_emulator: Emulator) -> None:
    boot = shared_emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    with viam_sdk.sync.ViamClient.create_from_dial_options(opts, shared_emulator.app_url) as viam:
        viam.app_client.create_location(boot.org_id, "Depot")
        assert len(viam.app_client.list_locations(boot.org_id)) == 1


async def test_shared_emulator_async_client(shared_emulator: Emulator) -> None:
    boot = shared_emulator.bootstrap
    opts = DialOptions.with_api_key(boot.api_key, boot.api_key_id)
    async with await ViamClient.create_from_dial_options(opts, shared_emulator.app_url) as viam:
        await viam.app_client.create_location(boot.org_id, "Depot")
        assert len(await viam.app_client.list_locations(boot.org_id)) == 1


def test_shared_emulator_is_one_emulator(shared_emulator: Emulator, emulator_session: Emulator) -> None:
    assert shared_emulator is emulator_session and shared_emulator.running
    assert set(_non_empty(shared_emulator)) == BOOTSTRAP_TABLES


def test_shared_emulator_sets_a_fault(shared_emulator: Emulator) -> None:
    """A rule set here must not fire in the next test that asks for ``shared_emulator``."""
    shared_emulator.faults.add({"route": "*/ListLocations", "status": "UNAVAILABLE"})
    assert len(shared_emulator.faults) == 1


def test_shared_emulator_starts_without_faults(shared_emulator: Emulator) -> None:
    assert len(shared_emulator.faults) == 0
