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
import json
import re
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from typing import Any

from grpclib.const import Status
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
from ..context import parse_iso
from ._app_common import AppPart, fail

SCHEMA = """
CREATE TABLE IF NOT EXISTS registry_items (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type INTEGER NOT NULL,
    visibility INTEGER NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    markdown TEXT,
    module TEXT NOT NULL DEFAULT '{}',
    deprecated_at TEXT,
    deprecation_message TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS module_files (
    module_id TEXT NOT NULL,
    version TEXT NOT NULL,
    platform TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (module_id, version, platform)
);
CREATE TABLE IF NOT EXISTS registry_version_deprecations (
    item_id TEXT NOT NULL,
    version TEXT NOT NULL,
    message TEXT NOT NULL,
    deprecated_at TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);
CREATE TABLE IF NOT EXISTS module_file_chunks (
    module_id TEXT NOT NULL,
    version TEXT NOT NULL,
    platform TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (module_id, version, platform, seq)
);
"""

ITEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
PUBLIC_KINDS = (Visibility.VISIBILITY_PUBLIC, Visibility.VISIBILITY_PUBLIC_UNLISTED)
APP_URL = "https://app.viam.com"
CHUNK = 1 << 20
APP_TYPES = {
    "single_machine": AppType.APP_TYPE_SINGLE_MACHINE,
    "multi_machine": AppType.APP_TYPE_MULTI_MACHINE,
}


def check_item_name(name: str) -> str:
    if not ITEM_NAME.match(name):
        fail(
            Status.INVALID_ARGUMENT,
            f"registry item name {name!r} is not valid: use 1-200 letters, digits, '-' or '_'",
        )
    return name


