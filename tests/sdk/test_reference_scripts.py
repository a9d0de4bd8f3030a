"""The reference documents' AppClient examples, run as written (ids made real), async and blocking."""

from __future__ import annotations

import pytest
from viam_api.app.v1 import Authorization

from viam_sdk.rpc.dial import Credentials, DialOptions

from .conftest import Env

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


async def test_update_location_with_empty_or_no_name_keeps_the_name(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    parent = await aw(fleet.create_location(env.org_id, "Campus"))
    child = await aw(fleet.create_location(env.org_id, "Lab"))
    # The older guide: name="" with a new parent moves it and keeps "Lab".
    moved = await aw(fleet.update_location(location_id=child.id, name="", parent_location_id=parent.id))
    assert (moved.name, moved.parent_location_id) == ("Lab", parent.id)
    back = await aw(fleet.update_location(location_id=child.id, parent_location_id=""))
    assert (back.name, back.parent_location_id) == ("Lab", "")
    renamed = await aw(fleet.update_location(location_id=child.id, name="Wet lab"))
    assert renamed.name == "Wet lab"


async def test_older_guide_calls_without_an_org_id(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    # One organization: every call without org_id uses it.
    my_new_location = await aw(fleet.create_location(name="Robotville"))
    assert env.org_id in {o.organization_id for o in my_new_location.organizations}
    sub = await aw(fleet.create_location(name="Annex", parent_location_id=my_new_location.id))
    assert sub.parent_location_id == my_new_location.id
    locations = await aw(fleet.list_locations())
    assert {loc.id for loc in locations} >= {my_new_location.id, sub.id}
    await aw(fleet.create_organization_invite(env.org_id, "notarealemail@viam.com"))
    authorization_to_add = Authorization(
        authorization_type="role",
        authorization_id="location_operator",
        resource_type="location",
        resource_id=my_new_location.id,
        identity_id="",
        organization_id=env.org_id,
    )
    update_invite = await aw(
        fleet.update_organization_invite_authorizations(
            email="notarealemail@viam.com", add_authorizations=[authorization_to_add]
        )
    )
    assert "location_operator" in {a.authorization_id for a in update_invite.authorizations}
    member_list, invite_list = await aw(fleet.list_organization_members())
    assert [i.email for i in invite_list] == ["notarealemail@viam.com"]
    with pytest.raises(ValueError, match="name"):
        await aw(fleet.create_location())

    # Several organizations: a ValueError names the choice; an explicit id still works.
    second = await aw(fleet.create_organization("Second Shop"))
    for call in (
        lambda: fleet.list_locations(),
        lambda: fleet.list_organization_members(),
        lambda: fleet.create_location(name="Nowhere"),
        lambda: fleet.update_organization_invite_authorizations(email="notarealemail@viam.com"),
    ):
        with pytest.raises(ValueError, match="several organizations") as caught:
            await aw(call())
        assert env.org_id in str(caught.value) and second.id in str(caught.value)
        assert "Second Shop" in str(caught.value)
    assert await aw(fleet.list_locations(second.id)) == []


async def test_older_guide_with_a_location_secret(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "Depot"))
    secret = (await aw(fleet.location_auth(location.id))).secrets[0].secret
    viam_client = await env.connect(
        DialOptions(
            auth_entity=f"beepboop-main.{location.id}.viam.cloud",
            credentials=Credentials(type="robot-location-secret", payload=secret),
        )
    )
    cloud = viam_client.app_client
    org_list = await aw(cloud.list_organizations())
    assert [o.id for o in org_list] == [env.org_id]
    new_robot_id = await aw(cloud.new_robot(name="beepboop"))
    assert new_robot_id
    new_loc_auth = await aw(cloud.create_location_secret())
    assert new_loc_auth.location_id == location.id


async def test_update_robot_part_with_the_part_id_alone_keeps_name_and_config(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "Shed"))
    robot_id = await aw(fleet.new_robot("mower", location_id=location.id))
    part = (await aw(fleet.get_robot_parts(robot_id)))[0]
    config = {"components": [{"name": "blade", "type": "motor"}]}
    await aw(fleet.update_robot_part(part.id, part.name, robot_config=config))
    # The older guide's call: only the part id.
    kept = await aw(fleet.update_robot_part(robot_part_id=part.id))
    assert (kept.name, kept.robot_config) == (part.name, config)
    renamed = await aw(fleet.update_robot_part(part.id, "mower-2"))
    assert renamed.name == "mower-2" and renamed.robot_config == config
