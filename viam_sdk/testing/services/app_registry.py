"""AppService, registry: registry items (modules, ML models, training scripts, ...) and modules.

* An item's id is ``<public namespace>:<name>``, or ``<organization id>:<name>``
  while the organization has no namespace.  Names are 1-200 letters, digits,
  ``-`` or ``_`` and unique per organization (ALREADY_EXISTS).
* Private items are visible to their organization only; public and unlisted
  items to every caller; ListRegistryItems/ListModules add the public items of
  other organizations to the caller's own.
* UploadModuleFile is a client stream: the first message carries
  ``module_file_info`` (module id, semantic version, platform), the following
  ones chunks of the file.  Chunks are written as they arrive; the file's size
  and SHA-256 are kept with the upload.  A version/platform pair can be
  uploaded once (ALREADY_EXISTS).  A module with at least one upload counts as
  published, one without as in development.
* Apps declared by UpdateModule are served by GetAppContent/GetAppBranding
  under ``<public namespace>/<app name>``; private modules' apps only to their
  organization.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import AsyncIterator
from functools import cached_property
from typing import Any

from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import (
    App,
    AppType,
    CreateModuleRequest,
    CreateModuleResponse,
    CreateRegistryItemRequest,
    CreateRegistryItemResponse,
    DeleteRegistryItemRequest,
    DeleteRegistryItemResponse,
    DeprecatedStatus,
    DeprecateRegistryItemRequest,
    DeprecateRegistryItemResponse,
    DeprecateRegistryItemVersionRequest,
    DeprecateRegistryItemVersionResponse,
    GetAppBrandingRequest,
    GetAppBrandingResponse,
    GetAppContentRequest,
    GetAppContentResponse,
    GetModuleRequest,
    GetModuleResponse,
    GetRegistryItemRequest,
    GetRegistryItemResponse,
    ListModulesRequest,
    ListModulesResponse,
    ListRegistryItemsRequest,
    ListRegistryItemsResponse,
    Model,
    Module,
    ModuleMetadata,
    ModuleVersion,
    RegistryItem,
    RegistryItemStatus,
    RenameRegistryItemRequest,
    RenameRegistryItemResponse,
    TransferRegistryItemRequest,
    TransferRegistryItemResponse,
    UndeprecateRegistryItemRequest,
    UndeprecateRegistryItemResponse,
    UndeprecateRegistryItemVersionRequest,
    UndeprecateRegistryItemVersionResponse,
    UpdateModuleRequest,
    UpdateModuleResponse,
    UpdateRegistryItemRequest,
    UpdateRegistryItemResponse,
    UploadModuleFileRequest,
    UploadModuleFileResponse,
    Uploads,
    VersionHistory,
    Visibility,
)

from ..auth import Identity, caller, require_org
from ..backends.registry import SCHEMA, ItemRow, RegistryBackend, check_item_name
from ..context import parse_iso
from ..errors import InvalidArgument, NotFound
from ._app_common import AppPart

__all__ = ["SCHEMA", "RegistryPart", "check_item_name"]

PUBLIC_KINDS = (Visibility.VISIBILITY_PUBLIC, Visibility.VISIBILITY_PUBLIC_UNLISTED)
APP_URL = "https://app.viam.com"
APP_TYPES = {
    "single_machine": AppType.APP_TYPE_SINGLE_MACHINE,
    "multi_machine": AppType.APP_TYPE_MULTI_MACHINE,
}


def _model_dict(model: Model) -> dict[str, Any]:
    if not model.api or not model.model:
        raise InvalidArgument(
            f"every model needs an api and a model triplet (got api={model.api!r}, model={model.model!r})"
        )
    return {"api": model.api, "model": model.model, "description": model.description}


def _models(data: dict[str, Any]) -> list[Model]:
    return [
        Model(api=m["api"], model=m["model"], description=m.get("description"))
        for m in data.get("models", [])
    ]


def _apps(data: dict[str, Any]) -> list[App]:
    # Apps are kept whole, as base64 of their wire form.
    return [App.parse(base64.b64decode(a)) for a in data.get("apps", []) if isinstance(a, str)]


def _app_text(app: App) -> str:
    if not app.name or not app.entrypoint:
        raise InvalidArgument(f"every app needs a name and an entrypoint (got name={app.name!r})")
    if app.type not in APP_TYPES:
        raise InvalidArgument(f"app type {app.type!r} is not one of {', '.join(APP_TYPES)}")
    return base64.b64encode(bytes(app)).decode()


class RegistryPart(AppPart):
    @cached_property
    def registry(self) -> RegistryBackend:
        return RegistryBackend(self.ctx)

    def _item_readable(self, ident: Identity, item_id: str) -> ItemRow:
        row = self.registry.get(item_id)
        if Visibility(row.visibility) not in PUBLIC_KINDS:
            require_org(self.ctx, ident, row.organization_id)
        return row

    def _item_writable(self, ident: Identity, item_id: str) -> ItemRow:
        row = self.registry.get(item_id)
        require_org(self.ctx, ident, row.organization_id, write=True)
        return row

    def _versions(self, module_id: str) -> dict[str, list[Uploads]]:
        return {
            version: [Uploads(platform=u.platform, uploaded_at=parse_iso(u.uploaded_at)) for u in uploads]
            for version, uploads in self.registry.versions(module_id).items()
        }

    def _version_status(self, module_id: str, version: str) -> DeprecatedStatus | None:
        found = self.registry.version_deprecation(module_id, version)
        if found is None:
            return None
        return DeprecatedStatus(deprecated_at=parse_iso(found.deprecated_at), message=found.message)

    @staticmethod
    def _deprecated(row: ItemRow) -> DeprecatedStatus | None:
        if not row.deprecated_at:
            return None
        return DeprecatedStatus(deprecated_at=parse_iso(row.deprecated_at), message=row.deprecation_message)

    def _item_message(self, row: ItemRow, *, markdown: bool = False) -> RegistryItem:
        kind = PackageType(row.type)
        namespace = self.registry.namespace_of(row.organization_id)
        data = row.module
        module_metadata = None
        if kind == PackageType.PACKAGE_TYPE_MODULE:
            versions = self._versions(row.id)
            module_metadata = ModuleMetadata(
                models=_models(data),
                versions=[
                    ModuleVersion(
                        version=v,
                        files=files,
                        models=_models(data),
                        entrypoint=data.get("entrypoint", ""),
                        deprecated_status=self._version_status(row.id, v),
                    )
                    for v, files in versions.items()
                ],
                entrypoint=data.get("entrypoint", ""),
                first_run=data.get("first_run"),
                markdown_description=row.markdown if markdown else None,
                apps=_apps(data),
            )
        return RegistryItem(
            item_id=row.id,
            organization_id=row.organization_id,
            public_namespace=namespace,
            name=row.name,
            type=kind,
            visibility=Visibility(row.visibility),
            url=row.url,
            description=row.description,
            module_metadata=module_metadata,
            created_at=parse_iso(row.created_at),
            updated_at=parse_iso(row.updated_at),
            deprecated_status=self._deprecated(row),
        )

    def _module_message(self, row: ItemRow, *, markdown: bool = False) -> Module:
        namespace = self.registry.namespace_of(row.organization_id)
        data = row.module
        return Module(
            module_id=row.id,
            name=row.name,
            visibility=Visibility(row.visibility),
            versions=[
                VersionHistory(
                    version=v,
                    files=files,
                    models=_models(data),
                    entrypoint=data.get("entrypoint", ""),
                    deprecated_status=self._version_status(row.id, v),
                )
                for v, files in self._versions(row.id).items()
            ],
            url=row.url,
            description=row.description,
            models=_models(data),
            organization_id=row.organization_id,
            entrypoint=data.get("entrypoint", ""),
            public_namespace=namespace,
            first_run=data.get("first_run"),
            markdown_description=row.markdown if markdown else None,
            apps=_apps(data),
            deprecated_status=self._deprecated(row),
        )

    # -- registry items ---------------------------------------------------------------

    async def get_registry_item(self, request: GetRegistryItemRequest) -> GetRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_readable(ident, request.item_id)
        return GetRegistryItemResponse(
            item=self._item_message(row, markdown=bool(request.include_markdown_documentation))
        )

    async def create_registry_item(self, request: CreateRegistryItemRequest) -> CreateRegistryItemResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        name = check_item_name(request.name)
        if request.type == PackageType.PACKAGE_TYPE_UNSPECIFIED:
            raise InvalidArgument("a registry item needs a package type")
        self.registry.create(request.organization_id, name, request.type)
        return CreateRegistryItemResponse()

    async def update_registry_item(self, request: UpdateRegistryItemRequest) -> UpdateRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        if request.type != PackageType(row.type):
            raise InvalidArgument(
                f"registry item {request.item_id!r} is a {PackageType(row.type).name}, not a {request.type.name}"
            )
        visibility = (
            int(request.visibility) if request.visibility != Visibility.VISIBILITY_UNSPECIFIED else row.visibility
        )
        module: dict[str, Any] | None = None
        if request.update_module_metadata is not None:
            meta = request.update_module_metadata
            module = dict(row.module)
            module["models"] = [_model_dict(m) for m in meta.models]
            module["entrypoint"] = meta.entrypoint
        self.registry.update(
            request.item_id,
            description=request.description,
            visibility=visibility,
            url=request.url,
            markdown=request.markdown_description,
            module=module,
        )
        return UpdateRegistryItemResponse()

    async def list_registry_items(self, request: ListRegistryItemsRequest) -> ListRegistryItemsResponse:
        ident = caller(self.ctx)
        rows: list[ItemRow] = []
        if request.organization_id:
            require_org(self.ctx, ident, request.organization_id)
            rows = self.registry.of_org(request.organization_id)
        rows += self.registry.public_elsewhere(request.organization_id or "")
        items = [self._item_message(r, markdown=bool(request.include_markdown_documentation)) for r in rows]
        types, kinds = set(request.types), set(request.visibilities)
        namespaces, platforms, statuses = (
            set(request.public_namespaces),
            set(request.platforms),
            set(request.statuses),
        )
        term = (request.search_term or "").lower()

        def keep(item: RegistryItem) -> bool:
            if types and item.type not in types:
                return False
            if kinds and item.visibility not in kinds:
                return False
            if namespaces and item.public_namespace not in namespaces:
                return False
            if term and term not in item.name.lower() and term not in item.description.lower():
                return False
            if item.deprecated_status is not None and not request.show_owned_deprecated:
                return False
            uploads = item.module_metadata.versions if item.module_metadata else []
            if platforms and not any(f.platform in platforms for v in uploads for f in v.files):
                return False
            if statuses:
                status = (
                    RegistryItemStatus.REGISTRY_ITEM_STATUS_PUBLISHED
                    if uploads
                    else RegistryItemStatus.REGISTRY_ITEM_STATUS_IN_DEVELOPMENT
                )
                if status not in statuses:
                    return False
            return True

        return ListRegistryItemsResponse(items=[i for i in items if keep(i)])

    async def delete_registry_item(self, request: DeleteRegistryItemRequest) -> DeleteRegistryItemResponse:
        ident = caller(self.ctx)
        self._item_writable(ident, request.item_id)
        self.registry.delete(request.item_id)
        return DeleteRegistryItemResponse()

    async def rename_registry_item(self, request: RenameRegistryItemRequest) -> RenameRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        new_id = self.registry.rename(row, request.new_name)
        return RenameRegistryItemResponse(item=self._item_message(self.registry.get(new_id)))

    async def transfer_registry_item(
        self, request: TransferRegistryItemRequest
    ) -> TransferRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        if not request.new_public_namespace:
            raise InvalidArgument("a public namespace to transfer to is required")
        target = self.registry.org_with_namespace(request.new_public_namespace)
        if target is None:
            raise NotFound(f"no organization has the public namespace {request.new_public_namespace!r}")
        require_org(self.ctx, ident, target, write=True)
        self.registry.transfer(row, target, request.new_public_namespace)
        return TransferRegistryItemResponse()

    async def deprecate_registry_item(
        self, request: DeprecateRegistryItemRequest
    ) -> DeprecateRegistryItemResponse:
        ident = caller(self.ctx)
        self._item_writable(ident, request.item_id)
        self.registry.set_deprecated(request.item_id, request.message)
        return DeprecateRegistryItemResponse()

    async def undeprecate_registry_item(
        self, request: UndeprecateRegistryItemRequest
    ) -> UndeprecateRegistryItemResponse:
        ident = caller(self.ctx)
        self._item_writable(ident, request.item_id)
        self.registry.set_deprecated(request.item_id, None)
        return UndeprecateRegistryItemResponse()

    def _version_writable(self, ident: Identity, item_id: str, version: str) -> None:
        self._item_writable(ident, item_id)
        self.registry.check_version(item_id, version)

    async def deprecate_registry_item_version(
        self, request: DeprecateRegistryItemVersionRequest
    ) -> DeprecateRegistryItemVersionResponse:
        ident = caller(self.ctx)
        self._version_writable(ident, request.item_id, request.version)
        self.registry.deprecate_version(request.item_id, request.version, request.message)
        return DeprecateRegistryItemVersionResponse()

    async def undeprecate_registry_item_version(
        self, request: UndeprecateRegistryItemVersionRequest
    ) -> UndeprecateRegistryItemVersionResponse:
        ident = caller(self.ctx)
        self._version_writable(ident, request.item_id, request.version)
        self.registry.undeprecate_version(request.item_id, request.version)
        return UndeprecateRegistryItemVersionResponse()

    # -- apps ---------------------------------------------------------------------------------

    def _find_app(self, ident: Identity, namespace: str, name: str) -> tuple[ItemRow, App]:
        if not namespace or not name:
            raise InvalidArgument("both a public namespace and an app name are required")
        org_id = self.registry.org_with_namespace(namespace)
        if org_id is not None:
            for row in self.registry.of_org(org_id, PackageType.PACKAGE_TYPE_MODULE):
                for app in _apps(row.module):
                    if app.name == name:
                        if Visibility(row.visibility) not in PUBLIC_KINDS:
                            require_org(self.ctx, ident, org_id)
                        return row, app
        raise NotFound(f"no app {name!r} in namespace {namespace!r}")

    async def get_app_content(self, request: GetAppContentRequest) -> GetAppContentResponse:
        ident = caller(self.ctx)
        row, app = self._find_app(ident, request.public_namespace, request.name)
        versions = list(self.registry.versions(row.id))
        return GetAppContentResponse(
            blob_path=f"{row.id}/{versions[-1]}" if versions else "",
            entrypoint=app.entrypoint,
            app_type=APP_TYPES[app.type],
            public=Visibility(row.visibility) == Visibility.VISIBILITY_PUBLIC,
        )

    async def get_app_branding(self, request: GetAppBrandingRequest) -> GetAppBrandingResponse:
        ident = caller(self.ctx)
        _, app = self._find_app(ident, request.public_namespace, request.name)
        return GetAppBrandingResponse(
            logo_path=app.logo_path,
            fragment_ids=list(app.fragment_ids),
            allowed_org_ids=list(app.allowed_org_ids.ids) if app.allowed_org_ids else [],
        )

    # -- modules ---------------------------------------------------------------------------

    def _module_row(self, ident: Identity, module_id: str, *, write: bool) -> ItemRow:
        row = self._item_writable(ident, module_id) if write else self._item_readable(ident, module_id)
        if PackageType(row.type) != PackageType.PACKAGE_TYPE_MODULE:
            raise InvalidArgument(f"registry item {module_id!r} is not a module")
        return row

    def _module_url(self, module_id: str) -> str:
        prefix, _, name = module_id.rpartition(":")
        return f"{APP_URL}/module/{prefix}/{name}"

    async def create_module(self, request: CreateModuleRequest) -> CreateModuleResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        name = check_item_name(request.name)
        module_id = self.registry.create(request.organization_id, name, PackageType.PACKAGE_TYPE_MODULE)
        return CreateModuleResponse(module_id=module_id, url=self._module_url(module_id))

    async def update_module(self, request: UpdateModuleRequest) -> UpdateModuleResponse:
        ident = caller(self.ctx)
        row = self._module_row(ident, request.module_id, write=True)
        if not request.entrypoint.strip():
            raise InvalidArgument("a module needs an entrypoint (the executable that starts it)")
        data = dict(row.module)
        data["models"] = [_model_dict(m) for m in request.models]
        data["entrypoint"] = request.entrypoint
        data["first_run"] = request.first_run
        data["apps"] = [_app_text(a) for a in request.apps]
        visibility = (
            int(request.visibility) if request.visibility != Visibility.VISIBILITY_UNSPECIFIED else row.visibility
        )
        self.registry.update_module(
            request.module_id,
            visibility=visibility,
            url=request.url,
            description=request.description,
            module=data,
            markdown=request.markdown_description,
        )
        return UpdateModuleResponse(url=self._module_url(request.module_id))

    async def upload_module_file(
        self, requests: AsyncIterator[UploadModuleFileRequest]
    ) -> UploadModuleFileResponse:
        ident = caller(self.ctx)
        first = await anext(requests, None)
        if first is None or first.module_file_info is None:
            raise InvalidArgument("the first message of an upload must carry module_file_info")
        info = first.module_file_info
        self._module_row(ident, info.module_id, write=True)
        self.registry.check_upload(info.module_id, info.version, info.platform)
        # Spool to a temporary file first: no transaction may stay open while we
        # wait for the client's next message.
        digest, size = hashlib.sha256(), 0
        with tempfile.TemporaryFile() as spool:
            chunk: bytes | None = first.file
            while True:
                if chunk:
                    digest.update(chunk)
                    size += len(chunk)
                    spool.write(chunk)
                message = await anext(requests, None)
                if message is None:
                    break
                if message.module_file_info is not None:
                    raise InvalidArgument("module_file_info may only come in the first message")
                chunk = message.file
            spool.seek(0)
            self.registry.store_upload(
                info.module_id, info.version, info.platform, spool, size=size, sha256=digest.hexdigest()
            )
        return UploadModuleFileResponse(
            url=f"{self._module_url(info.module_id)}/{info.version}/{info.platform}"
        )

    async def get_module(self, request: GetModuleRequest) -> GetModuleResponse:
        ident = caller(self.ctx)
        row = self._module_row(ident, request.module_id, write=False)
        return GetModuleResponse(
            module=self._module_message(row, markdown=bool(request.include_markdown_documentation))
        )

    async def list_modules(self, request: ListModulesRequest) -> ListModulesResponse:
        ident = caller(self.ctx)
        module = PackageType.PACKAGE_TYPE_MODULE
        rows: list[ItemRow] = []
        if request.organization_id:
            require_org(self.ctx, ident, request.organization_id)
            rows = self.registry.of_org(request.organization_id, module)
        rows += self.registry.public_elsewhere(request.organization_id or "", module)
        markdown = bool(request.include_markdown_documentation)
        return ListModulesResponse(modules=[self._module_message(r, markdown=markdown) for r in rows])
