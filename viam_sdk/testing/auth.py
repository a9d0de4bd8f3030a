"""Credentials, access tokens and access checks of the emulator.

Three kinds of caller exist, matching the credential types of
``proto.rpc.v1.AuthService/Authenticate``:

* ``"api-key"`` -- an API key; it reaches what its authorizations name
  (an organization, a location or a robot; role ``owner`` or ``operator``);
* ``"robot-location-secret"`` -- a location secret; it reaches that location
  and the machines in it;
* ``"robot-secret"`` -- a machine part's secret; it reads that part and its
  machine and pushes the part's logs, but changes nothing.

Handlers call :func:`caller` first, then one of the ``require_*`` helpers with
the ids named in the request.  Unknown ids answer NOT_FOUND, ids the caller may
not reach PERMISSION_DENIED, a missing or bad token UNAUTHENTICATED.  Secrets
never appear in error messages; ids do.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from grpclib.exceptions import GRPCError
from viam_api._runtime import current_stream

from .errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from .store import Store

if TYPE_CHECKING:
    from .context import EmulatorContext

__all__ = [
    "API_KEY",
    "LOCATION_SECRET",
    "PART_SECRET",
    "Identity",
    "add_location_secret",
    "add_part_secret",
    "caller",
    "check_secret",
    "create_api_key",
    "digest_secret",
    "identify",
    "issue_token",
    "location_secrets",
    "mint_part_secret",
    "new_secret",
    "part_secret",
    "require_location",
    "require_org",
    "require_part",
    "require_robot",
    "token_expired",
    "expire_tokens",
    "verified",
    "visible_org_ids",
]

API_KEY: Final = "api-key"
LOCATION_SECRET: Final = "robot-location-secret"
PART_SECRET: Final = "robot-secret"
CredentialKind = Literal["api-key", "robot-location-secret", "robot-secret"]

ROLE_OWNER = "owner"
ROLE_OPERATOR = "operator"


@dataclass(frozen=True)
class Identity:
    """Who is calling.  Exactly one of ``org_id``/``location_id``/``part_id`` is set.

    ``subject`` is the API key id, the location id or the part id.
    """

    kind: CredentialKind
    subject: str
    org_id: str | None = None
    location_id: str | None = None
    part_id: str | None = None

    @property
    def api_key_id(self) -> str | None:
        return self.subject if self.kind == API_KEY else None


# -- secrets ---------------------------------------------------------------------


def new_secret() -> str:
    """A fresh random secret (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def digest_secret(secret: str, salt: bytes) -> bytes:
    """Salted SHA-256 of a secret.  Secrets are random 256-bit strings, so no stretching."""
    return hashlib.sha256(salt + secret.encode()).digest()


def check_secret(secret: str, salt: bytes, digest: bytes) -> bool:
    return hmac.compare_digest(digest_secret(secret, salt), digest)


def _salted(secret: str) -> tuple[bytes, bytes]:
    salt = secrets.token_bytes(16)
    return salt, digest_secret(secret, salt)


def create_api_key(
    db: sqlite3.Connection,
    *,
    key_id: str,
    org_id: str,
    name: str,
    created_at: str,
    authorizations: list[tuple[str, str, str, str]],
) -> str:
    """Store a new API key and its authorizations; returns the key (shown only once).

    ``authorizations`` holds ``(role, resource_type, resource_id, organization_id)``.
    Call inside a :meth:`Store.transaction`.
    """
    key = new_secret()
    salt, digest = _salted(key)
    db.execute(
        "INSERT INTO api_keys(id, organization_id, name, salt, digest, created_at) VALUES (?,?,?,?,?,?)",
        (key_id, org_id, name, salt, digest, created_at),
    )
    for role, resource_type, resource_id, auth_org in authorizations:
        db.execute(
            "INSERT OR IGNORE INTO api_key_authorizations"
            "(api_key_id, role, resource_type, resource_id, organization_id) VALUES (?,?,?,?,?)",
            (key_id, role, resource_type, resource_id, auth_org),
        )
    return key


def add_location_secret(db: sqlite3.Connection, *, secret_id: str, location_id: str, created_at: str) -> str:
    """Store a new secret for a location; returns it."""
    secret = new_secret()
    salt, digest = _salted(secret)
    db.execute(
        "INSERT INTO location_secrets(id, location_id, secret, salt, digest, created_at) VALUES (?,?,?,?,?,?)",
        (secret_id, location_id, secret, salt, digest, created_at),
    )
    return secret


def add_part_secret(db: sqlite3.Connection, *, secret_id: str, part_id: str, created_at: str) -> str:
    """Store a new secret for a machine part; returns it."""
    secret = new_secret()
    salt, digest = _salted(secret)
    db.execute(
        "INSERT INTO part_secrets(id, part_id, secret, salt, digest, created_at) VALUES (?,?,?,?,?,?)",
        (secret_id, part_id, secret, salt, digest, created_at),
    )
    return secret


def location_secrets(store: Store, location_id: str) -> list[sqlite3.Row]:
    """Rows (id, secret, created_at) of a location's secrets, oldest first."""
    return store.all(
        "SELECT id, secret, created_at FROM location_secrets WHERE location_id = ? ORDER BY created_at, rowid",
        (location_id,),
    )


def part_secret(store: Store, part_id: str) -> str:
    """The oldest live secret of a machine part (what ``GetRobotPart`` returns as ``secret``)."""
    row = store.one(
        "SELECT secret FROM part_secrets WHERE part_id = ? ORDER BY created_at, rowid LIMIT 1",
        (part_id,),
    )
    if row is None:
        raise KeyError(f"machine part {part_id!r} has no secret")
    return str(row["secret"])


def mint_part_secret(ctx: EmulatorContext, part_id: str) -> str:
    """Test helper: the current secret of ``part_id``, creating one if it has none."""
    try:
        return part_secret(ctx.store, part_id)
    except KeyError:
        with ctx.store.transaction() as db:
            return add_part_secret(db, secret_id=ctx.new_id(), part_id=part_id, created_at=ctx.now_iso())


# -- tokens ------------------------------------------------------------------------


def _pepper(store: Store) -> bytes:
    cached = store.cache.get("token_pepper")
    if isinstance(cached, bytes):
        return cached
    value = store.get_meta("token_pepper")
    if value is None:
        store.set_meta("token_pepper", secrets.token_hex(32))
        value = store.get_meta("token_pepper")
        assert value is not None
    pepper = bytes.fromhex(value)
    store.cache["token_pepper"] = pepper
    return pepper


def _token_digest(store: Store, token: str) -> bytes:
    return hmac.new(_pepper(store), token.encode(), hashlib.sha256).digest()


def issue_token(
    store: Store, kind: CredentialKind, subject: str, created_at: str, *, ttl: float | None = None
) -> str:
    """A new bearer token standing for ``subject`` (only its keyed digest is stored).

    With ``ttl``, the token expires that many seconds from now (by this
    process's monotonic clock, so a fixed test clock does not stop it): calls
    carrying it are then refused with UNAUTHENTICATED, "the access token has
    expired".  Expiry times live in memory: a token issued before the
    emulator restarted stays valid (as the database still knows it).
    """
    token = secrets.token_urlsafe(32)
    digest = _token_digest(store, token)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO access_tokens(digest, kind, subject, created_at) VALUES (?,?,?,?)",
            (digest, kind, subject, created_at),
        )
    if ttl is not None:
        _expiries(store)[digest] = time.monotonic() + ttl
    return token


