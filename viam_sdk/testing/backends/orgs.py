"""Organizations, their users, members and invites (tables ``organizations``, ``users``,
``org_members``, ``user_authorizations``, ``org_invites``, ``org_default_fragments``).

The handlers are ``services/app_orgs.py``; they decide who may call what and
build the answers from the rows here.  Rules kept here: a public namespace is
1-63 lowercase letters, digits or inner dashes, is set once and is unique; an
email is normalised to lowercase; a user exists only once added
(:meth:`OrgsBackend.add_user`), which accepts a pending invite; an invite keeps
at least one authorization; an organization's removal takes everything it owns.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from viam_api.app.v1 import FragmentImportList, FragmentVisibility

from ..context import EmulatorContext
from ..errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from ..store import Store
from ._sql import marks, typed
from .credentials import delete_key_rows, require_an_owner_left
from .machines import delete_location_rows

__all__ = [
    "RESOURCE_TYPES",
    "ROLES",
    "CORE_SCHEMA",
    "SCHEMA",
    "Grant",
    "InviteRow",
    "MemberRow",
    "OrgRow",
    "OrgsBackend",
    "check_email",
    "check_namespace",
    "organization_name",
    "parse_authorization",
    "resource_org",
]

#: The table every area joins on (made at start by ``backends.create_core_tables``).
CORE_SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_namespace TEXT NOT NULL DEFAULT '',
    default_region TEXT NOT NULL DEFAULT '',
    cid TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_members (
    organization_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    date_added TEXT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE TABLE IF NOT EXISTS user_authorizations (
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (user_id, role, resource_type, resource_id)
);
CREATE TABLE IF NOT EXISTS org_invites (
    organization_id TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    authorizations TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (organization_id, email)
);
CREATE TABLE IF NOT EXISTS org_default_fragments (
    organization_id TEXT PRIMARY KEY,
    fragments BLOB NOT NULL
);
"""

# Lowercase letters, digits and inner dashes, up to 63 characters.
NAMESPACE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
#: The longest email address taken (RFC 5321's limit on a path), in characters.
MAX_EMAIL_CHARS = 254

ROLES = ("owner", "operator")
RESOURCE_TYPES = ("organization", "location", "robot")

#: One role on one resource: (role, resource type, resource id, organization id).
Grant = tuple[str, str, str, str]


def check_namespace(namespace: str) -> str:
    if not NAMESPACE.match(namespace):
        raise InvalidArgument(
            f"public namespace {namespace!r} is not valid: use 1-63 lowercase letters, digits or inner dashes"
        )
    return namespace


def check_email(email: str) -> str:
    """``email`` stripped and lower-cased; INVALID_ARGUMENT unless it looks like ``name@host.domain``.

    Checked by splitting, not by a regex, in time linear in its length, and only
    after its length: at most ``MAX_EMAIL_CHARS`` characters.
    """
    if len(email) > MAX_EMAIL_CHARS:
        raise InvalidArgument(
            f"the email address {email[:40]!r}... is {len(email):,} characters long, over the limit of "
            f"{MAX_EMAIL_CHARS}"
        )
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "@" in domain or "." not in domain[1:-1] or any(c.isspace() for c in address):
        raise InvalidArgument(f"{email!r} is not an email address")
    return address


def organization_name(store: Store, org_id: str) -> str:
    """The organization's name, or ``""`` when there is no such organization."""
    row = store.one("SELECT name FROM organizations WHERE id = ?", (org_id,))
    return "" if row is None else str(row["name"])


def resource_org(store: Store, resource_type: str, resource_id: str) -> str | None:
    """The organization owning an organization/location/robot id (None when unknown)."""
    if resource_type == "organization":
        row = store.one("SELECT id AS org FROM organizations WHERE id = ?", (resource_id,))
    elif resource_type == "location":
        row = store.one("SELECT organization_id AS org FROM locations WHERE id = ?", (resource_id,))
    elif resource_type == "robot":
        row = store.one(
            "SELECT l.organization_id AS org FROM robots r JOIN locations l ON l.id = r.location_id WHERE r.id = ?",
            (resource_id,),
        )
    else:
        return None
    return None if row is None else str(row["org"])


