"""The authorization matrix: every kind of object x every kind of credential x read/modify/delete.

One organization holds a location (with its secret), a machine with two parts
(each with its secret), a fragment (with a tag), a spare API key, an image
uploaded by the first part, a saved query, an OAuth app and its billing
service's settings.  Seven callers try each operation:

* ``org key``       owner key of the organization
* ``location key``  owner key of the location only
* ``machine key``   owner key of the machine only
* ``location secret`` the location's secret
* ``part secret``   the first part's secret (it reads, it changes nothing)
* ``other org key`` owner key of another organization
* ``no token``

Each cell names who may; everyone else must be refused (PERMISSION_DENIED,
NOT_FOUND for data whose existence is hidden, UNAUTHENTICATED without a
token) and the refusal must have changed nothing.  A delete runs in a world
of its own, so an allowed one does not spoil the cells after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import bson
import pytest
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.data.v1 import (
    AddBoundingBoxToImageByIDRequest,
    AddTagsToBinaryDataByIDsRequest,
    BinaryDataByIDsRequest,
    BoundingBoxLabelsByFilterRequest,
    CreateSavedQueryRequest,
    DataServiceStub,
    DeleteBinaryDataByIDsRequest,
    DeleteSavedQueryRequest,
    Filter,
    GetSavedQueryRequest,
    RemoveBoundingBoxFromImageByIDRequest,
    UpdateSavedQueryRequest,
)
from viam_api.app.datasync.v1 import (
    DataCaptureUploadRequest,
    DataSyncServiceStub,
    DataType,
    SensorData,
    UploadMetadata,
)
from viam_api.app.v1 import (
    AppServiceStub,
    Authorization,
    BillingAddress,
    CreateFragmentRequest,
    CreateKeyRequest,
    CreateLocationRequest,
    CreateLocationSecretRequest,
    CreateOAuthAppRequest,
    CreateRobotPartSecretRequest,
    DeleteFragmentRequest,
    DeleteFragmentTagRequest,
    DeleteKeyRequest,
    DeleteLocationRequest,
    DeleteLocationSecretRequest,
    DeleteOAuthAppRequest,
    DeleteOrganizationRequest,
    DeleteRobotPartRequest,
    DeleteRobotPartSecretRequest,
    DeleteRobotRequest,
    DisableBillingServiceRequest,
    EnableBillingServiceRequest,
    GetBillingServiceConfigRequest,
    GetFragmentRequest,
    GetLocationRequest,
    GetOrganizationRequest,
    GetRobotAPIKeysRequest,
    GetRobotPartByNameAndLocationRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    GetRobotRequest,
    ListKeysRequest,
    ListLocationsRequest,
    ListRobotsRequest,
    LocationAuthRequest,
    NewRobotPartRequest,
    NewRobotRequest,
    OAuthConfig,
    ReadOAuthAppRequest,
    RotateKeyRequest,
    SetFragmentTagRequest,
    UpdateBillingServiceRequest,
    UpdateFragmentRequest,
    UpdateLocationRequest,
    UpdateOAuthAppRequest,
    UpdateOrganizationRequest,
    UpdateRobotPartRequest,
    UpdateRobotRequest,
)
from viam_api.rpc.v1 import AuthenticateRequest, AuthServiceStub, Credentials

from viam_sdk.testing import Emulator

from .conftest import FIGURES

# Deprecated RPCs and messages are tried too: the generated layer's warnings are expected.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ORG, LOC_KEY, ROBOT_KEY, LOC_SECRET, PART_SECRET, OTHER, NONE = (
    "org key",
    "location key",
    "machine key",
    "location secret",
    "part secret",
    "other org key",
    "no token",
)
CREDENTIALS = (ORG, LOC_KEY, ROBOT_KEY, LOC_SECRET, PART_SECRET, OTHER, NONE)
REFUSALS = {Status.PERMISSION_DENIED, Status.NOT_FOUND, Status.UNAUTHENTICATED}

# Who may do what.  Rows: object kind; columns: read / modify / delete.
_LOCATION_WIDE = {ORG, LOC_KEY, LOC_SECRET}
_MACHINE_WIDE = {ORG, LOC_KEY, ROBOT_KEY, LOC_SECRET}
EXPECTED: dict[str, tuple[set[str], set[str], set[str]]] = {
    "organization": ({ORG}, {ORG}, {ORG}),
    "location": (_LOCATION_WIDE, _LOCATION_WIDE, {ORG, LOC_KEY}),
    "location secret": (_LOCATION_WIDE, _LOCATION_WIDE, _LOCATION_WIDE),
    "machine": (_MACHINE_WIDE | {PART_SECRET}, _MACHINE_WIDE, _MACHINE_WIDE),
    "machine part": (_MACHINE_WIDE | {PART_SECRET}, _MACHINE_WIDE, _MACHINE_WIDE),
    "sibling part's secret": (_MACHINE_WIDE, _MACHINE_WIDE, _MACHINE_WIDE),
    "fragment": ({ORG}, {ORG}, {ORG}),
    "api key": ({ORG}, {ORG}, {ORG}),
    "binary data": (_MACHINE_WIDE | {PART_SECRET}, _MACHINE_WIDE, _MACHINE_WIDE),
    "another location's data": ({ORG}, {ORG}, {ORG}),
    "bounding box": (_MACHINE_WIDE | {PART_SECRET}, _MACHINE_WIDE, _MACHINE_WIDE),
    # issue 19: the objects of the RPCs served since; all organization-wide
    "saved query": ({ORG}, {ORG}, {ORG}),
    "OAuth app": ({ORG}, {ORG}, {ORG}),
    "fragment tag": ({ORG}, {ORG}, {ORG}),
    "billing settings": ({ORG}, {ORG}, {ORG}),
}
OPERATIONS = ("read", "modify", "delete")


@dataclass
class World:
    emu: Emulator
    channel: Channel
    org_id: str = ""
    location_id: str = ""
    robot_id: str = ""
    part_id: str = ""
    sibling_id: str = ""
    sibling_secret_id: str = ""
    location_secret_id: str = ""
    fragment_id: str = ""
    key_id: str = ""
    binary_id: str = ""
    elsewhere_binary_id: str = ""
    bbox_id: str = ""
    saved_query_id: str = ""
    oauth_client_id: str = ""
    meta: dict[str, dict[str, str]] = field(default_factory=dict)
    #: every secret of the world by name: "location", "part", "sibling", "far part", and each API key
    secrets: dict[str, str] = field(default_factory=dict)

    def app(self, who: str) -> AppServiceStub:
        return AppServiceStub(self.channel, metadata=self.meta.get(who))

    def data(self, who: str) -> DataServiceStub:
        return DataServiceStub(self.channel, metadata=self.meta.get(who))


async def _token(channel: Channel, entity: str, kind: str, payload: str) -> dict[str, str]:
    reply = await AuthServiceStub(channel).authenticate(
        AuthenticateRequest(entity=entity, credentials=Credentials(type=kind, payload=payload))
    )
    return {"authorization": f"Bearer {reply.access_token}"}


def _role(org_id: str, resource_type: str, resource_id: str) -> Authorization:
    return Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_owner",
        resource_type=resource_type,
        resource_id=resource_id,
        organization_id=org_id,
        identity_type="api-key",
    )


async def _world(emu: Emulator, channel: Channel, other_meta: dict[str, str]) -> World:
    boot = emu.add_organization("Matrix org")
    w = World(emu, channel, org_id=boot.org_id)
    w.meta[ORG] = await _token(channel, boot.api_key_id, "api-key", boot.api_key)
    owner = w.app(ORG)
    loc = (await owner.create_location(CreateLocationRequest(organization_id=w.org_id, name="Lab"))).location
    assert loc is not None and loc.auth is not None
    w.location_id, w.location_secret_id = loc.id, loc.auth.secrets[0].id
    w.robot_id = (await owner.new_robot(NewRobotRequest(name="rover", location=loc.id))).id
    parts = (await owner.get_robot_parts(GetRobotPartsRequest(robot_id=w.robot_id))).parts
    w.part_id = parts[0].id
    w.sibling_id = (await owner.new_robot_part(NewRobotPartRequest(robot_id=w.robot_id, part_name="arm"))).part_id
    sibling = (await owner.get_robot_part(GetRobotPartRequest(id=w.sibling_id))).part
    assert sibling is not None
    w.sibling_secret_id = sibling.secrets[0].id
    w.secrets.update(location=loc.auth.secrets[0].secret, part=parts[0].secret, sibling=sibling.secret)
    w.secrets[ORG] = boot.api_key
    w.fragment_id = (
        await owner.create_fragment(CreateFragmentRequest(name="frag", organization_id=w.org_id))
    ).fragment.id  # type: ignore[union-attr]
    for who, auth in ((LOC_KEY, _role(w.org_id, "location", loc.id)), (ROBOT_KEY, _role(w.org_id, "robot", w.robot_id))):
        key = await owner.create_key(CreateKeyRequest(authorizations=[auth], name=who))
        w.meta[who] = await _token(channel, key.id, "api-key", key.key)
        w.secrets[who] = key.key
    spare = await owner.create_key(CreateKeyRequest(authorizations=[_role(w.org_id, "organization", w.org_id)], name="spare"))
    w.key_id = spare.id
    w.secrets["spare key"] = spare.key
    w.meta[LOC_SECRET] = await _token(channel, loc.id, "robot-location-secret", loc.auth.secrets[0].secret)
    w.meta[PART_SECRET] = await _token(channel, w.part_id, "robot-secret", parts[0].secret)
    w.meta[OTHER] = other_meta
    upload = DataCaptureUploadRequest(
        metadata=UploadMetadata(
            part_id=w.part_id,
            component_type="camera",
            component_name="cam",
            method_name="GetImages",
            type=DataType.DATA_TYPE_BINARY_SENSOR,
            file_extension=".jpg",
        ),
        sensor_contents=[SensorData(binary=b"jpeg bytes")],
    )
    sync = DataSyncServiceStub(channel, metadata=w.meta[PART_SECRET])
    w.binary_id = (await sync.data_capture_upload(upload)).binary_data_id
    w.bbox_id = (await w.data(ORG).add_bounding_box_to_image_by_id(_box(w.binary_id))).bbox_id
    w.saved_query_id = (
        await w.data(ORG).create_saved_query(
            CreateSavedQueryRequest(organization_id=w.org_id, name="hot", mql_binary=_STAGES)
        )
    ).id
    oauth = await owner.create_oauth_app(CreateOAuthAppRequest(org_id=w.org_id, client_name="dash", oauth_config=_OAUTH))
    w.oauth_client_id = oauth.client_id
    w.secrets["oauth app"] = oauth.client_secret
    await owner.set_fragment_tag(SetFragmentTagRequest(fragment_id=w.fragment_id, tag="stable", revision="1"))
    await owner.enable_billing_service(EnableBillingServiceRequest(org_id=w.org_id, billing_address=_ADDRESS))
    # the same organization, another location: none of the narrower credentials reach it
    far = (await owner.create_location(CreateLocationRequest(organization_id=w.org_id, name="Far"))).location
    assert far is not None
    far_robot = (await owner.new_robot(NewRobotRequest(name="far", location=far.id))).id
    far_parts = (await owner.get_robot_parts(GetRobotPartsRequest(robot_id=far_robot))).parts
    far_part = far_parts[0].id
    w.secrets["far part"] = far_parts[0].secret
    assert upload.metadata is not None
    upload.metadata.part_id = far_part
    owner_sync = DataSyncServiceStub(channel, metadata=w.meta[ORG])
    w.elsewhere_binary_id = (await owner_sync.data_capture_upload(upload)).binary_data_id
    return w


Attempt = Callable[[World, str], Awaitable[Any]]

_STAGES = [bson.encode({"$match": {}})]
_OAUTH = OAuthConfig(redirect_uris=["https://app.example.com/callback"])
_ADDRESS = BillingAddress(address_line_1="1 Main St", city="Springfield", state="IL", zipcode="62701", country="US")


def _box(binary_id: str) -> AddBoundingBoxToImageByIDRequest:
    return AddBoundingBoxToImageByIDRequest(
        binary_data_id=binary_id,
        label="cat",
        x_min_normalized=0.1,
        y_min_normalized=0.1,
        x_max_normalized=0.5,
        y_max_normalized=0.5,
    )


async def _sibling_secret_visible(w: World, who: str) -> None:
    parts = (await w.app(who).get_robot_parts(GetRobotPartsRequest(robot_id=w.robot_id))).parts
    sibling = next(p for p in parts if p.id == w.sibling_id)
    if not sibling.secrets and not sibling.secret:
        raise GRPCError(Status.PERMISSION_DENIED, "secret withheld")


async def _box_visible(w: World, who: str) -> None:
    found = await w.data(who).bounding_box_labels_by_filter(
        BoundingBoxLabelsByFilterRequest(filter=Filter(organization_ids=[w.org_id]))
    )
    if "cat" not in found.labels:  # a filter answers with what the caller may see: here, nothing
        raise GRPCError(Status.NOT_FOUND, "the box is not among the labels the caller sees")


async def _delete_location(w: World, who: str) -> None:
    # a location with machines cannot be deleted: empty it first (as the owner)
    await w.app(ORG).delete_robot(DeleteRobotRequest(id=w.robot_id))
    await w.app(who).delete_location(DeleteLocationRequest(location_id=w.location_id))


ATTEMPTS: dict[str, tuple[Attempt, Attempt, Attempt]] = {
    "organization": (
        lambda w, who: w.app(who).get_organization(GetOrganizationRequest(organization_id=w.org_id)),
        lambda w, who: w.app(who).update_organization(UpdateOrganizationRequest(organization_id=w.org_id, name="Renamed")),
        lambda w, who: w.app(who).delete_organization(DeleteOrganizationRequest(organization_id=w.org_id)),
    ),
    "location": (
        lambda w, who: w.app(who).get_location(GetLocationRequest(location_id=w.location_id)),
        lambda w, who: w.app(who).update_location(UpdateLocationRequest(location_id=w.location_id, name="Renamed")),
        _delete_location,
    ),
    "location secret": (
        lambda w, who: w.app(who).location_auth(LocationAuthRequest(location_id=w.location_id)),
        lambda w, who: w.app(who).create_location_secret(CreateLocationSecretRequest(location_id=w.location_id)),
        lambda w, who: w.app(who).delete_location_secret(
            DeleteLocationSecretRequest(location_id=w.location_id, secret_id=w.location_secret_id)
        ),
    ),
    "machine": (
        lambda w, who: w.app(who).get_robot(GetRobotRequest(id=w.robot_id)),
        lambda w, who: w.app(who).update_robot(UpdateRobotRequest(id=w.robot_id, name="renamed", location=w.location_id)),
        lambda w, who: w.app(who).delete_robot(DeleteRobotRequest(id=w.robot_id)),
    ),
    "machine part": (
        lambda w, who: w.app(who).get_robot_part(GetRobotPartRequest(id=w.part_id)),
        lambda w, who: w.app(who).update_robot_part(UpdateRobotPartRequest(id=w.part_id, name="renamed")),
        lambda w, who: w.app(who).delete_robot_part(DeleteRobotPartRequest(part_id=w.sibling_id)),
    ),
    "sibling part's secret": (
        _sibling_secret_visible,
        lambda w, who: w.app(who).create_robot_part_secret(CreateRobotPartSecretRequest(part_id=w.sibling_id)),
        lambda w, who: w.app(who).delete_robot_part_secret(
            DeleteRobotPartSecretRequest(part_id=w.sibling_id, secret_id=w.sibling_secret_id)
        ),
    ),
    "fragment": (
        lambda w, who: w.app(who).get_fragment(GetFragmentRequest(id=w.fragment_id)),
        lambda w, who: w.app(who).update_fragment(UpdateFragmentRequest(id=w.fragment_id, name="renamed")),
        lambda w, who: w.app(who).delete_fragment(DeleteFragmentRequest(id=w.fragment_id)),
    ),
    "api key": (
        lambda w, who: w.app(who).list_keys(ListKeysRequest(org_id=w.org_id)),
        lambda w, who: w.app(who).rotate_key(RotateKeyRequest(id=w.key_id)),
        lambda w, who: w.app(who).delete_key(DeleteKeyRequest(id=w.key_id)),
    ),
    "binary data": (
        lambda w, who: w.data(who).binary_data_by_ids(BinaryDataByIDsRequest(binary_data_ids=[w.binary_id])),
        lambda w, who: w.data(who).add_tags_to_binary_data_by_ids(
            AddTagsToBinaryDataByIDsRequest(binary_data_ids=[w.binary_id], tags=["t"])
        ),
        lambda w, who: w.data(who).delete_binary_data_by_ids(DeleteBinaryDataByIDsRequest(binary_data_ids=[w.binary_id])),
    ),
    "another location's data": (
        lambda w, who: w.data(who).binary_data_by_ids(BinaryDataByIDsRequest(binary_data_ids=[w.elsewhere_binary_id])),
        lambda w, who: w.data(who).add_tags_to_binary_data_by_ids(
            AddTagsToBinaryDataByIDsRequest(binary_data_ids=[w.elsewhere_binary_id], tags=["t"])
        ),
        lambda w, who: w.data(who).delete_binary_data_by_ids(
            DeleteBinaryDataByIDsRequest(binary_data_ids=[w.elsewhere_binary_id])
        ),
    ),
    "saved query": (
        lambda w, who: w.data(who).get_saved_query(GetSavedQueryRequest(id=w.saved_query_id)),
        lambda w, who: w.data(who).update_saved_query(
            UpdateSavedQueryRequest(id=w.saved_query_id, name="hotter", mql_binary=_STAGES)
        ),
        lambda w, who: w.data(who).delete_saved_query(DeleteSavedQueryRequest(id=w.saved_query_id)),
    ),
    "OAuth app": (
        lambda w, who: w.app(who).read_oauth_app(ReadOAuthAppRequest(org_id=w.org_id, client_id=w.oauth_client_id)),
        lambda w, who: w.app(who).update_oauth_app(
            UpdateOAuthAppRequest(org_id=w.org_id, client_id=w.oauth_client_id, client_name="dash2", oauth_config=_OAUTH)
        ),
        lambda w, who: w.app(who).delete_oauth_app(DeleteOAuthAppRequest(org_id=w.org_id, client_id=w.oauth_client_id)),
    ),
    "fragment tag": (
        lambda w, who: w.app(who).get_fragment(GetFragmentRequest(id=w.fragment_id, version="stable")),
        lambda w, who: w.app(who).set_fragment_tag(
            SetFragmentTagRequest(fragment_id=w.fragment_id, tag="stable", revision="1")
        ),
        lambda w, who: w.app(who).delete_fragment_tag(DeleteFragmentTagRequest(fragment_id=w.fragment_id, tag="stable")),
    ),
    "billing settings": (
        lambda w, who: w.app(who).get_billing_service_config(GetBillingServiceConfigRequest(org_id=w.org_id)),
        lambda w, who: w.app(who).update_billing_service(
            UpdateBillingServiceRequest(org_id=w.org_id, billing_address=_ADDRESS)
        ),
        lambda w, who: w.app(who).disable_billing_service(DisableBillingServiceRequest(org_id=w.org_id)),
    ),
    "bounding box": (
        _box_visible,
        lambda w, who: w.data(who).add_bounding_box_to_image_by_id(_box(w.binary_id)),
        lambda w, who: w.data(who).remove_bounding_box_from_image_by_id(
            RemoveBoundingBoxFromImageByIDRequest(binary_data_id=w.binary_id, bbox_id=w.bbox_id)
        ),
    ),
}


#: The secrets each credential may be shown (beyond those it was just handed by a create or rotate).
MAY_SEE: dict[str, set[str]] = {
    ORG: {"location", "part", "sibling", "far part", "oauth app"},
    LOC_KEY: {"location", "part", "sibling"},
    ROBOT_KEY: {"part", "sibling"},
    LOC_SECRET: {"location", "part", "sibling"},
    PART_SECRET: {"part"},
    OTHER: set(),
    NONE: set(),
}
LEAKS: list[str] = []
SCANNED = [0]


def _scan(w: World, who: str, what: str, answer: Any) -> None:
    """Record every secret of the world in ``answer`` that ``who`` may not see."""
    if answer is None:
        return
    SCANNED[0] += 1
    raw = bytes(answer)
    for name, secret in w.secrets.items():
        if name not in MAY_SEE[who] and secret.encode() in raw:
            LEAKS.append(f"{what} as {who} shows the secret of {name}")


async def _outcome(attempt: Attempt, w: World, who: str, what: str = "") -> Status:
    try:
        answer = await attempt(w, who)
    except GRPCError as exc:
        return exc.status
    _scan(w, who, what, answer)
    return Status.OK


#: Reads whose answers carry secrets, or could: each is scanned for every credential.
SCANS: dict[str, Attempt] = {
    "GetLocation": lambda w, who: w.app(who).get_location(GetLocationRequest(location_id=w.location_id)),
    "ListLocations": lambda w, who: w.app(who).list_locations(ListLocationsRequest(organization_id=w.org_id)),
    "LocationAuth": lambda w, who: w.app(who).location_auth(LocationAuthRequest(location_id=w.location_id)),
    "ListRobots": lambda w, who: w.app(who).list_robots(ListRobotsRequest(location_id=w.location_id)),
    "GetRobotParts": lambda w, who: w.app(who).get_robot_parts(GetRobotPartsRequest(robot_id=w.robot_id)),
    "GetRobotPart(own)": lambda w, who: w.app(who).get_robot_part(GetRobotPartRequest(id=w.part_id)),
    "GetRobotPart(sibling)": lambda w, who: w.app(who).get_robot_part(GetRobotPartRequest(id=w.sibling_id)),
    "GetRobotPartByNameAndLocation": lambda w, who: w.app(who).get_robot_part_by_name_and_location(
        GetRobotPartByNameAndLocationRequest(name="arm", location_id=w.location_id)
    ),
    "GetRobotPartHistory": lambda w, who: w.app(who).get_robot_part_history(GetRobotPartHistoryRequest(id=w.part_id)),
    "ListKeys": lambda w, who: w.app(who).list_keys(ListKeysRequest(org_id=w.org_id)),
    "GetRobotAPIKeys": lambda w, who: w.app(who).get_robot_api_keys(GetRobotAPIKeysRequest(robot_id=w.robot_id)),
    "ReadOAuthApp": lambda w, who: w.app(who).read_oauth_app(
        ReadOAuthAppRequest(org_id=w.org_id, client_id=w.oauth_client_id)
    ),
    "GetSavedQuery": lambda w, who: w.data(who).get_saved_query(GetSavedQueryRequest(id=w.saved_query_id)),
    "BinaryDataByIDs": lambda w, who: w.data(who).binary_data_by_ids(
        BinaryDataByIDsRequest(binary_data_ids=[w.binary_id], include_binary=True)
    ),
}


async def test_no_answer_shows_a_secret_its_caller_may_not_see(emulator: Emulator) -> None:
    channel = Channel(emulator.host, emulator.port)
    try:
        outsider = emulator.add_organization("Outsider")
        w = await _world(emulator, channel, await _token(channel, outsider.api_key_id, "api-key", outsider.api_key))
        w.secrets[OTHER] = outsider.api_key
        # the world changed as the owner (a rename is in the part's history) before the scan
        await w.app(ORG).update_robot_part(UpdateRobotPartRequest(id=w.part_id, name="rover-main"))
        LEAKS.clear()
        SCANNED[0] = 0
        for who in CREDENTIALS:
            for what, attempt in SCANS.items():
                await _outcome(attempt, w, who, what)
        assert LEAKS == [], "\n".join(LEAKS)
        FIGURES["secret scan"] = (
            f"{len(SCANS)} reads x {len(CREDENTIALS)} credentials, {SCANNED[0]} answers scanned for "
            f"{len(w.secrets)} secrets: 0 leaks"
        )
    finally:
        channel.close()


async def test_the_authorization_matrix(emulator: Emulator) -> None:
    assert set(ATTEMPTS) == set(EXPECTED)
    channel = Channel(emulator.host, emulator.port)
    try:
        outsider = emulator.add_organization("Outsider")
        other_meta = await _token(channel, outsider.api_key_id, "api-key", outsider.api_key)
        shared = await _world(emulator, channel, other_meta)
        LEAKS.clear()
        wrong: list[str] = []
        attempts = refusals = 0
        for kind, ops in ATTEMPTS.items():
            for op_index, (op, attempt) in enumerate(zip(OPERATIONS, ops, strict=True)):
                allowed = EXPECTED[kind][op_index]
                for who in CREDENTIALS:
                    # reads and modifications share one world; every delete gets a fresh one
                    w = shared if op != "delete" else await _world(emulator, channel, other_meta)
                    status = await _outcome(attempt, w, who, f"{kind}/{op}")
                    attempts += 1
                    if who in allowed:
                        if status is not Status.OK:
                            wrong.append(f"{kind}/{op}/{who}: refused with {status.name}, should be allowed")
                        continue
                    refusals += status in REFUSALS
                    if who == NONE and status is not Status.UNAUTHENTICATED:
                        wrong.append(f"{kind}/{op}/{who}: {status.name}, should be UNAUTHENTICATED")
                    elif status not in REFUSALS:
                        wrong.append(f"{kind}/{op}/{who}: {status.name}, should be refused")
        assert wrong == [], "\n".join(wrong)
        assert LEAKS == [], "\n".join(LEAKS)  # nor did an allowed answer show a secret beyond the caller's reach
        denied = sum(len(CREDENTIALS) - len(allowed) for row in EXPECTED.values() for allowed in row)
        assert refusals == denied
        FIGURES["authorization matrix"] = (
            f"{len(ATTEMPTS)} object kinds x {len(CREDENTIALS)} credentials x 3 operations: "
            f"{attempts} attempts, {refusals} refused as expected, {attempts - refusals} allowed, 0 leaks"
        )
    finally:
        channel.close()


async def test_a_refused_change_changes_nothing(emulator: Emulator) -> None:
    """The refusals above leave the objects as they were (a sample of the matrix's writes)."""
    channel = Channel(emulator.host, emulator.port)
    try:
        outsider = emulator.add_organization("Outsider")
        w = await _world(emulator, channel, await _token(channel, outsider.api_key_id, "api-key", outsider.api_key))
        for who in (PART_SECRET, OTHER, NONE):
            for kind in ("machine", "machine part", "location"):
                assert await _outcome(ATTEMPTS[kind][1], w, who) in REFUSALS
        owner = w.app(ORG)
        robot = (await owner.get_robot(GetRobotRequest(id=w.robot_id))).robot
        part = (await owner.get_robot_part(GetRobotPartRequest(id=w.part_id))).part
        loc = (await owner.get_location(GetLocationRequest(location_id=w.location_id))).location
        assert robot is not None and part is not None and loc is not None
        assert (robot.name, part.name, loc.name) == ("rover", "rover-main", "Lab")
    finally:
        channel.close()
