"""Fragments (revisions, tags, usage, visibility), roles and API keys."""

from __future__ import annotations

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AddRoleRequest,
    AppServiceStub,
    Authorization,
    AuthorizedPermissions,
    ChangeRoleRequest,
    CheckPermissionsRequest,
    CreateFragmentRequest,
    CreateKeyFromExistingKeyAuthorizationsRequest,
    CreateKeyRequest,
    DeleteFragmentRequest,
    DeleteKeyRequest,
    FragmentVisibility,
    GetFragmentHistoryRequest,
    GetFragmentRequest,
    GetOrganizationRequest,
    GetRobotAPIKeysRequest,
    ListAuthorizationsRequest,
    ListFragmentsRequest,
    ListKeysRequest,
    RemoveRoleRequest,
    RenameKeyRequest,
    RotateKeyRequest,
    SetFragmentTagRequest,
    UpdateFragmentRequest,
    UpdateRobotPartRequest,
)

from viam_sdk.testing import Emulator
from viam_sdk.testing.structs import dict_to_struct, struct_to_dict

from ._helpers import Fleet, raises_status, token_metadata


def auth(org_id: str, rtype: str, rid: str, role: str = "owner", identity: str = "") -> Authorization:
    return Authorization(
        authorization_type="role",
        authorization_id=f"{rtype}_{role}",
        resource_type=rtype,
        resource_id=rid,
        organization_id=org_id,
        identity_id=identity,
    )


