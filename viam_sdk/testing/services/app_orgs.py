"""AppService, organizations: the organizations themselves, namespaces, metadata, users,
members and invites.

The emulator has no web log-in, so users exist only when a test adds them
(``Emulator.add_user``); an invite stays pending until then.  Organizations
created through an API key are granted to that key as owner, so the caller can
manage what it created.
"""

from __future__ import annotations

from functools import cached_property

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
from ..backends.orgs import (
    SCHEMA,
    InviteRow,
    OrgRow,
    OrgsBackend,
    check_email,
    check_namespace,
    parse_authorization,
)
from ..backends.orgs import add_user as add_user  # re-exported: Emulator.add_user imports it from here
from ..context import parse_iso
from ..errors import InvalidArgument, PermissionDenied
from ._app_common import AppPart, metadata_json, metadata_struct, organization_message, require_name

__all__ = ["SCHEMA", "OrganizationsPart", "add_user", "check_email", "check_namespace"]


def _invite_message(invite: InviteRow) -> OrganizationInvite:
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
        for role, rtype, rid, org in invite.authorizations
    ]
    return OrganizationInvite(
        organization_id=invite.organization_id,
        email=invite.email,
        created_on=parse_iso(invite.created_at),
        authorizations=auths,
    )


def _org_message(org: OrgRow) -> Organization:
    message = organization_message(org)
    if org.default_fragments is not None:
        message.default_fragments = FragmentImportList.parse(org.default_fragments)
    return message


