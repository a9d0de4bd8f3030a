"""The emulator core: bootstrap, Authenticate, tokens, in-thread mode, persistence."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api._runtime import SyncChannel
from viam_api.app.v1 import AppServiceStub, GetOrganizationRequest
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, AuthServiceSyncStub, Credentials

from viam_sdk.testing import Emulator, Store


async def test_bootstrap_key_is_a_uuid_and_hidden_from_repr(emulator: Emulator) -> None:
    boot = emulator.bootstrap
    assert str(uuid.UUID(boot.api_key_id)) == boot.api_key_id
    assert boot.api_key and boot.api_key not in repr(boot)
    assert emulator.address == f"127.0.0.1:{emulator.port}" and emulator.port > 0
    assert emulator.app_url == f"http://127.0.0.1:{emulator.port}"


async def test_authenticate_with_api_key(emulator: Emulator, channel: Channel) -> None:
    boot = emulator.bootstrap
    auth = AuthServiceStub(channel)
    resp = await auth.authenticate(
        AuthenticateRequest(
            entity=boot.api_key_id, credentials=Credentials(type="api-key", payload=boot.api_key)
        )
    )
    assert resp.access_token
    assert resp.access_token not in repr(emulator.store.all("SELECT * FROM access_tokens"))


async def test_authenticate_rejects_a_wrong_key_without_echoing_it(
    emulator: Emulator, channel: Channel
) -> None:
    auth = AuthServiceStub(channel)
    with pytest.raises(GRPCError) as err:
        await auth.authenticate(
            AuthenticateRequest(
                entity=emulator.bootstrap.api_key_id,
                credentials=Credentials(type="api-key", payload="nope-secret"),
            )
        )
    assert err.value.status is Status.UNAUTHENTICATED
    assert "nope-secret" not in str(err.value.message)


async def test_authenticate_rejects_an_unknown_credential_type(emulator: Emulator, channel: Channel) -> None:
    auth = AuthServiceStub(channel)
    with pytest.raises(GRPCError) as err:
        await auth.authenticate(
            AuthenticateRequest(entity="x", credentials=Credentials(type="password", payload="p"))
        )
    assert err.value.status is Status.INVALID_ARGUMENT
    assert "password" in str(err.value.message)


async def test_calls_without_a_token_are_unauthenticated(emulator: Emulator, channel: Channel) -> None:
    for metadata in (None, {"authorization": "Bearer not-a-token"}, {"authorization": "Basic abc"}):
        stub = AppServiceStub(channel, metadata=metadata)
        with pytest.raises(GRPCError) as err:
            await stub.get_organization(GetOrganizationRequest(organization_id=emulator.bootstrap.org_id))
        assert err.value.status is Status.UNAUTHENTICATED


def test_in_thread_serves_blocking_clients(emulator_thread: Emulator) -> None:
    boot = emulator_thread.bootstrap
    with SyncChannel(emulator_thread.host, emulator_thread.port) as chan:
        resp = AuthServiceSyncStub(chan).authenticate(
            AuthenticateRequest(
                entity=boot.api_key_id, credentials=Credentials(type="api-key", payload=boot.api_key)
            )
        )
    assert resp.access_token


async def test_restart_on_the_same_file_keeps_the_bootstrap(tmp_path: Path) -> None:
    db = str(tmp_path / "fleet.db")
    async with Emulator(db=db) as first:
        boot = first.bootstrap
    async with Emulator(db=db) as second:
        # The same org and key; the key itself is stored hashed, so only its first caller knows it.
        assert (second.bootstrap.org_id, second.bootstrap.api_key_id) == (boot.org_id, boot.api_key_id)
        assert second.bootstrap.api_key == ""
        chan = Channel(second.host, second.port)
        try:
            resp = await AuthServiceStub(chan).authenticate(
                AuthenticateRequest(
                    entity=boot.api_key_id, credentials=Credentials(type="api-key", payload=boot.api_key)
                )
            )
        finally:
            chan.close()
        assert resp.access_token


def test_store_transaction_rolls_back_on_error() -> None:
    store = Store()
    with pytest.raises(RuntimeError):
        with store.transaction() as db:
            db.execute("INSERT INTO emulator_meta VALUES ('a', '1')")
            raise RuntimeError("boom")
    assert store.one("SELECT * FROM emulator_meta WHERE key = 'a'") is None
    with store.transaction() as db:
        db.execute("INSERT INTO emulator_meta VALUES ('b', '2')")
        with pytest.raises(ValueError):
            with store.transaction() as inner:
                inner.execute("INSERT INTO emulator_meta VALUES ('c', '3')")
                raise ValueError("inner")
    assert [r["key"] for r in store.all("SELECT key FROM emulator_meta WHERE key IN ('b','c')")] == ["b"]


def test_location_addresses_name_their_location() -> None:
    from viam_sdk.testing.services.auth import location_id_from_entity

    assert location_id_from_entity("rover-main.abc123.viam.cloud") == "abc123"
    assert location_id_from_entity("rover-main.abc123.local.viam.cloud") == "abc123"
    assert location_id_from_entity("abc123") == "abc123"


def test_blocking_stubs_drive_a_threaded_emulator(emulator_thread: Emulator) -> None:
    from viam_api.app.v1 import (
        AppServiceSyncStub,
        CreateLocationRequest,
        ListLocationsRequest,
        NewRobotRequest,
    )

    org_id = emulator_thread.bootstrap.org_id
    with SyncChannel(emulator_thread.host, emulator_thread.port) as chan:
        app = AppServiceSyncStub(chan, metadata=emulator_thread.auth_metadata())
        loc = app.create_location(CreateLocationRequest(organization_id=org_id, name="Thread lab")).location
        assert loc is not None
        app.new_robot(NewRobotRequest(name="spinner", location=loc.id))
        listed = app.list_locations(ListLocationsRequest(organization_id=org_id)).locations
    assert [(x.name, x.robot_count) for x in listed] == [("Thread lab", 1)]
    # The store is readable from the test's own thread too.
    assert emulator_thread.store.one("SELECT COUNT(*) AS n FROM robots")["n"] == 1  # type: ignore[index]
