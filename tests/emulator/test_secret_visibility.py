"""Who sees which secrets: a credential never reveals one that would give it more reach.

A part secret sees its own part's secret only (not a sibling part's, not the
location's); an operator key sees none (a location or part secret would let it
write); an owner key and the location's own secret see the secrets below them.
"""

from __future__ import annotations

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AppServiceStub,
    CreateKeyRequest,
    GetLocationRequest,
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    ListLocationsRequest,
    LocationAuthRequest,
    NewRobotPartRequest,
    RobotPart,
)

from ._helpers import Fleet, raises_status, token_metadata
from .test_access_rules import role


def _secrets(part: RobotPart) -> set[str]:
    return {s.secret for s in part.secrets} | ({part.secret} - {""})


async def _second_part(app: AppServiceStub, fleet: Fleet) -> tuple[str, str]:
    part_id = (await app.new_robot_part(NewRobotPartRequest(robot_id=fleet.robot_id, part_name="arm"))).part_id
    part = (await app.get_robot_part(GetRobotPartRequest(id=part_id))).part
    assert part is not None and part.secret
    return part_id, part.secret


async def test_a_part_secret_does_not_reveal_its_sibling_parts_secrets(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    sibling_id, sibling_secret = await _second_part(app, fleet)
    as_part = AppServiceStub(
        channel, metadata=await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    )
    parts = {p.id: p for p in (await as_part.get_robot_parts(GetRobotPartsRequest(robot_id=fleet.robot_id))).parts}
    assert set(parts) == {fleet.part_id, sibling_id}  # it still sees its sibling exists
    assert _secrets(parts[sibling_id]) == set()
    assert _secrets(parts[fleet.part_id]) == {fleet.part_secret}
    own = (await as_part.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert own is not None and own.secret == fleet.part_secret
    with raises_status(Status.PERMISSION_DENIED):
        await as_part.get_robot_part(GetRobotPartRequest(id=sibling_id))
    # and the sibling's secret (which the owner read) still works for the sibling itself
    assert await token_metadata(channel, sibling_id, "robot-secret", sibling_secret)


async def test_an_operator_key_sees_no_secrets(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    created = await app.create_key(
        CreateKeyRequest(authorizations=[role(fleet.org_id, "location", fleet.location_id, "operator")], name="op")
    )
    operator = AppServiceStub(channel, metadata=await token_metadata(channel, created.id, "api-key", created.key))
    parts = (await operator.get_robot_parts(GetRobotPartsRequest(robot_id=fleet.robot_id))).parts
    assert parts and all(_secrets(p) == set() for p in parts)
    part = (await operator.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert part is not None and _secrets(part) == set()
    by_name = (
        await operator.get_robot_part_by_name_and_location(
            GetRobotPartByNameAndLocationRequest(name="rover-main", location_id=fleet.location_id)
        )
    ).part
    assert by_name is not None and by_name.id == fleet.part_id and _secrets(by_name) == set()
    loc = (await operator.get_location(GetLocationRequest(location_id=fleet.location_id))).location
    assert loc is not None and loc.auth is not None and list(loc.auth.secrets) == []
    with raises_status(Status.PERMISSION_DENIED, fleet.location_id):
        await operator.location_auth(LocationAuthRequest(location_id=fleet.location_id))


async def test_owners_and_the_location_secret_see_the_secrets_below_them(
    channel: Channel, app: AppServiceStub, fleet: Fleet
) -> None:
    sibling_id, sibling_secret = await _second_part(app, fleet)
    as_location = AppServiceStub(
        channel,
        metadata=await token_metadata(channel, fleet.location_id, "robot-location-secret", fleet.location_secret),
    )
    for client in (app, as_location):
        parts = {p.id: p for p in (await client.get_robot_parts(GetRobotPartsRequest(robot_id=fleet.robot_id))).parts}
        assert _secrets(parts[sibling_id]) == {sibling_secret}
        assert _secrets(parts[fleet.part_id]) == {fleet.part_secret}
        auth = (await client.location_auth(LocationAuthRequest(location_id=fleet.location_id))).auth
        assert auth is not None and [s.secret for s in auth.secrets] == [fleet.location_secret]
    locs = (await app.list_locations(ListLocationsRequest(organization_id=fleet.org_id))).locations
    assert [s.secret for loc in locs if loc.auth for s in loc.auth.secrets] == [fleet.location_secret]
