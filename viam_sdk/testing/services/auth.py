"""AuthService: trade an API key or a secret for a bearer access token.

Credential types (``Credentials.type``) and what ``entity`` must be:

* ``"api-key"`` -- entity is the API key id, payload the key;
* ``"robot-location-secret"`` -- entity is the location id, or a location
  address such as ``my-machine.<location id>.viam.cloud``; payload is one of
  the location's secrets;
* ``"robot-secret"`` -- entity is the machine part id (or its fqdn); payload is
  the part's secret.

A wrong key or secret answers UNAUTHENTICATED, an unknown type INVALID_ARGUMENT.
"""

from __future__ import annotations

from typing import cast

from viam_api._runtime import ServiceBase
from viam_api.rpc.v1 import AuthenticateRequest, AuthenticateResponse, AuthServiceBase

from ..auth import API_KEY, LOCATION_SECRET, PART_SECRET, CredentialKind, check_secret, issue_token
from ..context import EmulatorContext
from ..errors import InvalidArgument, Unauthenticated

SCHEMA = ""

_BAD_CREDENTIALS = "invalid credentials"


def location_id_from_entity(entity: str) -> str:
    """The location id inside a location address (or the entity itself)."""
    name = entity.strip()
    for suffix in (".local.viam.cloud", ".viam.cloud"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.rsplit(".", 1)[-1]


class AuthService(AuthServiceBase):
    def __init__(self, ctx: EmulatorContext) -> None:
        self.ctx = ctx

    async def authenticate(self, request: AuthenticateRequest) -> AuthenticateResponse:
        creds = request.credentials
        if creds is None or not creds.type:
            raise InvalidArgument("credentials with a type are required")
        if not request.entity:
            raise InvalidArgument("an entity is required")
        store = self.ctx.store
        if creds.type == API_KEY:
            row = store.one("SELECT salt, digest FROM api_keys WHERE id = ?", (request.entity,))
            if row is None or not check_secret(creds.payload, row["salt"], row["digest"]):
                raise Unauthenticated(_BAD_CREDENTIALS)
            subject = request.entity
        elif creds.type == LOCATION_SECRET:
            subject = location_id_from_entity(request.entity)
            rows = store.all("SELECT salt, digest FROM location_secrets WHERE location_id = ?", (subject,))
            if not any(check_secret(creds.payload, r["salt"], r["digest"]) for r in rows):
                raise Unauthenticated(_BAD_CREDENTIALS)
        elif creds.type == PART_SECRET:
            part = store.one(
                "SELECT id FROM robot_parts WHERE id = ? OR fqdn = ?", (request.entity, request.entity)
            )
            if part is None:
                raise Unauthenticated(_BAD_CREDENTIALS)
            subject = str(part["id"])
            rows = store.all("SELECT salt, digest FROM part_secrets WHERE part_id = ?", (subject,))
            if not any(check_secret(creds.payload, r["salt"], r["digest"]) for r in rows):
                raise Unauthenticated(_BAD_CREDENTIALS)
        else:
            raise InvalidArgument(
                f"unsupported credential type {creds.type!r} "
                f"(use {API_KEY!r}, {LOCATION_SECRET!r} or {PART_SECRET!r})",
            )
        kind = cast(CredentialKind, creds.type)
        token = issue_token(store, kind, subject, self.ctx.now_iso(), ttl=self.ctx.token_ttl)
        return AuthenticateResponse(access_token=token)


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [AuthService(ctx)]
