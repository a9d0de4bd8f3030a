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

from viam_api._runtime import ServiceBase
from viam_api.rpc.v1 import AuthenticateRequest, AuthenticateResponse, AuthServiceBase

from ..backends.credentials import API_KEY, LOCATION_SECRET, PART_SECRET, CredentialsBackend
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
        creds_backend = CredentialsBackend(self.ctx.store)
        if creds.type == API_KEY:
            subject = request.entity
            credential_id = creds_backend.check_api_key(subject, creds.payload)
        elif creds.type == LOCATION_SECRET:
            subject = location_id_from_entity(request.entity)
            credential_id = creds_backend.check_location_secret(subject, creds.payload)
        elif creds.type == PART_SECRET:
            found = creds_backend.check_part_secret(request.entity, creds.payload)
            subject, credential_id = found if found is not None else ("", None)
        else:
            raise InvalidArgument(
                f"unsupported credential type {creds.type!r} "
                f"(use {API_KEY!r}, {LOCATION_SECRET!r} or {PART_SECRET!r})",
            )
        if credential_id is None:
            raise Unauthenticated(_BAD_CREDENTIALS)
        token = creds_backend.issue_token(
            creds.type, subject, credential_id=credential_id, created_at=self.ctx.now_iso(), ttl=self.ctx.token_ttl
        )
        return AuthenticateResponse(access_token=token)


def create_services(ctx: EmulatorContext) -> list[ServiceBase]:
    return [AuthService(ctx)]