def _expiries(store: Store) -> dict[bytes, float]:
    """Token digest -> monotonic expiry time, for tokens issued with a ttl by this process."""
    found = store.cache.get("token_expiries")
    if not isinstance(found, dict):
        found = {}
        store.cache["token_expiries"] = found
    return found


def token_expired(store: Store, token: str) -> bool:
    """True when ``token`` was issued with a ttl that has run out."""
    expiries = _expiries(store)
    if not expiries:
        return False
    moment = expiries.get(_token_digest(store, token))
    return moment is not None and time.monotonic() >= moment


def expire_tokens(store: Store) -> int:
    """End now the lifetime of every token issued with a ttl; returns how many there were.

    The tokens are then refused as expired exactly as if their time had run out:
    the tests use this instead of sleeping through a lifetime, which a busy machine
    can stretch or shrink.
    """
    expiries = _expiries(store)
    moment = time.monotonic()
    for digest in list(expiries):
        expiries[digest] = moment
    return len(expiries)


def identity_for_token(store: Store, token: str) -> Identity | None:
    """Who a token stands for, or None when it is unknown or its subject is gone."""
    row = store.one(
        "SELECT kind, subject FROM access_tokens WHERE digest = ?", (_token_digest(store, token),)
    )
    if row is None:
        return None
    kind, subject = str(row["kind"]), str(row["subject"])
    if kind == API_KEY:
        key = store.one("SELECT organization_id FROM api_keys WHERE id = ?", (subject,))
        return None if key is None else Identity(API_KEY, subject, org_id=str(key["organization_id"]))
    if kind == LOCATION_SECRET:
        loc = store.one("SELECT id FROM locations WHERE id = ?", (subject,))
        return None if loc is None else Identity(LOCATION_SECRET, subject, location_id=subject)
    if kind == PART_SECRET:
        part = store.one("SELECT id FROM robot_parts WHERE id = ?", (subject,))
        return None if part is None else Identity(PART_SECRET, subject, part_id=subject)
    return None


