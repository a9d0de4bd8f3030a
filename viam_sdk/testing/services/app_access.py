"""AppService, access: roles (authorizations), permission checks and API keys.

An authorization is ``<role>`` on a resource: role ``owner`` or ``operator``,
resource type ``organization``, ``location`` or ``robot``, written
``authorization_id = "<resource type>_<role>"``.  Identities are API keys and
users; AddRole works out which one ``identity_id`` names.

API keys are stored only hashed: ListKeys and GetRobotAPIKeys return each key's
id, name and authorizations with an empty ``key``.  RotateKey issues a new key
(new id, same name and authorizations) and deletes the old one.
CheckPermissions grants ``read_*``/``get_*``/``list_*``/``control_*``
permissions to anyone who reaches the resource and every other permission to
owners only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from grpclib.const import Status
from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    AddRoleRequest,
    AddRoleResponse,
    APIKey,
    APIKeyWithAuthorizations,
    Authorization,
    AuthorizationDetails,
    AuthorizedPermissions,
    ChangeRoleRequest,
    ChangeRoleResponse,
    CheckPermissionsRequest,
    CheckPermissionsResponse,
    CreateKeyFromExistingKeyAuthorizationsRequest,
    CreateKeyFromExistingKeyAuthorizationsResponse,
    CreateKeyRequest,
    CreateKeyResponse,
    DeleteKeyRequest,
    DeleteKeyResponse,
    GetRobotAPIKeysRequest,
    GetRobotAPIKeysResponse,
    ListAuthorizationsRequest,
    ListAuthorizationsResponse,
    ListKeysRequest,
    ListKeysResponse,
    RemoveRoleRequest,
    RemoveRoleResponse,
    RenameKeyRequest,
    RenameKeyResponse,
    RotateKeyRequest,
    RotateKeyResponse,
)

from ..auth import (
    Identity,
    caller,
    create_api_key,
    require_location,
    require_org,
    require_part,
    require_robot,
)
from ..context import parse_iso
from ._app_common import AppPart, fail, parse_authorization, require_name

SCHEMA = ""

_READ_PREFIXES = ("read_", "get_", "list_", "control_")


def _auth_table(identity_type: str) -> tuple[str, str]:
    if identity_type == "api-key":
        return "api_key_authorizations", "api_key_id"
    return "user_authorizations", "user_id"


class AccessPart(AppPart):
    # -- roles -------------------------------------------------------------------------

    def _identity_type(self, identity_id: str, org_id: str) -> str:
        if not identity_id:
            fail(Status.INVALID_ARGUMENT, "the authorization names no identity id")
        key = self.store.one("SELECT organization_id FROM api_keys WHERE id = ?", (identity_id,))
        if key is not None:
            return "api-key"
        if self.store.one("SELECT 1 FROM users WHERE id = ?", (identity_id,)) is not None:
            return "user"
        fail(Status.NOT_FOUND, f"identity {identity_id!r} is neither a user nor an API key")

    def _add(self, db: sqlite3.Connection, ident: Identity, auth: Authorization | None) -> None:
        if auth is None:
            fail(Status.INVALID_ARGUMENT, "an authorization is required")
        role, rtype, rid, org_id = parse_authorization(self.store, auth)
        require_org(self.ctx, ident, org_id, write=True)
        identity_type = self._identity_type(auth.identity_id, org_id)
        table, column = _auth_table(identity_type)
        exists = db.execute(
            f"SELECT 1 FROM {table} WHERE {column} = ? AND role = ? AND resource_type = ? AND resource_id = ?",
            (auth.identity_id, role, rtype, rid),
        ).fetchone()
        if exists:
            fail(Status.ALREADY_EXISTS, f"{auth.identity_id!r} already has {rtype}_{role} on {rid!r}")
        db.execute(
            f"INSERT INTO {table}({column}, role, resource_type, resource_id, organization_id) VALUES (?,?,?,?,?)",
            (auth.identity_id, role, rtype, rid, org_id),
        )
        if identity_type == "user":
            db.execute(
                "INSERT OR IGNORE INTO org_members(organization_id, user_id, date_added) VALUES (?,?,?)",
                (org_id, auth.identity_id, self.ctx.now_iso()),
            )

    def _remove(self, db: sqlite3.Connection, ident: Identity, auth: Authorization | None) -> None:
        if auth is None:
            fail(Status.INVALID_ARGUMENT, "an authorization is required")
        role, rtype, rid, org_id = parse_authorization(self.store, auth)
        require_org(self.ctx, ident, org_id, write=True)
        table, column = _auth_table(self._identity_type(auth.identity_id, org_id))
        gone = db.execute(
            f"DELETE FROM {table} WHERE {column} = ? AND role = ? AND resource_type = ? AND resource_id = ?",
            (auth.identity_id, role, rtype, rid),
        ).rowcount
        if not gone:
            fail(Status.NOT_FOUND, f"{auth.identity_id!r} has no {rtype}_{role} on {rid!r}")

    async def add_role(self, request: AddRoleRequest) -> AddRoleResponse:
        ident = caller(self.ctx)
        with self.store.transaction() as db:
            self._add(db, ident, request.authorization)
        return AddRoleResponse()

    async def remove_role(self, request: RemoveRoleRequest) -> RemoveRoleResponse:
        ident = caller(self.ctx)
        with self.store.transaction() as db:
            self._remove(db, ident, request.authorization)
        return RemoveRoleResponse()

    async def change_role(self, request: ChangeRoleRequest) -> ChangeRoleResponse:
        ident = caller(self.ctx)
        with self.store.transaction() as db:
            self._remove(db, ident, request.old_authorization)
            self._add(db, ident, request.new_authorization)
        return ChangeRoleResponse()

    async def list_authorizations(self, request: ListAuthorizationsRequest) -> ListAuthorizationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        rows = self.store.all(
            "SELECT 'api-key' AS identity_type, api_key_id AS identity_id, role, resource_type, resource_id "
            "FROM api_key_authorizations WHERE organization_id = ? "
            "UNION ALL SELECT 'user', user_id, role, resource_type, resource_id "
            "FROM user_authorizations WHERE organization_id = ? "
            "ORDER BY identity_type, identity_id, resource_type, resource_id, role",
            (org_id, org_id),
        )
        wanted = set(request.resource_ids)
        return ListAuthorizationsResponse(
            authorizations=[
                Authorization(
                    authorization_type="role",
                    authorization_id=f"{r['resource_type']}_{r['role']}",
                    resource_type=r["resource_type"],
                    resource_id=r["resource_id"],
                    identity_id=r["identity_id"],
                    organization_id=org_id,
                    identity_type=r["identity_type"],
                )
                for r in rows
                if not wanted or r["resource_id"] in wanted
            ]
        )

    def _can(self, ident: Identity, resource_type: str, resource_id: str, write: bool) -> bool:
        checks: dict[str, Callable[..., object]] = {
            "organization": require_org,
            "location": require_location,
            "robot": require_robot,
            "robot_part": require_part,
        }
        check = checks.get(resource_type)
        if check is None:
            fail(
                Status.INVALID_ARGUMENT,
                f"resource type {resource_type!r} is not one of {', '.join(checks)}",
            )
        try:
            check(self.ctx, ident, resource_id, write=write)
        except GRPCError as err:
            if err.status in (Status.PERMISSION_DENIED, Status.NOT_FOUND):
                return False
            raise
        return True

    async def check_permissions(self, request: CheckPermissionsRequest) -> CheckPermissionsResponse:
        ident = caller(self.ctx)
        if not request.permissions:
            fail(Status.INVALID_ARGUMENT, "give at least one permission to check")
        granted: list[AuthorizedPermissions] = []
        for item in request.permissions:
            reads = self._can(ident, item.resource_type, item.resource_id, write=False)
            owns = reads and self._can(ident, item.resource_type, item.resource_id, write=True)
            kept = [p for p in item.permissions if owns or (reads and p.startswith(_READ_PREFIXES))]
            if kept:
                granted.append(
                    AuthorizedPermissions(
                        resource_type=item.resource_type, resource_id=item.resource_id, permissions=kept
                    )
                )
        return CheckPermissionsResponse(authorized_permissions=granted)

    # -- API keys ------------------------------------------------------------------------

    def _key_row(self, ident: Identity, key_id: str) -> sqlite3.Row:
        if not key_id:
            fail(Status.INVALID_ARGUMENT, "an API key id is required")
        row = self.store.one("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"API key {key_id!r} not found")
        require_org(self.ctx, ident, str(row["organization_id"]), write=True)
        return row

    def _key_auths(self, key_id: str) -> list[tuple[str, str, str, str]]:
        rows = self.store.all(
            "SELECT role, resource_type, resource_id, organization_id FROM api_key_authorizations "
            "WHERE api_key_id = ? ORDER BY organization_id, resource_type, resource_id, role",
            (key_id,),
        )
        return [(r["role"], r["resource_type"], r["resource_id"], r["organization_id"]) for r in rows]

    def _key_message(self, row: sqlite3.Row) -> APIKeyWithAuthorizations:
        return APIKeyWithAuthorizations(
            api_key=APIKey(id=row["id"], key="", name=row["name"], created_on=parse_iso(row["created_at"])),
            authorizations=[
                AuthorizationDetails(
                    authorization_type="role",
                    authorization_id=f"{rtype}_{role}",
                    resource_type=rtype,
                    resource_id=rid,
                    org_id=org,
                )
                for role, rtype, rid, org in self._key_auths(str(row["id"]))
            ],
        )

    def _new_key(
        self, db: sqlite3.Connection, name: str, auths: list[tuple[str, str, str, str]]
    ) -> tuple[str, str]:
        key_id = self.ctx.new_id()
        key = create_api_key(
            db,
            key_id=key_id,
            org_id=auths[0][3],
            name=name,
            created_at=self.ctx.now_iso(),
            authorizations=auths,
        )
        return key_id, key

    async def create_key(self, request: CreateKeyRequest) -> CreateKeyResponse:
        ident = caller(self.ctx)
        if not request.authorizations:
            fail(Status.INVALID_ARGUMENT, "an API key needs at least one authorization")
        auths = [parse_authorization(self.store, a) for a in request.authorizations]
        for org_id in sorted({a[3] for a in auths}):
            require_org(self.ctx, ident, org_id, write=True)
        name = request.name.strip() or f"key-{self.ctx.now_iso()}"
        with self.store.transaction() as db:
            key_id, key = self._new_key(db, name, auths)
        return CreateKeyResponse(key=key, id=key_id)

    def _drop_key(self, db: sqlite3.Connection, key_id: str) -> None:
        db.execute("DELETE FROM api_key_authorizations WHERE api_key_id = ?", (key_id,))
        db.execute("DELETE FROM access_tokens WHERE kind = 'api-key' AND subject = ?", (key_id,))
        db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,))

    async def delete_key(self, request: DeleteKeyRequest) -> DeleteKeyResponse:
        ident = caller(self.ctx)
        self._key_row(ident, request.id)
        with self.store.transaction() as db:
            self._drop_key(db, request.id)
        return DeleteKeyResponse()

    async def list_keys(self, request: ListKeysRequest) -> ListKeysResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        rows = self.store.all(
            "SELECT * FROM api_keys WHERE organization_id = ? OR id IN "
            "(SELECT api_key_id FROM api_key_authorizations WHERE organization_id = ?) ORDER BY created_at, id",
            (request.org_id, request.org_id),
        )
        return ListKeysResponse(api_keys=[self._key_message(r) for r in rows])

    async def rename_key(self, request: RenameKeyRequest) -> RenameKeyResponse:
        ident = caller(self.ctx)
        self._key_row(ident, request.id)
        name = require_name(request.name, "API key name")
        with self.store.transaction() as db:
            db.execute("UPDATE api_keys SET name = ? WHERE id = ?", (name, request.id))
        return RenameKeyResponse(id=request.id, name=name)

    async def rotate_key(self, request: RotateKeyRequest) -> RotateKeyResponse:
        ident = caller(self.ctx)
        row = self._key_row(ident, request.id)
        auths = self._key_auths(request.id)
        with self.store.transaction() as db:
            key_id, key = self._new_key(db, str(row["name"]), auths)
            self._drop_key(db, request.id)
        return RotateKeyResponse(id=key_id, key=key)

    async def create_key_from_existing_key_authorizations(
        self, request: CreateKeyFromExistingKeyAuthorizationsRequest
    ) -> CreateKeyFromExistingKeyAuthorizationsResponse:
        ident = caller(self.ctx)
        row = self._key_row(ident, request.id)
        auths = self._key_auths(request.id)
        if not auths:
            fail(Status.FAILED_PRECONDITION, f"API key {request.id!r} has no authorizations to copy")
        with self.store.transaction() as db:
            key_id, key = self._new_key(db, f"{row['name']} (copy)", auths)
        return CreateKeyFromExistingKeyAuthorizationsResponse(id=key_id, key=key)

    async def get_robot_api_keys(self, request: GetRobotAPIKeysRequest) -> GetRobotAPIKeysResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.robot_id)
        rows = self.store.all(
            "SELECT * FROM api_keys WHERE id IN (SELECT api_key_id FROM api_key_authorizations "
            "WHERE resource_type = 'robot' AND resource_id = ?) ORDER BY created_at, id",
            (request.robot_id,),
        )
        return GetRobotAPIKeysResponse(api_keys=[self._key_message(r) for r in rows])
