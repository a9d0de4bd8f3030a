"""Pieces shared by the AppService modules: errors, row -> message converters, paging."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from typing import Any

from grpclib.exceptions import GRPCError
from viam_api.app.v1 import (
    Location,
    LocationAuth,
    LocationOrganization,
    OnlineState,
    Organization,
    OrganizationIdentity,
    Robot,
    RobotPart,
    SharedSecret,
    SharedSecretState,
    StorageConfig,
)
from viam_api.google.protobuf import Struct

from ..auth import PART_SECRET, Identity, require_location, require_part
from ..context import EmulatorContext, parse_iso
from ..errors import InvalidArgument, NotFound
from ..errors import fail as fail  # re-exported: the app handlers import it from here
from ..store import Store
from ..structs import dict_to_struct, struct_to_dict

__all__ = [
    "AppPart",
    "fail",
    "load_json",
    "location_message",
    "location_messages",
    "organization_message",
    "page_offset",
    "part_message",
    "require_name",
    "robot_message",
    "sees_location_secrets",
    "sees_part_secrets",
]


class AppPart:
    """Base of the AppService pieces: they all share one context."""

    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    @property
    def store(self) -> Store:
        return self.ctx.store


def require_name(value: str, what: str) -> str:
    """A non-blank name, stripped (INVALID_ARGUMENT otherwise)."""
    name = value.strip()
    if not name:
        raise InvalidArgument(f"{what} must not be empty (got {value!r})")
    return name


def load_json(text: str | None) -> Any:
    return json.loads(text) if text else {}


def metadata_struct(text: str | None) -> Struct:
    return dict_to_struct(load_json(text))


def metadata_json(data: Struct | None) -> str:
    return json.dumps(struct_to_dict(data), sort_keys=True)


_TOKEN = re.compile(r"^[0-9]{1,12}$")


def page_offset(token: str | None) -> int:
    """The number a page token carries (0 for '' or None: the first page)."""
    if not token:
        return 0
    if not _TOKEN.match(token):
        raise InvalidArgument(f"page token {token!r} is not one this server issued")
    return int(token)


def dns_label(name: str) -> str:
    """A name made safe for a DNS label (lowercase letters, digits, dashes)."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return label or "part"


def organization_message(row: sqlite3.Row) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        created_on=parse_iso(row["created_at"]),
        public_namespace=row["public_namespace"],
        default_region=row["default_region"],
        cid=row["cid"] or None,
    )


def shared_secret(row: sqlite3.Row) -> SharedSecret:
    return SharedSecret(
        id=row["id"],
        secret=row["secret"],
        created_on=parse_iso(row["created_at"]),
        state=SharedSecretState.STATE_ENABLED,
    )


# -- who sees which secrets -----------------------------------------------------------
#
# A secret is a credential: showing it to a caller who could not do what it
# allows would widen that caller's reach.  So a location's secrets go only to
# callers who may change the location (an owner key, the location's own
# secret), a part's secrets only to callers who may change the part, or to
# that part's own secret.  An operator key or a sibling part's secret sees
# the objects with their secret fields empty.


def sees_location_secrets(ctx: EmulatorContext, ident: Identity, location_id: str) -> bool:
    try:
        require_location(ctx, ident, location_id, write=True)
    except GRPCError:
        return False
    return True


def sees_part_secrets(ctx: EmulatorContext, ident: Identity, part_id: str) -> bool:
    if ident.kind == PART_SECRET:
        return ident.part_id == part_id
    try:
        require_part(ctx, ident, part_id, write=True)
    except GRPCError:
        return False
    return True


def location_auth(store: Store, location_id: str, *, reveal: bool = True) -> LocationAuth:
    """A location's secrets (none with ``reveal=False``: see :func:`sees_location_secrets`)."""
    if not reveal:
        return LocationAuth(location_id=location_id, secrets=[])
    rows = store.all(
        "SELECT id, secret, created_at FROM location_secrets WHERE location_id = ? ORDER BY created_at, rowid",
        (location_id,),
    )
    secrets = [shared_secret(r) for r in rows]
    # The single ``secret`` field is deprecated upstream: only the list is filled.
    return LocationAuth(location_id=location_id, secrets=secrets)


