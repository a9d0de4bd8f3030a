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
from viam_sdk.app._convert import dict_to_struct, struct_to_dict
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Organizations(AppClientBase):
    """Users, organizations, members and invites."""

    async def get_user_id_by_email(self, email: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> str:
        """The ID of the user with this email address.

        Args:
            email: the user's email address.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The user's ID.

        Raises:
            NotFound: no user has that email address.
            InvalidArgument: ``email`` is not an email address.

        Examples:
            ```python
            fleet = viam_client.app_client
            user_id = await fleet.get_user_id_by_email("ada@example.com")
            ```
        """
        response = await self._app_client.get_user_id_by_email(GetUserIDByEmailRequest(email=email))
        return response.user_id

    async def create_organization(self, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Organization:
        """Create an organization named ``name`` (the calling key becomes its owner).

        Args:
            name: the organization's name.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new ``Organization`` message.

        Raises:
            PermissionDenied: the credentials are not an API key (only keys may create organizations).
            InvalidArgument: ``name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            org = await fleet.create_organization("Field robotics")
            ```
        """
        response = await self._app_client.create_organization(CreateOrganizationRequest(name=name))
        return response.organization if response.organization is not None else Organization()

    async def list_organizations(self, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[Organization]:
        """Every organization the caller may see.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Organization`` messages.

        Raises:
            Unauthenticated: the credentials are not valid.

        Examples:
            ```python
            fleet = viam_client.app_client
            orgs = await fleet.list_organizations()
            print([o.name for o in orgs])
            ```
        """
        response = await self._app_client.list_organizations(ListOrganizationsRequest())
        return list(response.organizations)

    async def get_organizations_with_access_to_location(
        self, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[OrganizationIdentity]:
        """The organizations a location belongs to or is shared with.

        Args:
            location_id: the location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``OrganizationIdentity`` (ID and name), the owner first.

        Raises:
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            orgs = await fleet.get_organizations_with_access_to_location(location_id)
            ```
        """
        response = await self._app_client.get_organizations_with_access_to_location(
            GetOrganizationsWithAccessToLocationRequest(location_id=location_id)
        )
        return list(response.organization_identities)

    async def list_organizations_by_user(
        self, user_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> list[OrgDetails]:
        """The organizations a user is a member of.

        Args:
            user_id: the user.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``OrgDetails`` (organization ID and name).

        Raises:
            InvalidArgument: ``user_id`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            orgs = await fleet.list_organizations_by_user(user_id)
            ```
        """
        response = await self._app_client.list_organizations_by_user(ListOrganizationsByUserRequest(user_id=user_id))
        return list(response.orgs)

    async def get_organization(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Organization:
        """One organization by ID.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Organization`` message (name, public namespace, region, default fragments, ...).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the organization is outside the caller's reach.

        Examples:
            ```python
            fleet = viam_client.app_client
            org = await fleet.get_organization(org_id)
            ```
        """
        response = await self._app_client.get_organization(GetOrganizationRequest(organization_id=org_id))
        return response.organization if response.organization is not None else Organization()

    async def get_organization_namespace_availability(
        self, public_namespace: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> bool:
        """Whether a public namespace is still free.

        Args:
            public_namespace: the namespace to check (lowercase letters, digits and dashes).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            True when no organization uses it yet.

        Raises:
            InvalidArgument: the namespace is empty or malformed.

        Examples:
            ```python
            fleet = viam_client.app_client
            free = await fleet.get_organization_namespace_availability("acme-robotics")
            ```
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
        retry: RetryOption = DEFAULT,
    ) -> Organization:
        """Change an organization's details; arguments left None stay as they are.

        Args:
            org_id: the organization.
            name: a new name.
            public_namespace: a public namespace to claim (only one per organization, ever).
            region: the region its data is stored in.
            cid: the organization's ID in Viam's customer-relationship (CRM) records.
            default_fragments: the fragments every new machine starts with; ``[]`` clears them.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``Organization``.

        Raises:
            NotFound: no organization (or listed fragment) has that ID.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: another organization already has that namespace.
            FailedPrecondition: the organization already has a different namespace.
            InvalidArgument: the namespace is malformed or a fragment is listed twice.

        Examples:
            ```python
            fleet = viam_client.app_client
            org = await fleet.update_organization(org_id, name="Field robotics ltd")
            ```
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

    async def delete_organization(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete an organization with its locations, machines and keys.

        Args:
            org_id: the organization to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_organization(org_id)
            ```
        """
        await self._app_client.delete_organization(DeleteOrganizationRequest(organization_id=org_id))

    async def list_organization_members(
        self, org_id: str = "", *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> tuple[list[OrganizationMember], list[OrganizationInvite]]:
        """The organization's members and its pending invites, as two lists.

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A tuple ``(members, invites)``: lists of ``OrganizationMember`` and ``OrganizationInvite``.

        Raises:
            ValueError: no ``org_id`` and the credentials reach none or several organizations.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            members, invites = await fleet.list_organization_members(org_id)
            ```
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
        retry: RetryOption = DEFAULT,
    ) -> OrganizationInvite:
        """Invite someone to an organization by email.

        Args:
            org_id: the organization.
            email: the invitee's email address.
            authorizations: the role grants the invite carries; None or empty grants ownership.
            send_email_invite: False sends no email: the person gets the access at next sign-in.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``OrganizationInvite`` (email, authorizations, created on).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: the person is already a member or already has a pending invite.
            InvalidArgument: ``email`` is not an email address.

        Examples:
            ```python
            fleet = viam_client.app_client
            invite = await fleet.create_organization_invite(org_id, "ada@example.com")
            ```
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
        retry: RetryOption = DEFAULT,
    ) -> OrganizationInvite:
        """Add authorizations to, or remove them from, a pending invite.

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            email: the invitee's email address (required).
            add_authorizations: role grants to add; None adds none.
            remove_authorizations: role grants to remove; None removes none.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``OrganizationInvite``.

        Raises:
            ValueError: ``email`` is empty, or no ``org_id`` and none can be inferred.
            NotFound: there is no pending invite for that email.
            PermissionDenied: the credentials are not an owner of the organization.
            InvalidArgument: nothing to add or remove, or the invite would keep no authorization.

        Examples:
            ```python
            from viam_sdk.proto.app import Authorization

            fleet = viam_client.app_client
            grant = Authorization(authorization_type="role", authorization_id="location_operator",
                                  resource_type="location", resource_id=location_id, identity_id="",
                                  organization_id=org_id, identity_type="")
            invite = await fleet.update_organization_invite_authorizations(
                org_id, "ada@example.com", add_authorizations=[grant])
            ```
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

    async def delete_organization_member(
        self, org_id: str, user_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Remove a member from an organization.

        Args:
            org_id: the organization.
            user_id: the member's user ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the user is not a member of the organization.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_organization_member(org_id, user_id)
            ```
        """
        await self._app_client.delete_organization_member(
            DeleteOrganizationMemberRequest(organization_id=org_id, user_id=user_id)
        )

    async def delete_organization_invite(
        self, org_id: str, email: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Withdraw a pending invite.

        Args:
            org_id: the organization.
            email: the invitee's email address.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: there is no pending invite for that email.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_organization_invite(org_id, "ada@example.com")
            ```
        """
        await self._app_client.delete_organization_invite(
            DeleteOrganizationInviteRequest(organization_id=org_id, email=email)
        )

    async def resend_organization_invite(
        self, org_id: str, email: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> OrganizationInvite:
        """Send a pending invite's email again.

        Args:
            org_id: the organization.
            email: the invitee's email address.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``OrganizationInvite`` that was resent.

        Raises:
            NotFound: there is no pending invite for that email.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            invite = await fleet.resend_organization_invite(org_id, "ada@example.com")
            ```
        """
        response = await self._app_client.resend_organization_invite(
            ResendOrganizationInviteRequest(organization_id=org_id, email=email)
        )
        return response.invite if response.invite is not None else OrganizationInvite()

    async def get_organization_metadata(
        self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Mapping[str, Any]:
        """The user-defined metadata of an organization.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_organization_metadata(org_id)
            ```
        """
        response = await self._app_client.get_organization_metadata(
            GetOrganizationMetadataRequest(organization_id=org_id)
        )
        return struct_to_dict(response.data)

    async def update_organization_metadata(
        self, org_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Replace an organization's user-defined metadata with ``metadata``.

        Args:
            org_id: the organization.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials are not an owner of the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_organization_metadata(org_id, {"cost_center": "R&D-7"})
            ```
        """
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
        *,
        retry: RetryOption = DEFAULT,
    ) -> CreateOAuthAppUserResponse:
        """Register a new user with one of the organization's OAuth applications.

        Args:
            org_id: the organization that owns the OAuth app.
            application_id: the OAuth app's client ID.
            email: the new user's email address.
            first_name: the user's first name (not empty).
            last_name: the user's last name (not empty).
            password: the user's password (the service enforces a minimum length).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``CreateOAuthAppUserResponse``: the new user's ID and registration ID, and tokens
            where the service issues them.

        Raises:
            NotFound: the organization has no OAuth app with that client ID.
            PermissionDenied: the credentials are not an owner of the organization.
            AlreadyExists: a user with that email is already registered with the app.
            InvalidArgument: an empty name or client ID, or a password that is too short.

        Examples:
            ```python
            fleet = viam_client.app_client
            reply = await fleet.create_oauth_app_user(org_id, client_id, "ada@example.com",
                                                      "Ada", "Lovelace", "correct horse battery")
            ```
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
