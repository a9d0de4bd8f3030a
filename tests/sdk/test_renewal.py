"""Access-token renewal against real expiry (the emulator's ``token_ttl``), and the log tail's subscription.

The emulator refuses an expired token with UNAUTHENTICATED ("the access token
has expired"); the SDK authenticates again with the same credentials, once,
and repeats the call.  The renewals are counted on the client's session.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from grpclib.const import Status
from viam_api.app.v1 import ListOrganizationsRequest
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

import viam_sdk.sync
from viam_sdk import errors
from viam_sdk.app.app_client import APIKeyAuthorization
from viam_sdk.app.viam_client import ViamClient
from viam_sdk.rpc._session import AuthSession
from viam_sdk.rpc.dial import DialOptions
from viam_sdk.testing import Emulator

from .conftest import Env, log, push_logs

# Long enough that no token expires by itself during a test, however slow the machine;
# the tests end the lifetimes with Emulator.expire_tokens() (a real expiry on the server).
TTL = 300.0


def _session(viam: ViamClient) -> AuthSession:
    session = viam._metadata
    assert isinstance(session, AuthSession)
    return session


@pytest_asyncio.fixture
async def short_lived() -> AsyncIterator[Emulator]:
    async with Emulator(token_ttl=TTL) as emu:
        yield emu


async def _connect(emu: Emulator) -> ViamClient:
    boot = emu.bootstrap
    return await ViamClient.create_from_dial_options(
        DialOptions.with_api_key(boot.api_key, boot.api_key_id), emu.app_url
    )


async def _expire(emu: Emulator) -> None:
    assert emu.expire_tokens() > 0


async def test_the_emulator_refuses_an_expired_token_as_expired(short_lived: Emulator) -> None:
    from grpclib.client import Channel
    from grpclib.exceptions import GRPCError
    from viam_api.app.v1 import AppServiceStub

    channel = Channel(short_lived.host, short_lived.port)
    try:
        boot = short_lived.bootstrap
        token = await AuthServiceStub(channel).authenticate(
            AuthenticateRequest(entity=boot.api_key_id, credentials=Credentials(type="api-key", payload=boot.api_key))
        )
        app = AppServiceStub(channel, metadata={"authorization": f"Bearer {token.access_token}"})
        assert (await app.list_organizations(ListOrganizationsRequest())).organizations
        await _expire(short_lived)
        with pytest.raises(GRPCError) as refused:
            await app.list_organizations(ListOrganizationsRequest())
        assert refused.value.status is Status.UNAUTHENTICATED
        assert "expired" in (refused.value.message or "")
        assert token.access_token not in str(refused.value.message)
    finally:
        channel.close()


async def test_an_expired_token_is_renewed_once_and_the_call_repeated(short_lived: Emulator) -> None:
    async with await _connect(short_lived) as viam:
        session = _session(viam)
        fleet = viam.app_client
        before = dict(session)
        assert [o.id for o in await fleet.list_organizations()] == [short_lived.bootstrap.org_id]
        assert session.renewals == 0

        await _expire(short_lived)
        assert [o.id for o in await fleet.list_organizations()] == [short_lived.bootstrap.org_id]
        assert session.renewals == 1
        assert session.policy.stats.renewed_calls == 1
        assert dict(session) != before  # the header was swapped in place ...
        # ... and every client of the connection uses it: no second renewal.
        await viam.data_client.list_datasets_by_organization_id(short_lived.bootstrap.org_id)
        assert session.renewals == 1


async def test_calls_meeting_one_expiry_together_share_one_renewal(short_lived: Emulator) -> None:
    async with await _connect(short_lived) as viam:
        session = _session(viam)
        fleet = viam.app_client
        await fleet.list_organizations()
        await _expire(short_lived)
        results = await asyncio.gather(*(fleet.list_organizations() for _ in range(6)))
        assert all(len(orgs) == 1 for orgs in results)
        assert session.renewals == 1
        assert session.policy.stats.renewed_calls >= 1


async def test_a_refused_renewal_raises_unauthenticated_and_does_not_loop(short_lived: Emulator) -> None:
    async with await _connect(short_lived) as viam:
        session = _session(viam)
        fleet = viam.app_client
        org_id = short_lived.bootstrap.org_id
        # A second key to connect with; deleting it leaves the owner key alone.
        grant = APIKeyAuthorization(role="owner", resource_type="organization", resource_id=org_id)
        key, key_id = await fleet.create_key(org_id, [grant], "short-lived")
        other = await ViamClient.create_from_dial_options(DialOptions.with_api_key(key, key_id), short_lived.app_url)
        try:
            await fleet.delete_key(key_id)
            await _expire(short_lived)
            with pytest.raises(errors.Unauthenticated) as refused:
                await other.app_client.list_organizations()
            assert key not in str(refused.value)
            # Deleting the key revoked its token (refused as not valid, not as expired):
            # renewing could not help, so none is tried.
            assert "not valid" in str(refused.value)
            assert _session(other).renewals == 0
            assert _session(other).policy.stats.renewed_calls == 0
        finally:
            other.close()
        assert session.renewals <= 1


async def test_a_log_tail_keeps_going_across_an_expiry_and_a_new_one_renews(short_lived: Emulator) -> None:
    async with await _connect(short_lived) as viam:
        session = _session(viam)
        fleet = viam.app_client
        location = await fleet.create_location(short_lived.bootstrap.org_id, "depot")
        robot_id = await fleet.new_robot("tailed", location_id=location.id)
        part = (await fleet.get_robot_parts(robot_id))[0]
        secret = part.secrets[0].secret

        stream = await fleet.tail_robot_part_logs(part.id, errors_only=False)
        await push_logs(short_lived.address, part.id, secret, [log("before expiry")])
        assert [e.message for e in await stream.next()] == ["before expiry"]
        await _expire(short_lived)
        await push_logs(short_lived.address, part.id, secret, [log("after expiry")])
        assert [e.message for e in await stream.next()] == ["after expiry"]
        assert session.renewals == 0  # the open stream needed none
        await stream.close()

        # A stream opened with the expired token is refused, renewed and opened again.
        again = await fleet.tail_robot_part_logs(part.id, errors_only=False)
        assert session.renewals == 1
        await push_logs(short_lived.address, part.id, secret, [log("renewed")])
        assert [e.message for e in await again.next()] == ["renewed"]
        await again.close()


def test_the_blocking_client_renews_too() -> None:
    with Emulator.in_thread(token_ttl=TTL) as emu:
        boot = emu.bootstrap
        with viam_sdk.sync.ViamClient.create_from_dial_options(
            DialOptions.with_api_key(boot.api_key, boot.api_key_id), emu.app_url
        ) as viam:
            fleet = viam.app_client
            assert len(fleet.list_organizations()) == 1
            assert emu.expire_tokens() > 0
            assert len(fleet.list_organizations()) == 1
            assert viam._impl._metadata.renewals == 1


async def test_tail_robot_part_logs_is_subscribed_when_it_returns(env: Env) -> None:
    """An entry pushed right after the call returns, before any read, is delivered."""
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "tail-site"))
    robot_id = await aw(fleet.new_robot("tail-early", location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    secret = part.secrets[0].secret

    stream = await aw(fleet.tail_robot_part_logs(part.id, errors_only=False))
    await push_logs(env.emulator.address, part.id, secret, [log("pushed before the first read")])
    first = env.next_batch_in_background(stream)
    await env.wait_for_tail(part.id)
    await push_logs(env.emulator.address, part.id, secret, [log("pushed once reading")])
    batch = await first()
    assert [e.message for e in batch] == ["pushed before the first read"]
    await aw(stream.close())


async def test_an_upload_after_expiry_is_renewed_and_arrives_whole(short_lived: Emulator, tmp_path: Path) -> None:
    """A client stream refused at its start is sent again from the messages kept for that."""
    async with await _connect(short_lived) as viam:
        session = _session(viam)
        fleet, data = viam.app_client, viam.data_client
        location = await fleet.create_location(short_lived.bootstrap.org_id, "uploads")
        robot_id = await fleet.new_robot("uploader", location_id=location.id)
        part = (await fleet.get_robot_parts(robot_id))[0]
        payload = os.urandom(600_000)  # ten chunks: the whole stream fits what is kept for a replay
        path = tmp_path / "blob.bin"
        path.write_bytes(payload)

        await _expire(short_lived)
        file_id = await data.file_upload_from_path(str(path), part.id)
        assert session.renewals == 1
        (stored,) = await data.binary_data_by_ids([file_id])
        assert stored.binary == payload


def test_token_ttl_is_an_emulator_argument_and_a_serve_option() -> None:
    from viam_sdk.testing.__main__ import _parser

    assert _parser().parse_args(["serve", "--token-ttl", "2.5"]).token_ttl == 2.5
    assert _parser().parse_args(["serve"]).token_ttl == 3600
    for bad in ("soon", "0", "-3"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["serve", "--token-ttl", bad])
    with pytest.raises(ValueError, match=r"token_ttl=-1"):
        Emulator(token_ttl=-1)
    assert Emulator(token_ttl=30).token_ttl == 30
