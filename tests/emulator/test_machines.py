"""Machines and parts: creation, names, configs and history, secrets, main part, metadata."""

from __future__ import annotations

import json

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    ConfigRequest,
    CreateFragmentRequest,
    CreateRobotPartSecretRequest,
    DeleteRobotPartRequest,
    DeleteRobotPartSecretRequest,
    DeleteRobotRequest,
    GetRobotMetadataRequest,
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    GetRobotRequest,
    ListRobotsForOrgRequest,
    ListRobotsRequest,
    MarkPartAsMainRequest,
    MarkPartForRestartRequest,
    NeedsRestartRequest,
    NewRobotPartRequest,
    NewRobotRequest,
    UpdateRobotMetadataRequest,
    UpdateRobotPartRequest,
    UpdateRobotRequest,
)

from viam_sdk.testing.structs import dict_to_struct, struct_to_dict

from ._helpers import Fleet, raises_status, robot_stub, token_metadata


async def test_new_machine_has_a_main_part_with_a_secret(app: AppServiceStub, fleet: Fleet) -> None:
    parts = (await app.get_robot_parts(GetRobotPartsRequest(robot_id=fleet.robot_id))).parts
    assert len(parts) == 1
    main = parts[0]
    assert main.main_part and main.name == "rover-main" and main.secret
    assert main.fqdn == f"rover-main.{fleet.location_id}.viam.cloud"
    assert main.location_id == fleet.location_id and main.robot == fleet.robot_id
    assert [s.secret for s in main.secrets] == [main.secret]


async def test_machine_names_are_checked(app: AppServiceStub, fleet: Fleet) -> None:
    with raises_status(Status.INVALID_ARGUMENT, "machine name"):
        await app.new_robot(NewRobotRequest(name=" ", location=fleet.location_id))
    with raises_status(Status.ALREADY_EXISTS, "rover"):
        await app.new_robot(NewRobotRequest(name="rover", location=fleet.location_id))
    with raises_status(Status.NOT_FOUND, "nowhere"):
        await app.new_robot(NewRobotRequest(name="arm", location="nowhere"))
    arm = (await app.new_robot(NewRobotRequest(name="arm", location=fleet.location_id))).id
    robots = (await app.list_robots(ListRobotsRequest(location_id=fleet.location_id))).robots
    assert [r.name for r in robots] == ["arm", "rover"]
    with raises_status(Status.ALREADY_EXISTS):
        await app.update_robot(UpdateRobotRequest(id=arm, name="rover", location=fleet.location_id))
    renamed = (
        await app.update_robot(UpdateRobotRequest(id=arm, name="big-arm", location=fleet.location_id))
    ).robot
    assert renamed is not None and renamed.name == "big-arm"
    by_org = (await app.list_robots_for_org(ListRobotsForOrgRequest(org_id=fleet.org_id))).robots
    assert [r.name for r in by_org] == ["big-arm", "rover"]
    await app.delete_robot(DeleteRobotRequest(id=arm))
    with raises_status(Status.NOT_FOUND):
        await app.get_robot(GetRobotRequest(id=arm))


async def test_part_config_updates_keep_history(app: AppServiceStub, fleet: Fleet) -> None:
    config = {"components": [{"name": "motor", "type": "motor", "attributes": {"pins": [1, 2]}}]}
    updated = (
        await app.update_robot_part(
            UpdateRobotPartRequest(id=fleet.part_id, name="rover-main", robot_config=dict_to_struct(config))
        )
    ).part
    assert updated is not None and struct_to_dict(updated.robot_config) == config
    got = await app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))
    assert json.loads(got.config_json) == config
    await app.update_robot_part(UpdateRobotPartRequest(id=fleet.part_id, name="brain"))
    history = (await app.get_robot_part_history(GetRobotPartHistoryRequest(id=fleet.part_id))).history
    # Newest first: the rename saved the configured part, the first update the empty one.
    assert [h.old.name for h in history if h.old] == ["rover-main", "rover-main"]
    assert history[0].old is not None and struct_to_dict(history[0].old.robot_config) == config
    assert history[0].old.secret == "" and history[0].edited_by is not None
    page = await app.get_robot_part_history(GetRobotPartHistoryRequest(id=fleet.part_id, page_limit=1))
    assert len(page.history) == 1 and page.next_page_token
    rest = await app.get_robot_part_history(
        GetRobotPartHistoryRequest(id=fleet.part_id, page_limit=1, page_token=page.next_page_token)
    )
    assert len(rest.history) == 1 and rest.next_page_token == ""
    with raises_status(Status.INVALID_ARGUMENT, "part name"):
        await app.update_robot_part(UpdateRobotPartRequest(id=fleet.part_id, name=""))
    with raises_status(Status.INVALID_ARGUMENT, "robot_config_json"):
        await app.update_robot_part(
            UpdateRobotPartRequest(id=fleet.part_id, name="brain", robot_config_json="{oops")
        )


