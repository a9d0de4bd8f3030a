"""Organizations, members/invites and locations through the generated AppService stub."""

from __future__ import annotations

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    Authorization,
    CreateLocationRequest,
    CreateLocationSecretRequest,
    CreateOrganizationInviteRequest,
    CreateOrganizationRequest,
    DeleteLocationRequest,
    DeleteLocationSecretRequest,
    DeleteOrganizationInviteRequest,
    DeleteOrganizationMemberRequest,
    DeleteOrganizationRequest,
    GetLocationMetadataRequest,
    GetLocationRequest,
    GetOrganizationMetadataRequest,
    GetOrganizationNamespaceAvailabilityRequest,
    GetOrganizationRequest,
    GetOrganizationsWithAccessToLocationRequest,
    GetUserIDByEmailRequest,
    ListLocationsRequest,
    ListOrganizationMembersRequest,
    ListOrganizationsByUserRequest,
    ListOrganizationsRequest,
    LocationAuthRequest,
    NewRobotRequest,
    ResendOrganizationInviteRequest,
    ShareLocationRequest,
    UnshareLocationRequest,
    UpdateLocationMetadataRequest,
    UpdateLocationRequest,
    UpdateOrganizationInviteAuthorizationsRequest,
    UpdateOrganizationMetadataRequest,
    UpdateOrganizationRequest,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.structs import dict_to_struct, struct_to_dict

from ._helpers import Fleet, raises_status, token_metadata


async def test_create_list_update_delete_organization(emulator: Emulator, app: AppServiceStub) -> None:
    with raises_status(Status.INVALID_ARGUMENT, "organization name"):
        await app.create_organization(CreateOrganizationRequest(name="   "))
    created = (await app.create_organization(CreateOrganizationRequest(name="Acme"))).organization
    assert created is not None and created.name == "Acme" and created.created_on is not None
    names = [o.name for o in (await app.list_organizations(ListOrganizationsRequest())).organizations]
    assert names == sorted(names) and set(names) == {"Acme", "Emulator organization"}

    updated = (
        await app.update_organization(
            UpdateOrganizationRequest(organization_id=created.id, name="Acme 2", public_namespace="acme")
        )
    ).organization
    assert updated is not None and (updated.name, updated.public_namespace) == ("Acme 2", "acme")
    available = await app.get_organization_namespace_availability(
        GetOrganizationNamespaceAvailabilityRequest(public_namespace="acme")
    )
    assert available.available is False
    with raises_status(Status.INVALID_ARGUMENT, "Bad Name!"):
        await app.get_organization_namespace_availability(
            GetOrganizationNamespaceAvailabilityRequest(public_namespace="Bad Name!")
        )
    with raises_status(Status.INVALID_ARGUMENT):
        await app.get_organization_namespace_availability(
            GetOrganizationNamespaceAvailabilityRequest(public_namespace="")
        )
    # The namespace is taken by another org: the bootstrap org cannot have it.
    with raises_status(Status.ALREADY_EXISTS, "acme"):
        await app.update_organization(
            UpdateOrganizationRequest(organization_id=emulator.bootstrap.org_id, public_namespace="acme")
        )
    # A failed update changes nothing (one transaction): the name is untouched.
    with raises_status(Status.FAILED_PRECONDITION):
        await app.update_organization(
            UpdateOrganizationRequest(organization_id=created.id, name="Half done", public_namespace="other")
        )
    again = (await app.get_organization(GetOrganizationRequest(organization_id=created.id))).organization
    assert again is not None and again.name == "Acme 2"

    await app.delete_organization(DeleteOrganizationRequest(organization_id=created.id))
    with raises_status(Status.NOT_FOUND):
        await app.get_organization(GetOrganizationRequest(organization_id=created.id))


