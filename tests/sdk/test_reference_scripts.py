"""The reference documents' AppClient examples, run as written (ids made real), async and blocking."""

from __future__ import annotations

import datetime

import pytest
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from viam_sdk.app._app.types import APIKeyAuthorization
from viam_sdk.rpc.dial import Credentials, DialOptions

from .conftest import Env, location_operator

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
    authorization_to_add = location_operator(my_new_location.id, env.org_id)
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


async def test_older_guide_invite_update_on_an_invite_made_without_authorizations(env: Env) -> None:
    fleet, aw, org_id = env.fleet, env.aw, env.org_id
    # The reference's own example makes the invite without authorizations: "full owner permissions".
    invite = await aw(
        fleet.create_organization_invite(org_id, "notarealemail@viam.com", send_email_invite=False)
    )
    owner = ("organization_owner", "organization", org_id)
    assert [(a.authorization_id, a.resource_type, a.resource_id) for a in invite.authorizations] == [owner]
    location = await aw(fleet.create_location(org_id, "Robotville"))
    authorization_to_add = location_operator(location.id, org_id)
    added = await aw(
        fleet.update_organization_invite_authorizations(
            org_id, "notarealemail@viam.com", add_authorizations=[authorization_to_add]
        )
    )
    assert {a.authorization_id for a in added.authorizations} == {"organization_owner", "location_operator"}
    # The older guide's call, as written there (no org_id): the invite keeps its owner authorization.
    update_invite = await aw(
        fleet.update_organization_invite_authorizations(
            email="notarealemail@viam.com", remove_authorizations=[authorization_to_add]
        )
    )
    assert [(a.authorization_id, a.resource_type, a.resource_id) for a in update_invite.authorizations] == [
        owner
    ]
    # Removing the last one is refused, as documented: delete the invite instead.
    last = update_invite.authorizations[0]
    with pytest.raises(GRPCError, match="at least one authorization") as refused:
        await aw(
            fleet.update_organization_invite_authorizations(
                org_id, "notarealemail@viam.com", remove_authorizations=[last]
            )
        )
    assert refused.value.status is Status.INVALID_ARGUMENT
    # Accepted, the invite makes its user an owner of the organization.
    user_id = env.emulator.add_user("notarealemail@viam.com", org_id=org_id)
    granted = {
        (a.authorization_id, a.resource_id)
        for a in await aw(fleet.list_authorizations(org_id))
        if a.identity_id == user_id
    }
    assert granted == {("organization_owner", org_id)}


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


async def test_calls_without_a_location_use_the_only_one_the_key_reaches(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    # No location at all: the error says how to name one.
    with pytest.raises(ValueError, match="no location ID"):
        await aw(fleet.new_robot(name="beepboop"))
    only = await aw(fleet.create_location(env.org_id, "Yard"))
    robot_id = await aw(fleet.new_robot(name="beepboop"))
    assert (await aw(fleet.get_robot(robot_id))).location == only.id
    secret = await aw(fleet.create_location_secret())
    assert secret.location_id == only.id
    assert [r.id for r in await aw(fleet.list_robots())] == [robot_id]
    # Two locations: a ValueError lists both to choose from, and nothing is created.
    second = await aw(fleet.create_location(env.org_id, "Barn"))
    with pytest.raises(ValueError, match="several locations") as caught:
        await aw(fleet.new_robot(name="other"))
    assert only.id in str(caught.value) and second.id in str(caught.value) and "Barn" in str(caught.value)
    assert [r.id for r in await aw(fleet.list_robots(only.id))] == [robot_id]
    assert await aw(fleet.list_robots(second.id)) == []


async def test_key_and_rental_calls_without_an_org_id(env: Env) -> None:
    fleet, aw = env.fleet, env.aw
    location = await aw(fleet.create_location(env.org_id, "Depot"))
    auth = APIKeyAuthorization(role="owner", resource_type="location", resource_id=location.id)
    # The reference's example form: create_key(authorizations, name), no organization.
    key, key_id = await aw(fleet.create_key([auth], "my_key"))
    assert key and key_id
    listed = {k.api_key.id: k for k in await aw(fleet.list_keys())}
    assert listed[key_id].api_key.name == "my_key"
    assert listed.keys() == {k.api_key.id for k in await aw(fleet.list_keys(env.org_id))}
    assert await aw(fleet.get_rover_rental_robots()) == await aw(fleet.get_rover_rental_robots(env.org_id))
    with pytest.raises(TypeError, match="no third argument"):
        await aw(fleet.create_key([auth], "my_key", "extra"))


async def test_streaming_upload_takes_one_pair_in_a_list_and_refuses_text(env: Env) -> None:
    fleet, aw, data = env.fleet, env.aw, env.viam.data_client
    location = await aw(fleet.create_location(env.org_id, "Lab"))
    part_id = (await aw(fleet.get_robot_parts(await aw(fleet.new_robot("cam", location.id)))))[0].id
    requested = datetime.datetime(2023, 6, 5, 11)
    received = datetime.datetime(2023, 6, 5, 11, 0, 3)
    binary_id = await aw(data.streaming_data_capture_upload(
        b"\x89PNG", part_id, "png", component_name="cam", data_request_times=[(requested, received)]
    ))
    (stored,) = await aw(data.binary_data_by_ids([binary_id]))
    times = (stored.metadata.time_requested, stored.metadata.time_received)
    assert tuple(t.replace(tzinfo=None) for t in times) == (requested, received)
    before = (await aw(data.binary_data_by_filter(count_only=True)))[1]
    with pytest.raises(TypeError, match=r"streaming_data_capture_upload: the data must be bytes.*not str.*encode"):
        await aw(data.streaming_data_capture_upload("byte-data-to-upload", part_id, "png"))
    with pytest.raises(TypeError, match="file_upload: the data must be bytes"):
        await aw(data.file_upload(part_id, "text", file_name="notes", file_extension=".txt"))
    assert (await aw(data.binary_data_by_filter(count_only=True)))[1] == before  # nothing half-uploaded
