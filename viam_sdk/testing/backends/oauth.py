"""An organization's OAuth applications and the users registered through them
(tables ``oauth_apps``, ``oauth_app_users``).

The handlers are ``services/app_settings.py`` (the apps) and
``services/app_oauth_users.py`` (their users).  Client secrets are returned by
ReadOAuthApp, so they are stored as given; a user's password is kept only as a
salted PBKDF2 digest.  Rules kept here: an app needs at least one redirect URI
and absolute URIs; a user is found by email or created, and registered with an
app once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ._sql import typed

__all__ = ["MIN_PASSWORD", "SCHEMA", "OAuthApp", "OAuthBackend", "check_uris", "password_digest"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_apps (
    client_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    oauth_config BLOB NOT NULL,
    created_at TEXT NOT NULL
);
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


def check_uris(redirect_uris: Sequence[str], origin_uris: Sequence[str]) -> None:
    """INVALID_ARGUMENT unless there is a redirect URI and every URI is absolute."""
    if not redirect_uris:
        raise InvalidArgument("an OAuth app needs at least one redirect URI")
    for uri in [*redirect_uris, *origin_uris]:
        if not re.match(r"^[a-z][a-z0-9+.-]*://", uri):
            raise InvalidArgument(f"{uri!r} is not an absolute URI")


@dataclass(frozen=True)
class OAuthApp:
    """One OAuth application; ``oauth_config`` is a serialized ``OAuthConfig``."""

    client_id: str
    organization_id: str
    client_name: str
    client_secret: str
    oauth_config: bytes
    created_at: str


@dataclass(frozen=True)
class Registration:
    registration_id: str
    user_id: str


class OAuthBackend:
    """OAuth applications and their users over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def add_app(
        self, org_id: str, client_name: str, oauth_config: bytes, *, client_id: str, client_secret: str
    ) -> None:
        """Store an OAuth application (tests seed through this too)."""
        with self.store.transaction() as db:
            db.execute(
                "INSERT INTO oauth_apps(client_id, organization_id, client_name, client_secret, oauth_config, created_at)"
                " VALUES (?,?,?,?,?,?)",
                (client_id, org_id, client_name, client_secret, oauth_config, self.ctx.now_iso()),
            )

    def app(self, org_id: str, client_id: str) -> OAuthApp:
        """The organization's app ``client_id``; NOT_FOUND when it has none such."""
        row = self.store.one(
            "SELECT * FROM oauth_apps WHERE client_id = ? AND organization_id = ?", (client_id, org_id)
        )
        if row is None:
            raise NotFound(f"organization {org_id!r} has no OAuth app {client_id!r}")
        return typed(OAuthApp, row, oauth_config=bytes(row["oauth_config"]))

    def update_app(self, client_id: str, client_name: str, oauth_config: bytes) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE oauth_apps SET client_name = ?, oauth_config = ? WHERE client_id = ?",
                (client_name, oauth_config, client_id),
            )

    def delete_app(self, client_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM oauth_apps WHERE client_id = ?", (client_id,))

    def client_ids(self, org_id: str) -> list[str]:
        """The organization's apps, oldest first."""
        rows = self.store.all(
            "SELECT client_id FROM oauth_apps WHERE organization_id = ? ORDER BY created_at, client_id", (org_id,)
        )
        return [str(r["client_id"]) for r in rows]

    def register_user(
        self, org_id: str, client_id: str, email: str, first_name: str, last_name: str, password: str
    ) -> Registration:
        """Register the user with ``email`` (created when new) with the app; ALREADY_EXISTS when they are."""
        salt = secrets.token_bytes(16)
        digest = password_digest(password, salt)
        registration_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                user_id = self.ctx.new_id()
                db.execute("INSERT INTO users(id, email, created_at) VALUES (?,?,?)", (user_id, email, now))
            else:
                user_id = str(row["id"])
            if db.execute(
                "SELECT 1 FROM oauth_app_users WHERE client_id = ? AND user_id = ?", (client_id, user_id)
            ).fetchone():
                raise AlreadyExists(f"{email!r} is already registered with OAuth app {client_id!r}")
            db.execute(
                "INSERT INTO oauth_app_users(registration_id, client_id, organization_id, user_id, first_name,"
                " last_name, password_salt, password_digest, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (registration_id, client_id, org_id, user_id, first_name, last_name, salt, digest, now),
            )
        return Registration(registration_id=registration_id, user_id=user_id)
