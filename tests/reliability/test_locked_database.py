"""Issue 11 item 5: a database locked by someone else answers UNAVAILABLE, not UNKNOWN.

Another connection (here: a second SQLite connection, as another process
would hold it) takes the write lock with BEGIN IMMEDIATE; a write RPC waits
for the emulator's busy timeout, then answers UNAVAILABLE saying so.  Reads go
on meanwhile (WAL), and once the lock is gone the same write succeeds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    AppServiceStub,
    CreateLocationRequest,
    GetOrganizationRequest,
    ListLocationsRequest,
)

from viam_sdk.testing import Emulator


async def test_a_write_behind_a_foreign_lock_is_unavailable_then_succeeds(tmp_path: Path) -> None:
    db = tmp_path / "fleet.db"
    async with Emulator(db=str(db), busy_timeout=0.2) as emu:
        channel = Channel(emu.host, emu.port)
        try:
            app = AppServiceStub(channel, metadata=emu.auth_metadata())
            org_id = emu.bootstrap.org_id
            other = sqlite3.connect(db, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            try:
                try:
                    await app.create_location(CreateLocationRequest(organization_id=org_id, name="Blocked"))
                except GRPCError as exc:
                    assert exc.status is Status.UNAVAILABLE, exc
                    assert "locked" in str(exc.message) and "retry" in str(exc.message)
                else:
                    raise AssertionError("a write went through while another connection held the lock")
                # reads are not blocked by a writer under WAL
                assert (await app.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
            finally:
                other.execute("ROLLBACK")
                other.close()
            created = (await app.create_location(CreateLocationRequest(organization_id=org_id, name="Later"))).location
            assert created is not None
            names = [loc.name for loc in (await app.list_locations(ListLocationsRequest(organization_id=org_id))).locations]
            assert names == ["Later"]  # the refused write left nothing behind
        finally:
            channel.close()
