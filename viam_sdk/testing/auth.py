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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from grpclib.exceptions import GRPCError
from viam_api._runtime import current_stream

from .backends.credentials import API_KEY, LOCATION_SECRET, PART_SECRET, CredentialsBackend
from .errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from .store import Store

if TYPE_CHECKING:
    from .context import EmulatorContext

__all__ = [
    "API_KEY",
    "LOCATION_SECRET",
    "PART_SECRET",
    "Identity",
    "caller",
    "identify",
    "require_location",
    "require_org",
    "require_part",
    "require_robot",
    "verified",
    "visible_org_ids",
]

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


class verified:
    """``with verified(ident):`` -- within the block, :func:`caller` answers ``ident`` (checked before the handler ran).

    A class rather than a generator context manager: it wraps every call.
    """

    __slots__ = ("_ident", "_token")

    def __init__(self, ident: Identity) -> None:
        self._ident = ident

    def __enter__(self) -> None:
        self._token = _verified.set(self._ident)

    def __exit__(self, *exc: object) -> None:
        _verified.reset(self._token)


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
    owner = CredentialsBackend(ctx.store).token_owner(token.strip())
    if owner is None:
        raise Unauthenticated("the access token is not valid (unknown, or the key or secret it came from was deleted)")
    if owner.expired:
        raise Unauthenticated("the access token has expired: authenticate again")
    if owner.kind == API_KEY:
        return Identity(API_KEY, owner.subject, org_id=owner.org_id)
    if owner.kind == LOCATION_SECRET:
        return Identity(LOCATION_SECRET, owner.subject, location_id=owner.subject)
    return Identity(PART_SECRET, owner.subject, part_id=owner.subject)


# -- access checks -------------------------------------------------------------------


def _denied(what: str) -> GRPCError:
    return PermissionDenied(f"the caller has no access to {what}: check the id, or use an API key with a role there")


def _key_roles(store: Store, key_id: str, resource_type: str, resource_ids: list[str]) -> set[str]:
    if not resource_ids:
        return set()
    marks = ",".join("?" * len(resource_ids))
    rows = store.cached_all(
        f"SELECT role FROM api_key_authorizations WHERE api_key_id = ? AND resource_type = ? "
        f"AND resource_id IN ({marks})",
        (key_id, resource_type, *resource_ids),
    )
    return {str(r["role"]) for r in rows}


def _allowed(roles: set[str], write: bool) -> bool:
    return ROLE_OWNER in roles if write else bool(roles)


def _location_orgs(store: Store, location_id: str, owner_org: str) -> list[str]:
    shared = store.cached_all("SELECT organization_id FROM location_shares WHERE location_id = ?", (location_id,))
    return [owner_org, *(str(r["organization_id"]) for r in shared)]


def require_org(ctx: EmulatorContext, ident: Identity, org_id: str, *, write: bool = False) -> None:
    """Check that ``ident`` may use organization ``org_id`` (``write``: needs the owner role)."""
    if not org_id:
        raise InvalidArgument("an organization id is required")
    if ctx.store.cached_one("SELECT 1 FROM organizations WHERE id = ?", (org_id,)) is None:
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
    row = ctx.store.cached_one("SELECT organization_id FROM locations WHERE id = ?", (location_id,))
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
    row = ctx.store.cached_one(
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
        part = ctx.store.cached_one("SELECT robot_id FROM robot_parts WHERE id = ?", (ident.part_id,))
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
    row = ctx.store.cached_one(
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
        rows = store.cached_all(
            "SELECT DISTINCT organization_id FROM api_key_authorizations WHERE api_key_id = ?",
            (ident.subject,),
        )
        return {str(r["organization_id"]) for r in rows}
    if ident.kind == LOCATION_SECRET:
        row = store.cached_one("SELECT organization_id FROM locations WHERE id = ?", (ident.location_id,))
        return set() if row is None else {str(row["organization_id"])}
    row = store.cached_one(
        "SELECT l.organization_id FROM robot_parts p JOIN robots r ON r.id = p.robot_id "
        "JOIN locations l ON l.id = r.location_id WHERE p.id = ?",
        (ident.part_id,),
    )
    return set() if row is None else {str(row["organization_id"])}