async def test_parts_main_part_and_secrets(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    second = (
        await app.new_robot_part(NewRobotPartRequest(robot_id=fleet.robot_id, part_name="camera-pi"))
    ).part_id
    with raises_status(Status.ALREADY_EXISTS, "camera-pi"):
        await app.new_robot_part(NewRobotPartRequest(robot_id=fleet.robot_id, part_name="camera-pi"))
    with raises_status(Status.FAILED_PRECONDITION, "main part"):
        await app.delete_robot_part(DeleteRobotPartRequest(part_id=fleet.part_id))
    await app.mark_part_as_main(MarkPartAsMainRequest(part_id=second))
    parts = (await app.get_robot_parts(GetRobotPartsRequest(robot_id=fleet.robot_id))).parts
    assert [(p.name, p.main_part) for p in parts] == [("camera-pi", True), ("rover-main", False)]
    found = await app.get_robot_part_by_name_and_location(
        GetRobotPartByNameAndLocationRequest(name="camera-pi", location_id=fleet.location_id)
    )
    assert found.part is not None and found.part.id == second

    with_two = (await app.create_robot_part_secret(CreateRobotPartSecretRequest(part_id=fleet.part_id))).part
    assert with_two is not None and len(with_two.secrets) == 2
    new_secret = with_two.secrets[1]
    assert await token_metadata(channel, fleet.part_id, "robot-secret", new_secret.secret)
    await app.delete_robot_part_secret(
        DeleteRobotPartSecretRequest(part_id=fleet.part_id, secret_id=new_secret.id)
    )
    with raises_status(Status.UNAUTHENTICATED):
        await token_metadata(channel, fleet.part_id, "robot-secret", new_secret.secret)
    with raises_status(Status.NOT_FOUND, new_secret.id):
        await app.delete_robot_part_secret(
            DeleteRobotPartSecretRequest(part_id=fleet.part_id, secret_id=new_secret.id)
        )
    await app.delete_robot_part(DeleteRobotPartRequest(part_id=fleet.part_id))
    with raises_status(Status.NOT_FOUND):
        await app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))


async def test_restart_flag_and_metadata(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    part_meta = await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    robot = robot_stub(channel, part_meta)
    assert (await robot.needs_restart(NeedsRestartRequest(id=fleet.part_id))).must_restart is False
    await app.mark_part_for_restart(MarkPartForRestartRequest(part_id=fleet.part_id))
    assert (await robot.needs_restart(NeedsRestartRequest(id=fleet.part_id))).must_restart is True
    assert (await robot.needs_restart(NeedsRestartRequest(id=fleet.part_id))).must_restart is False

    await app.update_robot_metadata(
        UpdateRobotMetadataRequest(id=fleet.robot_id, data=dict_to_struct({"k": "v"}))
    )
    got = await app.get_robot_metadata(GetRobotMetadataRequest(id=fleet.robot_id))
    assert struct_to_dict(got.data) == {"k": "v"}


async def test_a_part_fetches_its_config_with_fragments_merged(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    frag = (
        await app.create_fragment(
            CreateFragmentRequest(
                organization_id=fleet.org_id,
                name="camera kit",
                config=dict_to_struct(
                    {
                        "components": [
                            {"name": "cam", "api": "rdk:component:camera", "model": "webcam"},
                            {"name": "motor", "api": "rdk:component:motor", "model": "fake"},
                        ]
                    }
                ),
            )
        )
    ).fragment
    assert frag is not None
    own = {
        "components": [
            {"name": "motor", "api": "rdk:component:motor", "model": "gpio", "attributes": {"pin": 3}}
        ],
        "modules": [{"name": "wheels", "executable_path": "/opt/wheels", "env": {"A": "1"}}],
        "fragments": [frag.id],
    }
    await app.update_robot_part(
        UpdateRobotPartRequest(id=fleet.part_id, name="rover-main", robot_config=dict_to_struct(own))
    )
    robot = robot_stub(
        channel, await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    )
    config = (await robot.config(ConfigRequest(id=fleet.part_id))).config
    assert config is not None
    assert [(c.name, c.model) for c in config.components] == [("motor", "gpio"), ("cam", "webcam")]
    assert struct_to_dict(config.components[0].attributes) == {"pin": 3}
    assert [(m.name, m.path, m.env) for m in config.modules] == [("wheels", "/opt/wheels", {"A": "1"})]
    # Fetching the config is a check-in: the part now shows as seen.
    part = (await app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert part is not None and part.last_access is not None
