"""Roles (authorizations) of API keys and users, and the API keys themselves (tables
``api_keys``, ``api_key_authorizations`` of ``credentials.CORE_SCHEMA``, ``user_authorizations``).

The handlers are ``services/app_access.py``; the data handlers also ask
:func:`key_grants` which roles a key holds, to scope what data the key sees.
Keys are minted and hashed by ``credentials.py`` (the handler calls it in the
same transaction).  Rules kept here: an identity is an API key or a user; a
role is held once; a user given a role becomes a member of its organization;
an organization keeps at least one owner (removing the last one is
FAILED_PRECONDITION).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..context import EmulatorContext
from ..errors import AlreadyExists, InvalidArgument, NotFound
from ..store import Store
from ._sql import typed
from .credentials import delete_key_rows, key_owned_orgs, require_an_owner_left
from .orgs import Grant

__all__ = ["API_KEY_IDENTITY", "AccessBackend", "KeyGrant", "KeyRow", "RoleRow", "key_grants"]

API_KEY_IDENTITY = "api-key"
USER_IDENTITY = "user"


@dataclass(frozen=True)
class KeyGrant:
    """One role an API key holds on an organization, a location or a machine."""

    role: str
    resource_type: str
    resource_id: str


def key_grants(store: Store, key_id: str) -> list[KeyGrant]:
    """Every role the API key ``key_id`` holds."""
    rows = store.all(
        "SELECT role, resource_type, resource_id FROM api_key_authorizations WHERE api_key_id = ?", (key_id,)
    )
    return [typed(KeyGrant, r) for r in rows]


@dataclass(frozen=True)
class RoleRow:
    """One role some identity (``api-key`` or ``user``) holds."""

    identity_type: str
    identity_id: str
    role: str
    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class KeyRow:
    """One API key as listed (its secret is only ever stored hashed)."""

    id: str
    organization_id: str
    name: str
    created_at: str


def _auth_table(identity_type: str) -> tuple[str, str]:
    if identity_type == API_KEY_IDENTITY:
        return "api_key_authorizations", "api_key_id"
    return "user_authorizations", "user_id"


class AccessBackend:
    """Roles and API keys over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- roles -------------------------------------------------------------------------

    def identity_type(self, identity_id: str) -> str:
        """``api-key`` or ``user``: what ``identity_id`` names (NOT_FOUND when neither)."""
        if not identity_id:
            raise InvalidArgument("the authorization names no identity id")
        if self.store.one("SELECT 1 FROM api_keys WHERE id = ?", (identity_id,)) is not None:
            return API_KEY_IDENTITY
        if self.store.one("SELECT 1 FROM users WHERE id = ?", (identity_id,)) is not None:
            return USER_IDENTITY
        raise NotFound(f"identity {identity_id!r} is neither a user nor an API key")

    def add_role(self, identity_id: str, identity_type: str, grant: Grant) -> None:
        """Give the identity the role; ALREADY_EXISTS when it holds it.  A user joins the organization."""
        role, rtype, rid, org_id = grant
        table, column = _auth_table(identity_type)
        with self.store.transaction() as db:
            exists = db.execute(
                f"SELECT 1 FROM {table} WHERE {column} = ? AND role = ? AND resource_type = ? AND resource_id = ?",
                (identity_id, role, rtype, rid),
            ).fetchone()
            if exists:
                raise AlreadyExists(f"{identity_id!r} already has {rtype}_{role} on {rid!r}")
            db.execute(
                f"INSERT INTO {table}({column}, role, resource_type, resource_id, organization_id) VALUES (?,?,?,?,?)",
                (identity_id, role, rtype, rid, org_id),
            )
            if identity_type == USER_IDENTITY:
                db.execute(
                    "INSERT OR IGNORE INTO org_members(organization_id, user_id, date_added) VALUES (?,?,?)",
                    (org_id, identity_id, self.ctx.now_iso()),
                )

    def remove_role(self, identity_id: str, identity_type: str, grant: Grant) -> None:
        """Take the role away; NOT_FOUND when the identity does not hold it."""
        role, rtype, rid, _ = grant
        table, column = _auth_table(identity_type)
        with self.store.transaction() as db:
            gone = db.execute(
                f"DELETE FROM {table} WHERE {column} = ? AND role = ? AND resource_type = ? AND resource_id = ?",
                (identity_id, role, rtype, rid),
            ).rowcount
            if not gone:
                raise NotFound(f"{identity_id!r} has no {rtype}_{role} on {rid!r}")
            if rtype == "organization" and role == "owner":
                require_an_owner_left(db, [rid])

    def roles(self, org_id: str) -> list[RoleRow]:
        """Every role held in the organization, keys first, by identity then resource."""
        rows = self.store.all(
            "SELECT 'api-key' AS identity_type, api_key_id AS identity_id, role, resource_type, resource_id "
            "FROM api_key_authorizations WHERE organization_id = ? "
            "UNION ALL SELECT 'user', user_id, role, resource_type, resource_id "
            "FROM user_authorizations WHERE organization_id = ? "
            "ORDER BY identity_type, identity_id, resource_type, resource_id, role",
            (org_id, org_id),
        )
        return [typed(RoleRow, r) for r in rows]

    # -- API keys ----------------------------------------------------------------------

    def key(self, key_id: str) -> KeyRow:
        """The API key ``key_id``; INVALID_ARGUMENT for no id, NOT_FOUND for an unknown one."""
        if not key_id:
            raise InvalidArgument("an API key id is required")
        row = self.store.one("SELECT * FROM api_keys WHERE id = ?", (key_id,))
        if row is None:
            raise NotFound(f"API key {key_id!r} not found")
        return typed(KeyRow, row)

    def key_grants(self, key_id: str) -> list[Grant]:
        """The key's roles as (role, resource type, resource id, organization id), in a stable order."""
        rows = self.store.all(
            "SELECT role, resource_type, resource_id, organization_id FROM api_key_authorizations "
            "WHERE api_key_id = ? ORDER BY organization_id, resource_type, resource_id, role",
            (key_id,),
        )
        return [(str(r["role"]), str(r["resource_type"]), str(r["resource_id"]), str(r["organization_id"])) for r in rows]

    def keys_of_org(self, org_id: str) -> list[KeyRow]:
        """Keys of the organization and keys holding a role in it, oldest first."""
        rows = self.store.all(
            "SELECT * FROM api_keys WHERE organization_id = ? OR id IN "
            "(SELECT api_key_id FROM api_key_authorizations WHERE organization_id = ?) ORDER BY created_at, id",
            (org_id, org_id),
        )
        return [typed(KeyRow, r) for r in rows]

    def keys_for_robot(self, robot_id: str) -> list[KeyRow]:
        """Keys holding a role on the machine, oldest first."""
        rows = self.store.all(
            "SELECT * FROM api_keys WHERE id IN (SELECT api_key_id FROM api_key_authorizations "
            "WHERE resource_type = 'robot' AND resource_id = ?) ORDER BY created_at, id",
            (robot_id,),
        )
        return [typed(KeyRow, r) for r in rows]

    def rename_key(self, key_id: str, name: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE api_keys SET name = ? WHERE id = ?", (name, key_id))

    def delete_key(self, key_id: str) -> int:
        """Remove the key, its roles and the tokens issued for it; returns how many tokens were revoked.

        FAILED_PRECONDITION when it is the last owner of an organization.
        """
        with self.store.transaction() as db:
            owned = key_owned_orgs(db, key_id)
            revoked = delete_key_rows(db, key_id)
            require_an_owner_left(db, owned)
        return revoked
