"""The less central AppService RPCs: settings, OAuth apps, push tokens, favourites,
config properties, machine summaries, fragment resolution, version deprecation, apps."""

from __future__ import annotations

from collections.abc import AsyncIterator

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.v1 import (
    AddFavoriteMachineRequest,
    App,
    AppServiceStub,
    AppType,
    BillingAddress,
    ConfigPropertyChange,
    CreateFragmentRequest,
    CreateModuleRequest,
    CreateOAuthAppRequest,
    DeleteOAuthAppRequest,
    DeprecateRegistryItemVersionRequest,
    EnableAuthServiceRequest,
    EnableBillingServiceRequest,
    FragmentErrorType,
    GetAppBrandingRequest,
    GetAppContentRequest,
    GetBillingServiceConfigRequest,
    GetDevicePushTokensRequest,
    GetFirebaseConfigRequest,
    GetModuleRequest,
    GetRobotPartRequest,
    ListFavoriteMachinesRequest,
    ListMachineFragmentsRequest,
    ListMachineSummariesRequest,
    ListNestedFragmentsRequest,
    ListOAuthAppsRequest,
    LogRequest,
    ModuleFileInfo,
    NewRobotRequest,
    OAuthConfig,
    OnlineState,
    OrganizationGetLogoRequest,
    OrganizationGetSupportEmailRequest,
    OrganizationSetLogoRequest,
    OrganizationSetSupportEmailRequest,
    ReadOAuthAppRequest,
    RemoveFavoriteMachineRequest,
    SearchOrganizationsRequest,
    SetConfigPropertyRequest,
    SetFirebaseConfigRequest,
    UpdateFragmentRequest,
    UpdateModuleRequest,
    UpdateOrganizationRequest,
    UpdateRobotPartRequest,
    UploadDevicePushTokenRequest,
    UploadModuleFileRequest,
    Visibility,
)
from viam_api.common.v1 import LogEntry
from viam_api.google.protobuf import Value

from viam_sdk.testing import Emulator
from viam_sdk.testing.structs import dict_to_struct, struct_to_dict

from ._helpers import Fleet, raises_status, robot_stub, token_metadata


