"""AppService, organizations: the organizations themselves, namespaces, metadata, users,
members and invites.

The emulator has no web log-in, so users exist only when a test adds them
(``Emulator.add_user``); an invite stays pending until then.  Organizations
created through an API key are granted to that key as owner, so the caller can
manage what it created.
"""

from __future__ import annotations

import json
import re
import sqlite3

from grpclib.const import Status
from viam_api.app.v1 import (
    Authorization,
    CreateOrganizationInviteRequest,
    CreateOrganizationInviteResponse,
    CreateOrganizationRequest,
    CreateOrganizationResponse,
    DeleteOrganizationInviteRequest,
    DeleteOrganizationInviteResponse,
    DeleteOrganizationMemberRequest,
    DeleteOrganizationMemberResponse,
    DeleteOrganizationRequest,
    DeleteOrganizationResponse,
    FragmentImportList,
    FragmentVisibility,
    GetOrganizationMetadataRequest,
    GetOrganizationMetadataResponse,
    GetOrganizationNamespaceAvailabilityRequest,
    GetOrganizationNamespaceAvailabilityResponse,
    GetOrganizationRequest,
    GetOrganizationResponse,
    GetOrganizationsWithAccessToLocationRequest,
    GetOrganizationsWithAccessToLocationResponse,
    GetUserIDByEmailRequest,
    GetUserIDByEmailResponse,
    ListOrganizationMembersRequest,
    ListOrganizationMembersResponse,
    ListOrganizationsByUserRequest,
    ListOrganizationsByUserResponse,
    ListOrganizationsRequest,
    ListOrganizationsResponse,
    Organization,
    OrganizationIdentity,
    OrganizationInvite,
    OrganizationMember,
    OrgDetails,
    ResendOrganizationInviteRequest,
    ResendOrganizationInviteResponse,
    UpdateOrganizationInviteAuthorizationsRequest,
    UpdateOrganizationInviteAuthorizationsResponse,
    UpdateOrganizationMetadataRequest,
    UpdateOrganizationMetadataResponse,
    UpdateOrganizationNamespaceRequest,
    UpdateOrganizationNamespaceResponse,
    UpdateOrganizationRequest,
    UpdateOrganizationResponse,
)

