"""AppService of the emulator (work in progress: unimplemented RPCs answer UNIMPLEMENTED)."""

from __future__ import annotations

import sqlite3

from viam_api._runtime import ServiceBase
from viam_api.app.v1 import (
    AppServiceBase,
    GetOrganizationRequest,
    GetOrganizationResponse,
    Organization,
)

from ..auth import caller, require_org
from ..context import EmulatorContext, parse_iso

SCHEMA = ""


def organization_message(row: sqlite3.Row) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        created_on=parse_iso(row["created_at"]),
        public_namespace=row["public_namespace"],
        default_region=row["default_region"],
        cid=row["cid"] or None,
    )


class AppService(AppServiceBase):
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    async def get_organization(self, request: GetOrganizationRequest) -> GetOrganizationResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.organization_id)
        row = self.ctx.store.one("SELECT * FROM organizations WHERE id = ?", (request.organization_id,))
        assert row is not None
        return GetOrganizationResponse(organization=organization_message(row))


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [AppService(ctx)]
