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
from functools import cached_property

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

from ..auth import caller, require_org, visible_org_ids
from ..backends.credentials import new_secret
from ..backends.oauth import SCHEMA as OAUTH_SCHEMA
from ..backends.oauth import OAuthBackend, check_uris
from ..backends.orgs import check_email
from ..backends.settings import SCHEMA as SETTINGS_SCHEMA
from ..backends.settings import SettingsBackend, check_address
from ..errors import InvalidArgument
from ._app_common import AppPart, require_name

SCHEMA = SETTINGS_SCHEMA + OAUTH_SCHEMA

LOGO_LIMIT = 1 << 20
_PNG = b"\x89PNG\r\n\x1a\n"


def _check_oauth_config(config: OAuthConfig | None) -> bytes:
    if config is None:
        raise InvalidArgument("an OAuth config is required")
    check_uris(config.redirect_uris, config.origin_uris)
    return bytes(config)


class SettingsPart(AppPart):
    @cached_property
    def settings(self) -> SettingsBackend:
        return SettingsBackend(self.ctx)

    @cached_property
    def oauth(self) -> OAuthBackend:
        return OAuthBackend(self.ctx)

    # -- support email, logo ---------------------------------------------------------

    async def organization_set_support_email(
        self, request: OrganizationSetSupportEmailRequest
    ) -> OrganizationSetSupportEmailResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.set_support_email(request.org_id, check_email(request.email))
        return OrganizationSetSupportEmailResponse()

    async def organization_get_support_email(
        self, request: OrganizationGetSupportEmailRequest
    ) -> OrganizationGetSupportEmailResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        found = self.settings.get(request.org_id)
        return OrganizationGetSupportEmailResponse(email=found.support_email if found else "")

    async def organization_set_logo(self, request: OrganizationSetLogoRequest) -> OrganizationSetLogoResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        if request.logo and not request.logo.startswith(_PNG):
            raise InvalidArgument("the logo must be a PNG image")
        if len(request.logo) > LOGO_LIMIT:
            raise InvalidArgument(f"the logo is {len(request.logo)} bytes; the limit is {LOGO_LIMIT}")
        self.settings.set_logo(request.org_id, request.logo or None)
        return OrganizationSetLogoResponse()

    async def organization_get_logo(self, request: OrganizationGetLogoRequest) -> OrganizationGetLogoResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        found = self.settings.get(request.org_id)
        if found is None or not found.logo:
            return OrganizationGetLogoResponse(url="")
        # No blob storage here: the logo travels inline as a data URL.
        return OrganizationGetLogoResponse(url="data:image/png;base64," + base64.b64encode(found.logo).decode())

    # -- billing service (an org billing its own customers) ----------------------------------

    async def enable_billing_service(
        self, request: EnableBillingServiceRequest
    ) -> EnableBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.enable_billing(request.org_id, check_address(request.billing_address))
        return EnableBillingServiceResponse()

    async def disable_billing_service(
        self, request: DisableBillingServiceRequest
    ) -> DisableBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.disable_billing(request.org_id)
        return DisableBillingServiceResponse()

    async def update_billing_service(
        self, request: UpdateBillingServiceRequest
    ) -> UpdateBillingServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.billing(request.org_id)
        self.settings.set_billing_address(request.org_id, check_address(request.billing_address))
        return UpdateBillingServiceResponse()

    async def get_billing_service_config(
        self, request: GetBillingServiceConfigRequest
    ) -> GetBillingServiceConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        found = self.settings.billing(request.org_id)
        logo = await self.organization_get_logo(OrganizationGetLogoRequest(org_id=request.org_id))
        return GetBillingServiceConfigResponse(
            billing_address=BillingAddress.parse(found.billing_address) if found.billing_address else None,
            support_email=found.support_email,
            logo_url=logo.url,
            billing_dashboard_url="",
        )

    # -- org auth service, OAuth apps ----------------------------------------------------

    async def enable_auth_service(self, request: EnableAuthServiceRequest) -> EnableAuthServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.set_auth_service(request.org_id, True)
        return EnableAuthServiceResponse()

    async def disable_auth_service(self, request: DisableAuthServiceRequest) -> DisableAuthServiceResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.set_auth_service(request.org_id, False)
        return DisableAuthServiceResponse()

    async def create_oauth_app(self, request: CreateOAuthAppRequest) -> CreateOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        name = require_name(request.client_name, "client name")
        config = _check_oauth_config(request.oauth_config)
        client_id, secret = self.ctx.new_id(), new_secret()
        self.oauth.add_app(request.org_id, name, config, client_id=client_id, client_secret=secret)
        return CreateOAuthAppResponse(client_id=client_id, client_secret=secret)

    async def read_oauth_app(self, request: ReadOAuthAppRequest) -> ReadOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        app = self.oauth.app(request.org_id, request.client_id)
        return ReadOAuthAppResponse(
            client_name=app.client_name,
            client_secret=app.client_secret,
            oauth_config=OAuthConfig.parse(app.oauth_config),
        )

    async def update_oauth_app(self, request: UpdateOAuthAppRequest) -> UpdateOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.oauth.app(request.org_id, request.client_id)
        name = require_name(request.client_name, "client name")
        self.oauth.update_app(request.client_id, name, _check_oauth_config(request.oauth_config))
        return UpdateOAuthAppResponse()

    async def delete_oauth_app(self, request: DeleteOAuthAppRequest) -> DeleteOAuthAppResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.oauth.app(request.org_id, request.client_id)
        self.oauth.delete_app(request.client_id)
        return DeleteOAuthAppResponse()

    async def list_oauth_apps(self, request: ListOAuthAppsRequest) -> ListOAuthAppsResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        return ListOAuthAppsResponse(client_ids=self.oauth.client_ids(request.org_id))

    # -- Firebase and push tokens ------------------------------------------------------------

    async def set_firebase_config(self, request: SetFirebaseConfigRequest) -> SetFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        app_id = require_name(request.app_id, "app id")
        try:
            parsed = json.loads(request.config_json)
        except ValueError as exc:
            raise InvalidArgument(f"config_json is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise InvalidArgument("config_json must hold a JSON object")
        self.settings.set_firebase_config(request.org_id, app_id, request.config_json)
        return SetFirebaseConfigResponse()

    async def get_firebase_config(self, request: GetFirebaseConfigRequest) -> GetFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id)
        return GetFirebaseConfigResponse(app_id=self.settings.firebase_app_id(request.org_id))

    async def delete_firebase_config(
        self, request: DeleteFirebaseConfigRequest
    ) -> DeleteFirebaseConfigResponse:
        ident = caller(self.ctx)
        require_org(self.ctx, ident, request.org_id, write=True)
        self.settings.delete_firebase_config(request.org_id, request.app_id)
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
        self.settings.set_push_token(owner, app_id, uuid, token)
        return UploadDevicePushTokenResponse()

    async def delete_device_push_token(
        self, request: DeleteDevicePushTokenRequest
    ) -> DeleteDevicePushTokenResponse:
        owner = self._device_owner()
        self.settings.delete_push_token(owner, request.app_id, request.device_uuid)
        return DeleteDevicePushTokenResponse()

    async def get_device_push_tokens(
        self, request: GetDevicePushTokensRequest
    ) -> GetDevicePushTokensResponse:
        owner = self._device_owner()
        return GetDevicePushTokensResponse(device_tokens=self.settings.push_tokens(owner, request.app_id))

    # -- search ----------------------------------------------------------------------------------

    async def search_organizations(self, request: SearchOrganizationsRequest) -> SearchOrganizationsResponse:
        ident = caller(self.ctx)
        found = self.settings.search_organizations(
            sorted(visible_org_ids(self.ctx, ident)),
            org_id=request.org_id or "",
            cid=request.cid or "",
            public_namespace=request.public_namespace or "",
            name=request.org_name or "",
        )
        return SearchOrganizationsResponse(
            organizations=[
                OrgDetails(
                    org_id=o.id,
                    org_name=o.name,
                    org_cid=o.cid or None,
                    public_namespace=o.public_namespace or None,
                )
                for o in found
            ]
        )