def _model_dict(model: Model) -> dict[str, Any]:
    if not model.api or not model.model:
        fail(
            Status.INVALID_ARGUMENT,
            f"every model needs an api and a model triplet (got api={model.api!r}, model={model.model!r})",
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
        fail(Status.INVALID_ARGUMENT, f"every app needs a name and an entrypoint (got name={app.name!r})")
    if app.type not in APP_TYPES:
        fail(Status.INVALID_ARGUMENT, f"app type {app.type!r} is not one of {', '.join(APP_TYPES)}")
    return base64.b64encode(bytes(app)).decode()


class RegistryPart(AppPart):
    def _prefix(self, org_id: str) -> tuple[str, str]:
        row = self.store.one("SELECT public_namespace FROM organizations WHERE id = ?", (org_id,))
        namespace = str(row["public_namespace"]) if row else ""
        return (namespace or org_id), namespace

    def _item_row(self, item_id: str) -> sqlite3.Row:
        if not item_id:
            fail(Status.INVALID_ARGUMENT, "a registry item id is required")
        row = self.store.one("SELECT * FROM registry_items WHERE id = ?", (item_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"registry item {item_id!r} not found")
        return row

    def _item_readable(self, ident: Identity, item_id: str) -> sqlite3.Row:
        row = self._item_row(item_id)
        if Visibility(row["visibility"]) not in PUBLIC_KINDS:
            require_org(self.ctx, ident, str(row["organization_id"]))
        return row

    def _item_writable(self, ident: Identity, item_id: str) -> sqlite3.Row:
        row = self._item_row(item_id)
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        return row

    def _insert(self, org_id: str, name: str, kind: PackageType) -> str:
        prefix, _ = self._prefix(org_id)
        item_id, now = f"{prefix}:{name}", self.ctx.now_iso()
        with self.store.transaction() as db:
            clash = db.execute(
                "SELECT 1 FROM registry_items WHERE id = ? OR (organization_id = ? AND name = ?)",
                (item_id, org_id, name),
            ).fetchone()
            if clash:
                fail(
                    Status.ALREADY_EXISTS,
                    f"organization {org_id!r} already has a registry item named {name!r}",
                )
            db.execute(
                "INSERT INTO registry_items(id, organization_id, name, type, visibility, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (item_id, org_id, name, int(kind), int(Visibility.VISIBILITY_PRIVATE), now, now),
            )
        return item_id

    def _versions(self, module_id: str) -> dict[str, list[Uploads]]:
        rows = self.store.all(
            "SELECT version, platform, uploaded_at FROM module_files WHERE module_id = ? ORDER BY uploaded_at, version, platform",
            (module_id,),
        )
        versions: dict[str, list[Uploads]] = {}
        for r in rows:
            versions.setdefault(r["version"], []).append(
                Uploads(platform=r["platform"], uploaded_at=parse_iso(r["uploaded_at"]))
            )
        return versions

    def _version_status(self, module_id: str, version: str) -> DeprecatedStatus | None:
        row = self.store.one(
            "SELECT message, deprecated_at FROM registry_version_deprecations WHERE item_id = ? AND version = ?",
            (module_id, version),
        )
        if row is None:
            return None
        return DeprecatedStatus(deprecated_at=parse_iso(row["deprecated_at"]), message=row["message"])

    def _deprecated(self, row: sqlite3.Row) -> DeprecatedStatus | None:
        if not row["deprecated_at"]:
            return None
        return DeprecatedStatus(
            deprecated_at=parse_iso(row["deprecated_at"]), message=row["deprecation_message"]
        )

    def _item_message(self, row: sqlite3.Row, *, markdown: bool = False) -> RegistryItem:
        kind = PackageType(row["type"])
        _, namespace = self._prefix(str(row["organization_id"]))
        data = json.loads(row["module"])
        module_metadata = None
        if kind == PackageType.PACKAGE_TYPE_MODULE:
            versions = self._versions(str(row["id"]))
            module_metadata = ModuleMetadata(
                models=_models(data),
                versions=[
                    ModuleVersion(
                        version=v,
                        files=files,
                        models=_models(data),
                        entrypoint=data.get("entrypoint", ""),
                        deprecated_status=self._version_status(str(row["id"]), v),
                    )
                    for v, files in versions.items()
                ],
                entrypoint=data.get("entrypoint", ""),
                first_run=data.get("first_run"),
                markdown_description=row["markdown"] if markdown else None,
                apps=_apps(data),
            )
        return RegistryItem(
            item_id=row["id"],
            organization_id=row["organization_id"],
            public_namespace=namespace,
            name=row["name"],
            type=kind,
            visibility=Visibility(row["visibility"]),
            url=row["url"],
            description=row["description"],
            module_metadata=module_metadata,
            created_at=parse_iso(row["created_at"]),
            updated_at=parse_iso(row["updated_at"]),
            deprecated_status=self._deprecated(row),
        )

    def _module_message(self, row: sqlite3.Row, *, markdown: bool = False) -> Module:
        _, namespace = self._prefix(str(row["organization_id"]))
        data = json.loads(row["module"])
        return Module(
            module_id=row["id"],
            name=row["name"],
            visibility=Visibility(row["visibility"]),
            versions=[
                VersionHistory(
                    version=v,
                    files=files,
                    models=_models(data),
                    entrypoint=data.get("entrypoint", ""),
                    deprecated_status=self._version_status(str(row["id"]), v),
                )
                for v, files in self._versions(str(row["id"])).items()
            ],
            url=row["url"],
            description=row["description"],
            models=_models(data),
            organization_id=row["organization_id"],
            entrypoint=data.get("entrypoint", ""),
            public_namespace=namespace,
            first_run=data.get("first_run"),
            markdown_description=row["markdown"] if markdown else None,
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
            fail(Status.INVALID_ARGUMENT, "a registry item needs a package type")
        self._insert(request.organization_id, name, request.type)
        return CreateRegistryItemResponse()

    async def update_registry_item(self, request: UpdateRegistryItemRequest) -> UpdateRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        if request.type != PackageType(row["type"]):
            fail(
                Status.INVALID_ARGUMENT,
                f"registry item {request.item_id!r} is a {PackageType(row['type']).name}, not a {request.type.name}",
            )
        visibility = (
            int(request.visibility)
            if request.visibility != Visibility.VISIBILITY_UNSPECIFIED
            else int(row["visibility"])
        )
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET description = ?, visibility = ?, url = COALESCE(?, url), "
                "markdown = COALESCE(?, markdown), updated_at = ? WHERE id = ?",
                (
                    request.description,
                    visibility,
                    request.url,
                    request.markdown_description,
                    self.ctx.now_iso(),
                    request.item_id,
                ),
            )
            if request.update_module_metadata is not None:
                meta = request.update_module_metadata
                data = json.loads(row["module"])
                data["models"] = [_model_dict(m) for m in meta.models]
                data["entrypoint"] = meta.entrypoint
                db.execute(
                    "UPDATE registry_items SET module = ? WHERE id = ?", (json.dumps(data), request.item_id)
                )
        return UpdateRegistryItemResponse()

    async def list_registry_items(self, request: ListRegistryItemsRequest) -> ListRegistryItemsResponse:
        ident = caller(self.ctx)
        rows: list[sqlite3.Row] = []
        if request.organization_id:
            require_org(self.ctx, ident, request.organization_id)
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id = ? ORDER BY name, id",
                (request.organization_id,),
            )
        rows += self.store.all(
            "SELECT * FROM registry_items WHERE organization_id != ? AND visibility = ? ORDER BY name, id",
            (request.organization_id or "", int(Visibility.VISIBILITY_PUBLIC)),
        )
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
        with self.store.transaction() as db:
            for table in ("module_file_chunks", "module_files"):
                db.execute(f"DELETE FROM {table} WHERE module_id = ?", (request.item_id,))
            db.execute("DELETE FROM registry_version_deprecations WHERE item_id = ?", (request.item_id,))
            db.execute("DELETE FROM registry_items WHERE id = ?", (request.item_id,))
        return DeleteRegistryItemResponse()

    def _rekey(self, db: sqlite3.Connection, old_id: str, new_id: str, **columns: str) -> None:
        if db.execute("SELECT 1 FROM registry_items WHERE id = ?", (new_id,)).fetchone():
            fail(Status.ALREADY_EXISTS, f"registry item {new_id!r} already exists")
        sets = "".join(f", {name} = ?" for name in columns)
        db.execute(
            f"UPDATE registry_items SET id = ?, updated_at = ?{sets} WHERE id = ?",
            (new_id, self.ctx.now_iso(), *columns.values(), old_id),
        )
        for table in ("module_files", "module_file_chunks"):
            db.execute(f"UPDATE {table} SET module_id = ? WHERE module_id = ?", (new_id, old_id))
        db.execute("UPDATE registry_version_deprecations SET item_id = ? WHERE item_id = ?", (new_id, old_id))

    async def rename_registry_item(self, request: RenameRegistryItemRequest) -> RenameRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        name = check_item_name(request.new_name)
        prefix = str(row["id"]).rsplit(":", 1)[0]
        new_id = f"{prefix}:{name}"
        with self.store.transaction() as db:
            self._rekey(db, request.item_id, new_id, name=name)
        return RenameRegistryItemResponse(item=self._item_message(self._item_row(new_id)))

    async def transfer_registry_item(
        self, request: TransferRegistryItemRequest
    ) -> TransferRegistryItemResponse:
        ident = caller(self.ctx)
        row = self._item_writable(ident, request.item_id)
        if not request.new_public_namespace:
            fail(Status.INVALID_ARGUMENT, "a public namespace to transfer to is required")
        target = self.store.one(
            "SELECT id FROM organizations WHERE public_namespace = ?", (request.new_public_namespace,)
        )
        if target is None:
            fail(
                Status.NOT_FOUND, f"no organization has the public namespace {request.new_public_namespace!r}"
            )
        require_org(self.ctx, ident, str(target["id"]), write=True)
        new_id = f"{request.new_public_namespace}:{row['name']}"
        with self.store.transaction() as db:
            self._rekey(db, request.item_id, new_id, organization_id=str(target["id"]))
        return TransferRegistryItemResponse()

    async def deprecate_registry_item(
        self, request: DeprecateRegistryItemRequest
    ) -> DeprecateRegistryItemResponse:
        ident = caller(self.ctx)
        self._item_writable(ident, request.item_id)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET deprecated_at = ?, deprecation_message = ? WHERE id = ?",
                (self.ctx.now_iso(), request.message, request.item_id),
            )
        return DeprecateRegistryItemResponse()

    async def undeprecate_registry_item(
        self, request: UndeprecateRegistryItemRequest
    ) -> UndeprecateRegistryItemResponse:
        ident = caller(self.ctx)
        self._item_writable(ident, request.item_id)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET deprecated_at = NULL, deprecation_message = '' WHERE id = ?",
                (request.item_id,),
            )
        return UndeprecateRegistryItemResponse()

    def _version_row(self, ident: Identity, item_id: str, version: str) -> None:
        self._item_writable(ident, item_id)
        if not self.store.one(
            "SELECT 1 FROM module_files WHERE module_id = ? AND version = ?", (item_id, version)
        ):
            fail(Status.NOT_FOUND, f"registry item {item_id!r} has no version {version!r}")

    async def deprecate_registry_item_version(
        self, request: DeprecateRegistryItemVersionRequest
    ) -> DeprecateRegistryItemVersionResponse:
        ident = caller(self.ctx)
        self._version_row(ident, request.item_id, request.version)
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO registry_version_deprecations(item_id, version, message, deprecated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(item_id, version) DO UPDATE SET message = excluded.message",
                (request.item_id, request.version, request.message, self.ctx.now_iso()),
            )
        return DeprecateRegistryItemVersionResponse()

    async def undeprecate_registry_item_version(
        self, request: UndeprecateRegistryItemVersionRequest
    ) -> UndeprecateRegistryItemVersionResponse:
        ident = caller(self.ctx)
        self._version_row(ident, request.item_id, request.version)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM registry_version_deprecations WHERE item_id = ? AND version = ?",
                (request.item_id, request.version),
            ).rowcount
            if not gone:
                fail(
                    Status.NOT_FOUND, f"version {request.version!r} of {request.item_id!r} is not deprecated"
                )
        return UndeprecateRegistryItemVersionResponse()

    # -- apps ---------------------------------------------------------------------------------

    def _find_app(self, ident: Identity, namespace: str, name: str) -> tuple[sqlite3.Row, App]:
        if not namespace or not name:
            fail(Status.INVALID_ARGUMENT, "both a public namespace and an app name are required")
        org = self.store.one("SELECT id FROM organizations WHERE public_namespace = ?", (namespace,))
        if org is not None:
            for row in self.store.all(
                "SELECT * FROM registry_items WHERE organization_id = ? AND type = ? ORDER BY name, id",
                (org["id"], int(PackageType.PACKAGE_TYPE_MODULE)),
            ):
                for app in _apps(json.loads(row["module"])):
                    if app.name == name:
                        if Visibility(row["visibility"]) not in PUBLIC_KINDS:
                            require_org(self.ctx, ident, str(org["id"]))
                        return row, app
        fail(Status.NOT_FOUND, f"no app {name!r} in namespace {namespace!r}")

    async def get_app_content(self, request: GetAppContentRequest) -> GetAppContentResponse:
        ident = caller(self.ctx)
        row, app = self._find_app(ident, request.public_namespace, request.name)
        versions = list(self._versions(str(row["id"])))
        return GetAppContentResponse(
            blob_path=f"{row['id']}/{versions[-1]}" if versions else "",
            entrypoint=app.entrypoint,
            app_type=APP_TYPES[app.type],
            public=Visibility(row["visibility"]) == Visibility.VISIBILITY_PUBLIC,
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

    def _module_row(self, ident: Identity, module_id: str, *, write: bool) -> sqlite3.Row:
        row = self._item_writable(ident, module_id) if write else self._item_readable(ident, module_id)
        if PackageType(row["type"]) != PackageType.PACKAGE_TYPE_MODULE:
            fail(Status.INVALID_ARGUMENT, f"registry item {module_id!r} is not a module")
        return row

    def _module_url(self, module_id: str) -> str:
        prefix, _, name = module_id.rpartition(":")
        return f"{APP_URL}/module/{prefix}/{name}"

    async def create_module(self, request: CreateModuleRequest) -> CreateModuleResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        name = check_item_name(request.name)
        module_id = self._insert(request.organization_id, name, PackageType.PACKAGE_TYPE_MODULE)
        return CreateModuleResponse(module_id=module_id, url=self._module_url(module_id))

    async def update_module(self, request: UpdateModuleRequest) -> UpdateModuleResponse:
        ident = caller(self.ctx)
        row = self._module_row(ident, request.module_id, write=True)
        if not request.entrypoint.strip():
            fail(Status.INVALID_ARGUMENT, "a module needs an entrypoint (the executable that starts it)")
        data = json.loads(row["module"])
        data["models"] = [_model_dict(m) for m in request.models]
        data["entrypoint"] = request.entrypoint
        data["first_run"] = request.first_run
        data["apps"] = [_app_text(a) for a in request.apps]
        visibility = (
            int(request.visibility)
            if request.visibility != Visibility.VISIBILITY_UNSPECIFIED
            else int(row["visibility"])
        )
        with self.store.transaction() as db:
            db.execute(
                "UPDATE registry_items SET visibility = ?, url = ?, description = ?, module = ?, "
                "markdown = COALESCE(?, markdown), updated_at = ? WHERE id = ?",
                (
                    visibility,
                    request.url,
                    request.description,
                    json.dumps(data, sort_keys=True),
                    request.markdown_description,
                    self.ctx.now_iso(),
                    request.module_id,
                ),
            )
        return UpdateModuleResponse(url=self._module_url(request.module_id))

    async def upload_module_file(
        self, requests: AsyncIterator[UploadModuleFileRequest]
    ) -> UploadModuleFileResponse:
        ident = caller(self.ctx)
        first = await anext(requests, None)
        if first is None or first.module_file_info is None:
            fail(Status.INVALID_ARGUMENT, "the first message of an upload must carry module_file_info")
        info = first.module_file_info
        self._module_row(ident, info.module_id, write=True)
        if not SEMVER.match(info.version):
            fail(Status.INVALID_ARGUMENT, f"version {info.version!r} is not a semantic version like 1.2.3")
        if not info.platform:
            fail(Status.INVALID_ARGUMENT, "a platform (for example linux/amd64 or any) is required")
        key = (info.module_id, info.version, info.platform)
        if self.store.one(
            "SELECT 1 FROM module_files WHERE module_id = ? AND version = ? AND platform = ?", key
        ):
            fail(
                Status.ALREADY_EXISTS,
                f"module {info.module_id!r} already has version {info.version} for {info.platform}",
            )
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
                    fail(Status.INVALID_ARGUMENT, "module_file_info may only come in the first message")
                chunk = message.file
            if size == 0:
                fail(Status.INVALID_ARGUMENT, "the uploaded file is empty")
            spool.seek(0)
            with self.store.transaction() as db:
                if db.execute(
                    "SELECT 1 FROM module_files WHERE module_id = ? AND version = ? AND platform = ?", key
                ).fetchone():
                    fail(
                        Status.ALREADY_EXISTS,
                        f"module {info.module_id!r} already has version {info.version} for {info.platform}",
                    )
                for seq, piece in enumerate(iter(lambda: spool.read(CHUNK), b"")):
                    db.execute(
                        "INSERT INTO module_file_chunks(module_id, version, platform, seq, data) VALUES (?,?,?,?,?)",
                        (*key, seq, piece),
                    )
                db.execute(
                    "INSERT INTO module_files(module_id, version, platform, size, sha256, uploaded_at)"
                    " VALUES (?,?,?,?,?,?)",
                    (*key, size, digest.hexdigest(), self.ctx.now_iso()),
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
        module = int(PackageType.PACKAGE_TYPE_MODULE)
        rows: list[sqlite3.Row] = []
        if request.organization_id:
            require_org(self.ctx, ident, request.organization_id)
            rows = self.store.all(
                "SELECT * FROM registry_items WHERE organization_id = ? AND type = ? ORDER BY name, id",
                (request.organization_id, module),
            )
        rows += self.store.all(
            "SELECT * FROM registry_items WHERE organization_id != ? AND type = ? AND visibility = ? ORDER BY name, id",
            (request.organization_id or "", module, int(Visibility.VISIBILITY_PUBLIC)),
        )
        markdown = bool(request.include_markdown_documentation)
        return ListModulesResponse(modules=[self._module_message(r, markdown=markdown) for r in rows])
