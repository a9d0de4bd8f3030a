"""Issue 18 item 4: deleting a credential revokes what it issued, tokens expire, an organization keeps an owner.

Real emulators over loopback; every token is obtained through AuthService/Authenticate
as a client would.  The revocations are counted (``REVOKED``) for the closing figures.
"""

from __future__ import annotations

import asyncio

import pytest
from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AddRoleRequest,
    AppServiceStub,
    Authorization,
    ChangeRoleRequest,
    CreateKeyRequest,
    CreateLocationSecretRequest,
    CreateRobotPartSecretRequest,
    DeleteKeyRequest,
    DeleteLocationSecretRequest,
    DeleteRobotPartSecretRequest,
    GetOrganizationRequest,
    GetRobotPartRequest,
    LocationAuthRequest,
    NewRobotRequest,
    RemoveRoleRequest,
    RotateKeyRequest,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.__main__ import _parser
from viam_sdk.testing.backends import credentials
from viam_sdk.testing.backends.access import AccessBackend
from viam_sdk.testing.backends.orgs import OrgsBackend
from viam_sdk.testing.errors import FailedPrecondition
from viam_sdk.testing.server import DEFAULT_TOKEN_TTL

from ._helpers import Fleet, raises_status, token_metadata

#: What each revocation ended, for the report: case -> tokens refused afterwards.
REVOKED: dict[str, int] = {}


def _org_owner(org_id: str, identity_id: str, identity_type: str = "api-key", role: str = "owner") -> Authorization:
    return Authorization(
        authorization_type="role",
        authorization_id=f"organization_{role}",
        resource_type="organization",
        resource_id=org_id,
        organization_id=org_id,
        identity_id=identity_id,
        identity_type=identity_type,
    )


async def test_a_deleted_location_secret_revokes_its_tokens(
    app: AppServiceStub, channel: Channel, fleet: Fleet
) -> None:
    made = await app.create_location_secret(CreateLocationSecretRequest(location_id=fleet.location_id))
    assert made.auth is not None
    doomed = next(s for s in made.auth.secrets if s.secret != fleet.location_secret)
    issued = [await token_metadata(channel, fleet.location_id, "robot-location-secret", doomed.secret) for _ in range(2)]
    kept = await token_metadata(channel, fleet.location_id, "robot-location-secret", fleet.location_secret)
    by_secret = AppServiceStub(channel, metadata=issued[0])
    await by_secret.new_robot(NewRobotRequest(name="before", location=fleet.location_id))

    await app.delete_location_secret(DeleteLocationSecretRequest(location_id=fleet.location_id, secret_id=doomed.id))

    refused = 0
    for metadata in issued:
        with raises_status(Status.UNAUTHENTICATED, "not valid"):
            await AppServiceStub(channel, metadata=metadata).new_robot(
                NewRobotRequest(name="after", location=fleet.location_id)
            )
        refused += 1
    REVOKED["location secret"] = refused
    assert refused == 2
    # The location's other secret, and the tokens it issued, are untouched.
    assert (await AppServiceStub(channel, metadata=kept).new_robot(
        NewRobotRequest(name="still", location=fleet.location_id)
    )).id
    with raises_status(Status.UNAUTHENTICATED, "invalid credentials"):
        await token_metadata(channel, fleet.location_id, "robot-location-secret", doomed.secret)