# The identity the route guard (routes.py) found for the RPC being handled:
# each RPC runs in its own task, so this never leaks from one call to another.
_verified: contextvars.ContextVar[Identity | None] = contextvars.ContextVar(
    "viam_emulator_identity", default=None
)


def caller(ctx: EmulatorContext) -> Identity:
    """The identity behind the bearer token of the RPC being handled.

    Raises GRPCError(UNAUTHENTICATED) when the header is missing, malformed or
    the token is unknown.
    """
    ident = _verified.get()
    if ident is not None:
        return ident
    return identify(ctx, current_stream().metadata)


@contextmanager
def verified(ident: Identity) -> Iterator[None]:
    """Within the block, :func:`caller` answers ``ident`` (checked before the handler ran)."""
    token = _verified.set(ident)
    try:
        yield
    finally:
        _verified.reset(token)


def identify(ctx: EmulatorContext, metadata: Mapping[str, Any] | None) -> Identity:
    """The identity behind the bearer token in call ``metadata`` (UNAUTHENTICATED if none)."""
    header = metadata.get("authorization") if metadata is not None else None
    if isinstance(header, bytes):
        header = header.decode(errors="replace")
    if not header:
        raise Unauthenticated("no authorization header: call AuthService/Authenticate first")
    scheme, _, token = str(header).partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the authorization header must be 'Bearer <access token>'")
    if token_expired(ctx.store, token.strip()):
        raise Unauthenticated("the access token has expired: authenticate again")
    ident = identity_for_token(ctx.store, token.strip())
    if ident is None:
        raise Unauthenticated("the access token is not valid (unknown, or its key was deleted)")
    return ident


# -- access checks -------------------------------------------------------------------


def _denied(what: str) -> GRPCError:
    return PermissionDenied(f"the caller has no access to {what}: check the id, or use an API key with a role there")


def _key_roles(store: Store, key_id: str, resource_type: str, resource_ids: list[str]) -> set[str]:
    if not resource_ids:
        return set()
    marks = ",".join("?" * len(resource_ids))
    rows = store.all(
        f"SELECT role FROM api_key_authorizations WHERE api_key_id = ? AND resource_type = ? "
        f"AND resource_id IN ({marks})",
        (key_id, resource_type, *resource_ids),
    )
    return {str(r["role"]) for r in rows}


def _allowed(roles: set[str], write: bool) -> bool:
    return ROLE_OWNER in roles if write else bool(roles)


def _location_orgs(store: Store, location_id: str, owner_org: str) -> list[str]:
    shared = store.all("SELECT organization_id FROM location_shares WHERE location_id = ?", (location_id,))
    return [owner_org, *(str(r["organization_id"]) for r in shared)]


def require_org(ctx: EmulatorContext, ident: Identity, org_id: str, *, write: bool = False) -> None:
    """Check that ``ident`` may use organization ``org_id`` (``write``: needs the owner role)."""
    if not org_id:
        raise InvalidArgument("an organization id is required")
    if ctx.store.one("SELECT 1 FROM organizations WHERE id = ?", (org_id,)) is None:
        raise NotFound(f"organization {org_id!r} not found: check the id (list_organizations shows yours)")
    if ident.kind == API_KEY and _allowed(
        _key_roles(ctx.store, ident.subject, "organization", [org_id]), write
    ):
        return
    raise _denied(f"organization {org_id!r}")