def parse_authorization(store: Store, auth: Any, *, org_id: str | None = None) -> Grant:
    """Check one ``Authorization`` message; returns (role, resource type, resource id, org id).

    ``authorization_id`` must read ``<resource type>_<role>`` (``location_owner``,
    ``organization_operator``, ...); the resource must exist inside the organization.
    """
    resource_type = str(auth.resource_type)
    if resource_type not in RESOURCE_TYPES:
        raise InvalidArgument(
            f"resource type {resource_type!r} is not one of {', '.join(RESOURCE_TYPES)}",
        )
    prefix = f"{resource_type}_"
    authorization_id = str(auth.authorization_id)
    role = authorization_id[len(prefix) :] if authorization_id.startswith(prefix) else ""
    if role not in ROLES:
        raise InvalidArgument(
            f"authorization id {authorization_id!r} does not name a role on a {resource_type} "
            f"(expected {prefix}owner or {prefix}operator)",
        )
    if auth.authorization_type not in ("", "role"):
        raise InvalidArgument(f"authorization type {auth.authorization_type!r} is not 'role'")
    organization_id = str(auth.organization_id) or (org_id or "")
    if not organization_id:
        raise InvalidArgument("the authorization names no organization id")
    if org_id is not None and organization_id != org_id:
        raise InvalidArgument(
            f"the authorization's organization {organization_id!r} differs from {org_id!r}",
        )
    resource_id = str(auth.resource_id)
    if not resource_id:
        raise InvalidArgument("the authorization names no resource id")
    if resource_org(store, resource_type, resource_id) != organization_id:
        raise NotFound(f"{resource_type} {resource_id!r} not found in organization {organization_id!r}")
    return role, resource_type, resource_id, organization_id


@dataclass(frozen=True)
class OrgRow:
    """One organization as stored; ``default_fragments`` is the serialized ``FragmentImportList``."""

    id: str
    name: str
    public_namespace: str
    default_region: str
    cid: str
    created_at: str
    default_fragments: bytes | None = None


@dataclass(frozen=True)
class MemberRow:
    user_id: str
    email: str
    date_added: str


@dataclass(frozen=True)
class InviteRow:
    organization_id: str
    email: str
    created_at: str
    authorizations: tuple[Grant, ...]


def _auth_json(auths: list[Grant]) -> str:
    return json.dumps([list(a) for a in sorted(set(auths))])


def _grants(text: str) -> tuple[Grant, ...]:
    return tuple((str(a), str(b), str(c), str(d)) for a, b, c, d in json.loads(text))


def _invite(row: sqlite3.Row) -> InviteRow:
    return typed(InviteRow, row, authorizations=_grants(row["authorizations"]))


