"""Registry items and modules, including the UploadModuleFile client stream."""

from __future__ import annotations

from collections.abc import AsyncIterator

from grpclib.client import Channel
from grpclib.const import Status
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    AppServiceStub,
    CreateModuleRequest,
    CreateRegistryItemRequest,
    DeleteRegistryItemRequest,
    DeprecateRegistryItemRequest,
    GetModuleRequest,
    GetRegistryItemRequest,
    ListModulesRequest,
    ListRegistryItemsRequest,
    Model,
    ModuleFileInfo,
    RegistryItemStatus,
    RenameRegistryItemRequest,
    UpdateModuleRequest,
    UpdateOrganizationRequest,
    UpdateRegistryItemRequest,
    UploadModuleFileRequest,
    Visibility,
)

from viam_sdk.testing import Emulator

from ._helpers import raises_status


async def chunks(module_id: str, version: str, parts: list[bytes]) -> AsyncIterator[UploadModuleFileRequest]:
    yield UploadModuleFileRequest(
        module_file_info=ModuleFileInfo(module_id=module_id, version=version, platform="linux/amd64")
    )
    for part in parts:
        yield UploadModuleFileRequest(file=part)


async def test_modules_create_update_upload_list(
    emulator: Emulator, channel: Channel, app: AppServiceStub
) -> None:
    org_id = emulator.bootstrap.org_id
    await app.update_organization(UpdateOrganizationRequest(organization_id=org_id, public_namespace="acme"))
    with raises_status(Status.INVALID_ARGUMENT, "bad name"):
        await app.create_module(CreateModuleRequest(organization_id=org_id, name="bad name"))
    created = await app.create_module(CreateModuleRequest(organization_id=org_id, name="wheels"))
    assert created.module_id == "acme:wheels" and created.url.endswith("/acme/wheels")
    with raises_status(Status.ALREADY_EXISTS, "wheels"):
        await app.create_module(CreateModuleRequest(organization_id=org_id, name="wheels"))

    with raises_status(Status.INVALID_ARGUMENT, "model"):
        await app.update_module(
            UpdateModuleRequest(
                module_id=created.module_id, entrypoint="run.sh", models=[Model(api="", model="")]
            )
        )
    model = Model(api="rdk:component:base", model="acme:wheels:fast")
    await app.update_module(
        UpdateModuleRequest(
            module_id=created.module_id,
            visibility=Visibility.VISIBILITY_PUBLIC,
            url="https://github.com/acme/wheels",
            description="wheel driver",
            models=[model],
            entrypoint="run.sh",
        )
    )
    with raises_status(Status.INVALID_ARGUMENT, "1.x"):
        await app.upload_module_file(chunks(created.module_id, "1.x", [b"abc"]))
    uploaded = await app.upload_module_file(chunks(created.module_id, "1.0.0", [b"abc", b"def"]))
    assert "1.0.0" in uploaded.url
    with raises_status(Status.ALREADY_EXISTS):
        await app.upload_module_file(chunks(created.module_id, "1.0.0", [b"again"]))
    size = emulator.store.one(
        "SELECT size, sha256 FROM module_files WHERE module_id = ?", (created.module_id,)
    )
    assert size is not None and size["size"] == 6

    module = (await app.get_module(GetModuleRequest(module_id=created.module_id))).module
    assert (
        module is not None
        and module.entrypoint == "run.sh"
        and [m.model for m in module.models] == [model.model]
    )
    assert [(v.version, [f.platform for f in v.files]) for v in module.versions] == [
        ("1.0.0", ["linux/amd64"])
    ]

    # Another org sees the public module but cannot change it.
    other = emulator.add_organization("Other")
    outsider = AppServiceStub(channel, metadata=emulator.auth_metadata(other.api_key_id))
    seen = (await outsider.list_modules(ListModulesRequest(organization_id=other.org_id))).modules
    assert [m.module_id for m in seen] == [created.module_id]
    with raises_status(Status.PERMISSION_DENIED):
        await outsider.update_module(UpdateModuleRequest(module_id=created.module_id, entrypoint="evil.sh"))


async def test_registry_items_lifecycle(emulator: Emulator, app: AppServiceStub) -> None:
    org_id = emulator.bootstrap.org_id
    with raises_status(Status.INVALID_ARGUMENT, "package type"):
        await app.create_registry_item(CreateRegistryItemRequest(organization_id=org_id, name="model"))
    await app.create_registry_item(
        CreateRegistryItemRequest(
            organization_id=org_id, name="detector", type=PackageType.PACKAGE_TYPE_ML_MODEL
        )
    )
    item_id = f"{org_id}:detector"  # no public namespace yet: the org id prefixes the name
    item = (await app.get_registry_item(GetRegistryItemRequest(item_id=item_id))).item
    assert item is not None and item.type == PackageType.PACKAGE_TYPE_ML_MODEL
    assert item.visibility == Visibility.VISIBILITY_PRIVATE
    with raises_status(Status.INVALID_ARGUMENT, "PACKAGE_TYPE_MODULE"):
        await app.update_registry_item(
            UpdateRegistryItemRequest(item_id=item_id, type=PackageType.PACKAGE_TYPE_MODULE, description="x")
        )
    await app.update_registry_item(
        UpdateRegistryItemRequest(
            item_id=item_id,
            type=PackageType.PACKAGE_TYPE_ML_MODEL,
            description="finds cats",
            visibility=Visibility.VISIBILITY_PUBLIC,
        )
    )
    listed = await app.list_registry_items(
        ListRegistryItemsRequest(
            organization_id=org_id, types=[PackageType.PACKAGE_TYPE_ML_MODEL], search_term="CATS"
        )
    )
    assert [i.item_id for i in listed.items] == [item_id]
    in_dev = await app.list_registry_items(
        ListRegistryItemsRequest(
            organization_id=org_id, statuses=[RegistryItemStatus.REGISTRY_ITEM_STATUS_PUBLISHED]
        )
    )
    assert in_dev.items == []  # nothing uploaded yet
    renamed = (
        await app.rename_registry_item(RenameRegistryItemRequest(item_id=item_id, new_name="cat-finder"))
    ).item
    assert renamed is not None and renamed.item_id == f"{org_id}:cat-finder"
    await app.deprecate_registry_item(DeprecateRegistryItemRequest(item_id=renamed.item_id, message="use v2"))
    deprecated = (await app.get_registry_item(GetRegistryItemRequest(item_id=renamed.item_id))).item
    assert deprecated is not None and deprecated.deprecated_status is not None
    assert deprecated.deprecated_status.message == "use v2"
    await app.delete_registry_item(DeleteRegistryItemRequest(item_id=renamed.item_id))
    with raises_status(Status.NOT_FOUND, "cat-finder"):
        await app.get_registry_item(GetRegistryItemRequest(item_id=renamed.item_id))