async def test_support_email_logo_and_billing_service(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    with raises_status(Status.INVALID_ARGUMENT, "help-at-acme"):
        await app.organization_set_support_email(
            OrganizationSetSupportEmailRequest(org_id=org_id, email="help-at-acme")
        )
    await app.organization_set_support_email(
        OrganizationSetSupportEmailRequest(org_id=org_id, email="help@acme.io")
    )
    got = await app.organization_get_support_email(OrganizationGetSupportEmailRequest(org_id=org_id))
    assert got.email == "help@acme.io"
    with raises_status(Status.INVALID_ARGUMENT, "PNG"):
        await app.organization_set_logo(OrganizationSetLogoRequest(org_id=org_id, logo=b"GIF89a"))
    await app.organization_set_logo(OrganizationSetLogoRequest(org_id=org_id, logo=b"\x89PNG\r\n\x1a\nxyz"))
    logo = await app.organization_get_logo(OrganizationGetLogoRequest(org_id=org_id))
    assert logo.url.startswith("data:image/png;base64,")

    with raises_status(Status.FAILED_PRECONDITION):
        await app.get_billing_service_config(GetBillingServiceConfigRequest(org_id=org_id))
    with raises_status(Status.INVALID_ARGUMENT, "city"):
        await app.enable_billing_service(
            EnableBillingServiceRequest(
                org_id=org_id, billing_address=BillingAddress(address_line_1="1 Main St")
            )
        )
    address = BillingAddress(
        address_line_1="1 Main St", city="Springfield", state="NY", zipcode="10001", country="US"
    )
    await app.enable_billing_service(EnableBillingServiceRequest(org_id=org_id, billing_address=address))
    config = await app.get_billing_service_config(GetBillingServiceConfigRequest(org_id=org_id))
    assert config.billing_address is not None and config.billing_address.city == "Springfield"
    assert config.support_email == "help@acme.io"
    await app.enable_auth_service(EnableAuthServiceRequest(org_id=org_id))
    with raises_status(Status.ALREADY_EXISTS):
        await app.enable_auth_service(EnableAuthServiceRequest(org_id=org_id))


async def test_oauth_apps_firebase_and_push_tokens(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    with raises_status(Status.INVALID_ARGUMENT, "redirect"):
        await app.create_oauth_app(
            CreateOAuthAppRequest(org_id=org_id, client_name="web", oauth_config=OAuthConfig())
        )
    config = OAuthConfig(redirect_uris=["https://acme.io/callback"], logout_uri="https://acme.io/bye")
    created = await app.create_oauth_app(
        CreateOAuthAppRequest(org_id=org_id, client_name="web", oauth_config=config)
    )
    read = await app.read_oauth_app(ReadOAuthAppRequest(org_id=org_id, client_id=created.client_id))
    assert read.client_secret == created.client_secret and read.oauth_config is not None
    assert read.oauth_config.redirect_uris == ["https://acme.io/callback"]
    assert (await app.list_oauth_apps(ListOAuthAppsRequest(org_id=org_id))).client_ids == [created.client_id]
    await app.delete_oauth_app(DeleteOAuthAppRequest(org_id=org_id, client_id=created.client_id))
    with raises_status(Status.NOT_FOUND, created.client_id):
        await app.read_oauth_app(ReadOAuthAppRequest(org_id=org_id, client_id=created.client_id))

    with raises_status(Status.INVALID_ARGUMENT, "JSON"):
        await app.set_firebase_config(SetFirebaseConfigRequest(org_id=org_id, app_id="app", config_json="{"))
    await app.set_firebase_config(SetFirebaseConfigRequest(org_id=org_id, app_id="app", config_json="{}"))
    assert (await app.get_firebase_config(GetFirebaseConfigRequest(org_id=org_id))).app_id == "app"

    await app.upload_device_push_token(
        UploadDevicePushTokenRequest(app_id="app", device_token="tok-1", device_uuid="phone")
    )
    await app.upload_device_push_token(
        UploadDevicePushTokenRequest(app_id="app", device_token="tok-2", device_uuid="phone")
    )
    assert (await app.get_device_push_tokens(GetDevicePushTokensRequest(app_id="app"))).device_tokens == [
        "tok-2"
    ]


async def test_search_organizations_sees_only_reachable_orgs(emulator: Emulator, app: AppServiceStub) -> None:
    emulator.add_organization("Hidden Robotics")
    await app.update_organization(
        UpdateOrganizationRequest(organization_id=emulator.bootstrap.org_id, cid="C-1")
    )
    found = await app.search_organizations(SearchOrganizationsRequest(org_name="ORGANIZATION"))
    assert [o.org_id for o in found.organizations] == [emulator.bootstrap.org_id]
    assert (await app.search_organizations(SearchOrganizationsRequest(org_name="hidden"))).organizations == []
    assert [
        o.org_cid
        for o in (await app.search_organizations(SearchOrganizationsRequest(cid="C-1"))).organizations
    ] == ["C-1"]


async def test_set_config_property_applies_the_good_changes(app: AppServiceStub, fleet: Fleet) -> None:
    await app.update_robot_part(
        UpdateRobotPartRequest(
            id=fleet.part_id,
            name="rover-main",
            robot_config=dict_to_struct({"components": [{"name": "m", "attributes": {}}]}),
        )
    )
    result = await app.set_config_property(
        SetConfigPropertyRequest(
            robot_part_id=fleet.part_id,
            property_changes=[
                ConfigPropertyChange(path="components.0.attributes.pin", value=Value(number_value=7)),
                ConfigPropertyChange(path="components.5.name", value=Value(string_value="x")),
                ConfigPropertyChange(path="network.port", value=Value(number_value=8080)),
            ],
        )
    )
    assert [(r.path, r.success) for r in result.property_changes] == [
        ("components.0.attributes.pin", True),
        ("components.5.name", False),
        ("network.port", True),
    ]
    assert "no list item 5" in result.property_changes[1].error
    part = (await app.get_robot_part(GetRobotPartRequest(id=fleet.part_id))).part
    assert part is not None
    assert struct_to_dict(part.robot_config) == {
        "components": [{"name": "m", "attributes": {"pin": 7}}],
        "network": {"port": 8080},
    }


async def test_favourites_and_machine_summaries(channel: Channel, app: AppServiceStub, fleet: Fleet) -> None:
    await app.add_favorite_machine(AddFavoriteMachineRequest(machine_id=fleet.robot_id))
    favs = (await app.list_favorite_machines(ListFavoriteMachinesRequest())).favorites
    assert [(f.machine.id if f.machine else None, f.organization_id) for f in favs] == [
        (fleet.robot_id, fleet.org_id)
    ]
    await app.remove_favorite_machine(RemoveFavoriteMachineRequest(machine_id=fleet.robot_id))
    with raises_status(Status.NOT_FOUND):
        await app.remove_favorite_machine(RemoveFavoriteMachineRequest(machine_id=fleet.robot_id))

    await app.new_robot(NewRobotRequest(name="idle", location=fleet.location_id))
    meta = await token_metadata(channel, fleet.part_id, "robot-secret", fleet.part_secret)
    await robot_stub(channel, meta).log(
        LogRequest(id=fleet.part_id, logs=[LogEntry(level="info", message="hello")])
    )
    summaries = (
        await app.list_machine_summaries(ListMachineSummariesRequest(organization_id=fleet.org_id))
    ).location_summaries
    assert [s.location_name for s in summaries] == ["Lab"]
    states = {m.machine_name: m.part_summaries[0].online_state for m in summaries[0].machine_summaries}
    assert states == {
        "idle": OnlineState.ONLINE_STATE_AWAITING_SETUP,
        "rover": OnlineState.ONLINE_STATE_ONLINE,
    }
    limited = await app.list_machine_summaries(
        ListMachineSummariesRequest(organization_id=fleet.org_id, limit=1)
    )
    assert sum(len(s.machine_summaries) for s in limited.location_summaries) == 1


async def test_fragment_resolution_reports_bad_references(app: AppServiceStub, fleet: Fleet) -> None:
    org_id = fleet.org_id
    leaf = (await app.create_fragment(CreateFragmentRequest(organization_id=org_id, name="leaf"))).fragment
    assert leaf is not None
    mid = (
        await app.create_fragment(
            CreateFragmentRequest(
                organization_id=org_id, name="mid", config=dict_to_struct({"fragments": [leaf.id, "ghost"]})
            )
        )
    ).fragment
    assert mid is not None
    # leaf -> mid closes a cycle.
    await app.update_fragment(
        UpdateFragmentRequest(id=leaf.id, name="leaf", config=dict_to_struct({"fragments": [mid.id]}))
    )
    await app.update_robot_part(
        UpdateRobotPartRequest(
            id=fleet.part_id, name="rover-main", robot_config=dict_to_struct({"fragments": [{"id": mid.id}]})
        )
    )
    machine = await app.list_machine_fragments(ListMachineFragmentsRequest(machine_id=fleet.robot_id))
    assert sorted(f.name for f in machine.fragments) == ["leaf", "mid"]
    errors = {r.fragment_id: r.error.error_type for r in machine.resolved_fragments if r.error}
    assert errors == {
        "ghost": FragmentErrorType.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID,
        mid.id: FragmentErrorType.FRAGMENT_ERROR_TYPE_CYCLE_DETECTED,  # mid -> leaf -> mid
    }
    nested = await app.list_nested_fragments(ListNestedFragmentsRequest(fragment_id=leaf.id))
    cycle = [r for r in nested.resolved_fragments if r.error]
    assert {r.error.error_type for r in cycle if r.error} == {
        FragmentErrorType.FRAGMENT_ERROR_TYPE_CYCLE_DETECTED,
        FragmentErrorType.FRAGMENT_ERROR_TYPE_CHILD_ID_INVALID,
    }


async def _upload(module_id: str, version: str) -> AsyncIterator[UploadModuleFileRequest]:
    yield UploadModuleFileRequest(
        module_file_info=ModuleFileInfo(module_id=module_id, version=version, platform="any")
    )
    yield UploadModuleFileRequest(file=b"tarball")


async def test_module_apps_and_version_deprecation(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    await app.update_organization(UpdateOrganizationRequest(organization_id=org_id, public_namespace="acme"))
    module_id = (await app.create_module(CreateModuleRequest(organization_id=org_id, name="dash"))).module_id
    with raises_status(Status.INVALID_ARGUMENT, "spaceship"):
        await app.update_module(
            UpdateModuleRequest(
                module_id=module_id, entrypoint="run", apps=[App(name="a", type="spaceship", entrypoint="x")]
            )
        )
    await app.update_module(
        UpdateModuleRequest(
            module_id=module_id,
            entrypoint="run",
            visibility=Visibility.VISIBILITY_PUBLIC,
            apps=[App(name="panel", type="multi_machine", entrypoint="dist/index.html", fragment_ids=["f1"])],
        )
    )
    await app.upload_module_file(_upload(module_id, "0.1.0"))
    content = await app.get_app_content(GetAppContentRequest(public_namespace="acme", name="panel"))
    assert (content.entrypoint, content.app_type, content.public) == (
        "dist/index.html",
        AppType.APP_TYPE_MULTI_MACHINE,
        True,
    )
    branding = await app.get_app_branding(GetAppBrandingRequest(public_namespace="acme", name="panel"))
    assert branding.fragment_ids == ["f1"]
    with raises_status(Status.NOT_FOUND, "nope"):
        await app.get_app_content(GetAppContentRequest(public_namespace="acme", name="nope"))

    with raises_status(Status.NOT_FOUND, "9.9.9"):
        await app.deprecate_registry_item_version(
            DeprecateRegistryItemVersionRequest(item_id=module_id, version="9.9.9", message="old")
        )
    await app.deprecate_registry_item_version(
        DeprecateRegistryItemVersionRequest(item_id=module_id, version="0.1.0", message="buggy")
    )
    module = (await app.get_module(GetModuleRequest(module_id=module_id))).module
    assert module is not None and module.versions[0].deprecated_status is not None
    assert module.versions[0].deprecated_status.message == "buggy"