class OrgsBackend:
    """Organizations, users, members and invites over the emulator's store."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    # -- organizations ---------------------------------------------------------------

    def create(self, name: str, *, owner_key_id: str, owner_role: str) -> str:
        """A new organization granted to the API key ``owner_key_id``; returns its id."""
        org_id, now = self.ctx.new_id(), self.ctx.now_iso()
        with self.store.transaction() as db:
            db.execute("INSERT INTO organizations(id, name, created_at) VALUES (?,?,?)", (org_id, name, now))
            db.execute(
                "INSERT INTO api_key_authorizations(api_key_id, role, resource_type, resource_id, organization_id)"
                " VALUES (?,?,?,?,?)",
                (owner_key_id, owner_role, "organization", org_id, org_id),
            )
        return org_id

    def _with_defaults(self, rows: list[sqlite3.Row]) -> list[OrgRow]:
        ids = [str(r["id"]) for r in rows]
        defaults: dict[str, bytes] = {}
        if ids:
            for r in self.store.all(
                f"SELECT organization_id, fragments FROM org_default_fragments WHERE organization_id IN ({marks(len(ids))})",
                ids,
            ):
                defaults[str(r["organization_id"])] = bytes(r["fragments"])
        return [typed(OrgRow, r, default_fragments=defaults.get(str(r["id"]))) for r in rows]

    def get(self, org_id: str) -> OrgRow:
        """The organization ``org_id``; NOT_FOUND when there is none."""
        found = self.store.memo(("OrgsBackend.get", org_id), lambda: self._one(org_id))
        if found is None:
            raise NotFound(f"organization {org_id!r} not found")
        return found

    def _one(self, org_id: str) -> OrgRow | None:
        row = self.store.one("SELECT * FROM organizations WHERE id = ?", (org_id,))
        return None if row is None else self._with_defaults([row])[0]

    def exists(self, org_id: str) -> bool:
        return self.store.one("SELECT 1 FROM organizations WHERE id = ?", (org_id,)) is not None

    def many(self, ids: list[str]) -> list[OrgRow]:
        """The organizations among ``ids``, by name then id."""
        if not ids:
            return []
        rows = self.store.all(f"SELECT * FROM organizations WHERE id IN ({marks(len(ids))}) ORDER BY name, id", ids)
        return self._with_defaults(rows)

    def all(self) -> list[OrgRow]:
        """Every organization, by name then id (the dashboard's list)."""
        return [typed(OrgRow, r) for r in self.store.all("SELECT * FROM organizations ORDER BY name, id")]

    def of_user(self, user_id: str) -> list[OrgRow]:
        """The organizations ``user_id`` is a member of, by name then id."""
        rows = self.store.all(
            "SELECT o.* FROM org_members m JOIN organizations o ON o.id = m.organization_id "
            "WHERE m.user_id = ? ORDER BY o.name, o.id",
            (user_id,),
        )
        return [typed(OrgRow, r) for r in rows]

    def with_access_to_location(self, owner: str, location_id: str) -> list[tuple[str, str]]:
        """(id, name) of the owner and then of the organizations the location is shared with."""
        rows = self.store.all(
            "SELECT o.id, o.name, 0 AS shared FROM organizations o WHERE o.id = ? "
            "UNION ALL SELECT o.id, o.name, 1 FROM location_shares s JOIN organizations o "
            "ON o.id = s.organization_id WHERE s.location_id = ? ORDER BY shared, name, id",
            (owner, location_id),
        )
        return [(str(r["id"]), str(r["name"])) for r in rows]

    def namespace_available(self, namespace: str) -> bool:
        check_namespace(namespace)
        return self.store.one("SELECT 1 FROM organizations WHERE public_namespace = ?", (namespace,)) is None

    def check_default_fragments(self, org_id: str, imports: FragmentImportList) -> bytes:
        """The default fragments as stored, once each is known to exist and be usable by ``org_id``."""
        seen: set[str] = set()
        for item in imports.fragments:
            fragment_id = item.fragment_id
            if not fragment_id:
                raise InvalidArgument("default_fragments: a fragment_id is required in every entry")
            if fragment_id in seen:
                raise InvalidArgument(f"default_fragments: fragment {fragment_id!r} is listed twice")
            seen.add(fragment_id)
            row = self.store.one("SELECT organization_id, visibility FROM fragments WHERE id = ?", (fragment_id,))
            if row is None:
                raise NotFound(f"default_fragments: fragment {fragment_id!r} not found")
            private = FragmentVisibility(row["visibility"]) not in (
                FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
                FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
            )
            if private and row["organization_id"] != org_id:
                raise PermissionDenied(f"default_fragments: fragment {fragment_id!r} is private to another organization")
            if item.version and not self.store.one(
                "SELECT 1 FROM fragment_tags WHERE fragment_id = ? AND tag = ? UNION ALL "
                "SELECT 1 FROM fragment_revisions WHERE fragment_id = ? AND CAST(revision AS TEXT) = ?",
                (fragment_id, item.version, fragment_id, item.version),
            ):
                raise InvalidArgument(
                    f"default_fragments: fragment {fragment_id!r} has no revision or tag {item.version!r}"
                )
        return bytes(imports)

    def _set_namespace(self, db: sqlite3.Connection, org_id: str, namespace: str) -> None:
        check_namespace(namespace)
        current = db.execute("SELECT public_namespace FROM organizations WHERE id = ?", (org_id,)).fetchone()
        if current is not None and current["public_namespace"] == namespace:
            return
        if current is not None and current["public_namespace"]:
            raise FailedPrecondition(
                f"organization {org_id!r} already has the public namespace {current['public_namespace']!r}"
            )
        taken = db.execute(
            "SELECT id FROM organizations WHERE public_namespace = ? AND id != ?", (namespace, org_id)
        ).fetchone()
        if taken is not None:
            raise AlreadyExists(f"public namespace {namespace!r} is already taken")
        db.execute("UPDATE organizations SET public_namespace = ? WHERE id = ?", (namespace, org_id))

    def set_namespace(self, org_id: str, namespace: str) -> None:
        """Give the organization its public namespace (once; unique across organizations)."""
        with self.store.transaction() as db:
            self._set_namespace(db, org_id, namespace)

    def update(
        self,
        org_id: str,
        *,
        default_fragments: bytes | None = None,
        name: str | None = None,
        public_namespace: str | None = None,
        region: str | None = None,
        cid: str | None = None,
    ) -> None:
        """Change the fields given (None leaves one as it is), in one transaction."""
        with self.store.transaction() as db:
            if default_fragments is not None:
                db.execute(
                    "INSERT INTO org_default_fragments(organization_id, fragments) VALUES (?, ?) "
                    "ON CONFLICT(organization_id) DO UPDATE SET fragments = excluded.fragments",
                    (org_id, default_fragments),
                )
            if name is not None:
                db.execute("UPDATE organizations SET name = ? WHERE id = ?", (name, org_id))
            if public_namespace is not None:
                self._set_namespace(db, org_id, public_namespace)
            if region is not None:
                db.execute("UPDATE organizations SET default_region = ? WHERE id = ?", (region, org_id))
            if cid is not None:
                db.execute("UPDATE organizations SET cid = ? WHERE id = ?", (cid, org_id))

    def delete(self, org_id: str) -> None:
        """Remove the organization and all it owns; the context's ``org_deleted_hooks`` join the transaction."""
        with self.store.transaction() as db:
            for row in db.execute("SELECT id FROM locations WHERE organization_id = ?", (org_id,)).fetchall():
                delete_location_rows(db, str(row["id"]))
            keys = [str(r["id"]) for r in db.execute("SELECT id FROM api_keys WHERE organization_id = ?", (org_id,))]
            for key_id in keys:
                delete_key_rows(db, key_id)
            for sql in (
                "DELETE FROM api_key_authorizations WHERE organization_id = ?",
                "DELETE FROM user_authorizations WHERE organization_id = ?",
                "DELETE FROM location_shares WHERE organization_id = ?",
                "DELETE FROM org_members WHERE organization_id = ?",
                "DELETE FROM org_invites WHERE organization_id = ?",
                "DELETE FROM fragment_revisions WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragment_history WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragment_tags WHERE fragment_id IN (SELECT id FROM fragments WHERE organization_id = ?)",
                "DELETE FROM fragments WHERE organization_id = ?",
                "DELETE FROM module_file_chunks WHERE module_id IN (SELECT id FROM registry_items WHERE organization_id = ?)",
                "DELETE FROM module_files WHERE module_id IN (SELECT id FROM registry_items WHERE organization_id = ?)",
                "DELETE FROM registry_items WHERE organization_id = ?",
                "DELETE FROM org_settings WHERE organization_id = ?",
                "DELETE FROM oauth_app_users WHERE organization_id = ?",
                "DELETE FROM oauth_apps WHERE organization_id = ?",
                "DELETE FROM firebase_configs WHERE organization_id = ?",
                "DELETE FROM org_default_fragments WHERE organization_id = ?",
                "DELETE FROM organizations WHERE id = ?",
            ):
                db.execute(sql, (org_id,))
            for hook in self.ctx.org_deleted_hooks:
                hook(db, org_id)

    def metadata(self, org_id: str) -> str | None:
        """The organization's metadata as stored JSON (None for an unknown organization)."""
        row = self.store.one("SELECT metadata FROM organizations WHERE id = ?", (org_id,))
        return None if row is None else str(row["metadata"])

    def set_metadata(self, org_id: str, metadata_json: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE organizations SET metadata = ? WHERE id = ?", (metadata_json, org_id))

    # -- users, members and invites --------------------------------------------------

    def user_id_by_email(self, email: str) -> str:
        """The id of the user with ``email``; NOT_FOUND when there is none."""
        row = self.store.one("SELECT id FROM users WHERE email = ?", (check_email(email),))
        if row is None:
            raise NotFound(f"no user with email {email!r}")
        return str(row["id"])

    def members(self, org_id: str) -> list[MemberRow]:
        """The organization's members, by email then id."""
        rows = self.store.all(
            "SELECT u.id AS user_id, u.email, m.date_added FROM org_members m JOIN users u ON u.id = m.user_id "
            "WHERE m.organization_id = ? ORDER BY u.email, u.id",
            (org_id,),
        )
        return [typed(MemberRow, r) for r in rows]

    def invites(self, org_id: str) -> list[InviteRow]:
        """The organization's pending invites, by email."""
        rows = self.store.all("SELECT * FROM org_invites WHERE organization_id = ? ORDER BY email", (org_id,))
        return [_invite(r) for r in rows]

    def invite(self, org_id: str, email: str) -> InviteRow:
        """The pending invite of ``email``; NOT_FOUND when there is none."""
        row = self.store.one(
            "SELECT * FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, check_email(email))
        )
        if row is None:
            raise NotFound(f"no pending invite for {email!r} in organization {org_id!r}")
        return _invite(row)

    def create_invite(self, org_id: str, email: str, auths: list[Grant]) -> InviteRow:
        """Invite ``email`` with ``auths`` (none: owner of the organization, as the cloud does);
        ALREADY_EXISTS for a member or an address already invited."""
        address = check_email(email)
        if not auths:
            auths = [("owner", "organization", org_id, org_id)]
        member = self.store.one(
            "SELECT 1 FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? AND u.email = ?",
            (org_id, address),
        )
        if member is not None:
            raise AlreadyExists(f"{email!r} is already a member of organization {org_id!r}")
        with self.store.transaction() as db:
            if db.execute(
                "SELECT 1 FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, address)
            ).fetchone():
                raise AlreadyExists(f"{email!r} already has a pending invite to {org_id!r}")
            db.execute(
                "INSERT INTO org_invites(organization_id, email, created_at, authorizations) VALUES (?,?,?,?)",
                (org_id, address, self.ctx.now_iso(), _auth_json(auths)),
            )
        return self.invite(org_id, address)

    def change_invite(self, org_id: str, email: str, added: set[Grant], removed: set[Grant]) -> InviteRow:
        """Add and remove roles of a pending invite; INVALID_ARGUMENT when none would be left."""
        invite = self.invite(org_id, email)
        result = (set(invite.authorizations) | added) - removed
        if not result:
            raise InvalidArgument("an invite must keep at least one authorization")
        with self.store.transaction() as db:
            db.execute(
                "UPDATE org_invites SET authorizations = ? WHERE organization_id = ? AND email = ?",
                (_auth_json(list(result)), org_id, invite.email),
            )
        return self.invite(org_id, invite.email)

    def delete_invite(self, org_id: str, email: str) -> None:
        invite = self.invite(org_id, email)
        with self.store.transaction() as db:
            db.execute(
                "DELETE FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, invite.email)
            )

    def delete_member(self, org_id: str, user_id: str) -> None:
        """Remove a member and their roles in the organization; NOT_FOUND for one who is not a member."""
        with self.store.transaction() as db:
            gone = db.execute(
                "DELETE FROM org_members WHERE organization_id = ? AND user_id = ?", (org_id, user_id)
            ).rowcount
            if not gone:
                raise NotFound(f"user {user_id!r} is not a member of organization {org_id!r}")
            db.execute(
                "DELETE FROM user_authorizations WHERE organization_id = ? AND user_id = ?", (org_id, user_id)
            )
            require_an_owner_left(db, [org_id])

    def add_user(self, email: str, org_id: str | None = None) -> str:
        """See :func:`add_user`; the id and date come from the context."""
        return add_user(
            self.store, user_id=self.ctx.new_id(), email=email, created_at=self.ctx.now_iso(), org_id=org_id
        )


def add_user(store: Store, *, user_id: str, email: str, created_at: str, org_id: str | None = None) -> str:
    """Create (or find) a user by email and optionally make them an owner-member of ``org_id``.

    A pending invite for that email to that organization is accepted: its
    authorizations become the member's.
    """
    address = check_email(email)
    with store.transaction() as db:
        row = db.execute("SELECT id FROM users WHERE email = ?", (address,)).fetchone()
        if row is None:
            db.execute("INSERT INTO users(id, email, created_at) VALUES (?,?,?)", (user_id, address, created_at))
        else:
            user_id = str(row["id"])
        if org_id is not None:
            db.execute(
                "INSERT OR IGNORE INTO org_members(organization_id, user_id, date_added) VALUES (?,?,?)",
                (org_id, user_id, created_at),
            )
            invite = db.execute(
                "SELECT authorizations FROM org_invites WHERE organization_id = ? AND email = ?",
                (org_id, address),
            ).fetchone()
            auths = json.loads(invite["authorizations"]) if invite else [["owner", "organization", org_id, org_id]]
            for role, rtype, rid, org in auths:
                db.execute(
                    "INSERT OR IGNORE INTO user_authorizations(user_id, role, resource_type, resource_id, "
                    "organization_id) VALUES (?,?,?,?,?)",
                    (user_id, role, rtype, rid, org),
                )
            db.execute("DELETE FROM org_invites WHERE organization_id = ? AND email = ?", (org_id, address))
    return user_id