async def test_a_deleted_part_secret_revokes_its_tokens(app: AppServiceStub, channel: Channel, fleet: Fleet) -> None:
    part = (await app.create_robot_part_secret(CreateRobotPartSecretRequest(part_id=fleet.part_id))).part
    assert part is not None
    doomed = next(s for s in part.secrets if s.secret != fleet.part_secret)
    issued = await token_metadata(channel, fleet.part_id, "robot-secret", doomed.secret)
    kept = await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    assert (await AppServiceStub(channel, metadata=issued).get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part

    await app.delete_robot_part_secret(DeleteRobotPartSecretRequest(part_id=fleet.part_id, secret_id=doomed.id))

    with raises_status(Status.UNAUTHENTICATED, "not valid"):
        await AppServiceStub(channel, metadata=issued).get_robot_part(GetRobotPartRequest(id=fleet.part_id))
    REVOKED["part secret"] = 1
    assert (await AppServiceStub(channel, metadata=kept).get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part


async def test_a_deleted_api_key_revokes_its_tokens(
    emulator: Emulator, app: AppServiceStub, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    made = await app.create_key(
        CreateKeyRequest(authorizations=[_org_owner(org_id, "")], name="short-lived")
    )
    issued = [await token_metadata(channel, made.id, "api-key", made.key) for _ in range(3)]
    stub = AppServiceStub(channel, metadata=issued[0])
    assert (await stub.get_organization(GetOrganizationRequest(organization_id=org_id))).organization

    await app.delete_key(DeleteKeyRequest(id=made.id))

    for metadata in issued:
        with raises_status(Status.UNAUTHENTICATED, "not valid"):
            await AppServiceStub(channel, metadata=metadata).get_organization(
                GetOrganizationRequest(organization_id=org_id)
            )
    REVOKED["API key"] = len(issued)


async def test_a_rotated_api_key_revokes_the_old_keys_tokens(
    emulator: Emulator, app: AppServiceStub, channel: Channel
) -> None:
    org_id = emulator.bootstrap.org_id
    made = await app.create_key(CreateKeyRequest(authorizations=[_org_owner(org_id, "")], name="rotated"))
    old = await token_metadata(channel, made.id, "api-key", made.key)
    rotated = await app.rotate_key(RotateKeyRequest(id=made.id))
    with raises_status(Status.UNAUTHENTICATED, "not valid"):
        await AppServiceStub(channel, metadata=old).get_organization(GetOrganizationRequest(organization_id=org_id))
    new = await token_metadata(channel, rotated.id, "api-key", rotated.key)
    assert (await AppServiceStub(channel, metadata=new).get_organization(
        GetOrganizationRequest(organization_id=org_id)
    )).organization
    REVOKED["rotated API key"] = 1


async def test_tokens_expire_after_an_hour_by_default(emulator: Emulator, channel: Channel) -> None:
    assert DEFAULT_TOKEN_TTL == 3600
    assert Emulator().token_ttl == DEFAULT_TOKEN_TTL
    assert _parser().parse_args(["serve"]).token_ttl == DEFAULT_TOKEN_TTL
    assert _parser().parse_args(["serve", "--token-ttl", "60"]).token_ttl == 60
    boot = emulator.bootstrap
    metadata = await token_metadata(channel, boot.api_key_id, "api-key", boot.api_key)
    stub = AppServiceStub(channel, metadata=metadata)
    assert (await stub.get_organization(GetOrganizationRequest(organization_id=boot.org_id))).organization
    assert emulator.expire_tokens() >= 1  # every token has a lifetime to end
    with raises_status(Status.UNAUTHENTICATED, "expired"):
        await stub.get_organization(GetOrganizationRequest(organization_id=boot.org_id))


async def test_the_last_owner_of_an_organization_stays(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    key_id = emulator.bootstrap.api_key_id
    # The bootstrap key is the organization's only owner: it cannot go, nor lose the role.
    with raises_status(Status.FAILED_PRECONDITION, "last owner", org_id):
        await app.delete_key(DeleteKeyRequest(id=key_id))
    with raises_status(Status.FAILED_PRECONDITION, "last owner"):
        await app.remove_role(RemoveRoleRequest(authorization=_org_owner(org_id, key_id)))
    with raises_status(Status.FAILED_PRECONDITION, "last owner"):
        await app.change_role(
            ChangeRoleRequest(
                old_authorization=_org_owner(org_id, key_id),
                new_authorization=_org_owner(org_id, key_id, role="operator"),
            )
        )
    # With a user as a second owner the key may give up its role; the user is then the last owner
    # (no API caller can try to remove them, so the rule is checked on the backend).
    user_id = emulator.add_user("owner@example.com", org_id=org_id)
    await app.remove_role(RemoveRoleRequest(authorization=_org_owner(org_id, key_id)))
    with pytest.raises(FailedPrecondition, match="last owner"):
        OrgsBackend(emulator.context).delete_member(org_id, user_id)
    with pytest.raises(FailedPrecondition, match="last owner"):
        AccessBackend(emulator.context).remove_role(user_id, "user", ("owner", "organization", org_id, org_id))


async def test_location_auth_still_answers_with_the_secrets(app: AppServiceStub, fleet: Fleet) -> None:
    auth = (await app.location_auth(LocationAuthRequest(location_id=fleet.location_id))).auth
    assert auth is not None and [s.secret for s in auth.secrets] == [fleet.location_secret]
    part = (await app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert part is not None and part.secret == fleet.part_secret


async def test_add_role_still_works_for_a_second_owner(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    other = emulator.add_organization("Other")
    await app.add_role(AddRoleRequest(authorization=_org_owner(org_id, other.api_key_id)))
    await app.delete_key(DeleteKeyRequest(id=emulator.bootstrap.api_key_id))


async def test_expired_tokens_are_dropped_yet_still_answered_as_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keep an expired row for no time at all, and drop them at every sign-in (defaults: an hour, once a minute).
    monkeypatch.setattr(credentials, "EXPIRED_TOKENS_KEPT_S", 0.0)
    monkeypatch.setattr(credentials, "DROP_EXPIRED_EVERY_S", 0.0)
    async with Emulator(token_ttl=0.001) as emu:  # every token is out of time at once
        channel = Channel(emu.host, emu.port)
        try:
            boot = emu.bootstrap
            first = await token_metadata(channel, boot.api_key_id, "api-key", boot.api_key)
            for _ in range(30):
                await token_metadata(channel, boot.api_key_id, "api-key", boot.api_key)
            # Sign-ins now take well under the 1 ms a token lives, so the last few may not have run
            # out yet when the next one comes: wait past that, then one more sign-in drops them all.
            await asyncio.sleep(0.02)
            await token_metadata(channel, boot.api_key_id, "api-key", boot.api_key)
            kept = emu.store.one("SELECT count(*) AS n FROM access_tokens")
            assert kept is not None and int(kept["n"]) == 1  # 32 sign-ins; only the newest token's row is left
            # The first token's row is gone, and it is still refused as expired (its signed claims say so).
            with raises_status(Status.UNAUTHENTICATED, "expired"):
                await AppServiceStub(channel, metadata=first).get_organization(
                    GetOrganizationRequest(organization_id=boot.org_id)
                )
            # A token that is not this database's is still unknown, not "expired".
            head, body, _sig = first["authorization"].removeprefix("Bearer ").split(".")
            forged = {"authorization": f"Bearer {head}.{body}.AAAA"}
            with raises_status(Status.UNAUTHENTICATED, "not valid"):
                await AppServiceStub(channel, metadata=forged).get_organization(
                    GetOrganizationRequest(organization_id=boot.org_id)
                )
        finally:
            channel.close()