async def test_organization_metadata_round_trip(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    empty = await app.get_organization_metadata(GetOrganizationMetadataRequest(organization_id=org_id))
    assert struct_to_dict(empty.data) == {}
    data = {"team": "robots", "floors": [1, 2], "nested": {"ok": True}}
    await app.update_organization_metadata(
        UpdateOrganizationMetadataRequest(organization_id=org_id, data=dict_to_struct(data))
    )
    got = await app.get_organization_metadata(GetOrganizationMetadataRequest(organization_id=org_id))
    assert struct_to_dict(got.data) == data


async def test_invites_and_members(emulator: Emulator, app: AppServiceStub, fleet: Fleet) -> None:
    org_id = fleet.org_id
    owner = Authorization(
        authorization_type="role",
        authorization_id="organization_owner",
        resource_type="organization",
        resource_id=org_id,
        organization_id=org_id,
    )
    operator = Authorization(
        authorization_type="role",
        authorization_id="location_operator",
        resource_type="location",
        resource_id=fleet.location_id,
        organization_id=org_id,
    )
    with raises_status(Status.INVALID_ARGUMENT, "not-an-email"):
        await app.create_organization_invite(
            CreateOrganizationInviteRequest(
                organization_id=org_id, email="not-an-email", authorizations=[owner]
            )
        )
    invite = (
        await app.create_organization_invite(
            CreateOrganizationInviteRequest(
                organization_id=org_id, email="Ann@Example.com", authorizations=[owner]
            )
        )
    ).invite
    assert invite is not None and invite.email == "ann@example.com"
    with raises_status(Status.ALREADY_EXISTS):
        await app.create_organization_invite(
            CreateOrganizationInviteRequest(
                organization_id=org_id, email="ann@example.com", authorizations=[owner]
            )
        )
    changed = (
        await app.update_organization_invite_authorizations(
            UpdateOrganizationInviteAuthorizationsRequest(
                organization_id=org_id,
                email="ann@example.com",
                add_authorizations=[operator],
                remove_authorizations=[owner],
            )
        )
    ).invite
    assert changed is not None and [a.authorization_id for a in changed.authorizations] == [
        "location_operator"
    ]
    resent = await app.resend_organization_invite(
        ResendOrganizationInviteRequest(organization_id=org_id, email="ann@example.com")
    )
    assert resent.invite is not None

    # Ann signs up: the invite turns into membership with the invite's roles.
    user_id = emulator.add_user("ann@example.com", org_id=org_id)
    assert (
        await app.get_user_id_by_email(GetUserIDByEmailRequest(email="ann@example.com"))
    ).user_id == user_id
    members = await app.list_organization_members(ListOrganizationMembersRequest(organization_id=org_id))
    assert [m.user_id for m in members.members] == [user_id] and members.invites == []
    orgs = (await app.list_organizations_by_user(ListOrganizationsByUserRequest(user_id=user_id))).orgs
    assert [o.org_id for o in orgs] == [org_id]

    await app.delete_organization_member(
        DeleteOrganizationMemberRequest(organization_id=org_id, user_id=user_id)
    )
    with raises_status(Status.NOT_FOUND, user_id):
        await app.delete_organization_member(
            DeleteOrganizationMemberRequest(organization_id=org_id, user_id=user_id)
        )
    with raises_status(Status.NOT_FOUND, "bob@example.com"):
        await app.delete_organization_invite(
            DeleteOrganizationInviteRequest(organization_id=org_id, email="bob@example.com")
        )
    with raises_status(Status.NOT_FOUND):
        await app.get_user_id_by_email(GetUserIDByEmailRequest(email="nobody@example.com"))


async def test_locations_crud_nesting_and_secrets(app: AppServiceStub, fleet: Fleet) -> None:
    org_id = fleet.org_id
    with raises_status(Status.INVALID_ARGUMENT, "location name"):
        await app.create_location(CreateLocationRequest(organization_id=org_id, name=""))
    with raises_status(Status.NOT_FOUND, "nope"):
        await app.create_location(
            CreateLocationRequest(organization_id=org_id, name="Child", parent_location_id="nope")
        )
    child = (
        await app.create_location(
            CreateLocationRequest(organization_id=org_id, name="Bench", parent_location_id=fleet.location_id)
        )
    ).location
    assert child is not None and child.parent_location_id == fleet.location_id
    assert child.organizations[0].organization_id == org_id and child.organizations[0].primary
    listed = (await app.list_locations(ListLocationsRequest(organization_id=org_id))).locations
    assert [loc.name for loc in listed] == ["Bench", "Lab"]
    assert {loc.name: loc.robot_count for loc in listed} == {"Bench": 0, "Lab": 1}

    with raises_status(Status.INVALID_ARGUMENT, "cycle"):
        await app.update_location(
            UpdateLocationRequest(location_id=fleet.location_id, parent_location_id=child.id)
        )
    renamed = (
        await app.update_location(
            UpdateLocationRequest(location_id=child.id, name="Desk", parent_location_id="")
        )
    ).location
    assert renamed is not None and (renamed.name, renamed.parent_location_id) == ("Desk", "")

    await app.update_location_metadata(
        UpdateLocationMetadataRequest(location_id=child.id, data=dict_to_struct({"floor": 3}))
    )
    meta = await app.get_location_metadata(GetLocationMetadataRequest(location_id=child.id))
    assert struct_to_dict(meta.data) == {"floor": 3}

    auth = (await app.location_auth(LocationAuthRequest(location_id=child.id))).auth
    assert auth is not None and len(auth.secrets) == 1
    more = (await app.create_location_secret(CreateLocationSecretRequest(location_id=child.id))).auth
    assert more is not None and len(more.secrets) == 2
    await app.delete_location_secret(
        DeleteLocationSecretRequest(location_id=child.id, secret_id=auth.secrets[0].id)
    )
    left = (await app.location_auth(LocationAuthRequest(location_id=child.id))).auth
    assert left is not None and [s.id for s in left.secrets] == [more.secrets[1].id]
    with raises_status(Status.NOT_FOUND, auth.secrets[0].id):
        await app.delete_location_secret(
            DeleteLocationSecretRequest(location_id=child.id, secret_id=auth.secrets[0].id)
        )

    with raises_status(Status.FAILED_PRECONDITION, "machines"):
        await app.delete_location(DeleteLocationRequest(location_id=fleet.location_id))
    await app.delete_location(DeleteLocationRequest(location_id=child.id))
    with raises_status(Status.NOT_FOUND):
        await app.get_location(GetLocationRequest(location_id=child.id))


async def test_sharing_a_location_with_another_org(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    other = emulator.add_organization("Partner")
    partner = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    with raises_status(Status.PERMISSION_DENIED):
        await partner.get_location(GetLocationRequest(location_id=fleet.location_id))
    await app.share_location(
        ShareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
    )
    with raises_status(Status.ALREADY_EXISTS):
        await app.share_location(
            ShareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
        )
    shared = (await partner.get_location(GetLocationRequest(location_id=fleet.location_id))).location
    assert shared is not None and shared.name == "Lab"
    assert fleet.location_id in [
        loc.id
        for loc in (
            await partner.list_locations(ListLocationsRequest(organization_id=other.org_id))
        ).locations
    ]
    with_access = await app.get_organizations_with_access_to_location(
        GetOrganizationsWithAccessToLocationRequest(location_id=fleet.location_id)
    )
    assert [o.id for o in with_access.organization_identities] == [fleet.org_id, other.org_id]
    await app.unshare_location(
        UnshareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
    )
    with raises_status(Status.PERMISSION_DENIED):
        await partner.new_robot(NewRobotRequest(name="x", location=fleet.location_id))
    with raises_status(Status.NOT_FOUND):
        await app.unshare_location(
            UnshareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
        )


async def test_org_deletion_runs_the_hooks_of_other_services(emulator: Emulator, app: AppServiceStub) -> None:
    seen: list[str] = []
    emulator.context.org_deleted_hooks.append(lambda db, org_id: seen.append(org_id))
    doomed = (await app.create_organization(CreateOrganizationRequest(name="Doomed"))).organization
    assert doomed is not None
    await app.delete_organization(DeleteOrganizationRequest(organization_id=doomed.id))
    assert seen == [doomed.id]


async def test_a_shared_org_uses_but_cannot_manage_the_location(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    other = emulator.add_organization("Partner")
    partner = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    await app.share_location(
        ShareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
    )
    robot_id = (await partner.new_robot(NewRobotRequest(name="guest-bot", location=fleet.location_id))).id
    assert robot_id
    with raises_status(Status.PERMISSION_DENIED):
        await partner.unshare_location(
            UnshareLocationRequest(location_id=fleet.location_id, organization_id=other.org_id)
        )
    with raises_status(Status.PERMISSION_DENIED):
        await partner.create_location_secret(CreateLocationSecretRequest(location_id=fleet.location_id))
    location_key = await token_metadata(
        channel, fleet.location_id, "robot-location-secret", fleet.location_secret
    )
    with raises_status(Status.PERMISSION_DENIED):
        await AppServiceStub(channel, metadata=location_key).delete_location(
            DeleteLocationRequest(location_id=fleet.location_id)
        )
