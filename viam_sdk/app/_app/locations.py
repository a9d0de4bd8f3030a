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
from viam_sdk.app._common import dict_to_struct, struct_to_dict


class Locations(AppClientBase):
    """Locations, their sharing and their secrets."""

    async def create_location(self, org_id: str = "", name: str = "", parent_location_id: str | None = None, *, timeout: float | None = None) -> Location:
        """Create a location, at the top level or under ``parent_location_id``.

        Without ``org_id`` the location goes to the one organization the
        credentials belong to (a ValueError lists them when there are several).

        Example::

            lab = await fleet.create_location(org_id, "lab")
        """
        if not name:
            raise ValueError("create_location: give the new location a name")
        org_id = await self._org(org_id, "create_location")
        response = await self._app_client.create_location(
            CreateLocationRequest(organization_id=org_id, name=name, parent_location_id=parent_location_id)
        )
        return response.location if response.location is not None else Location()

    async def get_location(self, location_id: str | None = None, *, timeout: float | None = None) -> Location:
        """A location; ``location_id`` defaults to the client's location.

        Raises:
            ValueError: no location ID given and the client has none.
        """
        response = await self._app_client.get_location(GetLocationRequest(location_id=await self._location(location_id)))
        return response.location if response.location is not None else Location()

    async def update_location(
        self, location_id: str, name: str | None = None, parent_location_id: str | None = None, *, timeout: float | None = None
    ) -> Location:
        """Rename a location and/or move it under another parent.

        ``name`` left out or ``""`` keeps the current name; ``parent_location_id=""``
        moves the location to the top level.
        """
        response = await self._app_client.update_location(
            UpdateLocationRequest(location_id=location_id, name=name or None, parent_location_id=parent_location_id)
        )
        return response.location if response.location is not None else Location()

    async def delete_location(self, location_id: str, *, timeout: float | None = None) -> None:
        """Delete a location."""
        await self._app_client.delete_location(DeleteLocationRequest(location_id=location_id))

    async def list_locations(self, org_id: str = "", *, timeout: float | None = None) -> list[Location]:
        """Every location of an organization (default: the credentials' only one)."""
        org_id = await self._org(org_id, "list_locations")
        response = await self._app_client.list_locations(ListLocationsRequest(organization_id=org_id))
        return list(response.locations)

    async def share_location(self, organization_id: str, location_id: str, *, timeout: float | None = None) -> None:
        """Give another organization access to a location."""
        await self._app_client.share_location(
            ShareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def unshare_location(self, organization_id: str, location_id: str, *, timeout: float | None = None) -> None:
        """Take back another organization's access to a location."""
        await self._app_client.unshare_location(
            UnshareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def location_auth(self, location_id: str | None = None, *, timeout: float | None = None) -> LocationAuth:
        """A location's secrets; ``location_id`` defaults to the client's location."""
        response = await self._app_client.location_auth(LocationAuthRequest(location_id=await self._location(location_id)))
        return response.auth if response.auth is not None else LocationAuth()

    async def create_location_secret(self, location_id: str | None = None, *, timeout: float | None = None) -> LocationAuth:
        """Add a secret to a location; returns all of its secrets."""
        response = await self._app_client.create_location_secret(
            CreateLocationSecretRequest(location_id=await self._location(location_id))
        )
        return response.auth if response.auth is not None else LocationAuth()

    async def delete_location_secret(self, secret_id: str, location_id: str | None = None, *, timeout: float | None = None) -> None:
        """Remove one secret of a location."""
        await self._app_client.delete_location_secret(
            DeleteLocationSecretRequest(location_id=await self._location(location_id), secret_id=secret_id)
        )

    async def get_location_metadata(self, location_id: str, *, timeout: float | None = None) -> Mapping[str, Any]:
        """The user-defined metadata of a location, as a dict."""
        response = await self._app_client.get_location_metadata(GetLocationMetadataRequest(location_id=location_id))
        return struct_to_dict(response.data)

    async def update_location_metadata(self, location_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None) -> None:
        """Replace a location's user-defined metadata with ``metadata``."""
        await self._app_client.update_location_metadata(
            UpdateLocationMetadataRequest(location_id=location_id, data=dict_to_struct(metadata))
        )
