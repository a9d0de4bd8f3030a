"""AppService, users registered through an organization's OAuth application.

CreateOAuthAppUser needs the owner role on the organization and one of its
OAuth apps (by client id).  The user is found by email or created; each
(app, user) pair may be registered once (ALREADY_EXISTS).  The password is kept
only as a salted PBKDF2 digest.  The answer carries the user id, a registration
id and a pair of opaque tokens; the emulator's AuthService does not accept
them, so such a user cannot sign in here (there is no user sign-in at all).
"""

from __future__ import annotations

import secrets
from functools import cached_property

from viam_api.app.v1 import CreateOAuthAppUserRequest, CreateOAuthAppUserResponse

from ..auth import caller, require_org
from ..backends.oauth import MIN_PASSWORD, OAuthBackend
from ..backends.orgs import check_email
from ..errors import InvalidArgument
from ._app_common import AppPart

SCHEMA = ""  # the tables are the OAuth backend's, created with the settings' (services/app_settings.py)


class OAuthUsersPart(AppPart):
    @cached_property
    def oauth_users(self) -> OAuthBackend:
        return OAuthBackend(self.ctx)

    async def create_oauth_app_user(self, request: CreateOAuthAppUserRequest) -> CreateOAuthAppUserResponse:
        ident = caller(self.ctx)
        org_id = request.org_id
        require_org(self.ctx, ident, org_id, write=True)
        if not request.application_id:
            raise InvalidArgument("application_id (an OAuth app's client id) is required")
        self.oauth_users.app(org_id, request.application_id)
        email = check_email(request.email)
        first, last = request.first_name.strip(), request.last_name.strip()
        if not first:
            raise InvalidArgument("first_name must not be empty")
        if not last:
            raise InvalidArgument("last_name must not be empty")
        if len(request.password) < MIN_PASSWORD:
            raise InvalidArgument(f"password must have at least {MIN_PASSWORD} characters")
        registered = self.oauth_users.register_user(org_id, request.application_id, email, first, last, request.password)
        return CreateOAuthAppUserResponse(
            auth_token=secrets.token_urlsafe(32),
            registration_id=registered.registration_id,
            user_id=registered.user_id,
            refresh_token=secrets.token_urlsafe(32),
        )
