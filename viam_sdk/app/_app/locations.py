"""``AppClient`` methods for locations, their sharing and their secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from viam_api.app.v1 import (
    CreateLocationRequest,
    CreateLocationSecretRequest,
    DeleteLocationRequest,
    DeleteLocationSecretRequest,
    GetLocationMetadataRequest,
    GetLocationRequest,
    ListLocationsRequest,
    Location,
    LocationAuth,
    LocationAuthRequest,
    ShareLocationRequest,
    UnshareLocationRequest,
    UpdateLocationMetadataRequest,
    UpdateLocationRequest,
)

from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._convert import dict_to_struct, struct_to_dict
from viam_sdk.rpc._policy import DEFAULT, RetryOption


class Locations(AppClientBase):
    """Locations, their sharing and their secrets."""

    async def create_location(
        self,
        org_id: str = "",
        name: str = "",
        parent_location_id: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Location:
        """Create a location, at the top level or under ``parent_location_id``.

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            name: the new location's name (required).
            parent_location_id: an existing location of the same organization to nest it under;
                None creates a top-level location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The new ``Location`` message.

        Raises:
            ValueError: ``name`` is empty, or no ``org_id`` and the credentials reach none or several
                organizations (the message lists them).
            NotFound: no organization (or parent location) has that ID.
            PermissionDenied: the credentials may not add locations to the organization.
            InvalidArgument: the parent belongs to another organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = await fleet.create_location(org_id, "lab")
            ```
        """
        if not name:
            raise ValueError("create_location: give the new location a name")
        org_id = await self._org(org_id, "create_location")
        response = await self._app_client.create_location(
            CreateLocationRequest(organization_id=org_id, name=name, parent_location_id=parent_location_id)
        )
        return response.location if response.location is not None else Location()

    async def get_location(self, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> Location:
        """One location by ID.

        Args:
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The ``Location`` message (name, parent, organizations, robot count, auth).

        Raises:
            ValueError: no location ID given and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = await fleet.get_location(location_id)
            print(lab.name, lab.robot_count)
            ```
        """
        response = await self._app_client.get_location(GetLocationRequest(location_id=await self._location(location_id)))
        return response.location if response.location is not None else Location()

    async def update_location(
        self,
        location_id: str,
        name: str | None = None,
        parent_location_id: str | None = None,
        *,
        timeout: float | None = None,
        retry: RetryOption = DEFAULT,
    ) -> Location:
        """Rename a location and/or move it under another parent.

        Args:
            location_id: the location.
            name: the new name; None or ``""`` keeps the current name.
            parent_location_id: the new parent; ``""`` moves it to the top level, None keeps it where it is.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The updated ``Location`` message.

        Raises:
            NotFound: no location (or parent) has that ID.
            PermissionDenied: the credentials may not change the location.
            InvalidArgument: the new parent is inside the location (a cycle) or in another organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = await fleet.update_location(location_id, name="north-lab")
            ```
        """
        response = await self._app_client.update_location(
            UpdateLocationRequest(location_id=location_id, name=name or None, parent_location_id=parent_location_id)
        )
        return response.location if response.location is not None else Location()

    async def delete_location(self, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> None:
        """Delete an empty location.

        Args:
            location_id: the location to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no location has that ID.
            PermissionDenied: the credentials may not change the location (owner of its own organization).
            FailedPrecondition: the location still holds machines or child locations.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_location(old_location_id)
            ```
        """
        await self._app_client.delete_location(DeleteLocationRequest(location_id=location_id))

    async def list_locations(self, org_id: str = "", *, timeout: float | None = None, retry: RetryOption = DEFAULT) -> list[Location]:
        """Every location of an organization.

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A list of ``Location`` messages.

        Raises:
            ValueError: no ``org_id`` and the credentials reach none or several organizations.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            locations = await fleet.list_locations(org_id)
            print([loc.name for loc in locations])
            ```
        """
        org_id = await self._org(org_id, "list_locations")
        response = await self._app_client.list_locations(ListLocationsRequest(organization_id=org_id))
        return list(response.locations)

    async def share_location(
        self, organization_id: str, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Give another organization access to a location.

        Args:
            organization_id: the organization to share with.
            location_id: the location to share.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no organization or location has that ID.
            PermissionDenied: the credentials may not manage the location.
            AlreadyExists: the location is already shared with that organization.
            InvalidArgument: the organization already owns the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.share_location(partner_org_id, location_id)
            ```
        """
        await self._app_client.share_location(
            ShareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def unshare_location(
        self, organization_id: str, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Take back another organization's access to a location.

        Args:
            organization_id: the organization that should lose access.
            location_id: the shared location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: the location is not shared with that organization.
            PermissionDenied: the credentials may not manage the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.unshare_location(partner_org_id, location_id)
            ```
        """
        await self._app_client.unshare_location(
            UnshareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def location_auth(
        self, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> LocationAuth:
        """A location's secrets.

        Args:
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            A ``LocationAuth`` message whose ``secrets`` lists each secret (id, value, created on).

        Raises:
            ValueError: no location ID given and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            auth = await fleet.location_auth(location_id)
            print([s.id for s in auth.secrets])
            ```
        """
        response = await self._app_client.location_auth(LocationAuthRequest(location_id=await self._location(location_id)))
        return response.auth if response.auth is not None else LocationAuth()

    async def create_location_secret(
        self, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> LocationAuth:
        """Add a secret to a location.

        Args:
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The location's ``LocationAuth``, listing all of its secrets with the new one.

        Raises:
            ValueError: no location ID given and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials may not manage the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            auth = await fleet.create_location_secret(location_id)
            ```
        """
        response = await self._app_client.create_location_secret(
            CreateLocationSecretRequest(location_id=await self._location(location_id))
        )
        return response.auth if response.auth is not None else LocationAuth()

    async def delete_location_secret(
        self, secret_id: str, location_id: str | None = None, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Remove one secret of a location.

        Args:
            secret_id: the secret's ID (from ``location_auth``).
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            ValueError: no location ID given and none can be inferred.
            NotFound: the location does not exist or has no such secret.
            PermissionDenied: the credentials may not manage the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_location_secret(old_secret_id, location_id=location_id)
            ```
        """
        await self._app_client.delete_location_secret(
            DeleteLocationSecretRequest(location_id=await self._location(location_id), secret_id=secret_id)
        )

    async def get_location_metadata(
        self, location_id: str, *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> Mapping[str, Any]:
        """The user-defined metadata of a location.

        Args:
            location_id: the location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_location_metadata(location_id)
            ```
        """
        response = await self._app_client.get_location_metadata(GetLocationMetadataRequest(location_id=location_id))
        return struct_to_dict(response.data)

    async def update_location_metadata(
        self, location_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None, retry: RetryOption = DEFAULT
    ) -> None:
        """Replace a location's user-defined metadata with ``metadata``.

        Args:
            location_id: the location.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            retry: this call's retries (``viam_sdk.rpc.RetrySettings``) instead of DialOptions'; None: one attempt.

        Raises:
            NotFound: no location has that ID.
            PermissionDenied: the credentials may not change the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_location_metadata(location_id, {"timezone": "Europe/Oslo"})
            ```
        """
        await self._app_client.update_location_metadata(
            UpdateLocationMetadataRequest(location_id=location_id, data=dict_to_struct(metadata))
        )
