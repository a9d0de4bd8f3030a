"""The SDK-side types of ``AppClient`` (re-exported by ``viam_sdk.app.app_client``).

Machine parts, log entries, fragments and their histories as dataclasses with
plain-dict configs and datetimes; the live log stream; what an API key may do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

from typing_extensions import Self
from viam_api.app.v1 import (
    AuthenticatorInfo,
    FragmentVisibility,
    OnlineState,
    SharedSecret,
)
from viam_api.app.v1 import Fragment as _FragmentPB
from viam_api.app.v1 import FragmentHistoryEntry as _FragmentHistoryEntryPB
from viam_api.app.v1 import RobotPart as _RobotPartPB
from viam_api.app.v1 import RobotPartHistoryEntry as _RobotPartHistoryEntryPB
from viam_api.common.v1 import LogEntry as _LogEntryPB

from viam_sdk.app._convert import dict_to_struct, naive_utc, struct_to_dict

T = TypeVar("T")

Role = Literal["owner", "operator"]
ResourceType = Literal["organization", "location", "robot"]


@dataclass
class RobotPart:
    """A machine part, with its config as a plain dict and its times as datetimes.

    ``secret`` (the part's legacy secret) and ``secrets`` are masked in ``repr``.
    What the part methods of ``AppClient`` return; not the generated message of the
    same name (``viam_sdk.proto.app.RobotPart``).  Beyond viam-sdk 0.85.1's fields it
    carries the message's ``online_state`` and ``seconds_since_online``: a part that
    pushed logs or fetched its config is ``ONLINE_STATE_ONLINE``, one never heard
    from ``ONLINE_STATE_AWAITING_SETUP`` (its machine's: ``AppClient.get_robot``).
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
    online_state: OnlineState = OnlineState.ONLINE_STATE_UNSPECIFIED
    seconds_since_online: int = 0

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
            last_access=naive_utc(robot_part.last_access),
            user_supplied_info=(
                struct_to_dict(robot_part.user_supplied_info)
                if robot_part.user_supplied_info is not None
                else None
            ),
            main_part=robot_part.main_part,
            fqdn=robot_part.fqdn,
            local_fqdn=robot_part.local_fqdn,
            created_on=naive_utc(robot_part.created_on),
            secrets=list(robot_part.secrets),
            last_updated=naive_utc(robot_part.last_updated),
            online_state=robot_part.online_state,
            seconds_since_online=robot_part.seconds_since_online,
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
            online_state=self.online_state,
            seconds_since_online=self.seconds_since_online,
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
            time=naive_utc(log_entry.time),
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
            when=naive_utc(entry.when),
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
        # Not set (FRAGMENT_VISIBILITY_UNSPECIFIED): kept so that from_proto/to_proto round-trip exactly.
        UNSPECIFIED = "unspecified"

        @classmethod
        def from_proto(cls, visibility: FragmentVisibility) -> Fragment.Visibility:
            """The member for a proto value; an unset or unknown value is UNSPECIFIED."""
            return _VISIBILITY_FROM_PROTO.get(int(visibility), cls.UNSPECIFIED)

        def to_proto(self) -> FragmentVisibility:
            return {
                "private": FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE,
                "public": FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC,
                "public_unlisted": FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED,
                "unspecified": FragmentVisibility.FRAGMENT_VISIBILITY_UNSPECIFIED,
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
            created_on=naive_utc(fragment.created_on),
            organization_name=fragment.organization_name,
            robot_part_count=fragment.robot_part_count,
            organization_count=fragment.organization_count,
            only_used_by_owner=fragment.only_used_by_owner,
            visibility=Fragment.Visibility.from_proto(fragment.visibility),
            last_updated=naive_utc(fragment.last_updated),
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


_VISIBILITY_FROM_PROTO: dict[int, Fragment.Visibility] = {
    int(FragmentVisibility.FRAGMENT_VISIBILITY_PRIVATE): Fragment.Visibility.PRIVATE,
    int(FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC): Fragment.Visibility.PUBLIC,
    int(FragmentVisibility.FRAGMENT_VISIBILITY_PUBLIC_UNLISTED): Fragment.Visibility.PUBLIC_UNLISTED,
}


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
            edited_on=naive_utc(entry.edited_on),
            old=Fragment.from_proto(entry.old) if entry.old is not None else None,
            edited_by=entry.edited_by,
        )

    @property
    def proto(self) -> _FragmentHistoryEntryPB:
        """This entry as a ``viam.app.v1.FragmentHistoryEntry`` message."""
        return _FragmentHistoryEntryPB(
            fragment=self.fragment,
            edited_on=self.edited_on,
            old=self.old.proto if self.old is not None else None,
            edited_by=self.edited_by,
        )


@dataclass
class APIKeyAuthorization:
    """What a new API key may do: a role on one organization, location or machine."""

    role: Role
    resource_type: ResourceType
    resource_id: str


class LogsStream(Generic[T]):
    """Live log batches of a machine part: ``async for batch in stream`` or ``await stream.next()``.

    The subscription is in place when ``tail_robot_part_logs`` returns the
    stream, so no entry pushed after that is missed.  ``close()`` ends it.
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
