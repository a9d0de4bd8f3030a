"""AppService, users registered through an organization's OAuth application.

CreateOAuthAppUser needs the owner role on the organization and one of its
OAuth apps (by client id).  The user is found by email or created; each
(app, user) pair may be registered once (ALREADY_EXISTS).  The password is kept
only as a salted PBKDF2 digest.  The answer carries the user id, a registration
id and a pair of opaque tokens; the emulator's AuthService does not accept
them, so such a user cannot sign in here (there is no user sign-in at all).
"""

from __future__ import annotations

import hashlib
import secrets

from grpclib.const import Status
from viam_api.app.v1 import CreateOAuthAppUserRequest, CreateOAuthAppUserResponse

from ..auth import caller, require_org
from ._app_common import AppPart, fail
from .app_orgs import check_email

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_app_users (
    registration_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    password_salt BLOB NOT NULL,
    password_digest BLOB NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (client_id, user_id)
);
"""

MIN_PASSWORD = 8
PBKDF2_ROUNDS = 100_000


def password_digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ROUNDS)


class OAuthUsersPart(AppPart):
    async def create_oauth_app_user(self, request: CreateOAuthAppUserRequest) -> CreateOAuthAppUserResponse:
        ident = caller(self.ctx)
        org_id = request.org_id
        require_org(self.ctx, ident, org_id, write=True)
        if not request.application_id:
            fail(Status.INVALID_ARGUMENT, "application_id (an OAuth app's client id) is required")
        if self.store.one(
            "SELECT 1 FROM oauth_apps WHERE client_id = ? AND organization_id = ?", (request.application_id, org_id)
        ) is None:
            fail(Status.NOT_FOUND, f"organization {org_id!r} has no OAuth app {request.application_id!r}")
        email = check_email(request.email)
        first, last = request.first_name.strip(), request.last_name.strip()
        if not first:
            fail(Status.INVALID_ARGUMENT, "first_name must not be empty")
        if not last:
            fail(Status.INVALID_ARGUMENT, "last_name must not be empty")
        if len(request.password) < MIN_PASSWORD:
            fail(Status.INVALID_ARGUMENT, f"password must have at least {MIN_PASSWORD} characters")
        salt = secrets.token_bytes(16)
        digest = password_digest(request.password, salt)
        registration_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                user_id = self.ctx.new_id()
                db.execute("INSERT INTO users(id, email, created_at) VALUES (?,?,?)", (user_id, email, now))
            else:
                user_id = str(row["id"])
            if db.execute(
                "SELECT 1 FROM oauth_app_users WHERE client_id = ? AND user_id = ?",
                (request.application_id, user_id),
            ).fetchone():
                fail(
                    Status.ALREADY_EXISTS,
                    f"{email!r} is already registered with OAuth app {request.application_id!r}",
                )
            db.execute(
                "INSERT INTO oauth_app_users(registration_id, client_id, organization_id, user_id, first_name,"
                " last_name, password_salt, password_digest, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (registration_id, request.application_id, org_id, user_id, first, last, salt, digest, now),
            )
        return CreateOAuthAppUserResponse(
            auth_token=secrets.token_urlsafe(32),
            registration_id=registration_id,
            user_id=user_id,
            refresh_token=secrets.token_urlsafe(32),
        )
