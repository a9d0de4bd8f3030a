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

from collections.abc import Callable
from functools import cached_property

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
    require_location,
    require_org,
    require_part,
    require_robot,
)
from ..backends.access import AccessBackend, KeyRow
from ..backends.orgs import Grant
from ..context import parse_iso
from ..errors import FailedPrecondition, InvalidArgument
from ._app_common import AppPart, parse_authorization, require_name

SCHEMA = ""

_READ_PREFIXES = ("read_", "get_", "list_", "control_")


class AccessPart(AppPart):
    @cached_property
    def access(self) -> AccessBackend:
        return AccessBackend(self.ctx)

    # -- roles -------------------------------------------------------------------------

    def _checked(self, ident: Identity, auth: Authorization | None) -> tuple[str, str, Grant]:
        """(identity id, its type, the role) ``auth`` names, once the caller may grant that role."""
        if auth is None:
            raise InvalidArgument("an authorization is required")
        grant = parse_authorization(self.store, auth)
        require_org(self.ctx, ident, grant[3], write=True)
        return auth.identity_id, self.access.identity_type(auth.identity_id), grant

    def _add(self, ident: Identity, auth: Authorization | None) -> None:
        self.access.add_role(*self._checked(ident, auth))

    def _remove(self, ident: Identity, auth: Authorization | None) -> None:
        self.access.remove_role(*self._checked(ident, auth))

    async def add_role(self, request: AddRoleRequest) -> AddRoleResponse:
        ident = caller(self.ctx)
        self._add(ident, request.authorization)
        return AddRoleResponse()

    async def remove_role(self, request: RemoveRoleRequest) -> RemoveRoleResponse:
        ident = caller(self.ctx)
        self._remove(ident, request.authorization)
        return RemoveRoleResponse()

    async def change_role(self, request: ChangeRoleRequest) -> ChangeRoleResponse:
        ident = caller(self.ctx)
        with self.store.transaction():  # both or neither
            self._remove(ident, request.old_authorization)
            self._add(ident, request.new_authorization)
        return ChangeRoleResponse()

    async def list_authorizations(self, request: ListAuthorizationsRequest) -> ListAuthorizationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        wanted = set(request.resource_ids)
        return ListAuthorizationsResponse(
            authorizations=[
                Authorization(
                    authorization_type="role",
                    authorization_id=f"{r.resource_type}_{r.role}",
                    resource_type=r.resource_type,
                    resource_id=r.resource_id,
                    identity_id=r.identity_id,
                    organization_id=org_id,
                    identity_type=r.identity_type,
                )
                for r in self.access.roles(org_id)
                if not wanted or r.resource_id in wanted
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
            raise InvalidArgument(f"resource type {resource_type!r} is not one of {', '.join(checks)}")
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
            raise InvalidArgument("give at least one permission to check")
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

    def _key_row(self, ident: Identity, key_id: str) -> KeyRow:
        row = self.access.key(key_id)
        require_org(self.ctx, ident, row.organization_id, write=True)
        return row

    def _key_message(self, row: KeyRow) -> APIKeyWithAuthorizations:
        return APIKeyWithAuthorizations(
            api_key=APIKey(id=row.id, key="", name=row.name, created_on=parse_iso(row.created_at)),
            authorizations=[
                AuthorizationDetails(
                    authorization_type="role",
                    authorization_id=f"{rtype}_{role}",
                    resource_type=rtype,
                    resource_id=rid,
                    org_id=org,
                )
                for role, rtype, rid, org in self.access.key_grants(row.id)
            ],
        )

    def _new_key(self, name: str, auths: list[tuple[str, str, str, str]]) -> tuple[str, str]:
        key_id = self.ctx.new_id()
        key = self.credentials.create_api_key(
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
            raise InvalidArgument("an API key needs at least one authorization")
        auths = [parse_authorization(self.store, a) for a in request.authorizations]
        for org_id in sorted({a[3] for a in auths}):
            require_org(self.ctx, ident, org_id, write=True)
        name = request.name.strip() or f"key-{self.ctx.now_iso()}"
        key_id, key = self._new_key(name, auths)
        return CreateKeyResponse(key=key, id=key_id)

    async def delete_key(self, request: DeleteKeyRequest) -> DeleteKeyResponse:
        ident = caller(self.ctx)
        self._key_row(ident, request.id)
        self.access.delete_key(request.id)
        return DeleteKeyResponse()

    async def list_keys(self, request: ListKeysRequest) -> ListKeysResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        return ListKeysResponse(api_keys=[self._key_message(r) for r in self.access.keys_of_org(request.org_id)])

    async def rename_key(self, request: RenameKeyRequest) -> RenameKeyResponse:
        ident = caller(self.ctx)
        self._key_row(ident, request.id)
        name = require_name(request.name, "API key name")
        self.access.rename_key(request.id, name)
        return RenameKeyResponse(id=request.id, name=name)

    async def rotate_key(self, request: RotateKeyRequest) -> RotateKeyResponse:
        ident = caller(self.ctx)
        row = self._key_row(ident, request.id)
        auths = self.access.key_grants(request.id)
        with self.store.transaction():
            key_id, key = self._new_key(row.name, auths)
            self.access.delete_key(request.id)
        return RotateKeyResponse(id=key_id, key=key)

    async def create_key_from_existing_key_authorizations(
        self, request: CreateKeyFromExistingKeyAuthorizationsRequest
    ) -> CreateKeyFromExistingKeyAuthorizationsResponse:
        ident = caller(self.ctx)
        row = self._key_row(ident, request.id)
        auths = self.access.key_grants(request.id)
        if not auths:
            raise FailedPrecondition(f"API key {request.id!r} has no authorizations to copy")
        key_id, key = self._new_key(f"{row.name} (copy)", auths)
        return CreateKeyFromExistingKeyAuthorizationsResponse(id=key_id, key=key)

    async def get_robot_api_keys(self, request: GetRobotAPIKeysRequest) -> GetRobotAPIKeysResponse:
        ident = caller(self.ctx)
        require_robot(self.ctx, ident, request.robot_id)
        return GetRobotAPIKeysResponse(
            api_keys=[self._key_message(r) for r in self.access.keys_for_robot(request.robot_id)]
        )
