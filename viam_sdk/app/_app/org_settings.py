"""``AppClient`` methods for an organization's settings: namespace, support email, logo,
the billing service it runs for its own customers, its auth service, search, and the
branding and content of the apps it publishes."""

from __future__ import annotations

from viam_api.app.v1 import (
    BillingAddress,
    DisableAuthServiceRequest,
    DisableBillingServiceRequest,
    EnableAuthServiceRequest,
    EnableBillingServiceRequest,
    GetAppBrandingRequest,
    GetAppBrandingResponse,
    GetAppContentRequest,
    GetAppContentResponse,
    GetBillingServiceConfigRequest,
    GetBillingServiceConfigResponse,
    Organization,
    OrganizationGetLogoRequest,
    OrganizationGetSupportEmailRequest,
    OrganizationSetLogoRequest,
    OrganizationSetSupportEmailRequest,
    OrgDetails,
    SearchOrganizationsRequest,
    UpdateBillingServiceRequest,
    UpdateOrganizationNamespaceRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class OrgSettings(AppClientBase):
    """Organization settings, search, and published apps."""

    async def search_organizations(
        self,
        org_id: str | None = None,
        org_name: str | None = None,
        cid: str | None = None,
        public_namespace: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> list[OrgDetails]:
        """Organizations matching every criterion given, among those the caller can see.

        Args:
            org_id: keep only the organization with this ID.
            org_name: keep only organizations with this name.
            cid: keep only the organization with this billing customer ID.
            public_namespace: keep only the organization with this public namespace.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``OrgDetails`` (ID, name, customer ID, namespace); empty when nothing matches.

        Raises:
            Unauthenticated: the credentials are missing or expired.

        Examples:
            ```python
            fleet = viam_client.app_client
            for org in await fleet.search_organizations(public_namespace="acme-robotics"):
                print(org.org_id, org.org_name)
            ```
        """
        response = await self._app_client.search_organizations(
            SearchOrganizationsRequest(
                org_id=org_id, org_name=org_name, cid=cid, public_namespace=public_namespace
            )
        )
        return list(response.organizations)

    async def update_organization_namespace(
        self, org_id: str, new_public_namespace: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Organization:
        """Give an organization a new public namespace (the prefix of its registry items).

        Args:
            org_id: the organization.
            new_public_namespace: lowercase letters, digits and dashes, not used by another organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Organization`` as it is now.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: the namespace is empty or has characters a namespace may not.
            AlreadyExists: another organization has that namespace.

        Examples:
            ```python
            fleet = viam_client.app_client
            org = await fleet.update_organization_namespace(org_id, "acme-robotics")
            print(org.public_namespace)
            ```
        """
        response = await self._app_client.update_organization_namespace(
            UpdateOrganizationNamespaceRequest(
                organization_id=org_id, new_public_namespace=new_public_namespace
            )
        )
        return response.organization if response.organization is not None else Organization()

    async def organization_set_support_email(
        self, org_id: str, email: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Set the address an organization's customers write to for support.

        Args:
            org_id: the organization.
            email: the support address.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: ``email`` is not an email address.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.organization_set_support_email(org_id, "help@example.com")
            ```
        """
        await self._app_client.organization_set_support_email(
            OrganizationSetSupportEmailRequest(org_id=org_id, email=email)
        )

    async def organization_get_support_email(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> str:
        """The support address of an organization.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The address, or ``""`` when none was set.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            print(await fleet.organization_get_support_email(org_id))
            ```
        """
        response = await self._app_client.organization_get_support_email(
            OrganizationGetSupportEmailRequest(org_id=org_id)
        )
        return response.email

    async def organization_set_logo(self, org_id: str, logo: bytes, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Set an organization's logo (a PNG image); empty bytes remove it.

        Args:
            org_id: the organization.
            logo: the PNG file's bytes.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: ``logo`` is not a PNG image, or is too large.

        Examples:
            ```python
            from pathlib import Path

            fleet = viam_client.app_client
            await fleet.organization_set_logo(org_id, Path("logo.png").read_bytes())
            ```
        """
        await self._app_client.organization_set_logo(OrganizationSetLogoRequest(org_id=org_id, logo=logo))

    async def organization_get_logo(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> str:
        """Where an organization's logo can be fetched.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The logo's URL, or ``""`` when the organization has none.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            url = await fleet.organization_get_logo(org_id)
            ```
        """
        response = await self._app_client.organization_get_logo(OrganizationGetLogoRequest(org_id=org_id))
        return response.url

    async def enable_auth_service(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Turn on the organization's own auth service (sign-in for its apps' users).

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            AlreadyExists: the auth service is already on.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.enable_auth_service(org_id)
            ```
        """
        await self._app_client.enable_auth_service(EnableAuthServiceRequest(org_id=org_id))

    async def disable_auth_service(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Turn off the organization's own auth service.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            FailedPrecondition: the auth service is off already.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.disable_auth_service(org_id)
            ```
        """
        await self._app_client.disable_auth_service(DisableAuthServiceRequest(org_id=org_id))

    async def enable_billing_service(
        self, org_id: str, billing_address: BillingAddress, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Let an organization bill its own customers, from the given address.

        Args:
            org_id: the organization.
            billing_address: the address its invoices show.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: a required part of the address is empty.
            AlreadyExists: the billing service is already on.

        Examples:
            ```python
            from viam_sdk.proto.app import BillingAddress

            fleet = viam_client.app_client
            address = BillingAddress(
                address_line_1="1 Main St", city="Springfield", state="IL", zipcode="62701", country="US"
            )
            await fleet.enable_billing_service(org_id, address)
            ```
        """
        await self._app_client.enable_billing_service(
            EnableBillingServiceRequest(org_id=org_id, billing_address=billing_address)
        )

    async def disable_billing_service(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Stop an organization billing its own customers.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            FailedPrecondition: the organization's billing service is off.
            PermissionDenied: the credentials may not change the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.disable_billing_service(org_id)
            ```
        """
        await self._app_client.disable_billing_service(DisableBillingServiceRequest(org_id=org_id))

    async def update_billing_service(
        self, org_id: str, billing_address: BillingAddress, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Change the address of an organization's billing service.

        Args:
            org_id: the organization.
            billing_address: the new address.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization has that ID.
            FailedPrecondition: the organization's billing service is off.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: a required part of the address is empty.

        Examples:
            ```python
            from viam_sdk.proto.app import BillingAddress

            fleet = viam_client.app_client
            address = BillingAddress(
                address_line_1="2 Elm St", city="Springfield", state="IL", zipcode="62702", country="US"
            )
            await fleet.update_billing_service(org_id, address)
            ```
        """
        await self._app_client.update_billing_service(
            UpdateBillingServiceRequest(org_id=org_id, billing_address=billing_address)
        )

    async def get_billing_service_config(
        self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> GetBillingServiceConfigResponse:
        """How an organization's billing service is set up.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetBillingServiceConfigResponse``: the billing address, support email, logo URL and
            dashboard URL.

        Raises:
            NotFound: no organization has that ID.
            FailedPrecondition: the organization's billing service is off.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            config = await fleet.get_billing_service_config(org_id)
            print(config.support_email, config.billing_address)
            ```
        """
        return await self._app_client.get_billing_service_config(
            GetBillingServiceConfigRequest(org_id=org_id)
        )

    async def get_app_branding(
        self, public_namespace: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> GetAppBrandingResponse:
        """The branding of a published app: its logo, text overrides and the fragments it offers.

        Args:
            public_namespace: the namespace of the organization publishing the app.
            name: the app's name.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetAppBrandingResponse`` (logo path, text customizations, fragment IDs, allowed
            organizations).

        Raises:
            NotFound: no app of that name is published under that namespace.

        Examples:
            ```python
            fleet = viam_client.app_client
            branding = await fleet.get_app_branding("acme-robotics", "dashboard")
            print(branding.logo_path)
            ```
        """
        return await self._app_client.get_app_branding(
            GetAppBrandingRequest(public_namespace=public_namespace, name=name)
        )

    async def get_app_content(
        self, public_namespace: str, name: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> GetAppContentResponse:
        """Where the files of a published app are, and how it starts.

        Args:
            public_namespace: the namespace of the organization publishing the app.
            name: the app's name.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``GetAppContentResponse`` (blob path, entrypoint, app type, whether it is public).

        Raises:
            NotFound: no app of that name is published under that namespace.
            PermissionDenied: the app is private and the credentials do not reach its organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            content = await fleet.get_app_content("acme-robotics", "dashboard")
            print(content.entrypoint)
            ```
        """
        return await self._app_client.get_app_content(
            GetAppContentRequest(public_namespace=public_namespace, name=name)
        )