async def test_fragment_revisions_tags_history_and_usage(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    org_id = fleet.org_id
    with raises_status(Status.INVALID_ARGUMENT, "fragment name"):
        await app.create_fragment(CreateFragmentRequest(organization_id=org_id, name=""))
    frag = (
        await app.create_fragment(
            CreateFragmentRequest(organization_id=org_id, name="base", config=dict_to_struct({"v": 1}))
        )
    ).fragment
    assert frag is not None and frag.revision == "1"
    assert frag.visibility == FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE
    v2 = (
        await app.update_fragment(
            UpdateFragmentRequest(id=frag.id, name="base", config=dict_to_struct({"v": 2}))
        )
    ).fragment
    assert v2 is not None and v2.revision == "2" and struct_to_dict(v2.fragment) == {"v": 2}
    tags = (
        await app.set_fragment_tag(SetFragmentTagRequest(fragment_id=frag.id, tag="stable", revision="1"))
    ).tags
    assert [(t.tag, t.revision) for t in tags] == [("stable", "1")]
    stable = await app.get_fragment(GetFragmentRequest(id=frag.id, version="stable"))
    assert stable.fragment is not None and struct_to_dict(stable.fragment.fragment) == {"v": 1}
    assert [r.revision for r in stable.revisions] == ["1", "2"]
    history = (await app.get_fragment_history(GetFragmentHistoryRequest(id=frag.id))).history
    assert [h.revision for h in history] == ["1"] and struct_to_dict(history[0].config) == {"v": 1}

    # A part that lists the fragment uses it; a used fragment cannot be deleted.
    await app.update_robot_part(
        UpdateRobotPartRequest(
            id=fleet.part_id, name="rover-main", robot_config=dict_to_struct({"fragments": [frag.id]})
        )
    )
    got = await app.get_fragment(GetFragmentRequest(id=frag.id))
    assert got.fragment is not None and got.fragment.robot_part_count == 1
    assert got.fragment_usage is not None and got.fragment_usage.machines == 1
    with raises_status(Status.FAILED_PRECONDITION, frag.id):
        await app.delete_fragment(DeleteFragmentRequest(id=frag.id))

    # Private to its org; public ones are listed for others with show_public.
    other = emulator.add_organization("Other")
    outsider = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    with raises_status(Status.PERMISSION_DENIED):
        await outsider.get_fragment(GetFragmentRequest(id=frag.id))
    await app.update_fragment(
        UpdateFragmentRequest(
            id=frag.id, name="base", visibility=FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC
        )
    )
    listed = await outsider.list_fragments(
        ListFragmentsRequest(organization_id=other.org_id, show_public=True)
    )
    assert [f.id for f in listed.fragments] == [frag.id]
    hidden = await outsider.list_fragments(
        ListFragmentsRequest(organization_id=other.org_id, show_public=False)
    )
    assert hidden.fragments == []
    with raises_status(Status.PERMISSION_DENIED):
        await outsider.update_fragment(UpdateFragmentRequest(id=frag.id, name="stolen"))


async def test_api_keys_create_list_rename_rotate_delete(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    org_id = fleet.org_id
    with raises_status(Status.INVALID_ARGUMENT, "authorization"):
        await app.create_key(CreateKeyRequest(authorizations=[], name="empty"))
    with raises_status(Status.INVALID_ARGUMENT, "robot_boss"):
        await app.create_key(CreateKeyRequest(authorizations=[auth(org_id, "robot", fleet.robot_id, "boss")]))
    created = await app.create_key(
        CreateKeyRequest(authorizations=[auth(org_id, "robot", fleet.robot_id, "operator")], name="robot key")
    )
    keys = (await app.list_keys(ListKeysRequest(org_id=org_id))).api_keys
    mine = [k for k in keys if k.api_key and k.api_key.id == created.id]
    assert len(mine) == 1 and mine[0].api_key is not None and mine[0].api_key.key == ""  # stored hashed only
    assert [a.authorization_id for a in mine[0].authorizations] == ["robot_operator"]
    robot_keys = (await app.get_robot_api_keys(GetRobotAPIKeysRequest(robot_id=fleet.robot_id))).api_keys
    assert [k.api_key.id for k in robot_keys if k.api_key] == [created.id]

    renamed = await app.rename_key(RenameKeyRequest(id=created.id, name="renamed"))
    assert renamed.name == "renamed"
    rotated = await app.rotate_key(RotateKeyRequest(id=created.id))
    assert rotated.id != created.id and rotated.key != created.key
    with raises_status(Status.UNAUTHENTICATED):
        await token_metadata(channel, created.id, "api-key", created.key)
    assert await token_metadata(channel, rotated.id, "api-key", rotated.key)
    copy = await app.create_key_from_existing_key_authorizations(
        CreateKeyFromExistingKeyAuthorizationsRequest(id=rotated.id)
    )
    copied = [
        k
        for k in (await app.list_keys(ListKeysRequest(org_id=org_id))).api_keys
        if k.api_key and k.api_key.id == copy.id
    ]
    assert [a.resource_id for a in copied[0].authorizations] == [fleet.robot_id]
    await app.delete_key(DeleteKeyRequest(id=copy.id))
    with raises_status(Status.NOT_FOUND, copy.id):
        await app.delete_key(DeleteKeyRequest(id=copy.id))


async def test_roles_for_users_and_permission_checks(
    emulator: Emulator, channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    org_id = fleet.org_id
    user = emulator.add_user("carol@example.com")
    await app.add_role(
        AddRoleRequest(authorization=auth(org_id, "location", fleet.location_id, "operator", user))
    )
    with raises_status(Status.ALREADY_EXISTS):
        await app.add_role(
            AddRoleRequest(authorization=auth(org_id, "location", fleet.location_id, "operator", user))
        )
    with raises_status(Status.NOT_FOUND, "ghost"):
        await app.add_role(
            AddRoleRequest(authorization=auth(org_id, "location", fleet.location_id, "operator", "ghost"))
        )
    listed = (
        await app.list_authorizations(
            ListAuthorizationsRequest(organization_id=org_id, resource_ids=[fleet.location_id])
        )
    ).authorizations
    assert [(a.identity_id, a.identity_type, a.authorization_id) for a in listed] == [
        (user, "user", "location_operator")
    ]
    await app.change_role(
        ChangeRoleRequest(
            old_authorization=auth(org_id, "location", fleet.location_id, "operator", user),
            new_authorization=auth(org_id, "robot", fleet.robot_id, "owner", user),
        )
    )
    listed = (
        await app.list_authorizations(
            ListAuthorizationsRequest(organization_id=org_id, resource_ids=[fleet.robot_id])
        )
    ).authorizations
    assert [a.authorization_id for a in listed] == ["robot_owner"]
    await app.remove_role(
        RemoveRoleRequest(authorization=auth(org_id, "robot", fleet.robot_id, "owner", user))
    )
    with raises_status(Status.NOT_FOUND):
        await app.remove_role(
            RemoveRoleRequest(authorization=auth(org_id, "robot", fleet.robot_id, "owner", user))
        )

    op = await app.create_key(
        CreateKeyRequest(authorizations=[auth(org_id, "location", fleet.location_id, "operator")], name="op")
    )
    operator = AppServiceStub(channel, metadata=await token_metadata(channel, op.id, "api-key", op.key))
    checked = await operator.check_permissions(
        CheckPermissionsRequest(
            permissions=[
                AuthorizedPermissions(
                    resource_type="location",
                    resource_id=fleet.location_id,
                    permissions=["read_location", "delete_location"],
                ),
                AuthorizedPermissions(
                    resource_type="organization", resource_id=org_id, permissions=["read_organization"]
                ),
            ]
        )
    )
    assert [(p.resource_id, p.permissions) for p in checked.authorized_permissions] == [
        (fleet.location_id, ["read_location"])
    ]
    with raises_status(Status.INVALID_ARGUMENT):
        await operator.check_permissions(CheckPermissionsRequest(permissions=[]))
    # The operator key cannot hand itself more rights.
    with raises_status(Status.PERMISSION_DENIED):
        await operator.create_key(
            CreateKeyRequest(authorizations=[auth(org_id, "organization", org_id)], name="escalate")
        )
    assert (await app.get_organization(GetOrganizationRequest(organization_id=org_id))).organization