def require_location(
    ctx: EmulatorContext,
    ident: Identity,
    location_id: str,
    *,
    write: bool = False,
    shared: bool = True,
    by_secret: bool = True,
) -> str:
    """Check that ``ident`` may use location ``location_id``; returns its owning organization id.

    ``write`` needs the owner role.  ``shared=False`` ignores roles held
    through organizations the location is shared with; ``by_secret=False``
    refuses the location's own secret (both for managing the location itself).
    """
    if not location_id:
        raise InvalidArgument("a location id is required")
    row = ctx.store.one("SELECT organization_id FROM locations WHERE id = ?", (location_id,))
    if row is None:
        raise NotFound(f"location {location_id!r} not found: check the id (list_locations shows them)")
    org_id = str(row["organization_id"])
    if ident.kind == LOCATION_SECRET and ident.location_id == location_id and by_secret:
        return org_id
    if ident.kind == API_KEY:
        orgs = _location_orgs(ctx.store, location_id, org_id) if shared else [org_id]
        roles = _key_roles(ctx.store, ident.subject, "organization", orgs)
        roles |= _key_roles(ctx.store, ident.subject, "location", [location_id])
        if _allowed(roles, write):
            return org_id
    raise _denied(f"location {location_id!r}")


def require_robot(
    ctx: EmulatorContext, ident: Identity, robot_id: str, *, write: bool = False
) -> tuple[str, str]:
    """Check that ``ident`` may use machine ``robot_id``; returns (org id, location id)."""
    if not robot_id:
        raise InvalidArgument("a machine (robot) id is required")
    row = ctx.store.one(
        "SELECT r.location_id, l.organization_id FROM robots r JOIN locations l ON l.id = r.location_id "
        "WHERE r.id = ?",
        (robot_id,),
    )
    if row is None:
        raise NotFound(f"machine (robot) {robot_id!r} not found: check the id (list_robots shows them)")
    org_id, location_id = str(row["organization_id"]), str(row["location_id"])
    if _reaches_robot(ctx, ident, org_id, location_id, robot_id, write):
        return org_id, location_id
    if ident.kind == PART_SECRET and not write:
        part = ctx.store.one("SELECT robot_id FROM robot_parts WHERE id = ?", (ident.part_id,))
        if part is not None and part["robot_id"] == robot_id:
            return org_id, location_id
    raise _denied(f"machine (robot) {robot_id!r}")


def _reaches_robot(
    ctx: EmulatorContext, ident: Identity, org_id: str, location_id: str, robot_id: str, write: bool
) -> bool:
    if ident.kind == LOCATION_SECRET:
        return ident.location_id == location_id
    if ident.kind == API_KEY:
        roles = _key_roles(
            ctx.store, ident.subject, "organization", _location_orgs(ctx.store, location_id, org_id)
        )
        roles |= _key_roles(ctx.store, ident.subject, "location", [location_id])
        roles |= _key_roles(ctx.store, ident.subject, "robot", [robot_id])
        return _allowed(roles, write)
    return False


def require_part(
    ctx: EmulatorContext, ident: Identity, part_id: str, *, write: bool = False
) -> tuple[str, str, str]:
    """Check that ``ident`` may use machine part ``part_id``; returns (org id, location id, robot id)."""
    if not part_id:
        raise InvalidArgument("a machine part id is required")
    row = ctx.store.one(
        "SELECT p.robot_id, r.location_id, l.organization_id FROM robot_parts p "
        "JOIN robots r ON r.id = p.robot_id JOIN locations l ON l.id = r.location_id WHERE p.id = ?",
        (part_id,),
    )
    if row is None:
        raise NotFound(f"machine part {part_id!r} not found: check the id (get_robot_parts shows them)")
    org_id, location_id, robot_id = str(row["organization_id"]), str(row["location_id"]), str(row["robot_id"])
    if ident.kind == PART_SECRET and ident.part_id == part_id and not write:
        return org_id, location_id, robot_id
    if _reaches_robot(ctx, ident, org_id, location_id, robot_id, write):
        return org_id, location_id, robot_id
    raise _denied(f"machine part {part_id!r}")


def visible_org_ids(ctx: EmulatorContext, ident: Identity) -> set[str]:
    """The organizations whose data ``ident`` may see."""
    store = ctx.store
    if ident.kind == API_KEY:
        rows = store.all(
            "SELECT DISTINCT organization_id FROM api_key_authorizations WHERE api_key_id = ?",
            (ident.subject,),
        )
        return {str(r["organization_id"]) for r in rows}
    if ident.kind == LOCATION_SECRET:
        row = store.one("SELECT organization_id FROM locations WHERE id = ?", (ident.location_id,))
        return set() if row is None else {str(row["organization_id"])}
    row = store.one(
        "SELECT l.organization_id FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
        "JOIN locations l ON l.id = r.location_id WHERE p.id = ?",
        (ident.part_id,),
    )
    return set() if row is None else {str(row["organization_id"])}
