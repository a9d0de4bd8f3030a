"""``AppClient`` methods for machines ("robots"), their parts, configs and logs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from viam_api.app.v1 import (
    AddFavoriteMachineRequest,
    APIKeyWithAuthorizations,
    ConfigPropertyChange,
    ConfigPropertyChangeResult,
    CreateRobotPartSecretRequest,
    DeleteRobotPartRequest,
    DeleteRobotPartSecretRequest,
    DeleteRobotRequest,
    FavoriteMachine,
    GetRobotAPIKeysRequest,
    GetRobotMetadataRequest,
    GetRobotPartHistoryRequest,
    GetRobotPartLogsRequest,
    GetRobotPartMetadataRequest,
    GetRobotPartRequest,
    GetRobotPartsRequest,
    GetRobotRequest,
    GetRoverRentalRobotsRequest,
    ListFavoriteMachinesRequest,
    ListRobotsForLocationsRequest,
    ListRobotsRequest,
    LogOrder,
    MarkPartAsMainRequest,
    MarkPartForRestartRequest,
    NewRobotPartRequest,
    NewRobotRequest,
    RemoveFavoriteMachineRequest,
    Robot,
    RoverRentalRobot,
    SetConfigPropertyRequest,
    TailRobotPartLogsRequest,
    TailRobotPartLogsResponse,
    UpdateRobotMetadataRequest,
    UpdateRobotPartMetadataRequest,
    UpdateRobotPartRequest,
    UpdateRobotRequest,
)
from viam_api.app.v1 import RobotPart as _RobotPartPB

from viam_sdk._files import atomic_open
from viam_sdk.app._app._base import AppClientBase
from viam_sdk.app._app.types import (
    LogEntry,
    LogsStream,
    RobotPart,
    RobotPartHistoryEntry,
)
from viam_sdk.app._common import dict_to_struct, python_to_value, struct_to_dict
from viam_sdk.progress import ProgressCallback, Reporter


async def _log_batches(responses: AsyncIterator[TailRobotPartLogsResponse]) -> AsyncIterator[list[LogEntry]]:
    try:
        async for response in responses:
            yield [LogEntry.from_proto(entry) for entry in response.logs]
    finally:
        closer = getattr(responses, "aclose", None)
        if closer is not None:
            await closer()


class Machines(AppClientBase):
    """Machines, their parts, part configs, secrets and logs."""

    async def get_robot(self, robot_id: str, *, timeout: float | None = None) -> Robot:
        """One machine by ID.

        Args:
            robot_id: the machine's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The ``Robot`` message (id, name, location, last access, ...).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.
            InvalidArgument: ``robot_id`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            rover = await fleet.get_robot(robot_id)
            print(rover.name, rover.location)
            ```
        """
        response = await self._app_client.get_robot(GetRobotRequest(id=robot_id))
        return response.robot if response.robot is not None else Robot()

    async def get_rover_rental_robots(
        self, org_id: str = "", *, timeout: float | None = None
    ) -> list[RoverRentalRobot]:
        """The rental rovers of an organization (without ``org_id``: the caller's only one).

        Args:
            org_id: the organization; ``""`` means the one organization the credentials belong to.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``RoverRentalRobot`` messages (the emulator rents none out, so it is empty there).

        Raises:
            ValueError: no ``org_id`` and the credentials reach no organization, or several.
            NotFound: no organization has that ID.
            PermissionDenied: the credentials do not reach the organization.

        Examples:
            ```python
            fleet = viam_client.app_client
            rovers = await fleet.get_rover_rental_robots(org_id)
            ```
        """
        org_id = await self._org(org_id, "get_rover_rental_robots")
        response = await self._app_client.get_rover_rental_robots(GetRoverRentalRobotsRequest(org_id=org_id))
        return list(response.robots)

    async def get_robot_parts(self, robot_id: str, *, timeout: float | None = None) -> list[RobotPart]:
        """Every part of a machine, the main part first.

        Args:
            robot_id: the machine's ID.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``RobotPart`` objects (secrets shown only to callers allowed to see them).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            parts = await fleet.get_robot_parts(robot_id)
            main = next(p for p in parts if p.main_part)
            ```
        """
        response = await self._app_client.get_robot_parts(GetRobotPartsRequest(robot_id=robot_id))
        return [RobotPart.from_proto(part) for part in response.parts]

    async def get_robot_part(
        self, robot_part_id: str, dest: str | None = None, indent: int = 4, *, timeout: float | None = None
    ) -> RobotPart:
        """One machine part; with ``dest``, its config is also saved there as JSON.

        The file is written atomically (a temporary file beside it, then a
        rename), so an earlier file at ``dest`` survives any failure whole.

        Args:
            robot_part_id: the part's ID.
            dest: a file path to write the part's config to as JSON; None writes nothing.
            indent: the JSON indentation (spaces) used for ``dest``.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The ``RobotPart`` (name, machine, config, secrets, FQDNs, ...).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            FileNotFoundError: ``dest``'s folder does not exist (nothing is written).

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.get_robot_part(part_id, dest="part.json")
            ```
        """
        response = await self._app_client.get_robot_part(GetRobotPartRequest(id=robot_part_id))
        part = RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())
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
        start: datetime | None = None,
        end: datetime | None = None,
        order: LogOrder | int | None = None,
        range: str | None = None,
        *,
        timeout: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> list[LogEntry]:
        """A part's stored logs, following page tokens until ``num_log_entries`` (0: all).

        Args:
            robot_part_id: the part.
            filter: keep only entries whose message contains this text.
            dest: also save the entries there, one JSON object per line (atomically).
            log_levels: keep only these levels ("info", "error", ...); empty keeps all.
            num_log_entries: how many entries at most; 0 for every stored entry.
            start: keep only entries logged at or after this time.
            end: keep only entries logged at or before this time.
            order: ``LogOrder.LOG_ORDER_ASCENDING`` for oldest first; newest first otherwise.
            range: a time range in the app's own notation, passed on as it is.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.
            progress: told the number of **entries** fetched so far, after each page
                (see ``viam_sdk.progress``); ``iter_robot_part_logs`` walks them without a list.

        Returns:
            A list of ``LogEntry`` objects (time, level, logger, message, fields), at most
            ``num_log_entries`` of them.

        Raises:
            ValueError: ``num_log_entries`` is negative, or ``log_levels`` is a single string.
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            FileNotFoundError: ``dest``'s folder does not exist.

        Examples:
            ```python
            fleet = viam_client.app_client
            errors = await fleet.get_robot_part_logs(part_id, log_levels=("error",), num_log_entries=20)
            ```
        """
        if num_log_entries < 0:
            raise ValueError(f"num_log_entries must be 0 (all) or more, not {num_log_entries}")
        if isinstance(log_levels, str):
            raise ValueError(f"log_levels must be a sequence of level names, not the string {log_levels!r}")
        entries: list[LogEntry] = []
        reporter = Reporter(progress)
        page_token = ""
        while True:
            response = await self._app_client.get_robot_part_logs(
                GetRobotPartLogsRequest(
                    id=robot_part_id,
                    filter=filter or "",
                    page_token=page_token,
                    levels=list(log_levels),
                    start=start,
                    end=end,
                    order=LogOrder(order) if order is not None else None,
                    range=range,
                )
            )
            entries.extend(LogEntry.from_proto(entry) for entry in response.logs)
            if num_log_entries and len(entries) >= num_log_entries:
                del entries[num_log_entries:]
            reporter.add(len(entries) - reporter.done)
            if num_log_entries and len(entries) >= num_log_entries:
                break
            if not response.next_page_token or response.next_page_token == page_token:
                break
            page_token = response.next_page_token
        if dest is not None:
            with atomic_open(dest, "w") as out:
                for entry in entries:
                    out.write(json.dumps(entry.to_json_dict(), sort_keys=True) + "\n")
        reporter.finish()
        return entries

    async def tail_robot_part_logs(
        self,
        robot_part_id: str,
        errors_only: bool = True,
        filter: str | None = None,
        *,
        timeout: float | None = None,
    ) -> LogsStream[list[LogEntry]]:
        """A live stream of a part's new log entries, in batches.

        The subscription is open once the call returns: entries the part logs from
        then on are delivered, even if the first read comes later.

        Args:
            robot_part_id: the part.
            errors_only: True keeps only error entries; False streams every level.
            filter: keep only entries whose message contains this text; None keeps all.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A ``LogsStream`` yielding lists of ``LogEntry`` (one list per batch the server sends);
            close it (or leave its ``async for``) to unsubscribe.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            stream = await fleet.tail_robot_part_logs(part_id, errors_only=False)
            async for batch in stream:
                for entry in batch:
                    print(entry.level, entry.message)
            ```
        """
        responses = self._app_client.tail_robot_part_logs(
            TailRobotPartLogsRequest(id=robot_part_id, errors_only=errors_only, filter=filter or "")
        )
        # Subscribed once this returns: an entry the part pushes from now on is
        # delivered, even if the first read comes later.
        await responses.start()
        return LogsStream(_log_batches(responses))

    async def get_robot_part_history(
        self,
        robot_part_id: str,
        start: datetime | None = None,
        end: datetime | None = None,
        page_limit: int | None = None,
        *,
        timeout: float | None = None,
    ) -> list[RobotPartHistoryEntry]:
        """Earlier states of a part, one entry per change, newest first.

        Args:
            robot_part_id: the part.
            start: keep only changes made at or after this time; None sets no lower bound.
            end: keep only changes made before this time; None sets no upper bound.
            page_limit: at most this many entries; None uses the server's default page size.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``RobotPartHistoryEntry`` (when, who edited, and the part as it was before).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.
            InvalidArgument: ``page_limit`` is negative.

        Examples:
            ```python
            fleet = viam_client.app_client
            history = await fleet.get_robot_part_history(part_id, page_limit=5)
            print([entry.when for entry in history])
            ```
        """
        response = await self._app_client.get_robot_part_history(
            GetRobotPartHistoryRequest(id=robot_part_id, start=start, end=end, page_limit=page_limit)
        )
        return [RobotPartHistoryEntry.from_proto(entry) for entry in response.history]

    async def update_robot_part(
        self,
        robot_part_id: str,
        name: str = "",
        robot_config: Mapping[str, Any] | None = None,
        last_known_update: datetime | None = None,
        robot_config_json: str | None = None,
        *,
        timeout: float | None = None,
    ) -> RobotPart:
        """Rename a part and, when ``robot_config`` is given, replace its config.

        Args:
            robot_part_id: the part.
            name: the new name; ``""`` keeps the current one (the SDK reads it first).
            robot_config: the new config as a dict; None keeps the current config.
            last_known_update: the ``last_updated`` of the part you read; when given, the update is
                refused if the part changed since then, so a concurrent edit is not overwritten.
            robot_config_json: the new config as JSON text instead (it wins over ``robot_config``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The updated ``RobotPart``.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part (owner role needed).
            AlreadyExists: the machine already has another part with that name.
            Aborted: the part changed since ``last_known_update``.
            InvalidArgument: ``robot_config_json`` is not a JSON object.

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.update_robot_part(part_id, "main", robot_config={"components": []})
            ```
        """
        if not name:
            name = (await self.get_robot_part(robot_part_id)).name
        response = await self._app_client.update_robot_part(
            UpdateRobotPartRequest(
                id=robot_part_id,
                name=name,
                robot_config=dict_to_struct(robot_config) if robot_config is not None else None,
                last_known_update=last_known_update,
                robot_config_json=robot_config_json or None,
            )
        )
        return RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())

    async def new_robot_part(self, robot_id: str, part_name: str, *, timeout: float | None = None) -> str:
        """Add a part to a machine (the main part if the machine has none).

        Args:
            robot_id: the machine.
            part_name: the new part's name, unique within the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The new part's ID.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.
            AlreadyExists: the machine already has a part with that name.
            InvalidArgument: ``part_name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            part_id = await fleet.new_robot_part(robot_id, "arm-controller")
            ```
        """
        response = await self._app_client.new_robot_part(NewRobotPartRequest(robot_id=robot_id, part_name=part_name))
        return response.part_id

    async def delete_robot_part(self, robot_part_id: str, *, timeout: float | None = None) -> None:
        """Delete a machine part.

        Args:
            robot_part_id: the part to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.
            FailedPrecondition: it is its machine's main part (mark another one as main first).

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_robot_part(spare_part_id)
            ```
        """
        await self._app_client.delete_robot_part(DeleteRobotPartRequest(part_id=robot_part_id))

    async def get_robot_api_keys(
        self, robot_id: str, *, timeout: float | None = None
    ) -> list[APIKeyWithAuthorizations]:
        """The API keys that reach a machine.

        Args:
            robot_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``APIKeyWithAuthorizations`` (each key and the roles it holds).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            keys = await fleet.get_robot_api_keys(robot_id)
            print([k.api_key.name for k in keys])
            ```
        """
        response = await self._app_client.get_robot_api_keys(GetRobotAPIKeysRequest(robot_id=robot_id))
        return list(response.api_keys)

    async def mark_part_as_main(self, robot_part_id: str, *, timeout: float | None = None) -> None:
        """Make a part its machine's main part (the former main part stops being one).

        Args:
            robot_part_id: the part to promote.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.mark_part_as_main(part_id)
            ```
        """
        await self._app_client.mark_part_as_main(MarkPartAsMainRequest(part_id=robot_part_id))

    async def mark_part_for_restart(self, robot_part_id: str, *, timeout: float | None = None) -> None:
        """Ask a part to restart the next time it checks in.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.mark_part_for_restart(part_id)
            ```
        """
        await self._app_client.mark_part_for_restart(MarkPartForRestartRequest(part_id=robot_part_id))

    async def create_robot_part_secret(
        self, robot_part_id: str, *, timeout: float | None = None
    ) -> RobotPart:
        """Add a secret to a part.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The ``RobotPart`` with all its secrets, the new one included.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            part = await fleet.create_robot_part_secret(part_id)
            newest = part.secrets[-1]
            ```
        """
        response = await self._app_client.create_robot_part_secret(CreateRobotPartSecretRequest(part_id=robot_part_id))
        return RobotPart.from_proto(response.part if response.part is not None else _RobotPartPB())

    async def delete_robot_part_secret(
        self, robot_part_id: str, secret_id: str, *, timeout: float | None = None
    ) -> None:
        """Remove one secret of a part.

        Args:
            robot_part_id: the part.
            secret_id: the ID of the secret to remove (from ``RobotPart.secrets``).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no part has that ID, or it has no such secret.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            old_secret = (await fleet.get_robot_part(part_id)).secrets[0]
            await fleet.delete_robot_part_secret(part_id, old_secret.id)
            ```
        """
        await self._app_client.delete_robot_part_secret(
            DeleteRobotPartSecretRequest(part_id=robot_part_id, secret_id=secret_id)
        )

    async def list_robots(
        self, location_id: str | None = None, *, timeout: float | None = None
    ) -> list[Robot]:
        """The machines of a location, ordered by name.

        Args:
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``Robot`` messages.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials do not reach the location.

        Examples:
            ```python
            fleet = viam_client.app_client
            robots = await fleet.list_robots(location_id)
            print([r.name for r in robots])
            ```
        """
        response = await self._app_client.list_robots(ListRobotsRequest(location_id=await self._location(location_id)))
        return list(response.robots)

    async def new_robot(
        self, name: str, location_id: str | None = None, *, timeout: float | None = None
    ) -> str:
        """Create a machine (with a main part named ``<name>-main``).

        Args:
            name: the machine's name, unique within its location.
            location_id: the location; None means the client's location (or the only one reached).
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The new machine's ID.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no location has that ID.
            PermissionDenied: the credentials may not add machines to the location.
            AlreadyExists: the location already has a machine with that name.
            InvalidArgument: ``name`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            machine_id = await fleet.new_robot("rover", location_id=lab.id)
            ```
        """
        response = await self._app_client.new_robot(NewRobotRequest(name=name, location=await self._location(location_id)))
        return response.id

    async def update_robot(
        self, robot_id: str, name: str, location_id: str | None = None, *, timeout: float | None = None
    ) -> Robot:
        """Rename a machine, or move it to another location.

        Args:
            robot_id: the machine.
            name: its new name.
            location_id: the location it should be in; None means the client's location.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The updated ``Robot`` message.

        Raises:
            ValueError: no ``location_id`` and none can be inferred.
            NotFound: no machine (or location) has that ID.
            PermissionDenied: the credentials may not change the machine or the target location.
            AlreadyExists: the location already has another machine with that name.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab = (await fleet.list_locations(org_id))[0]
            rover = await fleet.update_robot(robot_id, "rover-2", location_id=lab.id)
            ```
        """
        response = await self._app_client.update_robot(
            UpdateRobotRequest(id=robot_id, name=name, location=await self._location(location_id))
        )
        return response.robot if response.robot is not None else Robot()

    async def delete_robot(self, robot_id: str, *, timeout: float | None = None) -> None:
        """Delete a machine and its parts.

        Args:
            robot_id: the machine to delete.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.delete_robot(robot_id)
            ```
        """
        await self._app_client.delete_robot(DeleteRobotRequest(id=robot_id))

    async def list_robots_for_locations(
        self, location_ids: list[str], *, timeout: float | None = None
    ) -> list[Robot]:
        """The machines of several locations at once.

        Args:
            location_ids: the locations; each one is listed once even if repeated.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``Robot`` messages, location by location.

        Raises:
            NotFound: one of the locations does not exist.
            PermissionDenied: the credentials do not reach one of the locations.

        Examples:
            ```python
            fleet = viam_client.app_client
            lab, depot = (await fleet.list_locations(org_id))[:2]
            robots = await fleet.list_robots_for_locations([lab.id, depot.id])
            ```
        """
        response = await self._app_client.list_robots_for_locations(
            ListRobotsForLocationsRequest(location_ids=list(location_ids))
        )
        return list(response.robots)

    async def get_robot_metadata(self, robot_id: str, *, timeout: float | None = None) -> Mapping[str, Any]:
        """The user-defined metadata of a machine.

        Args:
            robot_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_robot_metadata(robot_id)
            ```
        """
        response = await self._app_client.get_robot_metadata(GetRobotMetadataRequest(id=robot_id))
        return struct_to_dict(response.data)

    async def update_robot_metadata(
        self, robot_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None
    ) -> None:
        """Replace a machine's user-defined metadata with ``metadata``.

        Args:
            robot_id: the machine.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials may not change the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_robot_metadata(robot_id, {"site": "north", "serial": 42})
            ```
        """
        await self._app_client.update_robot_metadata(
            UpdateRobotMetadataRequest(id=robot_id, data=dict_to_struct(metadata))
        )

    async def get_robot_part_metadata(
        self, robot_part_id: str, *, timeout: float | None = None
    ) -> Mapping[str, Any]:
        """The user-defined metadata of a machine part.

        Args:
            robot_part_id: the part.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            The metadata as a dict (empty when none was set).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials do not reach the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            meta = await fleet.get_robot_part_metadata(part_id)
            ```
        """
        response = await self._app_client.get_robot_part_metadata(GetRobotPartMetadataRequest(id=robot_part_id))
        return struct_to_dict(response.data)

    async def update_robot_part_metadata(
        self, robot_part_id: str, metadata: Mapping[str, Any], *, timeout: float | None = None
    ) -> None:
        """Replace a machine part's user-defined metadata with ``metadata``.

        Args:
            robot_part_id: the part.
            metadata: the new metadata (JSON-like values); it replaces the old one whole.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.update_robot_part_metadata(part_id, {"firmware": "1.4.2"})
            ```
        """
        await self._app_client.update_robot_part_metadata(
            UpdateRobotPartMetadataRequest(id=robot_part_id, data=dict_to_struct(metadata))
        )

    async def set_config_property(
        self, robot_part_id: str, property_changes: Mapping[str, Any], timeout: float | None = None
    ) -> list[ConfigPropertyChangeResult]:
        """Set single values inside a part's config, by dot-separated path.

        Args:
            robot_part_id: the part.
            property_changes: maps a path (``"components.0.attributes.pin"``) to its new value.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            One ``ConfigPropertyChangeResult`` per change (path, value, ``success`` and ``error``).

        Raises:
            NotFound: no part has that ID.
            PermissionDenied: the credentials may not change the part.
            InvalidArgument: ``property_changes`` is empty.

        Examples:
            ```python
            fleet = viam_client.app_client
            results = await fleet.set_config_property(part_id, {"network.bind_address": ":8081"})
            ```
        """
        changes = [ConfigPropertyChange(path=path, value=python_to_value(value)) for path, value in property_changes.items()]
        response = await self._app_client.set_config_property(
            SetConfigPropertyRequest(robot_part_id=robot_part_id, property_changes=changes), timeout=timeout
        )
        return list(response.property_changes)

    async def add_favorite_machine(self, machine_id: str, timeout: float | None = None) -> None:
        """Mark a machine as one of the caller's favourites (again is a no-op).

        Args:
            machine_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: no machine has that ID.
            PermissionDenied: the credentials do not reach the machine.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.add_favorite_machine(robot_id)
            ```
        """
        await self._app_client.add_favorite_machine(AddFavoriteMachineRequest(machine_id=machine_id), timeout=timeout)

    async def remove_favorite_machine(self, machine_id: str, timeout: float | None = None) -> None:
        """Take a machine off the caller's favourites.

        Args:
            machine_id: the machine.
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Raises:
            NotFound: the machine is not among the caller's favourites.

        Examples:
            ```python
            fleet = viam_client.app_client
            await fleet.remove_favorite_machine(robot_id)
            ```
        """
        await self._app_client.remove_favorite_machine(
            RemoveFavoriteMachineRequest(machine_id=machine_id), timeout=timeout
        )

    async def list_favorite_machines(self, timeout: float | None = None) -> list[FavoriteMachine]:
        """The caller's favourite machines, ordered by name.

        Args:
            timeout: seconds to wait for the reply; None waits as long as DialOptions allows.

        Returns:
            A list of ``FavoriteMachine`` (the machine, its organization, when it was marked).

        Raises:
            Unauthenticated: the credentials are not valid.

        Examples:
            ```python
            fleet = viam_client.app_client
            favourites = await fleet.list_favorite_machines()
            print([f.machine.name for f in favourites])
            ```
        """
        response = await self._app_client.list_favorite_machines(ListFavoriteMachinesRequest(), timeout=timeout)
        return list(response.favorites)