def location_message(store: Store, row: sqlite3.Row, *, reveal: bool = True) -> Location:
    return location_messages(store, [row], reveal={str(row["id"])} if reveal else set())[0]


def _grouped(store: Store, sql: str, ids: list[str]) -> dict[str, list[sqlite3.Row]]:
    """Rows of ``sql`` (which selects ``key`` first, filtered by ``IN ({marks})``) by key."""
    found: dict[str, list[sqlite3.Row]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in store.all(sql.format(marks=",".join("?" * len(chunk))), chunk):
            found.setdefault(str(r[0]), []).append(r)
    return found


def location_messages(store: Store, rows: list[sqlite3.Row], *, reveal: set[str]) -> list[Location]:
    """Locations as the API shows them, read in a few queries whatever their number.

    ``reveal`` holds the ids whose secrets the caller may see (:func:`sees_location_secrets`).
    """
    ids = [str(r["id"]) for r in rows]
    shares = _grouped(
        store,
        "SELECT location_id, organization_id FROM location_shares WHERE location_id IN ({marks}) "
        "ORDER BY organization_id",
        ids,
    )
    counts = _grouped(
        store, "SELECT location_id, COUNT(*) AS n FROM robots WHERE location_id IN ({marks}) GROUP BY location_id", ids
    )
    shown = [i for i in ids if i in reveal]
    secrets = _grouped(
        store,
        "SELECT location_id, id, secret, created_at FROM location_secrets WHERE location_id IN ({marks}) "
        "ORDER BY created_at, rowid",
        shown,
    )
    owners = sorted({str(r["organization_id"]) for r in rows})
    names = {k: str(v[0]["name"]) for k, v in _grouped(store, "SELECT id, name FROM organizations WHERE id IN ({marks})", owners).items()}
    out: list[Location] = []
    for row, location_id in zip(rows, ids, strict=True):
        owner = str(row["organization_id"])
        orgs = [LocationOrganization(organization_id=owner, primary=True)]
        orgs += [
            LocationOrganization(organization_id=str(s["organization_id"]), primary=False)
            for s in shares.get(location_id, [])
        ]
        count = counts.get(location_id)
        # The single ``secret`` field is deprecated upstream: only the list is filled.
        auth = LocationAuth(location_id=location_id, secrets=[shared_secret(r) for r in secrets.get(location_id, [])])
        out.append(
            Location(
                id=location_id,
                name=row["name"],
                parent_location_id=row["parent_location_id"],
                auth=auth,
                organizations=orgs,
                created_on=parse_iso(row["created_at"]),
                robot_count=int(count[0]["n"]) if count else 0,
                config=StorageConfig(region=row["region"]),
                primary_org_identity=OrganizationIdentity(id=owner, name=names.get(owner, "")),
            )
        )
    return out


ONLINE_WINDOW_S = 60


def online_state(last_access: str | None, now: datetime | None) -> tuple[OnlineState, int]:
    """Online when seen within the last minute; awaiting setup when never seen."""
    seen = parse_iso(last_access)
    if seen is None:
        return OnlineState.ONLINE_STATE_AWAITING_SETUP, 0
    if now is None:
        return OnlineState.ONLINE_STATE_UNSPECIFIED, 0
    ago = max(0, int((now - seen).total_seconds()))
    return (
        OnlineState.ONLINE_STATE_ONLINE if ago <= ONLINE_WINDOW_S else OnlineState.ONLINE_STATE_OFFLINE
    ), ago


def robot_message(row: sqlite3.Row, now: datetime | None = None) -> Robot:
    state, ago = online_state(row["last_access"], now)
    return Robot(
        id=row["id"],
        name=row["name"],
        location=row["location_id"],
        last_access=parse_iso(row["last_access"]),
        created_on=parse_iso(row["created_at"]),
        online_state=state,
        seconds_since_online=ago,
    )


def part_message(
    store: Store, row: sqlite3.Row, now: datetime | None = None, *, reveal: bool = True
) -> RobotPart:
    """A part as the API shows it; ``reveal=False`` leaves its secrets out (:func:`sees_part_secrets`)."""
    part_id = str(row["id"])
    location = store.one("SELECT location_id FROM robots WHERE id = ?", (row["robot_id"],))
    secrets = (
        [
            shared_secret(r)
            for r in store.all(
                "SELECT id, secret, created_at FROM part_secrets WHERE part_id = ? ORDER BY created_at, rowid",
                (part_id,),
            )
        ]
        if reveal
        else []
    )
    config = load_json(row["robot_config"])
    state, ago = online_state(row["last_access"], now)
    return RobotPart(
        id=part_id,
        name=row["name"],
        dns_name=row["dns_name"],
        secret=secrets[0].secret if secrets else "",
        robot=row["robot_id"],
        location_id=str(location["location_id"]) if location else "",
        robot_config=dict_to_struct(config),
        last_access=parse_iso(row["last_access"]),
        user_supplied_info=dict_to_struct(load_json(row["user_supplied_info"])),
        main_part=bool(row["main_part"]),
        fqdn=row["fqdn"],
        local_fqdn=row["local_fqdn"],
        created_on=parse_iso(row["created_at"]),
        secrets=secrets,
        last_updated=parse_iso(row["last_updated"]),
        robot_config_json=json.dumps(config, sort_keys=True),
        online_state=state,
        seconds_since_online=ago,
    )


# -- authorizations (roles) ----------------------------------------------------------

ROLES = ("owner", "operator")
RESOURCE_TYPES = ("organization", "location", "robot")


def parse_authorization(store: Store, auth: Any, *, org_id: str | None = None) -> tuple[str, str, str, str]:
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


# -- cascading deletes ------------------------------------------------------------------


def delete_part_rows(db: sqlite3.Connection, part_id: str) -> None:
    for sql in (
        "DELETE FROM part_secrets WHERE part_id = ?",
        "DELETE FROM robot_part_logs WHERE part_id = ?",
        "DELETE FROM robot_part_history WHERE part_id = ?",
        "DELETE FROM access_tokens WHERE kind = 'robot-secret' AND subject = ?",
        "DELETE FROM robot_parts WHERE id = ?",
    ):
        db.execute(sql, (part_id,))


def delete_robot_rows(db: sqlite3.Connection, robot_id: str) -> None:
    for row in db.execute("SELECT id FROM robot_parts WHERE robot_id = ?", (robot_id,)).fetchall():
        delete_part_rows(db, str(row["id"]))
    db.execute(
        "DELETE FROM api_key_authorizations WHERE resource_type = 'robot' AND resource_id = ?", (robot_id,)
    )
    db.execute(
        "DELETE FROM user_authorizations WHERE resource_type = 'robot' AND resource_id = ?", (robot_id,)
    )
    db.execute("DELETE FROM robots WHERE id = ?", (robot_id,))


def delete_location_rows(db: sqlite3.Connection, location_id: str) -> None:
    for row in db.execute("SELECT id FROM robots WHERE location_id = ?", (location_id,)).fetchall():
        delete_robot_rows(db, str(row["id"]))
    for sql in (
        "DELETE FROM location_secrets WHERE location_id = ?",
        "DELETE FROM location_shares WHERE location_id = ?",
        "DELETE FROM access_tokens WHERE kind = 'robot-location-secret' AND subject = ?",
        "DELETE FROM api_key_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM user_authorizations WHERE resource_type = 'location' AND resource_id = ?",
        "DELETE FROM locations WHERE id = ?",
    ):
        db.execute(sql, (location_id,))
