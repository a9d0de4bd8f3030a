"""What the emulator keeps between calls (``Store.memo``) never outlives a change of the database.

The token check, the access checks and a few hot lookups answer from values kept
until the database next changes.  These tests change it every way there is --
through the API on the very connection that used the kept values, through the
store directly, through another connection to the same file -- and check that
the next call sees the change; and that the clock, not the database, ends a
token's life.  Last, a unary call leaves no reference cycle behind (each one made
the garbage collector work for every call).
"""

from __future__ import annotations

import gc
import sqlite3
from pathlib import Path

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    Authorization,
    CreateKeyRequest,
    CreateLocationRequest,
    DeleteKeyRequest,
    GetOrganizationRequest,
    ListLocationsRequest,
    RemoveRoleRequest,
    UpdateOrganizationRequest,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.backends import credentials
from viam_sdk.testing.store import MEMO_ENTRIES, Store

from ._helpers import raises_status, token_metadata


def _owner_of(org_id: str, key_id: str = "") -> Authorization:
    return Authorization(
        authorization_type="role",
        authorization_id="organization_owner",
        resource_type="organization",
        resource_id=org_id,
        organization_id=org_id,
        identity_id=key_id,
        identity_type="api-key",
    )


# -- Store.memo itself -------------------------------------------------------------------------


