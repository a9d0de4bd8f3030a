"""AppService, locations: create/read/update/delete, nesting, metadata, sharing and secrets.

A new location gets one secret straight away, as on the real service.  A
location that still holds machines or child locations cannot be deleted
(FAILED_PRECONDITION).
"""

from __future__ import annotations

from functools import cached_property

from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    CreateLocationRequest,
    CreateLocationResponse,
    CreateLocationSecretRequest,
    CreateLocationSecretResponse,
    DeleteLocationRequest,
    DeleteLocationResponse,
    DeleteLocationSecretRequest,
    DeleteLocationSecretResponse,
    GetLocationMetadataRequest,
    GetLocationMetadataResponse,
    GetLocationRequest,
    GetLocationResponse,
    ListLocationsRequest,
    ListLocationsResponse,
    Location,
    LocationAuth,
    LocationAuthRequest,
    LocationAuthResponse,
    ShareLocationRequest,
    ShareLocationResponse,
    UnshareLocationRequest,
    UnshareLocationResponse,
    UpdateLocationMetadataRequest,
    UpdateLocationMetadataResponse,
    UpdateLocationRequest,
    UpdateLocationResponse,
)

from ..auth import Identity, caller, require_location, require_org
from ..backends.locations import LocationRow, LocationsBackend
from ._app_common import (
    AppPart,
    location_auth,
    location_messages,
    metadata_json,
    metadata_struct,
    require_name,
    sees_location_secrets,
)

SCHEMA = ""


class LocationsPart(AppPart):
    @cached_property
    def locations(self) -> LocationsBackend:
        return LocationsBackend(self.ctx)
    def _location(self, location_id: str, ident: Identity | None = None) -> Location:
        """A location as ``ident`` may see it (its secrets when None: the caller may change it)."""
        return self._locations_shown([self.locations.get(location_id)], ident)[0]

    def _locations_shown(self, rows: list[LocationRow], ident: Identity | None) -> list[Location]:
        """Locations as ``ident`` may see them (all their secrets when None)."""
        if ident is None:
            reveal = {r.id for r in rows}
        else:
            # An owner of the owning organization sees them all: one check per organization.
            owners: dict[str, bool] = {}
            for org_id in {r.organization_id for r in rows}:
                try:
                    require_org(self.ctx, ident, org_id, write=True)
                    owners[org_id] = True
                except GRPCError:
                    owners[org_id] = False
            reveal = {
                r.id for r in rows if owners[r.organization_id] or sees_location_secrets(self.ctx, ident, r.id)
            }
        return location_messages(self.locations.views(rows, reveal=reveal))

    async def create_location(self, request: CreateLocationRequest) -> CreateLocationResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        name = require_name(request.name, "location name")
        parent = request.parent_location_id or ""
        if parent:
            self.locations.check_parent(org_id, parent)
        location_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction():
            self.locations.create(org_id, name, parent, location_id=location_id, created_at=now)
            self.credentials.add_location_secret(location_id, secret_id=self.ctx.new_id(), created_at=now)
        return CreateLocationResponse(location=self._location(location_id))

    async def get_location(self, request: GetLocationRequest) -> GetLocationResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        return GetLocationResponse(location=self._location(request.location_id, ident))

    async def update_location(self, request: UpdateLocationRequest) -> UpdateLocationResponse:
        ident = caller(self.ctx)
        location_id = request.location_id
        org_id = require_location(self.ctx, ident, location_id, write=True)
        name = None if request.name is None else require_name(request.name, "location name")
        if request.parent_location_id:
            self.locations.check_parent(org_id, request.parent_location_id, location_id)
        self.locations.update(location_id, name=name, parent=request.parent_location_id, region=request.region)
        return UpdateLocationResponse(location=self._location(location_id))

    async def delete_location(self, request: DeleteLocationRequest) -> DeleteLocationResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False)
        self.locations.delete(request.location_id)
        return DeleteLocationResponse()

    async def get_location_metadata(self, request: GetLocationMetadataRequest) -> GetLocationMetadataResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        return GetLocationMetadataResponse(data=metadata_struct(self.locations.metadata(request.location_id)))

    async def update_location_metadata(
        self, request: UpdateLocationMetadataRequest
    ) -> UpdateLocationMetadataResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True)
        self.locations.set_metadata(request.location_id, metadata_json(request.data))
        return UpdateLocationMetadataResponse()

    async def list_locations(self, request: ListLocationsRequest) -> ListLocationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        return ListLocationsResponse(locations=self._locations_shown(self.locations.of_org(org_id), ident))

    async def share_location(self, request: ShareLocationRequest) -> ShareLocationResponse:
        ident = caller(self.ctx)
        owner = require_location(
            self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False
        )
        self.locations.share(request.location_id, owner, request.organization_id)
        return ShareLocationResponse()

    async def unshare_location(self, request: UnshareLocationRequest) -> UnshareLocationResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False)
        self.locations.unshare(request.location_id, request.organization_id)
        return UnshareLocationResponse()

    def _auth(self, location_id: str) -> LocationAuth:
        return location_auth(location_id, self.credentials.location_secrets([location_id]).get(location_id, []))

    async def location_auth(self, request: LocationAuthRequest) -> LocationAuthResponse:
        ident = caller(self.ctx)
        # The answer is nothing but secrets: only callers who may change the location get it.
        require_location(self.ctx, ident, request.location_id, write=True)
        return LocationAuthResponse(auth=self._auth(request.location_id))

    async def create_location_secret(
        self, request: CreateLocationSecretRequest
    ) -> CreateLocationSecretResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False)
        self.credentials.add_location_secret(
            request.location_id, secret_id=self.ctx.new_id(), created_at=self.ctx.now_iso()
        )
        return CreateLocationSecretResponse(auth=self._auth(request.location_id))

    async def delete_location_secret(
        self, request: DeleteLocationSecretRequest
    ) -> DeleteLocationSecretResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False)
        self.credentials.delete_location_secret(request.location_id, request.secret_id)
        return DeleteLocationSecretResponse()
