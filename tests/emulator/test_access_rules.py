"""Who may reach what: API keys, location secrets, part secrets, roles."""

from __future__ import annotations

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    Authorization,
    CreateKeyRequest,
    CreateLocationRequest,
    DeleteKeyRequest,
    GetLocationRequest,
    GetOrganizationRequest,
    GetRobotPartRequest,
    GetRobotRequest,
    ListLocationsRequest,
    ListOrganizationsRequest,
    NewRobotRequest,
    UpdateRobotPartRequest,
)

from viam_sdk.testing import Emulator

from ._helpers import Fleet, raises_status, token_metadata


def role(org_id: str, resource_type: str, resource_id: str, role_name: str = "owner") -> Authorization:
    return Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role_name}",
        resource_type=resource_type,
        resource_id=resource_id,
        organization_id=org_id,
        identity_type="api-key",
    )


async def test_an_api_key_reaches_only_its_own_organization(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    other = emulator.add_organization("Other org")
    other_app = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    with raises_status(Status.PERMISSION_DENIED, fleet.org_id):
        await other_app.get_organization(GetOrganizationRequest(organization_id=fleet.org_id))
    with raises_status(Status.PERMISSION_DENIED, fleet.location_id):
        await other_app.get_location(GetLocationRequest(location_id=fleet.location_id))
    with raises_status(Status.PERMISSION_DENIED):
        await other_app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))
    with raises_status(Status.PERMISSION_DENIED):
        await other_app.new_robot(NewRobotRequest(name="intruder", location=fleet.location_id))
    orgs = (await other_app.list_organizations(ListOrganizationsRequest())).organizations
    assert [o.id for o in orgs] == [other.org_id]
    # ... and the first org's key cannot see the second org either.
    with raises_status(Status.PERMISSION_DENIED):
        await app.list_locations(ListLocationsRequest(organization_id=other.org_id))


async def test_unknown_ids_are_not_found(app: AppServiceStub) -> None:
    with raises_status(Status.NOT_FOUND, "no-such-org"):
        await app.get_organization(GetOrganizationRequest(organization_id="no-such-org"))
    with raises_status(Status.NOT_FOUND, "no-such-robot"):
        await app.get_robot(GetRobotRequest(id="no-such-robot"))


async def test_location_secret_reaches_its_location_only(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    address = f"rover-main.{fleet.location_id}.viam.cloud"
    meta = await token_metadata(channel, address, "robot-location-secret", fleet.location_secret)
    as_location = AppServiceStub(channel, metadata=meta)
    loc = (await as_location.get_location(GetLocationRequest(location_id=fleet.location_id))).location
    assert loc is not None and loc.id == fleet.location_id
    robot = (await as_location.get_robot(GetRobotRequest(id=fleet.robot_id))).robot
    assert robot is not None and robot.name == "rover"
    other_loc = (
        await app.create_location(CreateLocationRequest(organization_id=fleet.org_id, name="Elsewhere"))
    ).location
    assert other_loc is not None
    with raises_status(Status.PERMISSION_DENIED):
        await as_location.get_location(GetLocationRequest(location_id=other_loc.id))
    with raises_status(Status.PERMISSION_DENIED):
        await as_location.get_organization(GetOrganizationRequest(organization_id=fleet.org_id))
    # The bare location id works as the entity too; a wrong secret does not.
    assert await token_metadata(channel, fleet.location_id, "robot-location-secret", fleet.location_secret)
    with raises_status(Status.UNAUTHENTICATED):
        await token_metadata(channel, fleet.location_id, "robot-location-secret", "wrong")


async def test_part_secret_reaches_its_part_only(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    meta = await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    as_part = AppServiceStub(channel, metadata=meta)
    part = (await as_part.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert part is not None and part.id == fleet.part_id
    with raises_status(Status.PERMISSION_DENIED):
        await as_part.get_location(GetLocationRequest(location_id=fleet.location_id))
    with raises_status(Status.PERMISSION_DENIED):
        await as_part.update_robot_part(UpdateRobotPartRequest(id=fleet.part_id, name="renamed"))
    with raises_status(Status.UNAUTHENTICATED):
        await token_metadata(channel, fleet.part_id, "robot-secret", fleet.location_secret)


async def test_operator_key_reads_but_cannot_write(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    created = await app.create_key(
        CreateKeyRequest(
            authorizations=[role(fleet.org_id, "location", fleet.location_id, "operator")], name="op"
        )
    )
    meta = await token_metadata(channel, created.id, "api-key", created.key)
    operator = AppServiceStub(channel, metadata=meta)
    loc = (await operator.get_location(GetLocationRequest(location_id=fleet.location_id))).location
    assert loc is not None and loc.name == "Lab"
    with raises_status(Status.PERMISSION_DENIED):
        await operator.new_robot(NewRobotRequest(name="second", location=fleet.location_id))
    with raises_status(Status.PERMISSION_DENIED):
        await operator.get_organization(GetOrganizationRequest(organization_id=fleet.org_id))


async def test_deleting_a_key_revokes_its_tokens(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    created = await app.create_key(
        CreateKeyRequest(authorizations=[role(fleet.org_id, "organization", fleet.org_id)], name="temp")
    )
    meta = await token_metadata(channel, created.id, "api-key", created.key)
    temp = AppServiceStub(channel, metadata=meta)
    assert (await temp.get_organization(GetOrganizationRequest(organization_id=fleet.org_id))).organization
    await app.delete_key(DeleteKeyRequest(id=created.id))
    with raises_status(Status.UNAUTHENTICATED):
        await temp.get_organization(GetOrganizationRequest(organization_id=fleet.org_id))
    with raises_status(Status.UNAUTHENTICATED):
        await token_metadata(channel, created.id, "api-key", created.key)
