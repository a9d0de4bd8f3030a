"""Pieces shared by the AppService modules: errors, row -> message converters, paging."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
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
from ..backends.credentials import CredentialsBackend, SecretRow
from ..backends.locations import LocationRow, LocationView
from ..backends.machines import PartRow, RobotRow, machine_location

# Re-exported: the robots and access handlers import these from here.
from ..backends.machines import delete_location_rows as delete_location_rows
from ..backends.machines import delete_part_rows as delete_part_rows
from ..backends.machines import delete_robot_rows as delete_robot_rows
from ..backends.machines import dns_label as dns_label
from ..backends.orgs import RESOURCE_TYPES as RESOURCE_TYPES
from ..backends.orgs import ROLES as ROLES
from ..backends.orgs import OrgRow
from ..backends.orgs import parse_authorization as parse_authorization
from ..backends.orgs import resource_org as resource_org
from ..context import EmulatorContext, parse_iso
from ..errors import InvalidArgument
from ..errors import fail as fail  # re-exported: the app handlers import it from here
from ..store import Store
from ..structs import dict_to_struct, struct_to_dict

__all__ = [
    "AppPart",
    "fail",
    "load_json",
    "location_messages",
    "organization_message",
    "page_offset",
    "part_message",
    "MAX_NAME_CHARS",
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

    @property
    def credentials(self) -> CredentialsBackend:
        """API keys, secrets and tokens (every piece mints or revokes some)."""
        return CredentialsBackend(self.ctx.store)


#: The longest name (of an organization, location, machine, part, fragment, ...) taken, in characters.
MAX_NAME_CHARS = 1_000


def require_name(value: str, what: str) -> str:
    """A non-blank name of at most ``MAX_NAME_CHARS`` characters, stripped (INVALID_ARGUMENT otherwise)."""
    if len(value) > MAX_NAME_CHARS:
        raise InvalidArgument(
            f"{what} {value[:40]!r}... is {len(value):,} characters long, over the limit of {MAX_NAME_CHARS:,}"
        )
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


def organization_message(org: OrgRow) -> Organization:
    return Organization(
        id=org.id,
        name=org.name,
        created_on=parse_iso(org.created_at),
        public_namespace=org.public_namespace,
        default_region=org.default_region,
        cid=org.cid or None,
    )


def shared_secret(row: SecretRow) -> SharedSecret:
    return SharedSecret(
        id=row.id,
        secret=row.secret,
        created_on=parse_iso(row.created_at),
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


def location_auth(location_id: str, secrets: Sequence[SecretRow]) -> LocationAuth:
    """A location's secrets as the API shows them (give none to a caller who may not see them)."""
    # The single ``secret`` field is deprecated upstream: only the list is filled.
    return LocationAuth(location_id=location_id, secrets=[shared_secret(s) for s in secrets])


def location_messages(views: Sequence[LocationView]) -> list[Location]:
    """Locations as the API shows them (secrets only where the backend was told to reveal them)."""
    out: list[Location] = []
    for view in views:
        row: LocationRow = view.location
        orgs = [LocationOrganization(organization_id=row.organization_id, primary=True)]
        orgs += [LocationOrganization(organization_id=org_id, primary=False) for org_id in view.shared_with]
        out.append(
            Location(
                id=row.id,
                name=row.name,
                parent_location_id=row.parent_location_id,
                auth=location_auth(row.id, view.secrets),
                organizations=orgs,
                created_on=parse_iso(row.created_at),
                robot_count=view.robot_count,
                config=StorageConfig(region=row.region),
                primary_org_identity=OrganizationIdentity(id=row.organization_id, name=view.owner_name),
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


def robot_message(row: RobotRow, now: datetime | None = None) -> Robot:
    state, ago = online_state(row.last_access, now)
    return Robot(
        id=row.id,
        name=row.name,
        location=row.location_id,
        last_access=parse_iso(row.last_access),
        created_on=parse_iso(row.created_at),
        online_state=state,
        seconds_since_online=ago,
    )


def part_message(store: Store, row: PartRow, now: datetime | None = None, *, reveal: bool = True) -> RobotPart:
    """A part as the API shows it; ``reveal=False`` leaves its secrets out (:func:`sees_part_secrets`)."""
    location = machine_location(store, row.robot_id)
    secrets = [shared_secret(r) for r in CredentialsBackend(store).part_secrets(row.id)] if reveal else []
    config = load_json(row.robot_config)
    state, ago = online_state(row.last_access, now)
    return RobotPart(
        id=row.id,
        name=row.name,
        dns_name=row.dns_name,
        secret=secrets[0].secret if secrets else "",
        robot=row.robot_id,
        location_id=location or "",
        robot_config=dict_to_struct(config),
        last_access=parse_iso(row.last_access),
        user_supplied_info=dict_to_struct(load_json(row.user_supplied_info)),
        main_part=row.main_part,
        fqdn=row.fqdn,
        local_fqdn=row.local_fqdn,
        created_on=parse_iso(row.created_at),
        secrets=secrets,
        last_updated=parse_iso(row.last_updated),
        robot_config_json=json.dumps(config, sort_keys=True),
        online_state=state,
        seconds_since_online=ago,
    )