from ..auth import API_KEY, ROLE_OWNER, caller, require_location, require_org, visible_org_ids
from ..context import parse_iso
from ..store import Store
from ._app_common import (
    AppPart,
    delete_location_rows,
    fail,
    metadata_json,
    metadata_struct,
    organization_message,
    parse_authorization,
    require_name,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_members (
    organization_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    date_added TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE IF NOT EXISTS user_authorizations (
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (user_id, role, resource_type, resource_id)
);
CREATE TABLE IF NOT EXISTS org_invites (
    organization_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    authorizations TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (organization_id, email)
);
CREATE TABLE IF NOT EXISTS org_default_fragments (
    organization_id TEXT PRIMARY KEY,
    fragments BLOB NOT NULL
);
"""

# Lowercase letters, digits and inner dashes, up to 63 characters.
NAMESPACE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_namespace(namespace: str) -> str:
    if not NAMESPACE.match(namespace):
        fail(
            Status.INVALID_ARGUMENT,
            f"public namespace {namespace!r} is not valid: use 1-63 lowercase letters, digits or inner dashes",
        )
    return namespace


def check_email(email: str) -> str:
    address = email.strip().lower()
    if not EMAIL.match(address):
        fail(Status.INVALID_ARGUMENT, f"{email!r} is not an email address")
    return address


def _auth_json(auths: list[tuple[str, str, str, str]]) -> str:
    return json.dumps([list(a) for a in sorted(set(auths))])


def _invite_message(row: sqlite3.Row) -> OrganizationInvite:
    auths = [
        Authorization(
            authorization_type="role",
            authorization_id=f"{rtype}_{role}",
            resource_type=rtype,
            resource_id=rid,
            identity_id="",
            organization_id=org,
            identity_type="user",
        )
        for role, rtype, rid, org in json.loads(row["authorizations"])
    ]
    return OrganizationInvite(
        organization_id=row["organization_id"],
        email=row["email"],
        created_on=parse_iso(row["created_at"]),
        authorizations=auths,
    )


class OrganizationsPart(AppPart):
    async def get_user_id_by_email(self, request: GetUserIDByEmailRequest) -> GetUserIDByEmailResponse:
        caller(self.ctx)
        email = check_email(request.email)
        row = self.store.one("SELECT id FROM users WHERE email = ?", (email,))
        if row is None:
            fail(Status.NOT_FOUND, f"no user with email {request.email!r}")
        return GetUserIDByEmailResponse(user_id=row["id"])

    async def create_organization(self, request: CreateOrganizationRequest) -> CreateOrganizationResponse:
        ident = caller(self.ctx)
        name = require_name(request.name, "organization name")
        if ident.kind != API_KEY:
            fail(Status.PERMISSION_DENIED, "only an API key may create organizations")
        org_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute("INSERT INTO organizations(id, name, created_at) VALUES (?,?,?)", (org_id, name, now))
            db.execute(
                "INSERT INTO api_key_authorizations(api_key_id, role, resource_type, resource_id, organization_id)"
                " VALUES (?,?,?,?,?)",
                (ident.subject, ROLE_OWNER, "organization", org_id, org_id),
            )
        return CreateOrganizationResponse(organization=self._org(org_id))

    def _org(self, org_id: str) -> Organization:
        row = self.store.one("SELECT * FROM organizations WHERE id = ?", (org_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"organization {org_id!r} not found")
        return self._org_message(row)

    def _org_message(self, row: sqlite3.Row) -> Organization:
        org = organization_message(row)
        stored = self.store.one(
            "SELECT fragments FROM org_default_fragments WHERE organization_id = ?", (row["id"],)
        )
        if stored is not None:
            org.default_fragments = FragmentImportList.parse(stored["fragments"])
        return org

    def _check_default_fragments(self, org_id: str, imports: FragmentImportList) -> bytes:
        """The default fragments as stored, once each is known to exist and be usable by ``org_id``."""
        seen: set[str] = set()
        for item in imports.fragments:
            fragment_id = item.fragment_id
            if not fragment_id:
                fail(Status.INVALID_ARGUMENT, "default_fragments: a fragment_id is required in every entry")
            if fragment_id in seen:
                fail(Status.INVALID_ARGUMENT, f"default_fragments: fragment {fragment_id!r} is listed twice")
            seen.add(fragment_id)
            row = self.store.one("SELECT organization_id, visibility FROM fragments WHERE id = ?", (fragment_id,))
            if row is None:
                fail(Status.NOT_FOUND, f"default_fragments: fragment {fragment_id!r} not found")
            private = FragmentVisibility(row["visibility"]) not in (
                FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
                FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
            )
            if private and row["organization_id"] != org_id:
                fail(
                    Status.PERMISSION_DENIED,
                    f"default_fragments: fragment {fragment_id!r} is private to another organization",
                )
            if item.version and not self.store.one(
                "SELECT 1 FROM fragment_tags WHERE fragment_id = ? AND tag = ? UNION ALL "
                "SELECT 1 FROM fragment_revisions WHERE fragment_id = ? AND CAST(revision AS TEXT) = ?",
                (fragment_id, item.version, fragment_id, item.version),
            ):
                fail(
                    Status.INVALID_ARGUMENT,
                    f"default_fragments: fragment {fragment_id!r} has no revision or tag {item.version!r}",
                )
        return bytes(imports)

    async def list_organizations(self, request: ListOrganizationsRequest) -> ListOrganizationsResponse:
        ident = caller(self.ctx)
        ids = sorted(visible_org_ids(self.ctx, ident))
        marks = ",".join("?" * len(ids))
        rows = (
            self.store.all(f"SELECT * FROM organizations WHERE id IN ({marks}) ORDER BY name, id", ids)
            if ids
            else []
        )
        return ListOrganizationsResponse(organizations=[self._org_message(r) for r in rows])

    async def get_organizations_with_access_to_location(
        self, request: GetOrganizationsWithAccessToLocationRequest
    ) -> GetOrganizationsWithAccessToLocationResponse:
        ident = caller(self.ctx)
        owner = require_location(self.ctx, ident, request.location_id)
        rows = self.store.all(
            "SELECT o.id, o.name, 0 AS shared FROM organizations o WHERE o.id = ? "
            "UNION ALL SELECT o.id, o.name, 1 FROM location_shares s JOIN organizations o "
            "ON o.id = s.organization_id WHERE s.location_id = ? ORDER BY shared, name, id",
            (owner, request.location_id),
        )
        return GetOrganizationsWithAccessToLocationResponse(
            organization_identities=[OrganizationIdentity(id=r["id"], name=r["name"]) for r in rows]
        )

    async def list_organizations_by_user(
        self, request: ListOrganizationsByUserRequest
    ) -> ListOrganizationsByUserResponse:
        ident = caller(self.ctx)
        if not request.user_id:
            fail(Status.INVALID_ARGUMENT, "a user id is required")
        visible = visible_org_ids(self.ctx, ident)
        rows = self.store.all(
            "SELECT o.* FROM org_members m JOIN organizations o ON o.id = m.organization_id "
            "WHERE m.user_id = ? ORDER BY o.name, o.id",
            (request.user_id,),
        )
        return ListOrganizationsByUserResponse(
            orgs=[
                OrgDetails(
                    org_id=r["id"],
                    org_name=r["name"],
                    org_cid=r["cid"] or None,
                    public_namespace=r["public_namespace"] or None,
                )
                for r in rows
                if r["id"] in visible
            ]
        )

    async def get_organization(self, request: GetOrganizationRequest) -> GetOrganizationResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        return GetOrganizationResponse(organization=self._org(request.organization_id))

    async def get_organization_namespace_availability(
        self, request: GetOrganizationNamespaceAvailabilityRequest
    ) -> GetOrganizationNamespaceAvailabilityResponse:
        caller(self.ctx)
        namespace = check_namespace(request.public_namespace)
        row = self.store.one("SELECT 1 FROM organizations WHERE public_namespace = ?", (namespace,))
        return GetOrganizationNamespaceAvailabilityResponse(available=row is None)

    def _set_namespace(self, db: sqlite3.Connection, org_id: str, namespace: str) -> None:
        check_namespace(namespace)
        current = db.execute("SELECT public_namespace FROM organizations WHERE id = ?", (org_id,)).fetchone()
        if current is not None and current["public_namespace"] == namespace:
            return
        if current is not None and current["public_namespace"]:
            fail(
                Status.FAILED_PRECONDITION,
                f"organization {org_id!r} already has the public namespace {current['public_namespace']!r}",
            )
        taken = db.execute(
            "SELECT id FROM organizations WHERE public_namespace = ? AND id != ?", (namespace, org_id)
        ).fetchone()
        if taken is not None:
            fail(Status.ALREADY_EXISTS, f"public namespace {namespace!r} is already taken")
        db.execute("UPDATE organizations SET public_namespace = ? WHERE id = ?", (namespace, org_id))

    async def update_organization(self, request: UpdateOrganizationRequest) -> UpdateOrganizationResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        defaults = (
            None
            if request.default_fragments is None
            else self._check_default_fragments(org_id, request.default_fragments)
        )
        with self.store.transaction() as db:
            if defaults is not None:
                db.execute(
                    "INSERT INTO org_default_fragments(organization_id, fragments) VALUES (?, ?) "
                    "ON CONFLICT(organization_id) DO UPDATE SET fragments = excluded.fragments",
                    (org_id, defaults),
                )
            if request.name is not None:
                name = require_name(request.name, "organization name")
                db.execute("UPDATE organizations SET name = ? WHERE id = ?", (name, org_id))
            if request.public_namespace is not None:
                self._set_namespace(db, org_id, request.public_namespace)
            if request.region is not None:
                db.execute(
                    "UPDATE organizations SET default_region = ? WHERE id = ?", (request.region, org_id)
                )
            if request.cid is not None:
                db.execute("UPDATE organizations SET cid = ? WHERE id = ?", (request.cid, org_id))
        return UpdateOrganizationResponse(organization=self._org(org_id))

    async def update_organization_namespace(
        self, request: UpdateOrganizationNamespaceRequest
    ) -> UpdateOrganizationNamespaceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        with self.store.transaction() as db:
            self._set_namespace(db, request.organization_id, request.new_public_namespace)
        return UpdateOrganizationNamespaceResponse(organization=self._org(request.organization_id))

    async def delete_organization(self, request: DeleteOrganizationRequest) -> DeleteOrganizationResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        with self.store.transaction() as db:
            for row in db.execute("SELECT id FROM locations WHERE organization_id = ?", (org_id,)).fetchall():
                delete_location_rows(db, str(row["id"]))
            keys = [
                str(r["id"])
                for r in db.execute("SELECT id FROM api_keys WHERE organization_id = ?", (org_id,))
            ]
            for key_id in keys:
                db.execute("DELETE FROM api_key_authorizations WHERE api_key_id = ?", (key_id,))
                db.execute("DELETE FROM access_tokens WHERE kind = 'api-key' AND subject = ?", (key_id,))
                db.execute("DELETE FROM api_keys WHERE id = ?", (key_id,))
            for sql in (
                "DELETE FROM api_key_authorizations WHERE organization_id = ?",
                "DELETE FROM user_authorizations WHERE organization_id = ?",
                "DELETE FROM location_shares WHERE organization_id = ?",
                "DELETE FROM org_members WHERE organization_id = ?",
                "DELETE FROM org_invites WHERE organization_id = ?",
                "DELETE FROM fragment_revisions WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragment_history WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragment_tags WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragments WHERE organization_id = ?",
                "DELETE FROM module_file_chunks WHERE module_id IN (SELECT id FROM registry_items WHERE organization_id = ?)",
                "DELETE FROM module_files WHERE module_id IN (SELECT id FROM registry_items WHERE organization_id = ?)",
                "DELETE FROM registry_items WHERE organization_id = ?",
                "DELETE FROM org_settings WHERE organization_id = ?",
                "DELETE FROM oauth_app_users WHERE organization_id = ?",
                "DELETE FROM oauth_apps WHERE organization_id = ?",
                "DELETE FROM firebase_configs WHERE organization_id = ?",
                "DELETE FROM org_default_fragments WHERE organization_id = ?",
                "DELETE FROM organizations WHERE id = ?",
            ):
                db.execute(sql, (org_id,))
            for hook in self.ctx.org_deleted_hooks:
                hook(db, org_id)
        return DeleteOrganizationResponse()

    async def get_organization_metadata(
        self, request: GetOrganizationMetadataRequest
    ) -> GetOrganizationMetadataResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        row = self.store.one("SELECT metadata FROM organizations WHERE id = ?", (request.organization_id,))
        return GetOrganizationMetadataResponse(data=metadata_struct(row["metadata"] if row else None))

    async def update_organization_metadata(
        self, request: UpdateOrganizationMetadataRequest
    ) -> UpdateOrganizationMetadataResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE organizations SET metadata = ? WHERE id = ?",
                (metadata_json(request.data), request.organization_id),
            )
        return UpdateOrganizationMetadataResponse()

    # -- members and invites ---------------------------------------------------------

    async def list_organization_members(
        self, request: ListOrganizationMembersRequest
    ) -> ListOrganizationMembersResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        members = self.store.all(
            "SELECT u.id, u.email, m.date_added FROM org_members m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = ? ORDER BY u.email, u.id",
            (org_id,),
        )
        invites = self.store.all(
            "SELECT * FROM org_invites WHERE organization_id = ? ORDER BY email", (org_id,)
        )
        return ListOrganizationMembersResponse(
            organization_id=org_id,
            members=[
                OrganizationMember(
                    user_id=m["id"], emails=[m["email"]], date_added=parse_iso(m["date_added"])
                )
                for m in members
            ],
            invites=[_invite_message(i) for i in invites],
        )

    def _invite(self, org_id: str, email: str) -> sqlite3.Row:
        row = self.store.one(
            "SELECT * FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, check_email(email))
        )
        if row is None:
            fail(Status.NOT_FOUND, f"no pending invite for {email!r} in organization {org_id!r}")
        return row

    async def create_organization_invite(
        self, request: CreateOrganizationInviteRequest
    ) -> CreateOrganizationInviteResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        email = check_email(request.email)
        auths = [parse_authorization(self.store, a, org_id=org_id) for a in request.authorizations]
        if (
            not auths
        ):  # as the cloud does: an invite without authorizations makes an owner of the organization
            auths = [("owner", "organization", org_id, org_id)]
        member = self.store.one(
            "SELECT 1 FROM org_members m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = ? AND u.email = ?",
            (org_id, email),
        )
        if member is not None:
            fail(Status.ALREADY_EXISTS, f"{request.email!r} is already a member of organization {org_id!r}")
        with self.store.transaction() as db:
            if db.execute(
                "SELECT 1 FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, email)
            ).fetchone():
                fail(Status.ALREADY_EXISTS, f"{request.email!r} already has a pending invite to {org_id!r}")
            db.execute(
                "INSERT INTO org_invites(organization_id, email, created_at, authorizations) VALUES (?,?,?,?)",
                (org_id, email, self.ctx.now_iso(), _auth_json(auths)),
            )
        return CreateOrganizationInviteResponse(invite=_invite_message(self._invite(org_id, email)))

    async def update_organization_invite_authorizations(
        self, request: UpdateOrganizationInviteAuthorizationsRequest
    ) -> UpdateOrganizationInviteAuthorizationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        if not request.add_authorizations and not request.remove_authorizations:
            fail(Status.INVALID_ARGUMENT, "give at least one authorization to add or remove")
        invite = self._invite(org_id, request.email)
        current = {tuple(a) for a in json.loads(invite["authorizations"])}
        added = {parse_authorization(self.store, a, org_id=org_id) for a in request.add_authorizations}
        removed = {parse_authorization(self.store, a, org_id=org_id) for a in request.remove_authorizations}
        result = (current | added) - removed
        if not result:
            fail(Status.INVALID_ARGUMENT, "an invite must keep at least one authorization")
        with self.store.transaction() as db:
            db.execute(
                "UPDATE org_invites SET authorizations = ? WHERE organization_id = ? AND email = ?",
                (_auth_json(list(result)), org_id, invite["email"]),
            )
        return UpdateOrganizationInviteAuthorizationsResponse(
            invite=_invite_message(self._invite(org_id, invite["email"]))
        )

    async def delete_organization_member(
        self, request: DeleteOrganizationMemberRequest
    ) -> DeleteOrganizationMemberResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM org_members WHERE organization_id = ? AND user_id = ?", (org_id, request.user_id)
            ).rowcount
            if not gone:
                fail(Status.NOT_FOUND, f"user {request.user_id!r} is not a member of organization {org_id!r}")
            db.execute(
                "DELETE FROM user_authorizations WHERE organization_id = ? AND user_id = ?",
                (org_id, request.user_id),
            )
        return DeleteOrganizationMemberResponse()

    async def delete_organization_invite(
        self, request: DeleteOrganizationInviteRequest
    ) -> DeleteOrganizationInviteResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        invite = self._invite(request.organization_id, request.email)
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM org_invites WHERE organization_id = ? AND email = ?",
                (request.organization_id, invite["email"]),
            )
        return DeleteOrganizationInviteResponse()

    async def resend_organization_invite(
        self, request: ResendOrganizationInviteRequest
    ) -> ResendOrganizationInviteResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        # No mail leaves the emulator: resending only confirms the invite exists.
        return ResendOrganizationInviteResponse(
            invite=_invite_message(self._invite(request.organization_id, request.email))
        )


def add_user(store: Store, *, user_id: str, email: str, created_at: str, org_id: str | None = None) -> str:
    """Create (or find) a user by email and optionally make them an owner-member of ``org_id``.

    A pending invite for that email to that organization is accepted: its
    authorizations become the member's.
    """
    address = check_email(email)
    with store.transaction() as db:
        row = db.execute("SELECT id FROM users WHERE email = ?", (address,)).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO users(id, email, created_at) VALUES (?,?,?)", (user_id, address, created_at)
            )
        else:
            user_id = str(row["id"])
        if org_id is not None:
            db.execute(
                "INSERT OR IGNORE INTO org_members(organization_id, user_id, date_added) VALUES (?,?,?)",
                (org_id, user_id, created_at),
            )
            invite = db.execute(
                "SELECT authorizations FROM org_invites WHERE organization_id = ? AND email = ?",
                (org_id, address),
            ).fetchone()
            auths = (
                json.loads(invite["authorizations"])
                if invite
                else [["owner", "organization", org_id, org_id]]
            )
            for role, rtype, rid, org in auths:
                db.execute(
                    "INSERT OR IGNORE INTO user_authorizations(user_id, role, resource_type, resource_id, "
                    "organization_id) VALUES (?,?,?,?,?)",
                    (user_id, role, rtype, rid, org),
                )
            db.execute("DELETE FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, address))
    return user_id
