"""``AppClient``: fleet management over ``viam.app.v1.AppService``.

Organizations, locations, machines ("robots") and their parts, configs, logs,
fragments, roles, API keys, registry items and modules.  Each method is one
call to the generated async stub; this module adds what a person wants on top:
plain dicts for configs, datetimes for times, the location-ID fallback, log
paging and live tails, and atomic writes to ``dest`` files.

Get one from a connected ``ViamClient``::

    fleet = viam.app_client
    location = await fleet.create_location(org_id, "lab")
    machine_id = await fleet.new_robot("rover", location_id=location.id)
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

from grpclib.client import Channel
from typing_extensions import Self
from viam_api.app.packages.v1 import PackageType
from viam_api.app.v1 import AddRoleRequest as _AddRoleRequest
from viam_api.app.v1 import (
    APIKeyWithAuthorizations,
    AppServiceStub,
    AuthenticatorInfo,
    Authorization,
    AuthorizedPermissions,
    ChangeRoleRequest,
    CheckPermissionsRequest,
    CreateFragmentRequest,
    CreateKeyFromExistingKeyAuthorizationsRequest,
    CreateKeyRequest,
    CreateLocationRequest,
    CreateLocationSecretRequest,
    CreateModuleRequest,
    CreateOrganizationInviteRequest,
    CreateOrganizationRequest,
    CreateRegistryItemRequest,
    CreateRobotPartSecretRequest,
    DeleteFragmentRequest,
    DeleteKeyRequest,
    DeleteLocationRequest,
    DeleteLocationSecretRequest,
    DeleteOrganizationInviteRequest,
    DeleteOrganizationMemberRequest,
    DeleteOrganizationRequest,
    DeleteRegistryItemRequest,
    DeleteRobotPartRequest,
    DeleteRobotPartSecretRequest,
    DeleteRobotRequest,
    FragmentVisibility,
    GetFragmentHistoryRequest,
    GetFragmentRequest,
    GetLocationRequest,
    GetModuleRequest,
    GetOrganizationNamespaceAvailabilityRequest,
    GetOrganizationRequest,
    GetOrganizationsWithAccessToLocationRequest,
    GetRegistryItemRequest,
    GetRobotAPIKeysRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartLogsRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    GetRobotRequest,
    GetRoverRentalRobotsRequest,
    GetUserIDByEmailRequest,
    ListAuthorizationsRequest,
    ListFragmentsRequest,
    ListKeysRequest,
    ListLocationsRequest,
    ListModulesRequest,
    ListOrganizationMembersRequest,
    ListOrganizationsByUserRequest,
    ListOrganizationsRequest,
    ListRegistryItemsRequest,
    ListRobotsRequest,
    Location,
    LocationAuth,
    LocationAuthRequest,
    MarkPartAsMainRequest,
    MarkPartForRestartRequest,
    Model,
    Module,
    ModuleFileInfo,
    NewRobotPartRequest,
    NewRobotRequest,
    Organization,
    OrganizationIdentity,
    OrganizationInvite,
    OrganizationMember,
    OrgDetails,
    RegistryItem,
    RegistryItemStatus,
    RemoveRoleRequest,
    ResendOrganizationInviteRequest,
    Robot,
    RotateKeyRequest,
    RoverRentalRobot,
    SharedSecret,
    ShareLocationRequest,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
    UnshareLocationRequest,
    UpdateFragmentRequest,
    UpdateLocationRequest,
    UpdateModuleRequest,
    UpdateOrganizationInviteAuthorizationsRequest,
    UpdateOrganizationRequest,
    UpdateRegistryItemRequest,
    UpdateRobotPartRequest,
    UpdateRobotRequest,
    UploadModuleFileRequest,
    Visibility,
)
from viam_api.app.v1 import Fragment as _FragmentPB
from viam_api.app.v1 import FragmentHistoryEntry as _FragmentHistoryEntryPB
from viam_api.app.v1 import RobotPart as _RobotPartPB
from viam_api.app.v1 import RobotPartHistoryEntry as _RobotPartHistoryEntryPB
from viam_api.common.v1 import LogEntry as _LogEntryPB

from viam_sdk._files import atomic_open
from viam_sdk.app._common import dict_to_struct, resolve_location_id, struct_to_dict

__all__ = [
    "APIKeyAuthorization",
    "AppClient",
    "Fragment",
    "FragmentHistoryEntry",
    "LogEntry",
    "LogsStream",
    "RobotPart",
    "RobotPartHistoryEntry",
]

T = TypeVar("T")

Role = Literal["owner", "operator"]
ResourceType = Literal["organization", "location", "robot"]
_ROLES: tuple[str, ...] = ("owner", "operator")
_RESOURCE_TYPES: tuple[str, ...] = ("organization", "location", "robot")

# Bytes per message when a module file is streamed to the app.
UPLOAD_CHUNK_SIZE = 64 * 1024


# --- SDK-side types ------------------------------------------------------------


@dataclass
class RobotPart:
    """A machine part, with its config as a plain dict and its times as datetimes.

    ``secret`` (the part's legacy secret) and ``secrets`` are masked in ``repr``.
    """

    id: str
    name: str
    dns_name: str
    secret: str = field(repr=False)
    robot: str
    location_id: str
    robot_config: dict[str, Any] | None
    last_access: datetime | None
    user_supplied_info: dict[str, Any] | None
    main_part: bool
    fqdn: str
    local_fqdn: str
    created_on: datetime | None
    secrets: list[SharedSecret] = field(repr=False)
    last_updated: datetime | None

    @classmethod
    def from_proto(cls, robot_part: _RobotPartPB) -> Self:
        """The SDK view of a ``viam.app.v1.RobotPart`` message."""
        return cls(
            id=robot_part.id,
            name=robot_part.name,
            dns_name=robot_part.dns_name,
            secret=robot_part.secret,
            robot=robot_part.robot,
            location_id=robot_part.location_id,
            robot_config=struct_to_dict(robot_part.robot_config) if robot_part.robot_config is not None else None,
            last_access=robot_part.last_access,
            user_supplied_info=(
                struct_to_dict(robot_part.user_supplied_info)
                if robot_part.user_supplied_info is not None
                else None
            ),
            main_part=robot_part.main_part,
            fqdn=robot_part.fqdn,
            local_fqdn=robot_part.local_fqdn,
            created_on=robot_part.created_on,
            secrets=list(robot_part.secrets),
            last_updated=robot_part.last_updated,
        )

    @property
    def proto(self) -> _RobotPartPB:
        """This part as a ``viam.app.v1.RobotPart`` message."""
        return _RobotPartPB(
            id=self.id,
            name=self.name,
            dns_name=self.dns_name,
            secret=self.secret,
            robot=self.robot,
            location_id=self.location_id,
            robot_config=dict_to_struct(self.robot_config) if self.robot_config is not None else None,
            last_access=self.last_access,
            user_supplied_info=(
                dict_to_struct(self.user_supplied_info) if self.user_supplied_info is not None else None
            ),
            main_part=self.main_part,
            fqdn=self.fqdn,
            local_fqdn=self.local_fqdn,
            created_on=self.created_on,
            secrets=list(self.secrets),
            last_updated=self.last_updated,
        )


@dataclass
class LogEntry:
    """One log line of a machine part; ``caller`` and ``fields`` as plain dicts."""

    host: str
    level: str
    time: datetime | None
    logger_name: str
    message: str
    caller: dict[str, Any] | None
    stack: str
    fields: list[dict[str, Any]]

    @classmethod
    def from_proto(cls, log_entry: _LogEntryPB) -> Self:
        """The SDK view of a ``viam.common.v1.LogEntry`` message."""
        return cls(
            host=log_entry.host,
            level=log_entry.level,
            time=log_entry.time,
            logger_name=log_entry.logger_name,
            message=log_entry.message,
            caller=struct_to_dict(log_entry.caller) if log_entry.caller is not None else None,
            stack=log_entry.stack,
            fields=[struct_to_dict(item) for item in log_entry.fields],
        )

    @property
    def proto(self) -> _LogEntryPB:
        """This entry as a ``viam.common.v1.LogEntry`` message."""
        return _LogEntryPB(
            host=self.host,
            level=self.level,
            time=self.time,
            logger_name=self.logger_name,
            message=self.message,
            caller=dict_to_struct(self.caller) if self.caller is not None else None,
            stack=self.stack,
            fields=[dict_to_struct(item) for item in self.fields],
        )

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (time as ISO 8601 text); one line of a ``dest`` log file."""
        return {
            "time": self.time.isoformat() if self.time is not None else None,
            "level": self.level,
            "logger_name": self.logger_name,
            "message": self.message,
            "host": self.host,
            "caller": self.caller,
            "stack": self.stack,
            "fields": self.fields,
        }


@dataclass
class RobotPartHistoryEntry:
    """One earlier state of a machine part: who changed it, when, and what it was."""

    part: str
    robot: str
    when: datetime | None
    old: RobotPart | None
    edited_by: AuthenticatorInfo | None

    @classmethod
    def from_proto(cls, entry: _RobotPartHistoryEntryPB) -> Self:
        """The SDK view of a ``viam.app.v1.RobotPartHistoryEntry`` message."""
        return cls(
            part=entry.part,
            robot=entry.robot,
            when=entry.when,
            old=RobotPart.from_proto(entry.old) if entry.old is not None else None,
            edited_by=entry.edited_by,
        )

    @property
    def proto(self) -> _RobotPartHistoryEntryPB:
        return _RobotPartHistoryEntryPB(
            part=self.part,
            robot=self.robot,
            when=self.when,
            old=self.old.proto if self.old is not None else None,
            edited_by=self.edited_by,
        )


@dataclass
class Fragment:
    """A reusable piece of machine config; ``fragment`` holds the config as a dict."""

    class Visibility(str, Enum):
        """Who may see a fragment."""

        PRIVATE = "private"
        PUBLIC = "public"
        PUBLIC_UNLISTED = "public_unlisted"

        @classmethod
        def from_proto(cls, visibility: FragmentVisibility) -> Fragment.Visibility:
            if visibility == FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC:
                return cls.PUBLIC
            if visibility == FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED:
                return cls.PUBLIC_UNLISTED
            return cls.PRIVATE

        def to_proto(self) -> FragmentVisibility:
            return {
                "private": FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE,
                "public": FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
                "public_unlisted": FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
            }[self.value]

    id: str
    name: str
    fragment: dict[str, Any] | None
    organization_owner: str
    public: bool
    created_on: datetime | None
    organization_name: str
    robot_part_count: int
    organization_count: int
    only_used_by_owner: bool
    visibility: Fragment.Visibility
    last_updated: datetime | None

    @classmethod
    def from_proto(cls, fragment: _FragmentPB) -> Self:
        """The SDK view of a ``viam.app.v1.Fragment`` message."""
        return cls(
            id=fragment.id,
            name=fragment.name,
            fragment=struct_to_dict(fragment.fragment) if fragment.fragment is not None else None,
            organization_owner=fragment.organization_owner,
            public=fragment.public,
            created_on=fragment.created_on,
            organization_name=fragment.organization_name,
            robot_part_count=fragment.robot_part_count,
            organization_count=fragment.organization_count,
            only_used_by_owner=fragment.only_used_by_owner,
            visibility=Fragment.Visibility.from_proto(fragment.visibility),
            last_updated=fragment.last_updated,
        )

    @property
    def proto(self) -> _FragmentPB:
        """This fragment as a ``viam.app.v1.Fragment`` message."""
        return _FragmentPB(
            id=self.id,
            name=self.name,
            fragment=dict_to_struct(self.fragment) if self.fragment is not None else None,
            organization_owner=self.organization_owner,
            public=self.public,
            created_on=self.created_on,
            organization_name=self.organization_name,
            robot_part_count=self.robot_part_count,
            organization_count=self.organization_count,
            only_used_by_owner=self.only_used_by_owner,
            visibility=self.visibility.to_proto(),
            last_updated=self.last_updated,
        )


@dataclass
class FragmentHistoryEntry:
    """One earlier version of a fragment."""

    fragment: str
    edited_on: datetime | None
    old: Fragment | None
    edited_by: AuthenticatorInfo | None

    @classmethod
    def from_proto(cls, entry: _FragmentHistoryEntryPB) -> Self:
        return cls(
            fragment=entry.fragment,
            edited_on=entry.edited_on,
            old=Fragment.from_proto(entry.old) if entry.old is not None else None,
            edited_by=entry.edited_by,
        )


@dataclass
class APIKeyAuthorization:
    """What a new API key may do: a role on one organization, location or machine."""

    role: Role
    resource_type: ResourceType
    resource_id: str


class LogsStream(Generic[T]):
    """Live log batches of a machine part: ``async for batch in stream`` or ``await stream.next()``.

    The subscription starts with the first read.  ``close()`` ends it.
    """

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source
        self._done = False

    def __aiter__(self) -> LogsStream[T]:
        return self

    async def __anext__(self) -> T:
        if self._done:
            raise StopAsyncIteration
        try:
            return await self._source.__anext__()
        except StopAsyncIteration:
            self._done = True
            raise

    async def next(self) -> T | None:
        """The next batch, or None when the stream has ended."""
        try:
            return await self.__anext__()
        except StopAsyncIteration:
            return None

    async def close(self) -> None:
        """Stop receiving logs (ends the call)."""
        self._done = True
        closer = getattr(self._source, "aclose", None)
        if closer is not None:
            await closer()


# The seed's name for the stream type.
_LogsStream = LogsStream


async def _log_batches(responses: AsyncIterator[TailRobotPartLogsResponse]) -> AsyncIterator[list[LogEntry]]:
    try:
        async for response in responses:
            yield [LogEntry.from_proto(entry) for entry in response.logs]
    finally:
        closer = getattr(responses, "aclose", None)
        if closer is not None:
            await closer()


def _check_literal(argument: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        choices = ", ".join(repr(item) for item in allowed)
        raise ValueError(f"{argument} must be one of {choices}, not {value!r}")


def _role_authorization(
    *,
    organization_id: str,
    identity_id: str,
    identity_type: str,
    role: str,
    resource_type: str,
    resource_id: str,
    prefix: str = "",
) -> Authorization:
    """A role grant as the app expects it; ValueError for a role or resource type outside the literals."""
    _check_literal(f"{prefix}role", role, _ROLES)
    _check_literal(f"{prefix}resource_type", resource_type, _RESOURCE_TYPES)
    return Authorization(
        authorization_type="role",
        authorization_id=f"{resource_type}_{role}",
        resource_type=resource_type,
        resource_id=resource_id,
        identity_id=identity_id,
        organization_id=organization_id,
        identity_type=identity_type,
    )


# --- the client -----------------------------------------------------------------


class AppClient:
    """Async client of the Viam app's fleet-management API.

    Made by ``ViamClient.app_client``; shares its channel and auth header.
    ``location_id`` is the default for methods whose ``location_id`` is left
    None (``ViamClient`` sets it when it connected with a location secret).
    """

    def __init__(self, channel: Channel, metadata: Mapping[str, str], location_id: str | None = None) -> None:
        self._channel = channel
        self._metadata = metadata
        self._location_id = location_id
        self._app_client = AppServiceStub(channel, metadata=metadata)

    def __repr__(self) -> str:
        return f"<AppClient location_id={self._location_id!r}>"

    def _location(self, location_id: str | None) -> str:
        return resolve_location_id(location_id, self._location_id)

    # -- users and organizations --

    async def get_user_id_by_email(self, email: str) -> str:
        """The ID of the user with this email address.

        Example::

            user_id = await fleet.get_user_id_by_email("ada@example.com")
        """
        response = await self._app_client.get_user_id_by_email(GetUserIDByEmailRequest(email=email))
        return response.user_id

    async def create_organization(self, name: str) -> Organization:
        """Create an organization named ``name`` and return it."""
        response = await self._app_client.create_organization(CreateOrganizationRequest(name=name))
        assert response.organization is not None
        return response.organization

    async def list_organizations(self) -> list[Organization]:
        """Every organization the caller may see."""
        response = await self._app_client.list_organizations(ListOrganizationsRequest())
        return list(response.organizations)

    async def get_organizations_with_access_to_location(self, location_id: str) -> list[OrganizationIdentity]:
        """The organizations a location belongs to or is shared with."""
        response = await self._app_client.get_organizations_with_access_to_location(
            GetOrganizationsWithAccessToLocationRequest(location_id=location_id)
        )
        return list(response.organization_identities)

    async def list_organizations_by_user(self, user_id: str) -> list[OrgDetails]:
        """The organizations a user is a member of."""
        response = await self._app_client.list_organizations_by_user(ListOrganizationsByUserRequest(user_id=user_id))
        return list(response.orgs)

    async def get_organization(self, org_id: str) -> Organization:
        """One organization by ID.

        Raises:
            GRPCError: NOT_FOUND for an unknown ID, PERMISSION_DENIED outside the caller's reach.
        """
        response = await self._app_client.get_organization(GetOrganizationRequest(organization_id=org_id))
        assert response.organization is not None
        return response.organization

    async def get_organization_namespace_availability(self, public_namespace: str) -> bool:
        """Whether a public namespace is still free.

        Raises:
            GRPCError: INVALID_ARGUMENT for an empty or malformed namespace.
        """
        response = await self._app_client.get_organization_namespace_availability(
            GetOrganizationNamespaceAvailabilityRequest(public_namespace=public_namespace)
        )
        return response.available

    async def update_organization(
        self,
        org_id: str,
        name: str | None = None,
        public_namespace: str | None = None,
        region: str | None = None,
        cid: str | None = None,
    ) -> Organization:
        """Change an organization's details; arguments left None stay as they are."""
        response = await self._app_client.update_organization(
            UpdateOrganizationRequest(
                organization_id=org_id, name=name, public_namespace=public_namespace, region=region, cid=cid
            )
        )
        assert response.organization is not None
        return response.organization

    async def delete_organization(self, org_id: str) -> None:
        """Delete an organization."""
        await self._app_client.delete_organization(DeleteOrganizationRequest(organization_id=org_id))

    async def list_organization_members(
        self, org_id: str
    ) -> tuple[list[OrganizationMember], list[OrganizationInvite]]:
        """The organization's members and its pending invites, as two lists.

        Example::

            members, invites = await fleet.list_organization_members(org_id)
        """
        response = await self._app_client.list_organization_members(
            ListOrganizationMembersRequest(organization_id=org_id)
        )
        return list(response.members), list(response.invites)

    async def create_organization_invite(
        self,
        org_id: str,
        email: str,
        authorizations: list[Authorization] | None = None,
        send_email_invite: bool = True,
    ) -> OrganizationInvite:
        """Invite someone by email; without ``authorizations`` the invite grants ownership.

        With ``send_email_invite=False`` no email goes out and the person gets
        the access the next time they sign in.
        """
        response = await self._app_client.create_organization_invite(
            CreateOrganizationInviteRequest(
                organization_id=org_id,
                email=email,
                authorizations=list(authorizations or ()),
                send_email_invite=send_email_invite,
            )
        )
        assert response.invite is not None
        return response.invite

    async def update_organization_invite_authorizations(
        self,
        org_id: str,
        email: str,
        add_authorizations: list[Authorization] | None = None,
        remove_authorizations: list[Authorization] | None = None,
    ) -> OrganizationInvite:
        """Add authorizations to, or remove them from, a pending invite."""
        response = await self._app_client.update_organization_invite_authorizations(
            UpdateOrganizationInviteAuthorizationsRequest(
                organization_id=org_id,
                email=email,
                add_authorizations=list(add_authorizations or ()),
                remove_authorizations=list(remove_authorizations or ()),
            )
        )
        assert response.invite is not None
        return response.invite

    async def delete_organization_member(self, org_id: str, user_id: str) -> None:
        """Remove a member from an organization."""
        await self._app_client.delete_organization_member(
            DeleteOrganizationMemberRequest(organization_id=org_id, user_id=user_id)
        )

    async def delete_organization_invite(self, org_id: str, email: str) -> None:
        """Withdraw a pending invite."""
        await self._app_client.delete_organization_invite(
            DeleteOrganizationInviteRequest(organization_id=org_id, email=email)
        )

    async def resend_organization_invite(self, org_id: str, email: str) -> OrganizationInvite:
        """Send a pending invite's email again."""
        response = await self._app_client.resend_organization_invite(
            ResendOrganizationInviteRequest(organization_id=org_id, email=email)
        )
        assert response.invite is not None
        return response.invite

    # -- locations --

    async def create_location(self, org_id: str, name: str, parent_location_id: str | None = None) -> Location:
        """Create a location, at the top level or under ``parent_location_id``.

        Example::

            lab = await fleet.create_location(org_id, "lab")
        """
        response = await self._app_client.create_location(
            CreateLocationRequest(organization_id=org_id, name=name, parent_location_id=parent_location_id)
        )
        assert response.location is not None
        return response.location

    async def get_location(self, location_id: str | None = None) -> Location:
        """A location; ``location_id`` defaults to the client's location.

        Raises:
            ValueError: no location ID given and the client has none.
        """
        response = await self._app_client.get_location(GetLocationRequest(location_id=self._location(location_id)))
        assert response.location is not None
        return response.location

    async def update_location(
        self, location_id: str, name: str | None = None, parent_location_id: str | None = None
    ) -> Location:
        """Rename a location and/or move it under another parent (``""`` moves it to the top)."""
        response = await self._app_client.update_location(
            UpdateLocationRequest(location_id=location_id, name=name, parent_location_id=parent_location_id)
        )
        assert response.location is not None
        return response.location

    async def delete_location(self, location_id: str) -> None:
        """Delete a location."""
        await self._app_client.delete_location(DeleteLocationRequest(location_id=location_id))

    async def list_locations(self, org_id: str) -> list[Location]:
        """Every location of an organization."""
        response = await self._app_client.list_locations(ListLocationsRequest(organization_id=org_id))
        return list(response.locations)

    async def share_location(self, organization_id: str, location_id: str) -> None:
        """Give another organization access to a location."""
        await self._app_client.share_location(
            ShareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def unshare_location(self, organization_id: str, location_id: str) -> None:
        """Take back another organization's access to a location."""
        await self._app_client.unshare_location(
            UnshareLocationRequest(location_id=location_id, organization_id=organization_id)
        )

    async def location_auth(self, location_id: str | None = None) -> LocationAuth:
        """A location's secrets; ``location_id`` defaults to the client's location."""
        response = await self._app_client.location_auth(LocationAuthRequest(location_id=self._location(location_id)))
        assert response.auth is not None
        return response.auth

    async def create_location_secret(self, location_id: str | None = None) -> LocationAuth:
        """Add a secret to a location; returns all of its secrets."""
        response = await self._app_client.create_location_secret(
            CreateLocationSecretRequest(location_id=self._location(location_id))
        )
        assert response.auth is not None
        return response.auth

    async def delete_location_secret(self, secret_id: str, location_id: str | None = None) -> None:
        """Remove one secret of a location."""
        await self._app_client.delete_location_secret(
            DeleteLocationSecretRequest(location_id=self._location(location_id), secret_id=secret_id)
        )

    # -- machines and parts --

    async def get_robot(self, robot_id: str) -> Robot:
        """One machine by ID."""
        response = await self._app_client.get_robot(GetRobotRequest(id=robot_id))
        assert response.robot is not None
        return response.robot

    async def get_rover_rental_robots(self, org_id: str) -> list[RoverRentalRobot]:
        """The rental rovers of an organization."""
        response = await self._app_client.get_rover_rental_robots(GetRoverRentalRobotsRequest(org_id=org_id))
        return list(response.robots)

    async def get_robot_parts(self, robot_id: str) -> list[RobotPart]:
        """Every part of a machine."""
        response = await self._app_client.get_robot_parts(GetRobotPartsRequest(robot_id=robot_id))
        return [RobotPart.from_proto(part) for part in response.parts]

    async def get_robot_part(self, robot_part_id: str, dest: str | None = None, indent: int = 4) -> RobotPart:
        """One machine part; with ``dest``, its config is also saved there as JSON.

        The file is written atomically (a temporary file beside it, then a
        rename), so an earlier file at ``dest`` survives any failure whole.

        Raises:
            FileNotFoundError: ``dest``'s folder does not exist (nothing is written).

        Example::

            part = await fleet.get_robot_part(part_id, dest="part.json")
        """
        response = await self._app_client.get_robot_part(GetRobotPartRequest(id=robot_part_id))
        assert response.part is not None
        part = RobotPart.from_proto(response.part)
        if dest is not None:
            config: Any = json.loads(response.config_json) if response.config_json else (part.robot_config or {})
            with atomic_open(dest, "w") as out:
                json.dump(config, out, indent=indent)
                out.write("\n")
        return part

    async def get_robot_part_logs(
        self,
        robot_part_id: str,
        filter: str | None = None,
        dest: str | None = None,
        log_levels: Sequence[str] = (),
        num_log_entries: int = 100,
    ) -> list[LogEntry]:
        """A part's stored logs, following page tokens until ``num_log_entries`` (0: all).

        Args:
            robot_part_id: the part.
            filter: keep only entries whose message contains this text.
            dest: also save the entries there, one JSON object per line (atomically).
            log_levels: keep only these levels ("info", "error", ...); empty keeps all.
            num_log_entries: how many entries at most; 0 for every stored entry.

        Raises:
            ValueError: ``num_log_entries`` is negative.
            FileNotFoundError: ``dest``'s folder does not exist.

        Example::

            errors = await fleet.get_robot_part_logs(part_id, log_levels=("error",), num_log_entries=20)
        """
        if num_log_entries < 0:
            raise ValueError(f"num_log_entries must be 0 (all) or more, not {num_log_entries}")
        if isinstance(log_levels, str):
            raise ValueError(f"log_levels must be a sequence of level names, not the string {log_levels!r}")
        entries: list[LogEntry] = []
        page_token = ""
        while True:
            response = await self._app_client.get_robot_part_logs(
                GetRobotPartLogsRequest(
                    id=robot_part_id, filter=filter, page_token=page_token, levels=list(log_levels)
                )
            )
            entries.extend(LogEntry.from_proto(entry) for entry in response.logs)
            if num_log_entries and len(entries) >= num_log_entries:
                del entries[num_log_entries:]
                break
            if not response.next_page_token or response.next_page_token == page_token:
                break
            page_token = response.next_page_token
        if dest is not None:
            with atomic_open(dest, "w") as out:
                for entry in entries:
                    out.write(json.dumps(entry.to_json_dict(), sort_keys=True) + "\n")
        return entries

    async def tail_robot_part_logs(
        self, robot_part_id: str, errors_only: bool = True, filter: str | None = None
    ) -> LogsStream[list[LogEntry]]:
        """A live stream of a part's new log entries, in batches.

        Example::

            stream = await fleet.tail_robot_part_logs(part_id, errors_only=False)
            async for batch in stream:
                for entry in batch:
                    print(entry.level, entry.message)
        """
        responses = self._app_client.tail_robot_part_logs(
            TailRobotPartLogsRequest(id=robot_part_id, errors_only=errors_only, filter=filter)
        )
        return LogsStream(_log_batches(responses))

    async def get_robot_part_history(self, robot_part_id: str) -> list[RobotPartHistoryEntry]:
        """Earlier states of a part, one entry per change."""
        response = await self._app_client.get_robot_part_history(GetRobotPartHistoryRequest(id=robot_part_id))
        return [RobotPartHistoryEntry.from_proto(entry) for entry in response.history]

    async def update_robot_part(
        self, robot_part_id: str, name: str, robot_config: Mapping[str, Any] | None = None
    ) -> RobotPart:
        """Rename a part and, when ``robot_config`` is given, replace its config.

        Example::

            part = await fleet.update_robot_part(part_id, "main", robot_config={"components": []})
        """
        response = await self._app_client.update_robot_part(
            UpdateRobotPartRequest(
                id=robot_part_id,
                name=name,
                robot_config=dict_to_struct(robot_config) if robot_config is not None else None,
            )
        )
        assert response.part is not None
        return RobotPart.from_proto(response.part)

    async def new_robot_part(self, robot_id: str, part_name: str) -> str:
        """Add a part to a machine; returns the new part's ID."""
        response = await self._app_client.new_robot_part(NewRobotPartRequest(robot_id=robot_id, part_name=part_name))
        return response.part_id

    async def delete_robot_part(self, robot_part_id: str) -> None:
        """Delete a machine part."""
        await self._app_client.delete_robot_part(DeleteRobotPartRequest(part_id=robot_part_id))

    async def get_robot_api_keys(self, robot_id: str) -> list[APIKeyWithAuthorizations]:
        """The API keys that reach a machine."""
        response = await self._app_client.get_robot_api_keys(GetRobotAPIKeysRequest(robot_id=robot_id))
        return list(response.api_keys)

    async def mark_part_as_main(self, robot_part_id: str) -> None:
        """Make a part its machine's main part."""
        await self._app_client.mark_part_as_main(MarkPartAsMainRequest(part_id=robot_part_id))

    async def mark_part_for_restart(self, robot_part_id: str) -> None:
        """Ask a part to restart."""
        await self._app_client.mark_part_for_restart(MarkPartForRestartRequest(part_id=robot_part_id))

    async def create_robot_part_secret(self, robot_part_id: str) -> RobotPart:
        """Add a secret to a part; returns the part with its secrets."""
        response = await self._app_client.create_robot_part_secret(CreateRobotPartSecretRequest(part_id=robot_part_id))
        assert response.part is not None
        return RobotPart.from_proto(response.part)

    async def delete_robot_part_secret(self, robot_part_id: str, secret_id: str) -> None:
        """Remove one secret of a part."""
        await self._app_client.delete_robot_part_secret(
            DeleteRobotPartSecretRequest(part_id=robot_part_id, secret_id=secret_id)
        )

    async def list_robots(self, location_id: str | None = None) -> list[Robot]:
        """The machines of a location; ``location_id`` defaults to the client's location."""
        response = await self._app_client.list_robots(ListRobotsRequest(location_id=self._location(location_id)))
        return list(response.robots)

    async def new_robot(self, name: str, location_id: str | None = None) -> str:
        """Create a machine; returns its ID.  ``location_id`` defaults to the client's location.

        Example::

            machine_id = await fleet.new_robot("rover", location_id=lab.id)
        """
        response = await self._app_client.new_robot(NewRobotRequest(name=name, location=self._location(location_id)))
        return response.id

    async def update_robot(self, robot_id: str, name: str, location_id: str | None = None) -> Robot:
        """Rename a machine (in its location; ``location_id`` defaults to the client's)."""
        response = await self._app_client.update_robot(
            UpdateRobotRequest(id=robot_id, name=name, location=self._location(location_id))
        )
        assert response.robot is not None
        return response.robot

    async def delete_robot(self, robot_id: str) -> None:
        """Delete a machine and its parts."""
        await self._app_client.delete_robot(DeleteRobotRequest(id=robot_id))

    # -- fragments --

    async def list_fragments(self, org_id: str, show_public: bool = True) -> list[Fragment]:
        """An organization's fragments (``show_public`` as the app interprets it)."""
        response = await self._app_client.list_fragments(
            ListFragmentsRequest(organization_id=org_id, show_public=show_public)
        )
        return [Fragment.from_proto(fragment) for fragment in response.fragments]

    async def get_fragment(self, fragment_id: str) -> Fragment:
        """One fragment by ID."""
        response = await self._app_client.get_fragment(GetFragmentRequest(id=fragment_id))
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def create_fragment(self, org_id: str, name: str, config: Mapping[str, Any] | None = None) -> Fragment:
        """Create a private fragment, optionally with a config.

        Example::

            frag = await fleet.create_fragment(org_id, "camera-kit", {"components": [{"name": "cam"}]})
        """
        response = await self._app_client.create_fragment(
            CreateFragmentRequest(
                name=name,
                config=dict_to_struct(config) if config is not None else None,
                organization_id=org_id,
            )
        )
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def update_fragment(
        self,
        fragment_id: str,
        name: str,
        config: Mapping[str, Any] | None = None,
        public: bool | None = None,
    ) -> Fragment:
        """Rename a fragment; replace its config and/or visibility when given."""
        response = await self._app_client.update_fragment(
            UpdateFragmentRequest(
                id=fragment_id,
                name=name,
                config=dict_to_struct(config) if config is not None else None,
                public=public,
            )
        )
        assert response.fragment is not None
        return Fragment.from_proto(response.fragment)

    async def delete_fragment(self, fragment_id: str) -> None:
        """Delete a fragment."""
        await self._app_client.delete_fragment(DeleteFragmentRequest(id=fragment_id))

    async def get_fragment_history(
        self, id: str, page_token: str | None = "", page_limit: int | None = 10
    ) -> list[FragmentHistoryEntry]:
        """One page of a fragment's earlier versions (newest first)."""
        response = await self._app_client.get_fragment_history(
            GetFragmentHistoryRequest(id=id, page_token=page_token, page_limit=page_limit)
        )
        return [FragmentHistoryEntry.from_proto(entry) for entry in response.history]

    # -- roles and permissions --

    async def add_role(
        self,
        org_id: str,
        identity_id: str,
        role: Literal["owner", "operator"],
        resource_type: Literal["organization", "location", "robot"],
        resource_id: str,
    ) -> None:
        """Grant ``identity_id`` a role on an organization, location or machine.

        Raises:
            ValueError: ``role`` or ``resource_type`` is not one of the allowed words
                (checked before anything is sent).

        Example::

            await fleet.add_role(org_id, user_id, "operator", "location", lab.id)
        """
        authorization = _role_authorization(
            organization_id=org_id,
            identity_id=identity_id,
            identity_type="",
            role=role,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        await self._app_client.add_role(_AddRoleRequest(authorization=authorization))

    async def remove_role(
        self,
        org_id: str,
        identity_id: str,
        role: Literal["owner", "operator"],
        resource_type: Literal["organization", "location", "robot"],
        resource_id: str,
    ) -> None:
        """Take a role away (same arguments and checks as ``add_role``)."""
        authorization = _role_authorization(
            organization_id=org_id,
            identity_id=identity_id,
            identity_type="",
            role=role,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        await self._app_client.remove_role(RemoveRoleRequest(authorization=authorization))

    async def change_role(
        self,
        organization_id: str,
        old_identity_id: str,
        old_role: Literal["owner", "operator"],
        old_resource_type: Literal["organization", "location", "robot"],
        old_resource_id: str,
        new_identity_id: str,
        new_role: Literal["owner", "operator"],
        new_resource_type: Literal["organization", "location", "robot"],
        new_resource_id: str,
    ) -> None:
        """Replace one role grant with another in a single call.

        Raises:
            ValueError: a role or resource type is not one of the allowed words.
        """
        old = _role_authorization(
            organization_id=organization_id,
            identity_id=old_identity_id,
            identity_type="",
            role=old_role,
            resource_type=old_resource_type,
            resource_id=old_resource_id,
            prefix="old_",
        )
        new = _role_authorization(
            organization_id=organization_id,
            identity_id=new_identity_id,
            identity_type="",
            role=new_role,
            resource_type=new_resource_type,
            resource_id=new_resource_id,
            prefix="new_",
        )
        await self._app_client.change_role(ChangeRoleRequest(old_authorization=old, new_authorization=new))

    async def list_authorizations(self, org_id: str, resource_ids: list[str] | None = None) -> list[Authorization]:
        """The role grants of an organization, or only those on ``resource_ids``."""
        response = await self._app_client.list_authorizations(
            ListAuthorizationsRequest(organization_id=org_id, resource_ids=list(resource_ids or ()))
        )
        return list(response.authorizations)

    async def check_permissions(self, permissions: list[AuthorizedPermissions]) -> list[AuthorizedPermissions]:
        """The subset of ``permissions`` the caller actually holds."""
        response = await self._app_client.check_permissions(CheckPermissionsRequest(permissions=list(permissions)))
        return list(response.authorized_permissions)

    # -- registry items and modules --

    async def get_registry_item(self, item_id: str) -> RegistryItem:
        """One registry item by ID (``namespace:name``)."""
        response = await self._app_client.get_registry_item(GetRegistryItemRequest(item_id=item_id))
        assert response.item is not None
        return response.item

    async def create_registry_item(self, organization_id: str, name: str, type: PackageType) -> None:
        """Create a registry item of the given package type."""
        await self._app_client.create_registry_item(
            CreateRegistryItemRequest(organization_id=organization_id, name=name, type=type)
        )

    async def update_registry_item(
        self, item_id: str, type: PackageType, description: str, visibility: Visibility
    ) -> None:
        """Change a registry item's type, description and visibility."""
        await self._app_client.update_registry_item(
            UpdateRegistryItemRequest(item_id=item_id, type=type, description=description, visibility=visibility)
        )

    async def list_registry_items(
        self,
        organization_id: str,
        types: list[PackageType],
        visibilities: list[Visibility],
        platforms: list[str],
        statuses: list[RegistryItemStatus],
        search_term: str | None = None,
        page_token: str | None = None,
    ) -> list[RegistryItem]:
        """An organization's registry items matching every filter given (empty lists match all)."""
        response = await self._app_client.list_registry_items(
            ListRegistryItemsRequest(
                organization_id=organization_id,
                types=list(types),
                visibilities=list(visibilities),
                platforms=list(platforms),
                statuses=list(statuses),
                search_term=search_term,
                page_token=page_token,
            )
        )
        return list(response.items)

    async def delete_registry_item(self, item_id: str) -> None:
        """Delete a registry item."""
        await self._app_client.delete_registry_item(DeleteRegistryItemRequest(item_id=item_id))

    async def create_module(self, org_id: str, name: str) -> tuple[str, str]:
        """Create a module; returns its ID and URL."""
        response = await self._app_client.create_module(CreateModuleRequest(organization_id=org_id, name=name))
        return response.module_id, response.url

    async def update_module(
        self,
        module_id: str,
        url: str,
        description: str,
        models: list[Model] | None,
        entrypoint: str,
        public: bool = False,
    ) -> str:
        """Set a module's docs URL, description, models, entrypoint and visibility; returns its URL."""
        response = await self._app_client.update_module(
            UpdateModuleRequest(
                module_id=module_id,
                visibility=Visibility.VISIBILITY_PUBLIC if public else Visibility.VISIBILITY_PRIVATE,
                url=url,
                description=description,
                models=list(models or ()),
                entrypoint=entrypoint,
            )
        )
        return response.url

    async def upload_module_file(self, module_file_info: ModuleFileInfo | None, file: bytes) -> str:
        """Upload a build of a module (streamed in 64 KiB pieces); returns the file's URL."""

        async def messages() -> AsyncIterator[UploadModuleFileRequest]:
            if module_file_info is not None:
                yield UploadModuleFileRequest(module_file_info=module_file_info)
            view = memoryview(file)
            for start in range(0, len(view), UPLOAD_CHUNK_SIZE):
                yield UploadModuleFileRequest(file=bytes(view[start : start + UPLOAD_CHUNK_SIZE]))

        response = await self._app_client.upload_module_file(messages())
        return response.url

    async def get_module(self, module_id: str) -> Module:
        """One module by ID."""
        response = await self._app_client.get_module(GetModuleRequest(module_id=module_id))
        assert response.module is not None
        return response.module

    async def list_modules(self, org_id: str) -> list[Module]:
        """An organization's modules."""
        response = await self._app_client.list_modules(ListModulesRequest(organization_id=org_id))
        return list(response.modules)

    # -- API keys --

    async def create_key(
        self, org_id: str, authorizations: list[APIKeyAuthorization], name: str | None = None
    ) -> tuple[str, str]:
        """Create an API key; returns the key and its ID.  ``name`` defaults to the current time.

        Raises:
            ValueError: an authorization's role or resource type is not allowed.

        Example::

            key, key_id = await fleet.create_key(
                org_id, [APIKeyAuthorization(role="operator", resource_type="location", resource_id=lab.id)])
        """
        grants = [
            _role_authorization(
                organization_id=org_id,
                identity_id="",
                identity_type="api-key",
                role=item.role,
                resource_type=item.resource_type,
                resource_id=item.resource_id,
            )
            for item in authorizations
        ]
        key_name = name if name is not None else time.strftime("%Y-%m-%dT%H:%M:%S")
        response = await self._app_client.create_key(CreateKeyRequest(authorizations=grants, name=key_name))
        return response.key, response.id

    async def delete_key(self, id: str) -> None:
        """Delete an API key."""
        await self._app_client.delete_key(DeleteKeyRequest(id=id))

    async def create_key_from_existing_key_authorizations(self, id: str) -> tuple[str, str]:
        """Create a key with the same authorizations as key ``id``; returns the key and its ID."""
        response = await self._app_client.create_key_from_existing_key_authorizations(
            CreateKeyFromExistingKeyAuthorizationsRequest(id=id)
        )
        return response.key, response.id

    async def list_keys(self, org_id: str) -> list[APIKeyWithAuthorizations]:
        """An organization's API keys with what each may do."""
        response = await self._app_client.list_keys(ListKeysRequest(org_id=org_id))
        return list(response.api_keys)

    async def rotate_key(self, id: str) -> tuple[str, str]:
        """Replace a key's secret; returns the new key and its ID."""
        response = await self._app_client.rotate_key(RotateKeyRequest(id=id))
        return response.key, response.id