class _Counting:
    """A compute function that counts its runs and reads the one row of table t."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.runs = 0

    def __call__(self) -> str | None:
        self.runs += 1
        row = self.store.one("SELECT v FROM t WHERE k = 'a'")
        return None if row is None else str(row["v"])


def _table(store: Store) -> None:
    store.execute_schema("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)")
    with store.transaction() as db:
        db.execute("INSERT INTO t VALUES ('a', 'one')")


def test_a_kept_value_is_reused_until_a_row_changes() -> None:
    store = Store()
    _table(store)
    read = _Counting(store)
    assert store.memo("k", read) == "one" and store.memo("k", read) == "one"
    assert read.runs == 1
    with store.transaction() as db:
        db.execute("UPDATE t SET v = 'two'")
    assert store.memo("k", read) == "two"
    assert read.runs == 2
    # A write straight on the connection, outside transaction(), counts as well.
    store.db.execute("UPDATE t SET v = 'three'")
    assert store.memo("k", read) == "three"
    # So does a schema change (no row is counted for it).
    store.execute_schema("CREATE TABLE IF NOT EXISTS u (x)")
    assert store.memo("k", read) == "three"
    assert read.runs == 4


def test_nothing_is_kept_or_reused_inside_a_transaction() -> None:
    store = Store()
    _table(store)
    read = _Counting(store)
    assert store.memo("k", read) == "one"
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.execute("UPDATE t SET v = 'uncommitted'")
        assert store.memo("k", read) == "uncommitted"  # the transaction's own view, not the kept value
        raise RuntimeError("roll back")
    assert store.memo("k", read) == "one"  # the rolled-back value was never kept
    assert read.runs == 3


def test_a_compute_that_writes_keeps_nothing_and_the_memo_is_bounded() -> None:
    store = Store()
    _table(store)

    def writes() -> int:
        store.db.execute("UPDATE t SET v = v || '+'")
        return 1

    store.memo("w", writes)
    store.memo("w", writes)
    assert store.one("SELECT v FROM t")["v"] == "one++"  # type: ignore[index]
    for i in range(MEMO_ENTRIES + 10):
        store.memo(("n", i), int)
    assert len(store._memo) <= MEMO_ENTRIES


def test_a_commit_by_another_connection_to_the_file_is_seen(tmp_path: Path) -> None:
    path = str(tmp_path / "memo.db")
    store = Store(path)
    _table(store)
    read = _Counting(store)
    assert store.memo("k", read) == "one"
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("UPDATE t SET v = 'theirs'")
    finally:
        other.close()
    assert store.memo("k", read) == "theirs"
    store.close()


# -- through the API, on one open connection -----------------------------------------------------


async def _new_owner_key(app: AppServiceStub, channel: Channel, org_id: str, name: str) -> tuple[str, AppServiceStub]:
    """A new owner key of ``org_id``: its id and a stub calling with a token it was traded for."""
    made = await app.create_key(CreateKeyRequest(authorizations=[_owner_of(org_id)], name=name))
    return made.id, AppServiceStub(channel, metadata=await token_metadata(channel, made.id, "api-key", made.key))


async def test_a_deleted_key_is_refused_on_the_connection_that_just_used_it(
    emulator: Emulator, app: AppServiceStub, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    key_id, doomed = await _new_owner_key(app, channel, org_id, "doomed")
    for _ in range(3):  # its token and its role are kept after the first of these
        assert (await doomed.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
        await doomed.list_locations(ListLocationsRequest(organization_id=org_id))
    await app.delete_key(DeleteKeyRequest(id=key_id))
    with raises_status(Status.UNAUTHENTICATED, "not valid"):
        await doomed.get_organization(GetOrganizationRequest(organization_id=org_id))
    with raises_status(Status.UNAUTHENTICATED, "not valid"):
        await doomed.list_locations(ListLocationsRequest(organization_id=org_id))


async def test_a_removed_role_is_refused_on_the_connection_that_just_used_it(
    emulator: Emulator, app: AppServiceStub, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    key_id, stub = await _new_owner_key(app, channel, org_id, "demoted")
    assert (await stub.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
    await app.remove_role(RemoveRoleRequest(authorization=_owner_of(org_id, key_id)))
    # The token is still good (the key exists); the role it reached the organization with is gone.
    with raises_status(Status.PERMISSION_DENIED, org_id):
        await stub.get_organization(GetOrganizationRequest(organization_id=org_id))


async def test_answers_follow_every_change_made_between_calls(
    emulator: Emulator, app: AppServiceStub
) -> None:
    org_id = emulator.bootstrap.org_id
    assert [x.name for x in (await app.list_locations(ListLocationsRequest(organization_id=org_id))).locations] == []
    await app.create_location(CreateLocationRequest(organization_id=org_id, name="first"))
    assert [x.name for x in (await app.list_locations(ListLocationsRequest(organization_id=org_id))).locations] == [
        "first"
    ]
    await app.update_organization(UpdateOrganizationRequest(organization_id=org_id, name="renamed"))
    got = (await app.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
    assert got is not None and got.name == "renamed"
    # A change made in-process, straight on the store (as a test or the dashboard may), is seen too.
    with emulator.store.transaction() as db:
        db.execute("UPDATE organizations SET name = 'by hand' WHERE id = ?", (org_id,))
    got = (await app.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
    assert got is not None and got.name == "by hand"


async def test_a_revocation_committed_by_another_process_is_refused_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    async with Emulator(path) as emu:
        channel = Channel(emu.host, emu.port)
        try:
            boot = emu.bootstrap
            made = await AppServiceStub(channel, metadata=emu.auth_metadata()).create_key(
                CreateKeyRequest(authorizations=[_owner_of(boot.org_id)], name="elsewhere")
            )
            stub = AppServiceStub(channel, metadata=await token_metadata(channel, made.id, "api-key", made.key))
            org = GetOrganizationRequest(organization_id=boot.org_id)
            assert (await stub.get_organization(org)).organization
            assert (await stub.get_organization(org)).organization
            # Another process (here: another connection to the file) renames the organization,
            # then revokes the key's tokens; the emulator's next answers show both.
            other = sqlite3.connect(path, isolation_level=None, timeout=5)
            try:
                other.execute("UPDATE organizations SET name = 'theirs' WHERE id = ?", (boot.org_id,))
                got = (await stub.get_organization(org)).organization
                assert got is not None and got.name == "theirs"
                other.execute("DELETE FROM access_tokens WHERE credential_id = ?", (made.id,))
            finally:
                other.close()
            with raises_status(Status.UNAUTHENTICATED, "not valid"):
                await stub.get_organization(org)
        finally:
            channel.close()


async def test_a_kept_token_still_expires_by_the_clock(
    emulator: Emulator, channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    boot = emulator.bootstrap
    stub = AppServiceStub(channel, metadata=await token_metadata(channel, boot.api_key_id, "api-key", boot.api_key))
    org = GetOrganizationRequest(organization_id=boot.org_id)
    assert (await stub.get_organization(org)).organization
    assert (await stub.get_organization(org)).organization  # answered from the kept token row
    later = credentials.time.time() + emulator.token_ttl + 1  # type: ignore[operator]
    monkeypatch.setattr(credentials.time, "time", lambda: later)
    with raises_status(Status.UNAUTHENTICATED, "expired"):
        await stub.get_organization(org)


# -- no garbage cycles per call ----------------------------------------------------------------


async def test_a_unary_call_leaves_no_reference_cycle_on_the_server(emulator: Emulator, app: AppServiceStub) -> None:
    import grpclib.server

    org = GetOrganizationRequest(organization_id=emulator.bootstrap.org_id)
    await app.get_organization(org)  # warm: the kept values, the connection
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            await app.get_organization(org)
            await app.list_locations(ListLocationsRequest(organization_id=org.organization_id))
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, grpclib.server.Stream)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    # Before: every call's server stream (with its peer, metadata and request) waited for the
    # collector, held in a cycle by the wrappers the limits and the route guard set on it.
    assert left == []
