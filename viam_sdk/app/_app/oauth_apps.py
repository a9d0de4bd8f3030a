"""``AppClient`` methods for an organization's OAuth applications (clients of its auth service)."""

from __future__ import annotations

from viam_api.app.v1 import (
    CreateOAuthAppRequest,
    DeleteOAuthAppRequest,
    ListOAuthAppsRequest,
    OAuthConfig,
    ReadOAuthAppRequest,
    ReadOAuthAppResponse,
    UpdateOAuthAppRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class OAuthApps(AppClientBase):
    """OAuth applications: create, read, update, delete, list."""

    async def create_oauth_app(
        self, org_id: str, client_name: str, oauth_config: OAuthConfig, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> tuple[str, str]:
        """Register an OAuth application with the organization's auth service.

        Args:
            org_id: the organization.
            client_name: the application's display name.
            oauth_config: its grants, redirect and origin URIs, PKCE and client-authentication rules.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            ``(client_id, client_secret)`` of the new application. Keep the secret safe.

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: the name is empty, or a URI in ``oauth_config`` is not an absolute URL.

        Examples:
            ```python
            from viam_sdk.proto.app import EnabledGrant, OAuthConfig

            fleet = viam_client.app_client
            config = OAuthConfig(
                redirect_uris=["https://app.example.com/callback"],
                enabled_grants=[EnabledGrant.ENABLED_GRANT_AUTHORIZATION_CODE],
            )
            client_id, client_secret = await fleet.create_oauth_app(org_id, "dashboard", config)
            ```
        """
        response = await self._app_client.create_oauth_app(
            CreateOAuthAppRequest(org_id=org_id, client_name=client_name, oauth_config=oauth_config)
        )
        return response.client_id, response.client_secret

    async def read_oauth_app(
        self, org_id: str, client_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> ReadOAuthAppResponse:
        """One OAuth application of an organization, secret included.

        Args:
            org_id: the organization.
            client_id: the application's client ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``ReadOAuthAppResponse``: the client name, client secret and ``OAuthConfig``.

        Raises:
            NotFound: the organization has no application with that client ID.
            PermissionDenied: the credentials may not manage the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            app = await fleet.read_oauth_app(org_id, client_id)
            print(app.client_name, app.oauth_config.redirect_uris)
            ```
        """
        return await self._app_client.read_oauth_app(ReadOAuthAppRequest(org_id=org_id, client_id=client_id))

    async def update_oauth_app(
        self,
        org_id: str,
        client_id: str,
        client_name: str,
        oauth_config: OAuthConfig,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> None:
        """Replace the name and configuration of an OAuth application (its secret stays).

        Args:
            org_id: the organization.
            client_id: the application's client ID.
            client_name: its (new) display name.
            oauth_config: its whole new configuration.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the organization has no application with that client ID.
            PermissionDenied: the credentials may not change the organization.
            InvalidArgument: the name is empty, or a URI in ``oauth_config`` is not an absolute URL.

        Examples:
            ```python
            from viam_sdk.proto.app import OAuthConfig

            fleet = viam_client.app_client
            config = OAuthConfig(redirect_uris=["https://app.example.com/v2/callback"])
            await fleet.update_oauth_app(org_id, client_id, "dashboard v2", config)
            ```
        """
        await self._app_client.update_oauth_app(
            UpdateOAuthAppRequest(
                org_id=org_id, client_id=client_id, client_name=client_name, oauth_config=oauth_config
            )
        )

    async def delete_oauth_app(self, org_id: str, client_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Remove an OAuth application; its client ID and secret stop working.

        Args:
            org_id: the organization.
            client_id: the application's client ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the organization has no application with that client ID.
            PermissionDenied: the credentials may not change the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_oauth_app(org_id, client_id)
            ```
        """
        await self._app_client.delete_oauth_app(DeleteOAuthAppRequest(org_id=org_id, client_id=client_id))

    async def list_oauth_apps(self, org_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[str]:
        """The client IDs of an organization's OAuth applications.

        Args:
            org_id: the organization.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of client IDs (read each with ``read_oauth_app``).

        Raises:
            NotFound: no organization has that ID.
            PermissionDenied: the credentials may not manage the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            for client_id in await fleet.list_oauth_apps(org_id):
                print(client_id)
            ```
        """
        response = await self._app_client.list_oauth_apps(ListOAuthAppsRequest(org_id=org_id))
        return list(response.client_ids)
