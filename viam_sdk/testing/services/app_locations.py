"""AppService, locations: create/read/update/delete, nesting, metadata, sharing and secrets.

A new location gets one secret straight away, as on the real service.  A
location that still holds machines or child locations cannot be deleted
(FAILED_PRECONDITION).
"""

from __future__ import annotations

import sqlite3

from grpclib.const import Status
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

from ..auth import Identity, add_location_secret, caller, require_location, require_org
from ._app_common import (
    AppPart,
    delete_location_rows,
    fail,
    location_auth,
    location_messages,
    metadata_json,
    metadata_struct,
    require_name,
    sees_location_secrets,
)

SCHEMA = ""


class LocationsPart(AppPart):
    def _location(self, location_id: str, ident: Identity | None = None) -> Location:
        """A location as ``ident`` may see it (its secrets when None: the caller may change it)."""
        row = self.store.one("SELECT * FROM locations WHERE id = ?", (location_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"location {location_id!r} not found")
        return self._location_shown(row, ident)

    def _location_shown(self, row: sqlite3.Row, ident: Identity | None) -> Location:
        return self._locations_shown([row], ident)[0]

    def _locations_shown(self, rows: list[sqlite3.Row], ident: Identity | None) -> list[Location]:
        """Locations as ``ident`` may see them (all their secrets when None)."""
        if ident is None:
            reveal = {str(r["id"]) for r in rows}
        else:
            # An owner of the owning organization sees them all: one check per organization.
            owners: dict[str, bool] = {}
            for org_id in {str(r["organization_id"]) for r in rows}:
                try:
                    require_org(self.ctx, ident, org_id, write=True)
                    owners[org_id] = True
                except GRPCError:
                    owners[org_id] = False
            reveal = {
                str(r["id"])
                for r in rows
                if owners[str(r["organization_id"])] or sees_location_secrets(self.ctx, ident, str(r["id"]))
            }
        return location_messages(self.store, rows, reveal=reveal)

    def _check_parent(self, org_id: str, parent_id: str, child_id: str | None = None) -> None:
        row = self.store.one("SELECT organization_id FROM locations WHERE id = ?", (parent_id,))
        if row is None:
            fail(Status.NOT_FOUND, f"parent location {parent_id!r} not found")
        if row["organization_id"] != org_id:
            fail(Status.INVALID_ARGUMENT, f"parent location {parent_id!r} belongs to another organization")
        # Walk up from the new parent: meeting the child would make a cycle.
        seen: set[str] = set()
        current = parent_id
        while current and current not in seen:
            if current == child_id:
                fail(
                    Status.INVALID_ARGUMENT,
                    f"location {parent_id!r} is inside {child_id!r}: that would be a cycle",
                )
            seen.add(current)
            up = self.store.one("SELECT parent_location_id FROM locations WHERE id = ?", (current,))
            current = str(up["parent_location_id"]) if up else ""

    async def create_location(self, request: CreateLocationRequest) -> CreateLocationResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id, write=True)
        name = require_name(request.name, "location name")
        parent = request.parent_location_id or ""
        if parent:
            self._check_parent(org_id, parent)
        location_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO locations(id, organization_id, name, parent_location_id, created_at) VALUES (?,?,?,?,?)",
                (location_id, org_id, name, parent, now),
            )
            add_location_secret(db, secret_id=self.ctx.new_id(), location_id=location_id, created_at=now)
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
            self._check_parent(org_id, request.parent_location_id, location_id)
        with self.store.transaction() as db:
            if name is not None:
                db.execute("UPDATE locations SET name = ? WHERE id = ?", (name, location_id))
            if request.parent_location_id is not None:
                db.execute(
                    "UPDATE locations SET parent_location_id = ? WHERE id = ?",
                    (request.parent_location_id, location_id),
                )
            if request.region is not None:
                db.execute("UPDATE locations SET region = ? WHERE id = ?", (request.region, location_id))
        return UpdateLocationResponse(location=self._location(location_id))

    async def delete_location(self, request: DeleteLocationRequest) -> DeleteLocationResponse:
        ident = caller(self.ctx)
        location_id = request.location_id
        require_location(self.ctx, ident, location_id, write=True, shared=False, by_secret=False)
        with self.store.transaction() as db:
            if db.execute("SELECT 1 FROM robots WHERE location_id = ?", (location_id,)).fetchone():
                fail(
                    Status.FAILED_PRECONDITION,
                    f"location {location_id!r} still holds machines: delete them first",
                )
            if db.execute("SELECT 1 FROM locations WHERE parent_location_id = ?", (location_id,)).fetchone():
                fail(Status.FAILED_PRECONDITION, f"location {location_id!r} still has child locations")
            delete_location_rows(db, location_id)
        return DeleteLocationResponse()

    async def get_location_metadata(self, request: GetLocationMetadataRequest) -> GetLocationMetadataResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id)
        row = self.store.one("SELECT metadata FROM locations WHERE id = ?", (request.location_id,))
        return GetLocationMetadataResponse(data=metadata_struct(row["metadata"] if row else None))

    async def update_location_metadata(
        self, request: UpdateLocationMetadataRequest
    ) -> UpdateLocationMetadataResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE locations SET metadata = ? WHERE id = ?",
                (metadata_json(request.data), request.location_id),
            )
        return UpdateLocationMetadataResponse()

    async def list_locations(self, request: ListLocationsRequest) -> ListLocationsResponse:
        ident = caller(self.ctx)
        org_id = request.organization_id
        require_org(self.ctx, ident, org_id)
        rows = self.store.all(
            "SELECT * FROM locations WHERE organization_id = ? OR id IN "
            "(SELECT location_id FROM location_shares WHERE organization_id = ?) ORDER BY name, id",
            (org_id, org_id),
        )
        return ListLocationsResponse(locations=self._locations_shown(rows, ident))

    async def share_location(self, request: ShareLocationRequest) -> ShareLocationResponse:
        ident = caller(self.ctx)
        owner = require_location(
            self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False
        )
        target = request.organization_id
        if not target:
            fail(Status.INVALID_ARGUMENT, "an organization id to share with is required")
        if self.store.one("SELECT 1 FROM organizations WHERE id = ?", (target,)) is None:
            fail(Status.NOT_FOUND, f"organization {target!r} not found")
        if target == owner:
            fail(Status.INVALID_ARGUMENT, f"location {request.location_id!r} already belongs to {target!r}")
        with self.store.transaction() as db:
            if db.execute(
                "SELECT 1 FROM location_shares WHERE location_id = ? AND organization_id = ?",
                (request.location_id, target),
            ).fetchone():
                fail(
                    Status.ALREADY_EXISTS,
                    f"location {request.location_id!r} is already shared with {target!r}",
                )
            db.execute(
                "INSERT INTO location_shares(location_id, organization_id) VALUES (?, ?)",
                (request.location_id, target),
            )
        return ShareLocationResponse()

    async def unshare_location(self, request: UnshareLocationRequest) -> UnshareLocationResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False, by_secret=False)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM location_shares WHERE location_id = ? AND organization_id = ?",
                (request.location_id, request.organization_id),
            ).rowcount
            if not gone:
                fail(
                    Status.NOT_FOUND,
                    f"location {request.location_id!r} is not shared with organization {request.organization_id!r}",
                )
        return UnshareLocationResponse()

    async def location_auth(self, request: LocationAuthRequest) -> LocationAuthResponse:
        ident = caller(self.ctx)
        # The answer is nothing but secrets: only callers who may change the location get it.
        require_location(self.ctx, ident, request.location_id, write=True)
        return LocationAuthResponse(auth=location_auth(self.store, request.location_id))

    async def create_location_secret(
        self, request: CreateLocationSecretRequest
    ) -> CreateLocationSecretResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False)
        with self.store.transaction() as db:
            add_location_secret(
                db,
                secret_id=self.ctx.new_id(),
                location_id=request.location_id,
                created_at=self.ctx.now_iso(),
            )
        return CreateLocationSecretResponse(auth=location_auth(self.store, request.location_id))

    async def delete_location_secret(
        self, request: DeleteLocationSecretRequest
    ) -> DeleteLocationSecretResponse:
        ident = caller(self.ctx)
        require_location(self.ctx, ident, request.location_id, write=True, shared=False)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM location_secrets WHERE id = ? AND location_id = ?",
                (request.secret_id, request.location_id),
            ).rowcount
            if not gone:
                fail(
                    Status.NOT_FOUND, f"location {request.location_id!r} has no secret {request.secret_id!r}"
                )
        return DeleteLocationSecretResponse()
