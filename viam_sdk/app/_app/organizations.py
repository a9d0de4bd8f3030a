"""``AppClient`` methods for users, organizations, their members and invites."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from viam_api.app.v1 import (
    Authorization,
    CreateOAuthAppUserRequest,
    CreateOAuthAppUserResponse,
    CreateOrganizationInviteRequest,
    CreateOrganizationRequest,
    DeleteOrganizationInviteRequest,
    DeleteOrganizationMemberRequest,
    DeleteOrganizationRequest,
    FragmentImport,
    FragmentImportList,
    GetOrganizationMetadataRequest,
    GetOrganizationNamespaceAvailabilityRequest,
    GetOrganizationRequest,
    GetOrganizationsWithAccessToLocationRequest,
    GetUserIDByEmailRequest,
    ListOrganizationMembersRequest,
    ListOrganizationsByUserRequest,
    ListOrganizationsRequest,
    Organization,
    OrganizationIdentity,
    OrganizationInvite,
    OrganizationMember,
    OrgDetails,
    ResendOrganizationInviteRequest,
    UpdateOrganizationInviteAuthorizationsRequest,
    UpdateOrganizationMetadataRequest,
    UpdateOrganizationRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._common import dict_to_struct, struct_to_dict


class Organizations(AppClientBase):
    """Users, organizations, members and invites."""

    async def get_user_id_by_email(self, email: str, *, timeout: float | None = None) -> str:
        """The ID of the user with this email address.

        Example::

            user_id = await fleet.get_user_id_by_email("ada@example.com")
        """
        response = await self._app_client.get_user_id_by_email(GetUserIDByEmailRequest(email=email))
        return response.user_id

    async def create_organization(self, name: str, *, timeout: float | None = None) -> Organization:
        """Create an organization named ``name`` and return it."""
        response = await self._app_client.create_organization(CreateOrganizationRequest(name=name))
        return response.organization if response.organization is not None else Organization()

    async def list_organizations(self, *, timeout: float | None = None) -> list[Organization]:
        """Every organization the caller may see."""
        response = await self._app_client.list_organizations(ListOrganizationsRequest())
        return list(response.organizations)

    async def get_organizations_with_access_to_location(self, location_id: str, *, timeout: float | None = None) -> list[OrganizationIdentity]:
        """The organizations a location belongs to or is shared with."""
        response = await self._app_client.get_organizations_with_access_to_location(
            GetOrganizationsWithAccessToLocationRequest(location_id=location_id)
        )
        return list(response.organization_identities)

    async def list_organizations_by_user(self, user_id: str, *, timeout: float | None = None) -> list[OrgDetails]:
        """The organizations a user is a member of."""
        response = await self._app_client.list_organizations_by_user(ListOrganizationsByUserRequest(user_id=user_id))
        return list(response.orgs)

    async def get_organization(self, org_id: str, *, timeout: float | None = None) -> Organization:
        """One organization by ID.

        Raises:
            GRPCError: NOT_FOUND for an unknown ID, PERMISSION_DENIED outside the caller's reach.
        """
        response = await self._app_client.get_organization(GetOrganizationRequest(organization_id=org_id))
        return response.organization if response.organization is not None else Organization()

    async def get_organization_namespace_availability(self, public_namespace: str, *, timeout: float | None = None) -> bool:
        """Whether a public namespace is still free.

        Raises:
            GRPCError: INVALID_ARGUMENT for an empty or malformed namespace.
        """
        response = await self._app_client.get_organization_namespace_availability(
            GetOrganizationNamespaceAvailabilityRequest(public_namespace=public_namespace)
        )
        return response.available

    async def update_organization(
        self,
        org_id: str,
        name: str | None = None,
        public_namespace: str | None = None,
        region: str | None = None,
        cid: str | None = None,
        default_fragments: list[FragmentImport] | None = None,
        *,
        timeout: float | None = None,
    ) -> Organization:
        """Change an organization's details; arguments left None stay as they are.

        ``default_fragments`` replaces the fragments every new machine of the
        organization starts with (``[]`` clears them).
        """
        response = await self._app_client.update_organization(
            UpdateOrganizationRequest(
                organization_id=org_id,
                name=name,
                public_namespace=public_namespace,
                region=region,
                cid=cid,
                default_fragments=(
                    FragmentImportList(fragments=list(default_fragments)) if default_fragments is not None else None
                ),
            )
        )
        return response.organization if response.organization is not None else Organization()

    async def delete_organization(self, org_id: str, *, timeout: float | None = None) -> None:
        """Delete an organization."""
        await self._app_client.delete_organization(DeleteOrganizationRequest(organization_id=org_id))

    async def list_organization_members(
        self, org_id: str = "", *, timeout: float | None = None
    ) -> tuple[list[OrganizationMember], list[OrganizationInvite]]:
        """The organization's members and its pending invites, as two lists.

        ``org_id`` defaults to the one organization the credentials belong to.

        Example::

            members, invites = await fleet.list_organization_members(org_id)
        """
        org_id = await self._org(org_id, "list_organization_members")
        response = await self._app_client.list_organization_members(
            ListOrganizationMembersRequest(organization_id=org_id)
        )
        return list(response.members), list(response.invites)

    async def create_organization_invite(
        self,
        org_id: str,
        email: str,
        authorizations: list[Authorization] | None = None,
        send_email_invite: bool = True,
        *,
        timeout: float | None = None,
    ) -> OrganizationInvite:
        """Invite someone by email; without ``authorizations`` the invite grants ownership.

        With ``send_email_invite=False`` no email goes out and the person gets
        the access the next time they sign in.
        """
        response = await self._app_client.create_organization_invite(
            CreateOrganizationInviteRequest(
                organization_id=org_id,
                email=email,
                authorizations=list(authorizations or ()),
                send_email_invite=send_email_invite,
            )
        )
        return response.invite if response.invite is not None else OrganizationInvite()

    async def update_organization_invite_authorizations(
        self,
        org_id: str = "",
        email: str = "",
        add_authorizations: list[Authorization] | None = None,
        remove_authorizations: list[Authorization] | None = None,
        *,
        timeout: float | None = None,
    ) -> OrganizationInvite:
        """Add authorizations to, or remove them from, a pending invite.

        ``org_id`` defaults to the one organization the credentials belong to.
        """
        if not email:
            raise ValueError("update_organization_invite_authorizations: give the invite's email")
        org_id = await self._org(org_id, "update_organization_invite_authorizations")
        response = await self._app_client.update_organization_invite_authorizations(
            UpdateOrganizationInviteAuthorizationsRequest(
                organization_id=org_id,
                email=email,
                add_authorizations=list(add_authorizations or ()),
                remove_authorizations=list(remove_authorizations or ()),
            )
        )
        return response.invite if response.invite is not None else OrganizationInvite()

    async def delete_organization_member(self, org_id: str, user_id: str, *, timeout: float | None = None) -> None:
        """Remove a member from an organization."""
        await self._app_client.delete_organization_member(
            DeleteOrganizationMemberRequest(organization_id=org_id, user_id=user_id)
        )

    async def delete_organization_invite(self, org_id: str, email: str, *, timeout: float | None = None) -> None:
        """Withdraw a pending invite."""
        await self._app_client.delete_organization_invite(
            DeleteOrganizationInviteRequest(organization_id=org_id, email=email)
        )

    async def resend_organization_invite(self, org_id: str, email: str, *, timeout: float | None = None) -> OrganizationInvite:
        """Send a pending invite's email again."""
        response = await self._app_client.resend_organization_invite(
            ResendOrganizationInviteRequest(organization_id=org_id, email=email)
        )
        return response.invite if response.invite is not None else OrganizationInvite()

    async def get_organization_metadata(self, org_id: str, *, timeout: float | None = None) -> Mapping[str, Any]:
        """The user-defined metadata of an organization, as a dict."""
        response = await self._app_client.get_organization_metadata(
            GetOrganizationMetadataRequest(organization_id=org_id)
        )
        return struct_to_dict(response.data)

    async def update_organization_metadata(self, org_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None) -> None:
        """Replace an organization's user-defined metadata with ``metadata``."""
        await self._app_client.update_organization_metadata(
            UpdateOrganizationMetadataRequest(organization_id=org_id, data=dict_to_struct(metadata))
        )

    async def create_oauth_app_user(
        self,
        org_id: str,
        application_id: str,
        email: str,
        first_name: str,
        last_name: str,
        password: str,
        timeout: float | None = None,
    ) -> CreateOAuthAppUserResponse:
        """Register a new user with one of the organization's OAuth applications.

        ``application_id`` is the OAuth app's client ID.  The answer carries the
        new user's ID and registration ID, and tokens where the service issues them.
        """
        return await self._app_client.create_oauth_app_user(
            CreateOAuthAppUserRequest(
                org_id=org_id,
                application_id=application_id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                password=password,
            ),
            timeout=timeout,
        )
