"""AppService, organization settings: support email, logo, billing service (reseller)
settings, the org auth service, OAuth applications, Firebase configs and device
push tokens, and organization search.

The emulator only stores these settings; nothing is billed, mailed or pushed.
OAuth client secrets are returned by ReadOAuthApp, so they are stored as given.
SearchOrganizations (an administrator tool upstream) searches among the
organizations the caller can see.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3

from grpclib.const import Status
from viam_api.app.v1 import (
    BillingAddress,
    CreateOAuthAppRequest,
    CreateOAuthAppResponse,
    DeleteDevicePushTokenRequest,
    DeleteDevicePushTokenResponse,
    DeleteFirebaseConfigRequest,
    DeleteFirebaseConfigResponse,
    DeleteOAuthAppRequest,
    DeleteOAuthAppResponse,
    DisableAuthServiceRequest,
    DisableAuthServiceResponse,
    DisableBillingServiceRequest,
    DisableBillingServiceResponse,
    EnableAuthServiceRequest,
    EnableAuthServiceResponse,
    EnableBillingServiceRequest,
    EnableBillingServiceResponse,
    GetBillingServiceConfigRequest,
    GetBillingServiceConfigResponse,
    GetDevicePushTokensRequest,
    GetDevicePushTokensResponse,
    GetFirebaseConfigRequest,
    GetFirebaseConfigResponse,
    ListOAuthAppsRequest,
    ListOAuthAppsResponse,
    OAuthConfig,
    OrganizationGetLogoRequest,
    OrganizationGetLogoResponse,
    OrganizationGetSupportEmailRequest,
    OrganizationGetSupportEmailResponse,
    OrganizationSetLogoRequest,
    OrganizationSetLogoResponse,
    OrganizationSetSupportEmailRequest,
    OrganizationSetSupportEmailResponse,
    OrgDetails,
    ReadOAuthAppRequest,
    ReadOAuthAppResponse,
    SearchOrganizationsRequest,
    SearchOrganizationsResponse,
    SetFirebaseConfigRequest,
    SetFirebaseConfigResponse,
    UpdateBillingServiceRequest,
    UpdateBillingServiceResponse,
    UpdateOAuthAppRequest,
    UpdateOAuthAppResponse,
    UploadDevicePushTokenRequest,
    UploadDevicePushTokenResponse,
)

from ..auth import caller, new_secret, require_org, visible_org_ids
from ._app_common import AppPart, fail, require_name
from .app_orgs import check_email

SCHEMA = """
CREATE TABLE IF NOT EXISTS org_settings (
    organization_id TEXT PRIMARY KEY,
    support_email TEXT NOT NULL DEFAULT '',
    logo BLOB,
    billing_enabled INTEGER NOT NULL DEFAULT 0,
    billing_address BLOB,
    auth_service_enabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_apps (
    client_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    oauth_config BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS firebase_configs (
    organization_id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    config_json TEXT NOT NULL,
    PRIMARY KEY (organization_id, app_id)
);
CREATE TABLE IF NOT EXISTS device_push_tokens (
    identity TEXT NOT NULL,
    app_id TEXT NOT NULL,
    device_uuid TEXT NOT NULL,
    device_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (identity, app_id, device_uuid)
);
"""

LOGO_LIMIT = 1 << 20
_PNG = b"\x89PNG\r\n\x1a\n"


def _settings(db: sqlite3.Connection, org_id: str) -> sqlite3.Row:
    db.execute("INSERT OR IGNORE INTO org_settings(organization_id) VALUES (?)", (org_id,))
    row: sqlite3.Row = db.execute(
        "SELECT * FROM org_settings WHERE organization_id = ?", (org_id,)
    ).fetchone()
    return row


def _check_address(address: BillingAddress | None) -> bytes:
    if address is None:
        fail(Status.INVALID_ARGUMENT, "a billing address is required")
    for field in ("address_line_1", "city", "state", "zipcode", "country"):
        if not str(getattr(address, field)).strip():
            fail(Status.INVALID_ARGUMENT, f"the billing address needs {field}")
    return bytes(address)


class SettingsPart(AppPart):
    # -- support email, logo ---------------------------------------------------------

    async def organization_set_support_email(
        self, request: OrganizationSetSupportEmailRequest
    ) -> OrganizationSetSupportEmailResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        email = check_email(request.email)
        with self.store.transaction() as db:
            _settings(db, request.org_id)
            db.execute(
                "UPDATE org_settings SET support_email = ? WHERE organization_id = ?", (email, request.org_id)
            )
        return OrganizationSetSupportEmailResponse()

    async def organization_get_support_email(
        self, request: OrganizationGetSupportEmailRequest
    ) -> OrganizationGetSupportEmailResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        row = self.store.one(
            "SELECT support_email FROM org_settings WHERE organization_id = ?", (request.org_id,)
        )
        return OrganizationGetSupportEmailResponse(email=str(row["support_email"]) if row else "")

    async def organization_set_logo(self, request: OrganizationSetLogoRequest) -> OrganizationSetLogoResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        if request.logo and not request.logo.startswith(_PNG):
            fail(Status.INVALID_ARGUMENT, "the logo must be a PNG image")
        if len(request.logo) > LOGO_LIMIT:
            fail(Status.INVALID_ARGUMENT, f"the logo is {len(request.logo)} bytes; the limit is {LOGO_LIMIT}")
        with self.store.transaction() as db:
            _settings(db, request.org_id)
            db.execute(
                "UPDATE org_settings SET logo = ? WHERE organization_id = ?",
                (request.logo or None, request.org_id),
            )
        return OrganizationSetLogoResponse()

    async def organization_get_logo(self, request: OrganizationGetLogoRequest) -> OrganizationGetLogoResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        row = self.store.one("SELECT logo FROM org_settings WHERE organization_id = ?", (request.org_id,))
        if row is None or not row["logo"]:
            return OrganizationGetLogoResponse(url="")
        # No blob storage here: the logo travels inline as a data URL.
        return OrganizationGetLogoResponse(
            url="data:image/png;base64," + base64.b64encode(row["logo"]).decode()
        )

    # -- billing service (an org billing its own customers) ----------------------------------

    async def enable_billing_service(
        self, request: EnableBillingServiceRequest
    ) -> EnableBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        address = _check_address(request.billing_address)
        with self.store.transaction() as db:
            if _settings(db, request.org_id)["billing_enabled"]:
                fail(
                    Status.ALREADY_EXISTS,
                    f"organization {request.org_id!r} already has the billing service enabled",
                )
            db.execute(
                "UPDATE org_settings SET billing_enabled = 1, billing_address = ? WHERE organization_id = ?",
                (address, request.org_id),
            )
        return EnableBillingServiceResponse()

    def _billing_row(self, org_id: str) -> sqlite3.Row:
        row = self.store.one("SELECT * FROM org_settings WHERE organization_id = ?", (org_id,))
        if row is None or not row["billing_enabled"]:
            fail(Status.FAILED_PRECONDITION, f"organization {org_id!r} has no billing service enabled")
        return row

    async def disable_billing_service(
        self, request: DisableBillingServiceRequest
    ) -> DisableBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self._billing_row(request.org_id)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE org_settings SET billing_enabled = 0, billing_address = NULL WHERE organization_id = ?",
                (request.org_id,),
            )
        return DisableBillingServiceResponse()

    async def update_billing_service(
        self, request: UpdateBillingServiceRequest
    ) -> UpdateBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self._billing_row(request.org_id)
        address = _check_address(request.billing_address)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE org_settings SET billing_address = ? WHERE organization_id = ?",
                (address, request.org_id),
            )
        return UpdateBillingServiceResponse()

    async def get_billing_service_config(
        self, request: GetBillingServiceConfigRequest
    ) -> GetBillingServiceConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        row = self._billing_row(request.org_id)
        logo = await self.organization_get_logo(OrganizationGetLogoRequest(org_id=request.org_id))
        return GetBillingServiceConfigResponse(
            billing_address=BillingAddress.parse(row["billing_address"]) if row["billing_address"] else None,
            support_email=row["support_email"],
            logo_url=logo.url,
            billing_dashboard_url="",
        )

    # -- org auth service, OAuth apps ----------------------------------------------------

    async def enable_auth_service(self, request: EnableAuthServiceRequest) -> EnableAuthServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        with self.store.transaction() as db:
            if _settings(db, request.org_id)["auth_service_enabled"]:
                fail(
                    Status.ALREADY_EXISTS,
                    f"organization {request.org_id!r} already has its auth service enabled",
                )
            db.execute(
                "UPDATE org_settings SET auth_service_enabled = 1 WHERE organization_id = ?",
                (request.org_id,),
            )
        return EnableAuthServiceResponse()

    async def disable_auth_service(self, request: DisableAuthServiceRequest) -> DisableAuthServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        with self.store.transaction() as db:
            if not _settings(db, request.org_id)["auth_service_enabled"]:
                fail(
                    Status.FAILED_PRECONDITION, f"organization {request.org_id!r} has no auth service enabled"
                )
            db.execute(
                "UPDATE org_settings SET auth_service_enabled = 0 WHERE organization_id = ?",
                (request.org_id,),
            )
        return DisableAuthServiceResponse()

    def _check_oauth_config(self, config: OAuthConfig | None) -> bytes:
        if config is None:
            fail(Status.INVALID_ARGUMENT, "an OAuth config is required")
        if not config.redirect_uris:
            fail(Status.INVALID_ARGUMENT, "an OAuth app needs at least one redirect URI")
        for uri in [*config.redirect_uris, *config.origin_uris]:
            if not re.match(r"^[a-z][a-z0-9+.-]*://", uri):
                fail(Status.INVALID_ARGUMENT, f"{uri!r} is not an absolute URI")
        return bytes(config)

    def _oauth_row(self, org_id: str, client_id: str) -> sqlite3.Row:
        row = self.store.one(
            "SELECT * FROM oauth_apps WHERE client_id = ? AND organization_id = ?", (client_id, org_id)
        )
        if row is None:
            fail(Status.NOT_FOUND, f"organization {org_id!r} has no OAuth app {client_id!r}")
        return row

    async def create_oauth_app(self, request: CreateOAuthAppRequest) -> CreateOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        name = require_name(request.client_name, "client name")
        config = self._check_oauth_config(request.oauth_config)
        client_id, secret = self.ctx.new_id(), new_secret()
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO oauth_apps(client_id, organization_id, client_name, client_secret, oauth_config, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (client_id, request.org_id, name, secret, config, self.ctx.now_iso()),
            )
        return CreateOAuthAppResponse(client_id=client_id, client_secret=secret)

    async def read_oauth_app(self, request: ReadOAuthAppRequest) -> ReadOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        row = self._oauth_row(request.org_id, request.client_id)
        return ReadOAuthAppResponse(
            client_name=row["client_name"],
            client_secret=row["client_secret"],
            oauth_config=OAuthConfig.parse(row["oauth_config"]),
        )

    async def update_oauth_app(self, request: UpdateOAuthAppRequest) -> UpdateOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self._oauth_row(request.org_id, request.client_id)
        name = require_name(request.client_name, "client name")
        config = self._check_oauth_config(request.oauth_config)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE oauth_apps SET client_name = ?, oauth_config = ? WHERE client_id = ?",
                (name, config, request.client_id),
            )
        return UpdateOAuthAppResponse()

    async def delete_oauth_app(self, request: DeleteOAuthAppRequest) -> DeleteOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self._oauth_row(request.org_id, request.client_id)
        with self.store.transaction() as db:
            db.execute("DELETE FROM oauth_apps WHERE client_id = ?", (request.client_id,))
        return DeleteOAuthAppResponse()

    async def list_oauth_apps(self, request: ListOAuthAppsRequest) -> ListOAuthAppsResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        rows = self.store.all(
            "SELECT client_id FROM oauth_apps WHERE organization_id = ? ORDER BY created_at, client_id",
            (request.org_id,),
        )
        return ListOAuthAppsResponse(client_ids=[r["client_id"] for r in rows])

    # -- Firebase and push tokens ------------------------------------------------------------

    async def set_firebase_config(self, request: SetFirebaseConfigRequest) -> SetFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        app_id = require_name(request.app_id, "app id")
        try:
            parsed = json.loads(request.config_json)
        except ValueError as exc:
            fail(Status.INVALID_ARGUMENT, f"config_json is not valid JSON: {exc}")
        if not isinstance(parsed, dict):
            fail(Status.INVALID_ARGUMENT, "config_json must hold a JSON object")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO firebase_configs(organization_id, app_id, config_json) VALUES (?,?,?) "
                "ON CONFLICT(organization_id, app_id) DO UPDATE SET config_json = excluded.config_json",
                (request.org_id, app_id, request.config_json),
            )
        return SetFirebaseConfigResponse()

    async def get_firebase_config(self, request: GetFirebaseConfigRequest) -> GetFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        row = self.store.one(
            "SELECT app_id FROM firebase_configs WHERE organization_id = ? ORDER BY app_id LIMIT 1",
            (request.org_id,),
        )
        if row is None:
            fail(Status.NOT_FOUND, f"organization {request.org_id!r} has no Firebase config")
        return GetFirebaseConfigResponse(app_id=row["app_id"])

    async def delete_firebase_config(
        self, request: DeleteFirebaseConfigRequest
    ) -> DeleteFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM firebase_configs WHERE organization_id = ? AND app_id = ?",
                (request.org_id, request.app_id),
            ).rowcount
            if not gone:
                fail(
                    Status.NOT_FOUND,
                    f"organization {request.org_id!r} has no Firebase config for {request.app_id!r}",
                )
        return DeleteFirebaseConfigResponse()

    def _device_owner(self) -> str:
        ident = caller(self.ctx)
        return hashlib.sha256(f"{ident.kind}:{ident.subject}".encode()).hexdigest()

    async def upload_device_push_token(
        self, request: UploadDevicePushTokenRequest
    ) -> UploadDevicePushTokenResponse:
        owner = self._device_owner()
        app_id = require_name(request.app_id, "app id")
        uuid = require_name(request.device_uuid, "device uuid")
        token = require_name(request.device_token, "device token")
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO device_push_tokens(identity, app_id, device_uuid, device_token, created_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT(identity, app_id, device_uuid) "
                "DO UPDATE SET device_token = excluded.device_token",
                (owner, app_id, uuid, token, self.ctx.now_iso()),
            )
        return UploadDevicePushTokenResponse()

    async def delete_device_push_token(
        self, request: DeleteDevicePushTokenRequest
    ) -> DeleteDevicePushTokenResponse:
        owner = self._device_owner()
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM device_push_tokens WHERE identity = ? AND app_id = ? AND device_uuid = ?",
                (owner, request.app_id, request.device_uuid),
            ).rowcount
            if not gone:
                fail(
                    Status.NOT_FOUND,
                    f"no push token for device {request.device_uuid!r} of app {request.app_id!r}",
                )
        return DeleteDevicePushTokenResponse()

    async def get_device_push_tokens(
        self, request: GetDevicePushTokensRequest
    ) -> GetDevicePushTokensResponse:
        owner = self._device_owner()
        rows = self.store.all(
            "SELECT device_token FROM device_push_tokens WHERE identity = ? AND app_id = ? ORDER BY created_at, device_uuid",
            (owner, request.app_id),
        )
        return GetDevicePushTokensResponse(device_tokens=[r["device_token"] for r in rows])

    # -- search ----------------------------------------------------------------------------------

    async def search_organizations(self, request: SearchOrganizationsRequest) -> SearchOrganizationsResponse:
        ident = caller(self.ctx)
        ids = sorted(visible_org_ids(self.ctx, ident))
        if not ids:
            return SearchOrganizationsResponse(organizations=[])
        where, params = [f"id IN ({','.join('?' * len(ids))})"], list(ids)
        for column, value in (
            ("id", request.org_id),
            ("cid", request.cid),
            ("public_namespace", request.public_namespace),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if request.org_name:
            where.append("instr(lower(name), ?) > 0")
            params.append(request.org_name.lower())
        rows = self.store.all(
            f"SELECT * FROM organizations WHERE {' AND '.join(where)} ORDER BY name, id", params
        )
        return SearchOrganizationsResponse(
            organizations=[
                OrgDetails(
                    org_id=r["id"],
                    org_name=r["name"],
                    org_cid=r["cid"] or None,
                    public_namespace=r["public_namespace"] or None,
                )
                for r in rows
            ]
        )