class OrganizationsPart(AppPart):
    @cached_property
    def orgs(self) -> OrgsBackend:
        return OrgsBackend(self.ctx)

    def _org(self, org_id: str) -> Organization:
        return _org_message(self.orgs.get(org_id))

    async def get_user_id_by_email(self, request: GetUserIDByEmailRequest) -> GetUserIDByEmailResponse:
        caller(self.ctx)
        check_email(request.email)
        return GetUserIDByEmailResponse(user_id=self.orgs.user_id_by_email(request.email))

    async def create_organization(self, request: CreateOrganizationRequest) -> CreateOrganizationResponse:
        ident = caller(self.ctx)
        name = require_name(request.name, "organization name")
        if ident.kind != API_KEY:
            raise PermissionDenied("only an API key may create organizations")
        org_id = self.orgs.create(name, owner_key_id=ident.subject, owner_role=ROLE_OWNER)
        return CreateOrganizationResponse(organization=self._org(org_id))

    async def list_organizations(self, request: ListOrganizationsRequest) -> ListOrganizationsResponse:
        ident = caller(self.ctx)
        orgs = self.orgs.many(sorted(visible_org_ids(self.ctx, ident)))
        return ListOrganizationsResponse(organizations=[_org_message(o) for o in orgs])

    async def get_organizations_with_access_to_location(
        self, request: GetOrganizationsWithAccessToLocationRequest
    ) -> GetOrganizationsWithAccessToLocationResponse:
        ident = caller(self.ctx)
        owner = require_location(self.ctx, ident, request.location_id)
        found = self.orgs.with_access_to_location(owner, request.location_id)
        return GetOrganizationsWithAccessToLocationResponse(
            organization_identities=[OrganizationIdentity(id=org_id, name=name) for org_id, name in found]
        )

    async def list_organizations_by_user(
        self, request: ListOrganizationsByUserRequest
    ) -> ListOrganizationsByUserResponse:
        ident = caller(self.ctx)
        if not request.user_id:
            raise InvalidArgument("a user id is required")
        visible = visible_org_ids(self.ctx, ident)
        return ListOrganizationsByUserResponse(
            orgs=[
                OrgDetails(
                    org_id=o.id,
                    org_name=o.name,
                    org_cid=o.cid or None,
                    public_namespace=o.public_namespace or None,
                )
                for o in self.orgs.of_user(request.user_id)
                if o.id in visible
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
        return GetOrganizationNamespaceAvailabilityResponse(
            available=self.orgs.namespace_available(request.public_namespace)
        )

    async def update_organization(self, request: UpdateOrganizationRequest) -> UpdateOrganizationResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        defaults = (
            None
            if request.default_fragments is None
            else self.orgs.check_default_fragments(org_id, request.default_fragments)
        )
        name = None if request.name is None else require_name(request.name, "organization name")
        self.orgs.update(
            org_id,
            default_fragments=defaults,
            name=name,
            public_namespace=request.public_namespace,
            region=request.region,
            cid=request.cid,
        )
        return UpdateOrganizationResponse(organization=self._org(org_id))

    async def update_organization_namespace(
        self, request: UpdateOrganizationNamespaceRequest
    ) -> UpdateOrganizationNamespaceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        self.orgs.set_namespace(request.organization_id, request.new_public_namespace)
        return UpdateOrganizationNamespaceResponse(organization=self._org(request.organization_id))

    async def delete_organization(self, request: DeleteOrganizationRequest) -> DeleteOrganizationResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        self.orgs.delete(request.organization_id)
        return DeleteOrganizationResponse()

    async def get_organization_metadata(
        self, request: GetOrganizationMetadataRequest
    ) -> GetOrganizationMetadataResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        return GetOrganizationMetadataResponse(data=metadata_struct(self.orgs.metadata(request.organization_id)))

    async def update_organization_metadata(
        self, request: UpdateOrganizationMetadataRequest
    ) -> UpdateOrganizationMetadataResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        self.orgs.set_metadata(request.organization_id, metadata_json(request.data))
        return UpdateOrganizationMetadataResponse()

    # -- members and invites ---------------------------------------------------------

    async def list_organization_members(
        self, request: ListOrganizationMembersRequest
    ) -> ListOrganizationMembersResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        members = self.orgs.members(org_id)
        invites = self.orgs.invites(org_id)
        return ListOrganizationMembersResponse(
            organization_id=org_id,
            members=[
                OrganizationMember(user_id=m.user_id, emails=[m.email], date_added=parse_iso(m.date_added))
                for m in members
            ],
            invites=[_invite_message(i) for i in invites],
        )

    async def create_organization_invite(
        self, request: CreateOrganizationInviteRequest
    ) -> CreateOrganizationInviteResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        check_email(request.email)
        auths = [parse_authorization(self.store, a, org_id=org_id) for a in request.authorizations]
        return CreateOrganizationInviteResponse(
            invite=_invite_message(self.orgs.create_invite(org_id, request.email, auths))
        )

    async def update_organization_invite_authorizations(
        self, request: UpdateOrganizationInviteAuthorizationsRequest
    ) -> UpdateOrganizationInviteAuthorizationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        if not request.add_authorizations and not request.remove_authorizations:
            raise InvalidArgument("give at least one authorization to add or remove")
        invite = self.orgs.invite(org_id, request.email)
        added = {parse_authorization(self.store, a, org_id=org_id) for a in request.add_authorizations}
        removed = {parse_authorization(self.store, a, org_id=org_id) for a in request.remove_authorizations}
        return UpdateOrganizationInviteAuthorizationsResponse(
            invite=_invite_message(self.orgs.change_invite(org_id, invite.email, added, removed))
        )

    async def delete_organization_member(
        self, request: DeleteOrganizationMemberRequest
    ) -> DeleteOrganizationMemberResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        self.orgs.delete_member(request.organization_id, request.user_id)
        return DeleteOrganizationMemberResponse()

    async def delete_organization_invite(
        self, request: DeleteOrganizationInviteRequest
    ) -> DeleteOrganizationInviteResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        self.orgs.delete_invite(request.organization_id, request.email)
        return DeleteOrganizationInviteResponse()

    async def resend_organization_invite(
        self, request: ResendOrganizationInviteRequest
    ) -> ResendOrganizationInviteResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id, write=True)
        # No mail leaves the emulator: resending only confirms the invite exists.
        return ResendOrganizationInviteResponse(
            invite=_invite_message(self.orgs.invite(request.organization_id, request.email))
        )
